"""Answering the satisfaction evaluation form (电子商务培训学员满意度测评表).

The site form, the API and any later door call ``check_submit_evaluation``, so every answer is
validated the same way and saved the same way: all or nothing.

Anonymity is built into how an answer is saved. ``do_submit_evaluation`` writes three things in
one transaction: the trainee's ``EvaluationReceipt`` (who answered, and only the date), the
anonymous ``EvaluationResponse`` and its ``LecturerRating`` rows (what was answered, with no link
to the trainee). The audit row names the receipt, never the response. See docs/evaluation.md for
why response ids and their order are never shown anywhere.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lms.audit.actions import record
from lms.enrolment.models import ClassEnrolment
from lms.training.models import TrainingClass

from .models import EvaluationReceipt, EvaluationResponse, LecturerRating

# The form's rating questions about the class as a whole, in the paper form's order. The keys
# are the ``EvaluationResponse`` field names.
DIMENSIONS = [
    ("content", gettext_lazy("Training content")),
    ("organisation", gettext_lazy("Organisation and management")),
    ("venue", gettext_lazy("Venue and facilities")),
    ("practicality", gettext_lazy("Practicality")),
    ("overall", gettext_lazy("Overall satisfaction")),
]
DIMENSION_KEYS = [key for key, _label in DIMENSIONS]

# The five-point scale, from 1 (very dissatisfied) to 5 (very satisfied).
SCALE = [
    (1, gettext_lazy("Very dissatisfied")),
    (2, gettext_lazy("Dissatisfied")),
    (3, gettext_lazy("Neutral")),
    (4, gettext_lazy("Satisfied")),
    (5, gettext_lazy("Very satisfied")),
]
MIN_SCORE = 1
MAX_SCORE = 5

# The form is open while the class runs and after it ends. Before the class starts there is
# nothing to judge; once it is archived its training file is frozen, so answers must not change
# the figures in it any more.
OPEN_STATUSES = frozenset({TrainingClass.Status.IN_PROGRESS, TrainingClass.Status.FINISHED})

MAX_COMMENTS_LENGTH = 2000
MAX_LECTURER_COMMENT_LENGTH = 500  # LecturerRating.comment's max_length


def is_open(training_class):
    """Whether trainees may answer the form for ``training_class`` now."""
    return training_class.status in OPEN_STATUSES


def lecturer_field(lecturer_id):
    """The key of one lecturer's rating in forms and error dicts (``lecturer_<id>``)."""
    return f"lecturer_{lecturer_id}"


def lecturer_comment_field(lecturer_id):
    return f"lecturer_{lecturer_id}_comment"


def has_answered(enrolment):
    return EvaluationReceipt.objects.filter(enrolment=enrolment).exists()


def _already_answered_error():
    return ValidationError(
        _("You have already answered the evaluation for this class; answers cannot be changed."),
        code="already_answered",
    )


def _not_open_error(training_class):
    return ValidationError(
        _(
            "The evaluation is open only while the class is in progress and after it has "
            "finished. This class is %(status)s."
        )
        % {"status": training_class.get_status_display()},
        code="not_open",
    )


def refusal(training_class, enrolment):
    """Why ``enrolment`` cannot answer now (a ``ValidationError``: not open, or already
    answered), or None. Pages use it to explain instead of showing the form."""
    if not is_open(training_class):
        return _not_open_error(training_class)
    if has_answered(enrolment):
        return _already_answered_error()
    return None


def _clean_score(value):
    """An int from 1 to 5, or None. Accepts ints and strings of digits (form posts)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        if not value.isdigit():
            return None
        value = int(value)
    if not isinstance(value, int) or not MIN_SCORE <= value <= MAX_SCORE:
        return None
    return value


def _clean_text(value, max_length, key, errors):
    if value is None:
        return ""
    if not isinstance(value, str):
        errors[key] = [_("Write the comment as text.")]
        return ""
    value = value.strip()
    if len(value) > max_length:
        errors[key] = [
            _("Write at most %(n)d characters (you wrote %(count)d).")
            % {"n": max_length, "count": len(value)}
        ]
    return value


def clean_answers(training_class, answers):
    """Validate ``answers`` against the form of ``training_class``; return them cleaned.

    ``answers`` is a dict::

        {"content": 4, "organisation": 5, "venue": 3, "practicality": 4, "overall": 5,
         "comments": "...",
         "lecturers": [{"lecturer_id": 7, "score": 5, "comment": "..."}, ...]}

    Every rating must be a whole number from 1 to 5, and every lecturer of the class must be
    rated exactly once; lecturers from outside the class are refused. Raises one
    ``ValidationError`` keyed by field (``content``..., ``comments``, ``lecturer_<id>``,
    ``lecturer_<id>_comment``, ``lecturers``) listing every problem at once.
    """
    if not isinstance(answers, dict):
        raise ValidationError(_("The answers are not in the expected form."), code="invalid")
    errors = {}
    cleaned = {}
    for key, _label in DIMENSIONS:
        score = _clean_score(answers.get(key))
        if score is None:
            errors[key] = [_("Choose a rating from 1 (very dissatisfied) to 5 (very satisfied).")]
        cleaned[key] = score
    cleaned["comments"] = _clean_text(
        answers.get("comments"), MAX_COMMENTS_LENGTH, "comments", errors
    )

    class_lecturers = {
        lecturer.pk: lecturer for lecturer in training_class.lecturers.order_by("name", "pk")
    }
    given = answers.get("lecturers") or []
    if not isinstance(given, list | tuple):
        given = None
    ratings = {}
    strangers = False
    for item in given or []:
        lecturer_id = item.get("lecturer_id") if isinstance(item, dict) else None
        if isinstance(lecturer_id, str) and lecturer_id.strip().isdigit():
            lecturer_id = int(lecturer_id)
        if (
            not isinstance(lecturer_id, int)
            or isinstance(lecturer_id, bool)
            or lecturer_id not in class_lecturers
        ):
            strangers = True
            continue
        if lecturer_id in ratings:
            errors["lecturers"] = [_("Rate each lecturer only once.")]
            continue
        score = _clean_score(item.get("score"))
        if score is None:
            errors[lecturer_field(lecturer_id)] = [
                _("Choose a rating from 1 (very dissatisfied) to 5 (very satisfied).")
            ]
        comment = _clean_text(
            item.get("comment"),
            MAX_LECTURER_COMMENT_LENGTH,
            lecturer_comment_field(lecturer_id),
            errors,
        )
        ratings[lecturer_id] = (score, comment)
    if given is None or strangers:
        errors["lecturers"] = [_("Rate only the lecturers of this class.")]
    for lecturer_id in class_lecturers:
        if lecturer_id not in ratings:
            errors[lecturer_field(lecturer_id)] = [
                _("Rate this lecturer from 1 (very dissatisfied) to 5 (very satisfied).")
            ]
    if errors:
        raise ValidationError(errors)
    cleaned["lecturers"] = [
        {"lecturer_id": lecturer_id, "score": score, "comment": comment}
        for lecturer_id, (score, comment) in ratings.items()
    ]
    return cleaned


def check_submit_evaluation(training_class, enrolment, answers, *, acting_user=None):
    """Authorise and validate one trainee's answers, then save them with
    ``do_submit_evaluation``. Returns the ``EvaluationReceipt``.

    ``enrolment`` must be an enrolled place in ``training_class`` and belong to
    ``acting_user`` when one is given (``PermissionDenied`` otherwise). ``ValidationError``
    when the form is not open, when the trainee has already answered (code
    ``already_answered``) or for bad answers (see ``clean_answers``). Nothing is saved on error.
    """
    if (
        enrolment is None
        or enrolment.training_class_id != training_class.pk
        or enrolment.status != ClassEnrolment.Status.ENROLLED
    ):
        raise PermissionDenied(_("Only trainees enrolled in this class can answer its evaluation."))
    if acting_user is not None and enrolment.profile.user_id != acting_user.pk:
        raise PermissionDenied(_("Only trainees enrolled in this class can answer its evaluation."))
    problem = refusal(training_class, enrolment)
    if problem is not None:
        raise problem
    cleaned = clean_answers(training_class, answers)
    return do_submit_evaluation(training_class, enrolment, cleaned, acting_user=acting_user)


def do_submit_evaluation(training_class, enrolment, cleaned, *, acting_user=None):
    """Save cleaned answers: the receipt first, then the anonymous answer, atomically.

    The class row is locked and its status read again, so the class cannot be archived while
    an answer is being saved. The receipt is created first inside the transaction: when two
    submissions from one trainee race, the receipt's unique constraint lets exactly one win and
    the other raises ``ValidationError`` (``already_answered``) with nothing saved.
    """
    with transaction.atomic():
        locked = (
            TrainingClass.objects.select_for_update().only("pk", "status").get(pk=training_class.pk)
        )
        if not is_open(locked):
            raise _not_open_error(locked)
        try:
            with transaction.atomic():
                receipt = EvaluationReceipt.objects.create(
                    enrolment=enrolment,
                    training_class=training_class,
                    submitted_on=timezone.localdate(),
                )
        except IntegrityError:
            raise _already_answered_error() from None
        response = EvaluationResponse.objects.create(
            training_class=training_class,
            comments=cleaned["comments"],
            **{key: cleaned[key] for key in DIMENSION_KEYS},
        )
        LecturerRating.objects.bulk_create(
            LecturerRating(
                response=response,
                lecturer_id=item["lecturer_id"],
                score=item["score"],
                comment=item["comment"],
            )
            for item in cleaned["lecturers"]
        )
        # The audit names the receipt (who answered, which everyone allowed to know that knows
        # anyway), never the anonymous response or what was answered.
        record(
            "evaluation.answered",
            receipt,
            actor=acting_user if acting_user is not None else enrolment.profile.user,
            changes={"training_class": [None, training_class.pk]},
        )
    return receipt
