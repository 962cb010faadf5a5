"""Completion percent and "continue where you left off"."""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser

from lms.learning import actions, progress
from tests.factories.curriculum import make_lesson

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 3, 1, 8, 0, tzinfo=datetime.UTC)


def at(minutes):
    return time_machine.travel(T0 + datetime.timedelta(minutes=minutes))


@pytest.mark.parametrize(
    ("completed", "total", "percent"),
    [(0, 0, 0), (0, 3, 0), (1, 3, 33), (2, 3, 66), (3, 3, 100), (199, 200, 99), (5, 3, 100)],
)
def test_completion_percent_rounds_down(completed, total, percent):
    assert progress.completion_percent(completed, total) == percent


def test_completion_counts_live_lessons_only(trainee, course, lessons):
    actions.do_complete_lesson(trainee, lessons[0])
    assert progress.course_completion(trainee, course) == 33
    lessons[2].unpublish()
    assert progress.course_completion(trainee, course) == 50
    actions.do_complete_lesson(trainee, lessons[1])
    assert progress.course_completion(trainee, course) == 100


def test_completion_is_per_trainee(trainee, course, lessons, make_user):
    other = make_user("trainee", username="other")
    actions.do_complete_lesson(other, lessons[0])
    assert progress.course_completion(trainee, course) == 0
    assert progress.course_completion(AnonymousUser(), course) == 0


def test_a_new_trainee_starts_at_the_first_lesson(trainee, course, lessons):
    assert progress.continue_lesson(trainee, course) == lessons[0]


def test_resume_the_most_recently_seen_unfinished_lesson(trainee, course, lessons):
    with at(0):
        actions.do_record_lesson_visit(trainee, lessons[2])
    with at(5):
        actions.do_record_lesson_visit(trainee, lessons[1])
    assert progress.continue_lesson(trainee, course) == lessons[1]
    with at(10):
        actions.do_record_lesson_visit(trainee, lessons[2])
    assert progress.continue_lesson(trainee, course) == lessons[2]


def test_after_completing_a_lesson_resume_at_the_first_unfinished(trainee, course, lessons):
    with at(0):
        actions.do_record_lesson_visit(trainee, lessons[0])
        actions.do_complete_lesson(trainee, lessons[0])
    assert progress.continue_lesson(trainee, course) == lessons[1]


def test_nothing_to_resume_once_everything_is_completed(trainee, course, lessons):
    for lesson in lessons:
        actions.do_complete_lesson(trainee, lesson)
    assert progress.continue_lesson(trainee, course) is None


def test_course_progress_costs_one_query_whatever_the_size(
    trainee, course, lessons, django_assert_num_queries
):
    for lesson in lessons:
        actions.do_record_lesson_visit(trainee, lesson, seconds=60)
    with django_assert_num_queries(1):
        state = progress.course_progress(trainee, course)
        assert (state.total, state.seconds_spent, state.percent) == (3, 180, 0)
    for i in range(4):
        make_lesson(course, f"加课{i}")
    with django_assert_num_queries(1):
        assert progress.course_progress(trainee, course).total == 7


def test_progress_by_course_covers_several_courses_in_one_query(
    trainee, course, lessons, open_course, django_assert_num_queries
):
    other, other_lessons = open_course
    actions.do_complete_lesson(trainee, other_lessons[0])
    with django_assert_num_queries(1):
        states = progress.progress_by_course(trainee, [course, other])
        assert (states[course.pk].total, states[course.pk].percent) == (3, 0)
        assert (states[other.pk].total, states[other.pk].percent) == (2, 50)
