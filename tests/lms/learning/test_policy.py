"""Who may read a course or lesson, and who may see a progress report."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from courses_content.models import LessonPage
from lms.learning import policy
from tests.factories.learning import assign_lecturer

pytestmark = pytest.mark.django_db


def test_anyone_reads_an_open_course(open_course):
    course, lessons = open_course
    assert policy.can_read_course(AnonymousUser(), course)
    assert policy.access_lesson(AnonymousUser(), lessons[0].pk) == lessons[0]


def test_a_closed_course_needs_enrolment(course, lessons, trainee, enrolled, make_user):
    stranger = make_user("trainee", username="stranger")
    assert not policy.can_read_course(AnonymousUser(), course)
    assert not policy.can_read_course(stranger, course)
    assert policy.can_read_course(enrolled, course)
    assert policy.access_lesson(enrolled, lessons[0].pk).live_course == course


@pytest.mark.parametrize("role", ["administrator", "commerce_officer"])
def test_supervisors_read_every_course(course, make_user, role):
    assert policy.can_read_course(make_user(role), course)


def test_a_lecturer_reads_their_own_course_only(course, make_user):
    lecturer = make_user("lecturer", username="teacher")
    assert not policy.can_read_course(lecturer, course)
    assign_lecturer(course, lecturer)
    assert policy.can_read_course(lecturer, course)


def test_unknown_unreadable_and_draft_lessons_give_the_same_404(course, lessons, make_user):
    stranger = make_user("trainee", username="stranger")
    draft = lessons[1]
    draft.unpublish()
    messages = set()
    for user, lesson_id in [
        (stranger, lessons[0].pk),  # not enrolled
        (AnonymousUser(), lessons[0].pk),
        (stranger, 999_999),  # unknown
        (stranger, course.pk),  # a course id is not a lesson
        (stranger, "abc"),
    ]:
        with pytest.raises(Http404) as caught:
            policy.access_lesson(user, lesson_id)
        messages.add(str(caught.value))
    admin = make_user("administrator", username="boss")
    with pytest.raises(Http404) as caught:
        policy.access_lesson(admin, draft.pk)
    messages.add(str(caught.value))
    assert len(messages) == 1


def test_a_live_lesson_in_an_unpublished_course_is_not_served(course, lessons, make_user):
    admin = make_user("administrator", username="boss")
    type(course).objects.filter(pk=course.pk).update(live=False)  # e.g. a direct unpublish
    assert LessonPage.objects.get(pk=lessons[0].pk).live
    with pytest.raises(Http404):
        policy.access_lesson(admin, lessons[0].pk)


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        ("administrator", True),
        ("commerce_officer", True),
        ("head_teacher", False),  # head teachers see their own classes' reports only
        ("lecturer", False),  # not this course's lecturer
        ("trainee", False),
        ("finance_officer", False),
        ("registrar", False),
    ],
)
def test_who_sees_a_course_report(course, make_user, role, sees):
    user = make_user(role)
    if sees:
        assert policy.access_course_report(user, course.pk) == course
    else:
        with pytest.raises(Http404):
            policy.access_course_report(user, course.pk)


def test_the_course_lecturer_sees_its_report(course, make_user):
    lecturer = make_user("lecturer", username="teacher")
    assign_lecturer(course, lecturer)
    assert policy.access_course_report(lecturer, course.pk) == course
    assert list(policy.courses_reportable_by(lecturer)) == [course]
