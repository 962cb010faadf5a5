"""Forms for registering candidates, deciding applications and importing files.

The forms only read input; the rules are checked by ``lms.enrolment.actions``, whose errors
``add_action_errors`` puts back on the form next to the right field.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from lms.accounts.models import Region, TraineeProfile
from lms.accounts.validators import normalise_id_number

from .actions import MAX_REASON_LENGTH
from .importing import MAX_FILE_BYTES
from .models import ClassEnrolment

NEW_PERSON_FIELDS = [name for name in TraineeProfile.DETAIL_FIELDS if name != "date_of_birth"]


def add_action_errors(form, error):
    """Attach an action's ``ValidationError`` to ``form``: by field where the form has it."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _override_field():
    return forms.CharField(
        label=_("Reason for admitting despite the rules"),
        required=False,
        max_length=MAX_REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Only if the person does not meet the class's rules and you admit them anyway; "
            "the reason is recorded."
        ),
    )


class VillageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.full_name


def villages_for_choice(village_ids=None):
    """Villages to choose from (only ``village_ids`` when given), with their parents loaded."""
    villages = Region.objects.filter(level=Region.Level.VILLAGE).select_related("parent__parent")
    if village_ids is not None:
        villages = villages.filter(pk__in=village_ids)
    return villages.order_by("code")


class ExistingPersonForm(forms.Form):
    """Enrol someone already registered, found by their full ID number."""

    id_number = forms.CharField(
        label=_("ID number"),
        max_length=30,
        help_text=_("The person's full 18-character ID number."),
    )

    def __init__(self, *args, can_override=False, **kwargs):
        super().__init__(*args, **kwargs)
        if can_override:
            self.fields["override_reason"] = _override_field()

    def clean_id_number(self):
        return normalise_id_number(self.cleaned_data["id_number"])


class NewPersonForm(forms.Form):
    """Register a new person and enrol them; the date of birth is read from the ID number."""

    def __init__(self, *args, villages, can_override=False, **kwargs):
        super().__init__(*args, **kwargs)
        for name in NEW_PERSON_FIELDS:
            if name == "village":
                model_field = TraineeProfile._meta.get_field(name)
                self.fields[name] = VillageChoiceField(
                    queryset=villages, label=capfirst(model_field.verbose_name)
                )
            else:
                self.fields[name] = TraineeProfile._meta.get_field(name).formfield()
        if can_override:
            self.fields["override_reason"] = _override_field()


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=MAX_REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The trainee sees this reason."),
    )


class ConfirmForm(forms.Form):
    def __init__(self, *args, can_override=False, **kwargs):
        super().__init__(*args, **kwargs)
        if can_override:
            self.fields["override_reason"] = _override_field()


class CommitteeForm(forms.Form):
    role = forms.ChoiceField(
        label=_("Class committee"),
        required=False,
        choices=[("", _("No role")), *ClassEnrolment.CommitteeRole.choices],
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("The filled-in template: .xlsx or .csv, at most 2 MB and 500 rows."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise ValidationError(_("The file is larger than 2 MB; split it into smaller files."))
        return upload
