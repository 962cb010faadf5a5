"""Search at /search/ across tiers, courses, lessons and cases; Chinese finds Chinese."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses_content.models import Case
from lms.learning.models import CourseEnrolment
from tests.factories import UserFactory
from tests.factories.curriculum import make_case, make_course, make_lesson, make_tier

pytestmark = pytest.mark.django_db


def search(client, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    return response.text


@pytest.fixture
def course():
    return make_course(make_tier(), "淘宝天猫基础实操", slug="taobao-basics")


def test_a_chinese_course_title_is_found_by_its_words(client, course):
    for query in ("淘宝", "天猫基础", "基础实操", "淘宝天猫基础实操"):
        assert f'href="{course.url}"' in search(client, query), query


def test_words_that_are_not_there_find_nothing(client, course):
    client.cookies["lms_language"] = "en"
    for query in ("京东", "天猫淘宝实操课程", "cross-border"):
        text = search(client, query)
        assert f'href="{course.url}"' not in text, query
        assert "Nothing was found" in text


def test_lessons_and_cases_are_found_by_their_text(client, course):
    case = make_case("赣南脐橙拼多多助农店", product_type="脐橙")
    lesson = make_lesson(course, "直通车推广入门", case=case, summary="学会设置推广计划。")
    text = search(client, "直通车")
    assert f'href="{lesson.url}"' in text
    assert "学会设置推广计划" in text
    text = search(client, "脐橙")
    assert f'href="/cases/{case.pk}/"' in text
    # The lesson is indexed with its case's title, so it is found by it too.
    assert f'href="{lesson.url}"' in text


def test_case_details_are_searchable(client):
    case = make_case(
        "油茶抖音直播", platform=Case.Platform.DOUYIN, background="<p>山区油茶滞销</p>"
    )
    assert f'href="/cases/{case.pk}/"' in search(client, "油茶滞销")


def test_lessons_of_closed_courses_are_left_out_for_those_who_may_not_read_them(client):
    tier = make_tier()
    closed = make_course(tier, "跨境电商实务", open_to_public=False)
    lesson = make_lesson(closed, "海外仓选品", summary="保密内容摘要")

    text = search(client, "海外仓")
    assert f'href="{lesson.url}"' not in text
    assert "保密内容摘要" not in text
    # The course itself is in the public catalogue, marked as for enrolled trainees.
    assert f'href="{closed.url}"' in search(client, "跨境电商")

    trainee = UserFactory(username="trainee1", roles=["trainee"])
    client.force_login(trainee)
    assert f'href="{lesson.url}"' not in search(client, "海外仓")
    CourseEnrolment.objects.create(user=trainee, course=closed)
    assert f'href="{lesson.url}"' in search(client, "海外仓")

    client.force_login(UserFactory(username="root", is_superuser=True))
    assert f'href="{lesson.url}"' in search(client, "海外仓")


def test_drafts_are_not_found(client, course):
    lesson = make_lesson(course, "直播带货话术")
    lesson.unpublish()
    assert f'href="{lesson.url}"' not in search(client, "直播带货")


def test_an_empty_or_too_short_query_gets_a_friendly_message(client, course):
    client.cookies["lms_language"] = "en"
    text = search(client, "")
    assert "Nothing was found" not in text and "Please type" not in text
    for query in ("淘", "a", "!!", "“淘”"):
        text = search(client, query)
        assert "Please type at least two characters." in text, query
        assert f'href="{course.url}"' not in text


def test_the_query_is_escaped_in_the_page(client):
    text = search(client, '<script>alert("淘宝")</script>')
    assert '<script>alert("淘宝")</script>' not in text
    assert "&lt;script&gt;" in text


def test_search_costs_the_same_queries_whatever_the_number_of_hits(
    client, course, django_assert_num_queries
):
    closed = make_course(course.get_parent().specific, "淘宝进阶", open_to_public=False)
    make_lesson(course, "淘宝开店", case=make_case("淘宝店铺案例"))
    make_lesson(closed, "淘宝运营")
    client.force_login(UserFactory(username="trainee1", roles=["trainee"]))
    search(client, "淘宝")
    with CaptureQueriesContext(connection) as baseline:
        search(client, "淘宝")
    expected = len(baseline)
    for number in range(5):
        make_lesson(course, f"淘宝课{number}", case=make_case(f"淘宝案例{number}"))
        make_lesson(closed, f"淘宝闭课{number}")
    with django_assert_num_queries(expected):
        text = search(client, "淘宝")
    assert "淘宝课4" in text and "淘宝案例4" in text and "淘宝闭课" not in text
