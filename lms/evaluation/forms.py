"""The satisfaction evaluation form on the site: one radio scale per question and lecturer.

The form only shapes the page and the posted values; every rule is checked again by
``actions.check_submit_evaluation``, whose errors come back keyed by these field names.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from .actions import (
    DIMENSIONS,
    MAX_COMMENTS_LENGTH,
    MAX_LECTURER_COMMENT_LENGTH,
    SCALE,
    lecturer_comment_field,
    lecturer_field,
)

RATING_REQUIRED = _("Choose a rating from 1 (very dissatisfied) to 5 (very satisfied).")


def _rating_field(label):
    return forms.TypedChoiceField(
        label=label,
        choices=[(str(value), text) for value, text in SCALE],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": RATING_REQUIRED, "invalid_choice": RATING_REQUIRED},
    )


class EvaluationForm(forms.Form):
    """Fields: the five dimensions, ``lecturer_<id>`` and ``lecturer_<id>_comment`` per
    lecturer of the class, and ``comments``."""

    def __init__(self, *args, lecturers, **kwargs):
        super().__init__(*args, **kwargs)
        self.lecturers = list(lecturers)
        for key, label in DIMENSIONS:
            self.fields[key] = _rating_field(label)
        for lecturer in self.lecturers:
            self.fields[lecturer_field(lecturer.pk)] = _rating_field(lecturer.name)
            self.fields[lecturer_comment_field(lecturer.pk)] = forms.CharField(
                label=_("Comment on %(name)s (optional)") % {"name": lecturer.name},
                required=False,
                max_length=MAX_LECTURER_COMMENT_LENGTH,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        self.fields["comments"] = forms.CharField(
            label=_("Comments and suggestions"),
            required=False,
            max_length=MAX_COMMENTS_LENGTH,
            widget=forms.Textarea(attrs={"rows": 5}),
            help_text=_("Optional. What went well, and what should the institution improve?"),
        )

    def dimension_fields(self):
        return [self[key] for key, _label in DIMENSIONS]

    def lecturer_rows(self):
        return [
            {
                "lecturer": lecturer,
                "rating": self[lecturer_field(lecturer.pk)],
                "comment": self[lecturer_comment_field(lecturer.pk)],
            }
            for lecturer in self.lecturers
        ]

    def answers(self):
        """The cleaned data in the shape ``actions.clean_answers`` takes."""
        data = self.cleaned_data
        answers = {key: data.get(key) for key, _label in DIMENSIONS}
        answers["comments"] = data.get("comments", "")
        answers["lecturers"] = [
            {
                "lecturer_id": lecturer.pk,
                "score": data.get(lecturer_field(lecturer.pk)),
                "comment": data.get(lecturer_comment_field(lecturer.pk), ""),
            }
            for lecturer in self.lecturers
        ]
        return answers

    def add_action_errors(self, error):
        """Put an action's ``ValidationError`` on the matching fields (or the whole form)."""
        if hasattr(error, "error_dict"):
            for key, messages in error.message_dict.items():
                self.add_error(key if key in self.fields else None, messages)
        else:
            self.add_error(None, error.messages)
