"""Enrolment in courses and learning progress. Views, API and admin all call these.

Progress rows change many times a minute while a trainee reads, from several
tabs or a phone and a computer at once. Time is added with ``F()`` in one
``UPDATE``, so two writers never overwrite each other's seconds, and the row is
created under the ``(user, lesson)`` unique constraint, so a race to create it
ends in one row. Enrolment changes are audited; progress is the trainee's own
learner record and is not.
"""

import re

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.audit.actions import record

from .models import CourseEnrolment, LessonProgress
from .progress import continue_lesson, course_completion  # noqa: F401  (read helpers)

# One report covers at most an hour: a tab left open overnight must not count as study.
MAX_SECONDS_PER_REPORT = 3600
POSITION_MAX_LENGTH = 100
# A position is an anchor in the lesson (e.g. "block-<uuid>"), echoed into links.
POSITION_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]*$")


def do_enrol_in_course(user, course, *, acting_user):
    """Let ``user`` study ``course``; idempotent. Audited."""
    with transaction.atomic():
        enrolment, created = CourseEnrolment.objects.get_or_create(
            user=user, course=course, defaults={"assigned_by": acting_user}
        )
        if created:
            record(
                "course_enrolment.created",
                enrolment,
                actor=acting_user,
                changes={"user": [None, user.pk], "course": [None, course.pk]},
            )
    return enrolment


def do_unenrol_from_course(enrolment, *, acting_user):
    """Withdraw an enrolment. Audited.

    The trainee's lesson progress is kept: it is their record of what they did, and it is
    there again if they are enrolled once more.
    """
    with transaction.atomic():
        record(
            "course_enrolment.deleted",
            enrolment,
            actor=acting_user,
            changes={"user": [enrolment.user_id, None], "course": [enrolment.course_id, None]},
        )
        enrolment.delete()


def clean_seconds(seconds):
    """Seconds reported by a client as an int in ``0..MAX_SECONDS_PER_REPORT``.

    Negative or non-numeric values are refused; large ones are clamped, so a tab left
    open all night adds at most an hour.
    """
    if isinstance(seconds, bool):
        seconds = None
    try:
        value = int(seconds)
    except (TypeError, ValueError):
        raise ValidationError(
            {"seconds": _("Seconds must be a whole number.")}, code="invalid"
        ) from None
    if value < 0:
        raise ValidationError({"seconds": _("Seconds cannot be negative.")}, code="negative")
    return min(value, MAX_SECONDS_PER_REPORT)


def clean_position(position):
    """A position of at most 100 letters, digits, ``_ . : -``; blank means "unchanged"."""
    position = (position or "").strip()
    if len(position) > POSITION_MAX_LENGTH or not POSITION_PATTERN.match(position):
        raise ValidationError(
            {
                "position": _(
                    "The position must be at most 100 letters, digits, dots, colons, "
                    "hyphens or underscores."
                )
            },
            code="invalid",
        )
    return position


def _course_id_of(lesson):
    """The id of the lesson's course: its parent page (the same id as the CoursePage)."""
    from wagtail.models import Page

    parent_path = lesson.path[: -lesson.steplen]
    return Page.objects.filter(path=parent_path).values_list("pk", flat=True).get()


def _touch(user, lesson, now, **updates):
    """Update the user's row for ``lesson`` in one statement, creating it first if needed."""
    rows = LessonProgress.objects.filter(user=user, lesson=lesson)
    if rows.update(last_seen_at=now, **updates):
        return
    try:
        # A savepoint, so losing the race to another tab leaves the transaction usable.
        with transaction.atomic():
            LessonProgress.objects.create(
                user=user,
                lesson=lesson,
                course_id=_course_id_of(lesson),
                opened_at=now,
                last_seen_at=now,
            )
    except IntegrityError:
        pass  # the other tab created it; our update below still counts
    rows.update(last_seen_at=now, **updates)


def do_record_lesson_visit(user, lesson, *, seconds=0, position=""):
    """Note that ``user`` is reading ``lesson``; returns their ``LessonProgress``.

    The first visit sets ``opened_at``. Every call sets ``last_seen_at``, adds ``seconds``
    (clamped to ``0..3600``; negative values raise ``ValidationError``) and, when given,
    stores ``position``. Safe against concurrent calls from two tabs: no time is lost.
    """
    seconds = clean_seconds(seconds)
    position = clean_position(position)
    updates = {"seconds_spent": F("seconds_spent") + seconds}
    if position:
        updates["last_position"] = position
    with transaction.atomic():
        _touch(user, lesson, timezone.now(), **updates)
    return LessonProgress.objects.get(user=user, lesson=lesson)


def do_complete_lesson(user, lesson):
    """Mark ``lesson`` completed for ``user``; idempotent (the first completion time stays)."""
    now = timezone.now()
    with transaction.atomic():
        _touch(user, lesson, now)
        LessonProgress.objects.filter(user=user, lesson=lesson, completed_at__isnull=True).update(
            completed_at=now
        )
    return LessonProgress.objects.get(user=user, lesson=lesson)


def check_record_progress(user, lesson, *, seconds=0, position="", completed=False):
    """Validate a client's progress report and apply it; ``completed`` is never undone."""
    progress = do_record_lesson_visit(user, lesson, seconds=seconds, position=position)
    if completed and progress.completed_at is None:
        progress = do_complete_lesson(user, lesson)
    return progress
