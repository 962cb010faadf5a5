"""The teachers' side of exams: assigning an exam to a class, extra time, the grading queue.

Who may act: the class's head teacher and lecturers, and administrators
(``assessments.policy.teaches_class``); anyone else gets the same 404 as for an unknown id.

- An exam may be set before a class when its course is one of the courses of the class's plan.
  Its times may be changed, and the assignment removed, only until the first trainee starts.
- Extra time (1-600 minutes, per enrolled trainee) counts for attempts started afterwards and
  moves the deadline of an open attempt to the earlier of start + limit + extra and the close.
- The grading queue holds the short-answer and practical questions of submitted attempts that
  have no score yet, oldest submission first. A grade is a score per rubric criterion (0 to the
  criterion's points); the answer's score is their sum, scaled to the question's points when
  the rubric's points add up to something else. After each grade the attempt is finalised
  (``attempts.do_finalise_attempt``), which makes it graded once every answer has a score.
  Regrading needs a reason. Every change is audited.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.audit.actions import record
from lms.enrolment.models import ClassEnrolment
from lms.training.models import TrainingClass
from lms.training.policy import is_administrator

from ..models import (
    Answer,
    Attempt,
    AttemptQuestion,
    Exam,
    ExamAssignment,
    ExtraTime,
    QuestionKind,
)
from ..policy import teaches_class

MANUAL_KINDS = (QuestionKind.SHORT_ANSWER, QuestionKind.PRACTICAL)
MAX_EXTRA_MINUTES = 600
# An exam stays open at most this long: a longer window is almost always a typing mistake.
LONGEST_WINDOW = datetime.timedelta(days=90)
CENT = Decimal("0.01")
MAX_COMMENT_CHARS = 5000
MAX_REASON_CHARS = 500


# --- Access ----------------------------------------------------------------------------------


def classes_taught_by(user):
    """The classes whose exams ``user`` assigns and grades (every class for administrators)."""
    if is_administrator(user):
        return TrainingClass.objects.all()
    if not getattr(user, "is_authenticated", False):
        return TrainingClass.objects.none()
    return TrainingClass.objects.filter(Q(head_teacher=user) | Q(lecturers__user=user)).distinct()


def access_class_as_teacher(user, class_id):
    """The class if ``user`` teaches it; the same 404 for unknown and other classes."""
    try:
        training_class = TrainingClass.objects.select_related("plan", "institution").get(
            pk=int(class_id)
        )
    except (TrainingClass.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("No such class.")) from None
    if not teaches_class(user, training_class):
        raise Http404(_("No such class."))
    return training_class


def exams_for_class(training_class):
    """Exams that may be set before the class: those of its plan's courses."""
    course_ids = training_class.plan.courses.values("pk")
    return Exam.objects.filter(course_id__in=course_ids).order_by("title", "pk")


def access_queue_item(user, item_id, *, for_update=False):
    """A short-answer or practical question of a submitted or graded attempt in a class
    ``user`` teaches. An objective question, an attempt still in progress, another class's
    item or an unknown id all get the same 404."""
    queryset = AttemptQuestion.objects.select_related(
        "question",
        "attempt__assignment__exam",
        "attempt__assignment__training_class",
        "attempt__user",
    )
    try:
        item = queryset.get(
            pk=int(item_id),
            question__kind__in=MANUAL_KINDS,
            attempt__status__in=[Attempt.Status.SUBMITTED, Attempt.Status.GRADED],
        )
    except (AttemptQuestion.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("No such answer.")) from None
    if not teaches_class(user, item.attempt.assignment.training_class):
        raise Http404(_("No such answer."))
    return item


# --- Assigning an exam to a class -------------------------------------------------------------


def _check_times(opens_at, closes_at):
    if opens_at is None or closes_at is None:
        raise ValidationError(_("Give both the opening and the closing time."))
    if closes_at <= opens_at:
        raise ValidationError(_("The exam must close after it opens."))
    if closes_at - opens_at > LONGEST_WINDOW:
        raise ValidationError(
            _("An exam can stay open for at most %(days)d days.") % {"days": LONGEST_WINDOW.days}
        )


def has_started(assignment):
    return Attempt.objects.filter(assignment=assignment).exists()


def check_assign_exam(
    training_class, exam, *, opens_at, closes_at, counts_for_completion, acting_user
):
    if not teaches_class(acting_user, training_class):
        raise Http404(_("No such class."))
    if exam is None or not exams_for_class(training_class).filter(pk=exam.pk).exists():
        raise ValidationError(_("Choose an exam of one of the courses of this class's plan."))
    _check_times(opens_at, closes_at)
    already = ValidationError(_("This exam is already set for this class."))
    if ExamAssignment.objects.filter(exam=exam, training_class=training_class).exists():
        raise already
    try:
        return do_assign_exam(
            training_class,
            exam,
            opens_at=opens_at,
            closes_at=closes_at,
            counts_for_completion=counts_for_completion,
            acting_user=acting_user,
        )
    except IntegrityError:
        # The same form sent twice at once (a double tap): the database keeps one.
        raise already from None


@transaction.atomic
def do_assign_exam(
    training_class, exam, *, opens_at, closes_at, counts_for_completion, acting_user
):
    """Set ``exam`` before ``training_class`` between two times (audited)."""
    assignment = ExamAssignment.objects.create(
        exam=exam,
        training_class=training_class,
        opens_at=opens_at,
        closes_at=closes_at,
        counts_for_completion=counts_for_completion,
        assigned_by=acting_user,
    )
    record(
        "exam.assigned",
        assignment,
        actor=acting_user,
        changes={
            "exam": exam.pk,
            "training_class": training_class.pk,
            "opens_at": opens_at.isoformat(),
            "closes_at": closes_at.isoformat(),
            "counts_for_completion": counts_for_completion,
        },
    )
    return assignment


def check_change_assignment(assignment, *, opens_at, closes_at, counts_for_completion, acting_user):
    """Change an assignment's times (and whether it counts) until the first trainee starts."""
    if not teaches_class(acting_user, assignment.training_class):
        raise Http404(_("No such exam."))
    _check_times(opens_at, closes_at)
    with transaction.atomic():
        assignment = ExamAssignment.objects.select_for_update().get(pk=assignment.pk)
        if has_started(assignment):
            raise ValidationError(
                _("A trainee has already started this exam: its times can no longer change.")
            )
        before = {
            "opens_at": assignment.opens_at.isoformat(),
            "closes_at": assignment.closes_at.isoformat(),
            "counts_for_completion": assignment.counts_for_completion,
        }
        assignment.opens_at = opens_at
        assignment.closes_at = closes_at
        assignment.counts_for_completion = counts_for_completion
        assignment.save(update_fields=["opens_at", "closes_at", "counts_for_completion"])
        after = {
            "opens_at": opens_at.isoformat(),
            "closes_at": closes_at.isoformat(),
            "counts_for_completion": counts_for_completion,
        }
        record(
            "exam.assignment_changed",
            assignment,
            actor=acting_user,
            changes={k: [before[k], after[k]] for k in after if before[k] != after[k]},
        )
    return assignment


def check_remove_assignment(assignment, *, acting_user):
    """Take an exam away from a class; refused once a trainee has started it."""
    if not teaches_class(acting_user, assignment.training_class):
        raise Http404(_("No such exam."))
    with transaction.atomic():
        assignment = ExamAssignment.objects.select_for_update().get(pk=assignment.pk)
        if has_started(assignment):
            raise ValidationError(
                _("A trainee has already started this exam: it can no longer be removed.")
            )
        record(
            "exam.assignment_removed",
            assignment,
            actor=acting_user,
            changes={"exam": assignment.exam_id, "training_class": assignment.training_class_id},
        )
        assignment.delete()


# --- Extra time ------------------------------------------------------------------------------


def enrolled_user_ids(training_class):
    return set(
        ClassEnrolment.objects.filter(
            training_class=training_class,
            status=ClassEnrolment.Status.ENROLLED,
            profile__user__isnull=False,
        ).values_list("profile__user_id", flat=True)
    )


def deadline_for(assignment, started_at, extra_minutes):
    """The earlier of start + limit + extra time and the closing time."""
    minutes = assignment.exam.time_limit_minutes + (extra_minutes or 0)
    return min(started_at + datetime.timedelta(minutes=minutes), assignment.closes_at)


def _move_open_deadlines(assignment, user_id, extra_minutes):
    moved = []
    open_attempts = Attempt.objects.select_for_update().filter(
        assignment=assignment, user_id=user_id, status=Attempt.Status.IN_PROGRESS
    )
    for attempt in open_attempts:
        deadline = deadline_for(assignment, attempt.started_at, extra_minutes)
        if deadline != attempt.deadline:
            moved.append([attempt.pk, attempt.deadline.isoformat(), deadline.isoformat()])
            attempt.deadline = deadline
            attempt.save(update_fields=["deadline"])
    return moved


def _parse_minutes(minutes):
    try:
        minutes = int(minutes)
    except (TypeError, ValueError):
        minutes = 0
    if not 1 <= minutes <= MAX_EXTRA_MINUTES:
        raise ValidationError(
            _("Extra time must be between 1 and %(max)d minutes.") % {"max": MAX_EXTRA_MINUTES}
        )
    return minutes


def check_set_extra_time(assignment, user_id, minutes, reason, *, acting_user):
    """Give an enrolled trainee extra minutes; open attempts get their deadline moved."""
    if not teaches_class(acting_user, assignment.training_class):
        raise Http404(_("No such exam."))
    minutes = _parse_minutes(minutes)
    reason = (reason or "").strip()
    if len(reason) > 200:
        raise ValidationError(_("Keep the reason under 200 characters."))
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        user_id = None
    if user_id not in enrolled_user_ids(assignment.training_class):
        raise ValidationError(_("Choose a trainee enrolled in this class."))
    return do_set_extra_time(assignment, user_id, minutes, reason, acting_user=acting_user)


@transaction.atomic
def do_set_extra_time(assignment, user_id, minutes, reason, *, acting_user):
    extra, created = ExtraTime.objects.select_for_update().get_or_create(
        assignment=assignment, user_id=user_id, defaults={"minutes": minutes, "reason": reason}
    )
    before = None if created else extra.minutes
    if not created:
        extra.minutes = minutes
        extra.reason = reason
        extra.save(update_fields=["minutes", "reason"])
    moved = _move_open_deadlines(assignment, user_id, minutes)
    record(
        "exam.extra_time_set",
        assignment,
        actor=acting_user,
        changes={"user": user_id, "minutes": [before, minutes], "deadlines_moved": moved},
        reason=reason,
    )
    return extra


def check_remove_extra_time(assignment, user_id, *, acting_user):
    if not teaches_class(acting_user, assignment.training_class):
        raise Http404(_("No such exam."))
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        raise Http404(_("No such extra time.")) from None
    with transaction.atomic():
        extra = (
            ExtraTime.objects.select_for_update()
            .filter(assignment=assignment, user_id=user_id)
            .first()
        )
        if extra is None:
            raise Http404(_("No such extra time."))
        moved = _move_open_deadlines(assignment, extra.user_id, 0)
        record(
            "exam.extra_time_removed",
            assignment,
            actor=acting_user,
            changes={
                "user": extra.user_id,
                "minutes": [extra.minutes, None],
                "deadlines_moved": moved,
            },
        )
        extra.delete()


# --- The grading queue -----------------------------------------------------------------------


def grading_queue(user):
    """Short-answer and practical questions waiting for a score, oldest submission first."""
    return (
        AttemptQuestion.objects.filter(
            question__kind__in=MANUAL_KINDS,
            attempt__status=Attempt.Status.SUBMITTED,
            attempt__assignment__training_class__in=classes_taught_by(user).values("pk"),
        )
        .filter(Q(answer__isnull=True) | Q(answer__score__isnull=True))
        .select_related(
            "question",
            "attempt__assignment__exam",
            "attempt__assignment__training_class",
            "attempt__user",
        )
        .order_by("attempt__submitted_at", "attempt_id", "position")
    )


def rubric_of(item):
    """``[(criterion, points)]`` of the item's question; one overall score without a rubric."""
    rows = []
    for row in item.question.rubric or []:
        try:
            points = Decimal(str(row.get("points")))
        except (InvalidOperation, AttributeError):
            continue
        if points > 0:
            rows.append((str(row.get("criterion", "")), points))
    return rows or [(_("Score"), item.points)]


def _parse_scores(rubric, scores):
    if len(scores) != len(rubric):
        raise ValidationError(_("Give a score for every criterion of the rubric."))
    parsed = []
    for (criterion, points), raw in zip(rubric, scores, strict=True):
        try:
            value = Decimal(str(raw if raw is not None else "").strip())
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite():
            raise ValidationError(
                _("The score for “%(criterion)s” is not a number.") % {"criterion": criterion}
            )
        # The range first: rounding a huge number (1e30) to cents is itself an error.
        if value < 0 or value > points:
            raise ValidationError(
                _("The score for “%(criterion)s” must be between 0 and %(points)s.")
                % {"criterion": criterion, "points": points}
            )
        if value != value.quantize(CENT):
            raise ValidationError(_("Scores have at most two decimal places."))
        parsed.append(value.quantize(CENT))
    return parsed


def _check_lengths(comment, reason):
    if len(comment) > MAX_COMMENT_CHARS:
        raise ValidationError(
            _("Keep the comment under %(n)d characters.") % {"n": MAX_COMMENT_CHARS}
        )
    if len(reason) > MAX_REASON_CHARS:
        raise ValidationError(
            _("Keep the reason under %(n)d characters.") % {"n": MAX_REASON_CHARS}
        )


def answer_score(item, parsed_scores, rubric):
    """The answer's score: the criteria's sum, scaled to the question's points if need be."""
    total = sum(parsed_scores, Decimal("0"))
    rubric_total = sum((points for _c, points in rubric), Decimal("0"))
    if rubric_total != item.points:
        total = total * item.points / rubric_total
    return total.quantize(CENT, rounding=ROUND_HALF_UP)


def check_grade_answer(item, scores, comment="", *, acting_user, reason=""):
    """Grade (or regrade, with a reason) one answer and finalise its attempt.

    ``scores`` holds one value per rubric criterion, in the rubric's order.
    """
    from .attempts import do_finalise_attempt

    item = access_queue_item(acting_user, item.pk)
    rubric = rubric_of(item)
    parsed = _parse_scores(rubric, scores)
    comment = (comment or "").strip()
    reason = (reason or "").strip()
    _check_lengths(comment, reason)
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().get(pk=item.attempt_id)
        if attempt.status not in (Attempt.Status.SUBMITTED, Attempt.Status.GRADED):
            raise Http404(_("No such answer."))
        answer, _created = Answer.objects.select_for_update().get_or_create(item=item)
        regrade = answer.score is not None
        if regrade and not reason:
            raise ValidationError(_("This answer is graded already: give a reason to regrade it."))
        before = {"score": answer.score, "rubric_scores": answer.rubric_scores}
        score = answer_score(item, parsed, rubric)
        answer.score = score
        answer.rubric_scores = [
            {"criterion": criterion, "points": str(points), "score": str(value)}
            for (criterion, points), value in zip(rubric, parsed, strict=True)
        ]
        answer.comment = comment
        answer.graded_by = acting_user
        answer.graded_at = timezone.now()
        answer.save(update_fields=["score", "rubric_scores", "comment", "graded_by", "graded_at"])
        record(
            "exam.answer_regraded" if regrade else "exam.answer_graded",
            answer,
            actor=acting_user,
            changes={
                "attempt": attempt.pk,
                "score": [before["score"], score],
                "rubric_scores": [before["rubric_scores"], answer.rubric_scores],
            },
            reason=reason,
        )
        do_finalise_attempt(attempt)
    return answer


def next_in_queue(user, *, after=None):
    """The oldest waiting item, skipping ``after`` (the one just graded)."""
    queue = grading_queue(user)
    if after is not None:
        queue = queue.exclude(pk=after.pk)
    return queue.first()
