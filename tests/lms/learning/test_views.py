"""The lesson page's progress endpoint, "mark as complete", the includes and "My learning"."""

import pytest
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.utils import translation

from lms.learning import actions
from lms.learning.models import LessonProgress
from lms.learning.views import record_page_view

pytestmark = pytest.mark.django_db


def progress_url(lesson):
    return f"/learning/lessons/{lesson.pk}/progress/"


def complete_url(lesson):
    return f"/learning/lessons/{lesson.pk}/complete/"


def test_the_script_reports_time_and_position(client, enrolled, lessons):
    client.force_login(enrolled)
    response = client.post(progress_url(lessons[0]), {"seconds": "30", "position": "block-ab-1"})
    assert response.status_code == 204
    row = LessonProgress.objects.get()
    assert (row.seconds_spent, row.last_position, row.completed_at) == (30, "block-ab-1", None)
    client.post(progress_url(lessons[0]), {"seconds": "99999", "completed": "1"})
    row.refresh_from_db()
    assert row.seconds_spent == 30 + 3600
    assert row.completed_at is not None


@pytest.mark.parametrize(
    "data", [{"seconds": "-5"}, {"seconds": "ten"}, {"position": "<b>"}, {"position": "x" * 101}]
)
def test_bad_reports_answer_400_and_change_nothing(client, enrolled, lessons, data):
    client.force_login(enrolled)
    response = client.post(progress_url(lessons[0]), data)
    assert response.status_code == 400
    assert response.json()["detail"]
    assert not LessonProgress.objects.exists()


def test_reports_need_the_csrf_token(enrolled, lessons):
    client = Client(enforce_csrf_checks=True)
    client.force_login(enrolled)
    assert client.post(progress_url(lessons[0]), {"seconds": "30"}).status_code == 403
    client.get("/learning/")  # sets the csrftoken cookie
    token = client.cookies["csrftoken"].value
    response = client.post(
        progress_url(lessons[0]), {"seconds": "30"}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 204


def test_anonymous_and_unenrolled_readers_cannot_report(client, lessons, make_user):
    assert client.post(progress_url(lessons[0]), {"seconds": "30"}).status_code == 401
    client.force_login(make_user("trainee", username="stranger"))
    assert client.post(progress_url(lessons[0]), {"seconds": "30"}).status_code == 404
    assert client.post("/learning/lessons/999999/progress/").status_code == 404
    assert client.get(progress_url(lessons[0])).status_code == 405
    assert not LessonProgress.objects.exists()


def test_mark_as_complete_redirects_back_to_the_lesson(client, enrolled, lessons):
    client.force_login(enrolled)
    response = client.post(complete_url(lessons[0]))
    assert response.status_code == 302
    assert response["Location"] == lessons[0].url
    assert LessonProgress.objects.get().completed_at is not None
    # A foreign "next" is ignored.
    response = client.post(complete_url(lessons[0]), {"next": "https://evil.example/"})
    assert response["Location"] == lessons[0].url


def test_mark_as_complete_sends_anonymous_readers_to_sign_in(client, open_course):
    _course, lessons = open_course
    response = client.post(complete_url(lessons[0]))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_record_page_view_counts_signed_in_gets_only(enrolled, lessons):
    factory = RequestFactory()
    request = factory.get(lessons[0].url)
    request.user = enrolled
    row = record_page_view(request, lessons[0])
    assert row.opened_at is not None
    head = factory.head(lessons[0].url)
    head.user = enrolled
    assert record_page_view(head, lessons[1]) is None
    assert LessonProgress.objects.count() == 1


def render(source, request, **context):
    with translation.override("en"):
        return Template("{% load learning %}" + source).render(
            Context({"request": request, "csrf_token": "tok", **context})
        )


def test_lesson_include_shows_the_button_then_the_completed_state(
    enrolled, lessons, django_assert_num_queries
):
    request = RequestFactory().get(lessons[0].url)
    request.user = enrolled
    record_page_view(request, lessons[0])
    with django_assert_num_queries(0):  # the visit just recorded is reused
        html = render("{% lesson_progress lesson %}", request, lesson=lessons[0])
    assert "Mark as complete" in html
    assert f'action="/learning/lessons/{lessons[0].pk}/complete/"' in html
    assert 'src="/static/js/lesson-progress.js"' in html
    assert "<script>" not in html  # nothing inline: the CSP allows files only
    actions.do_complete_lesson(enrolled, lessons[0])
    request = RequestFactory().get(lessons[0].url)
    request.user = enrolled
    html = render("{% lesson_progress lesson %}", request, lesson=lessons[0])
    assert "Mark as complete" not in html
    assert "Completed" in html


def test_course_include_shows_percent_and_where_to_continue(enrolled, course, lessons):
    actions.do_complete_lesson(enrolled, lessons[0])
    actions.do_record_lesson_visit(enrolled, lessons[1], position="block-abc")
    request = RequestFactory().get(course.url)
    request.user = enrolled
    html = render("{% course_progress course %}", request, course=course)
    assert "33% complete: 1 of 3 lessons" in html
    assert "Continue where you left off" in html
    assert f'href="{lessons[1].url}#block-abc"' in html


def test_course_include_invites_anonymous_readers_to_sign_in(course):
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get(course.url)
    request.user = AnonymousUser()
    html = render("{% course_progress course %}", request, course=course)
    assert "Sign in" in html
    assert "Continue where you left off" not in html


def test_my_learning_lists_enrolled_and_opened_courses(
    client, enrolled, course, lessons, open_course
):
    other, other_lessons = open_course
    actions.do_complete_lesson(enrolled, other_lessons[0])
    client.force_login(enrolled)
    client.cookies["lms_language"] = "en"
    response = client.get("/learning/")
    assert response.status_code == 200
    titles = [row["course"].title for row in response.context["rows"]]
    assert titles == [other.title, course.title]  # most recently studied first
    assert "50% complete" in response.content.decode()
