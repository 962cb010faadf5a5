"""The per-request shortcuts stay correct: edits show at once, private pages stay private."""

import pytest
from django.contrib.auth.models import Group
from wagtail.models import PageViewRestriction

from tests.factories import ensure_site
from tests.factories.curriculum import make_course, make_lesson, make_tier

pytestmark = pytest.mark.django_db


def test_a_published_home_page_edit_shows_at_once(client):
    home = ensure_site()
    client.get("/")  # caches the site and its home page
    home.intro = "<p>新的介绍文字</p>"
    home.save_revision().publish()
    assert "新的介绍文字" in client.get("/").text


def test_a_new_view_restriction_takes_effect_at_once(client):
    lesson = make_lesson(make_course(make_tier(), open_to_public=True))
    assert client.get(lesson.url).status_code == 200
    restriction = PageViewRestriction.objects.create(
        page=lesson, restriction_type=PageViewRestriction.GROUPS
    )
    restriction.groups.set(Group.objects.filter(name="administrator"))
    response = client.get(lesson.url)
    assert response.status_code == 302  # Wagtail asks for sign-in
    restriction.delete()
    assert client.get(lesson.url).status_code == 200


def test_a_new_lesson_appears_in_the_previous_next_links_at_once(client):
    course = make_course(make_tier(), open_to_public=True)
    first = make_lesson(course, "第一课")
    assert 'rel="next"' not in client.get(first.url).text
    make_lesson(course, "第二课")
    text = client.get(first.url).text
    assert 'rel="next"' in text and "第二课" in text


def test_a_lesson_costs_two_queries_when_warm(client, django_assert_num_queries):
    lesson = make_lesson(make_course(make_tier(), open_to_public=True))
    client.get(lesson.url)
    with django_assert_num_queries(1):  # the lesson; the course's openness is cached
        assert client.get(lesson.url).status_code == 200


def test_closing_a_course_closes_its_lessons_to_anonymous_readers_at_once(client):
    course = make_course(make_tier(), open_to_public=True)
    lesson = make_lesson(course)
    assert client.get(lesson.url).status_code == 200
    course.open_to_public = False
    course.save_revision().publish()
    response = client.get(lesson.url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
