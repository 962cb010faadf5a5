"""Wagtail's user editor, adjusted for the programme.

Many trainees and village cadres have no e-mail address, so e-mail is
optional; names are asked family name first, the Chinese order.
"""

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.users.forms import UserCreationForm, UserEditForm
from wagtail.users.views.users import UserViewSet


class OptionalEmailMixin(forms.Form):
    email = forms.EmailField(required=False, label=_("Email"))


class ProgrammeUserCreationForm(OptionalEmailMixin, UserCreationForm):
    pass


class ProgrammeUserEditForm(OptionalEmailMixin, UserEditForm):
    pass


class ProgrammeUserViewSet(UserViewSet):
    def get_form_class(self, for_update=False):
        return ProgrammeUserEditForm if for_update else ProgrammeUserCreationForm
