"""Recording progress: visits, time, position, completion, enrolment changes."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from lms.audit.models import AuditEvent
from lms.learning import actions
from lms.learning.models import CourseEnrolment, LessonProgress

pytestmark = pytest.mark.django_db


def test_first_visit_opens_the_lesson(trainee, course, lessons):
    with time_machine.travel(datetime.datetime(2026, 3, 1, 8, 0, tzinfo=datetime.UTC)):
        row = actions.do_record_lesson_visit(trainee, lessons[0])
    assert row.course_id == course.pk
    assert row.opened_at == row.last_seen_at
    assert row.seconds_spent == 0
    assert row.completed_at is None


def test_later_visits_keep_opened_at_and_add_time_and_position(trainee, lessons):
    start = datetime.datetime(2026, 3, 1, 8, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start):
        actions.do_record_lesson_visit(trainee, lessons[0], seconds=30, position="block-a")
    with time_machine.travel(start + datetime.timedelta(minutes=5)):
        row = actions.do_record_lesson_visit(trainee, lessons[0], seconds=45)
    assert row.opened_at == start
    assert row.last_seen_at == start + datetime.timedelta(minutes=5)
    assert row.seconds_spent == 75
    assert row.last_position == "block-a"  # a report without a position keeps the last one


def test_each_report_counts_at_most_an_hour(trainee, lessons):
    row = actions.do_record_lesson_visit(trainee, lessons[0], seconds=10 * 3600)
    assert row.seconds_spent == 3600


@pytest.mark.parametrize("seconds", [-1, "-5", "abc", None, True, 1.5j])
def test_negative_or_nonsense_seconds_are_refused(trainee, lessons, seconds):
    with pytest.raises(ValidationError):
        actions.do_record_lesson_visit(trainee, lessons[0], seconds=seconds)
    assert not LessonProgress.objects.exists()


@pytest.mark.parametrize("position", ["x" * 101, "<script>", "a b", 'block-"'])
def test_bad_positions_are_refused(trainee, lessons, position):
    with pytest.raises(ValidationError):
        actions.do_record_lesson_visit(trainee, lessons[0], position=position)


def test_many_reports_add_up_exactly(trainee, lessons):
    for _ in range(20):
        actions.do_record_lesson_visit(trainee, lessons[0], seconds=30)
    assert LessonProgress.objects.get().seconds_spent == 600


def test_time_is_added_in_the_database_not_from_a_stale_copy(trainee, lessons):
    """Two tabs: each adds its own seconds, even though each read the row before the other wrote."""
    first = actions.do_record_lesson_visit(trainee, lessons[0], seconds=10)
    stale = LessonProgress.objects.get(pk=first.pk)
    actions.do_record_lesson_visit(trainee, lessons[0], seconds=20)
    actions.do_record_lesson_visit(trainee, lessons[0], seconds=5)
    stale.refresh_from_db()
    assert stale.seconds_spent == 35


def test_losing_the_race_to_create_the_row_still_counts(trainee, lessons, monkeypatch):
    """Another tab creates the row between our UPDATE (0 rows) and our INSERT."""
    actions.do_record_lesson_visit(trainee, lessons[0], seconds=10)  # the other tab's row
    real_update = QuerySet.update
    calls = []

    def first_update_misses(self, **kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            return 0
        return real_update(self, **kwargs)

    monkeypatch.setattr(QuerySet, "update", first_update_misses)
    row = actions.do_record_lesson_visit(trainee, lessons[0], seconds=7)
    assert row.seconds_spent == 17
    assert LessonProgress.objects.count() == 1


def test_completing_is_idempotent_and_keeps_the_first_time(trainee, lessons):
    first = datetime.datetime(2026, 3, 1, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(first):
        actions.do_complete_lesson(trainee, lessons[1])
    with time_machine.travel(first + datetime.timedelta(days=1)):
        row = actions.do_complete_lesson(trainee, lessons[1])
    assert row.completed_at == first
    assert row.opened_at == first  # completing an unopened lesson opens it too


def test_a_progress_report_can_complete_but_never_uncomplete(trainee, lessons):
    actions.check_record_progress(trainee, lessons[0], seconds=5, completed=True)
    row = actions.check_record_progress(trainee, lessons[0], seconds=5, completed=False)
    assert row.completed_at is not None
    assert row.seconds_spent == 10


def test_enrolment_and_unenrolment_are_audited(trainee, course, make_user):
    admin = make_user("administrator", username="admin2")
    enrolment = actions.do_enrol_in_course(trainee, course, acting_user=admin)
    assert actions.do_enrol_in_course(trainee, course, acting_user=admin) == enrolment
    actions.do_record_lesson_visit(trainee, course.get_children().first().specific, seconds=60)
    enrolment_id = str(enrolment.pk)
    actions.do_unenrol_from_course(enrolment, acting_user=admin)
    assert not CourseEnrolment.objects.exists()
    events = list(
        AuditEvent.objects.filter(action__startswith="course_enrolment.")
        .order_by("pk")
        .values_list("action", "actor", "object_id")
    )
    assert events == [
        ("course_enrolment.created", admin.pk, enrolment_id),
        ("course_enrolment.deleted", admin.pk, enrolment_id),
    ]
    # The learner record stays.
    assert LessonProgress.objects.get().seconds_spent == 60
