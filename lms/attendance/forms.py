"""Forms of the attendance pages. They only shape input; the rules are in ``actions``."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .actions import MAX_REASON_LENGTH, Mark, reason_field, status_field
from .models import AttendanceRecord

Status = AttendanceRecord.Status


def apply_errors(form, error):
    """Put an action's ``ValidationError`` on ``form``: on the field it names, else on top."""
    if hasattr(error, "error_dict"):
        for key, errors in error.error_dict.items():
            target = key if key in form.fields else None
            for item in errors:
                form.add_error(target, item)
    else:
        for message in error.messages:
            form.add_error(None, message)


class RosterForm(forms.Form):
    """One status (and an optional reason) per enrolled trainee of a session.

    A trainee without a mark may be left blank; a trainee with a mark always has one chosen
    (the current mark by default), and changing it needs a reason.
    """

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            enrolment, current = row["enrolment"], row["record"]
            choices = list(Status.choices)
            if current is None:
                choices = [("", _("Not marked")), *choices]
            self.fields[status_field(enrolment.pk)] = forms.ChoiceField(
                label=enrolment.profile.real_name,
                choices=choices,
                required=False,
                initial=current.status if current is not None else "",
                widget=forms.RadioSelect,
            )
            self.fields[reason_field(enrolment.pk)] = forms.CharField(
                label=_("Reason for the change"),
                required=False,
                max_length=MAX_REASON_LENGTH,
                widget=forms.TextInput(attrs={"autocomplete": "off"}),
            )

    def bound_rows(self):
        """Rows with their bound fields, for the template."""
        for row in self.rows:
            pk = row["enrolment"].pk
            yield {
                **row,
                "status_field": self[status_field(pk)],
                "reason_field": self[reason_field(pk)],
            }

    def marks(self):
        """``Mark`` per trainee given a status; blank ones are left out."""
        marks = []
        for row in self.rows:
            pk = row["enrolment"].pk
            status = self.cleaned_data.get(status_field(pk))
            if status:
                marks.append(Mark(pk, status, self.cleaned_data.get(reason_field(pk), "")))
        return marks


class CheckInForm(forms.Form):
    """The confirm button on the check-in page carries the scanned session and code."""

    s = forms.IntegerField(widget=forms.HiddenInput)
    c = forms.CharField(max_length=64, widget=forms.HiddenInput)


class SessionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, session):
        return (
            f"{session.date:%Y-%m-%d} {session.starts_at:%H:%M}-{session.ends_at:%H:%M} "
            f"{session.title}"
        )


class LeaveRequestForm(forms.Form):
    sessions = SessionChoiceField(
        label=_("Sessions"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Sessions that have not started yet."),
        error_messages={"required": _("Choose at least one session.")},
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=MAX_REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Give the reason for your leave.")},
    )

    def __init__(self, *args, sessions, **kwargs):
        super().__init__(*args, **kwargs)
        from lms.training.models import ClassSession

        self.fields["sessions"].queryset = ClassSession.objects.filter(
            pk__in=[s.pk for s in sessions]
        ).order_by("date", "starts_at", "pk")


class LeaveDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("reject", _("Reject"))],
    )
    comment = forms.CharField(
        label=_("Comments"),
        required=False,
        max_length=MAX_REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed when you reject the request."),
    )
