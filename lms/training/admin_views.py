"""The admin screen that changes an institution's status, with a reason.

Mounted at ``/admin/training/institutions/<id>/status/`` by ``wagtail_hooks``. Only holders of
``training.change_institution_status`` reach it; everyone else gets the same 404 as for an
unknown id. The change itself is made by ``actions.check_change_institution_status``.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .actions import MAX_REASON_LENGTH, allowed_next_statuses, check_change_institution_status
from .policy import access_institution_for_status_change


class StatusChangeForm(forms.Form):
    new_status = forms.ChoiceField(label=gettext_lazy("New status"))
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=MAX_REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Shown in the history; a cancellation's reason is published."),
    )

    def __init__(self, *args, institution, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_status"].choices = [
            (status.value, status.label) for status in allowed_next_statuses(institution.status)
        ]


def change_institution_status(request, pk):
    institution = access_institution_for_status_change(request.user, pk)
    form = StatusChangeForm(request.POST or None, institution=institution)
    if request.method == "POST" and form.is_valid():
        try:
            check_change_institution_status(
                institution,
                form.cleaned_data["new_status"],
                reason=form.cleaned_data["reason"],
                acting_user=request.user,
            )
        except PermissionDenied:
            raise Http404(_("No such institution.")) from None
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(name)s is now %(status)s.")
                % {"name": institution.legal_name, "status": institution.get_status_display()},
            )
            return redirect(reverse("training_institution_status", args=[institution.pk]))
    history = institution.status_changes.select_related("changed_by")[:50]
    return TemplateResponse(
        request,
        "training/admin/change_institution_status.html",
        {
            "institution": institution,
            "form": form,
            "history": history,
            "can_change": bool(allowed_next_statuses(institution.status)),
            "page_title": _("Change status"),
            "page_subtitle": institution.legal_name,
            "header_icon": "tasks",
            "edit_url": reverse("wagtailsnippets_training_institution:edit", args=[institution.pk]),
        },
    )
