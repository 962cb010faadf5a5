"""The curriculum API: public reads, enrolled reads, progress, 404 sameness, query counts."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from courses_content.models import Case
from lms.accounts.actions import do_issue_api_token
from lms.learning import actions
from lms.learning.models import LessonProgress
from tests.factories.curriculum import (
    lesson_body,
    make_case,
    make_document,
    make_image,
    make_lesson,
)

pytestmark = pytest.mark.django_db


def bearer(user):
    _token, raw = do_issue_api_token(user, "phone", acting_user=user)
    return {"authorization": f"Bearer {raw}"}


def count_queries(client, url, **kwargs):
    """Queries for a warm request (the first one may write renditions or a token's last use)."""
    client.get(url, **kwargs)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **kwargs)
    assert response.status_code == 200, response.content
    return len(queries)


def test_tiers_and_their_courses_are_public(client, course, open_course):
    tiers = client.get("/api/v1/tiers").json()
    assert [(t["tier"], t["course_count"]) for t in tiers] == [("primary", 2)]
    assert tiers[0]["url"].endswith("/curricula/primary/")
    courses = client.get(f"/api/v1/tiers/{tiers[0]['id']}/courses").json()
    assert [(c["title"], c["open_to_public"], c["readable"]) for c in courses] == [
        (course.title, False, False),
        ("开放课程", True, True),
    ]
    assert set(courses[0]) == {
        "id",
        "slug",
        "title",
        "summary",
        "hours",
        "theory_hours",
        "practice_hours",
        "open_to_public",
        "readable",
        "url",
    }
    assert courses[0]["hours"] == 16.0


def test_the_catalogue_says_which_courses_the_caller_may_read(client, course, enrolled):
    tier_id = course.get_parent().pk
    courses = client.get(f"/api/v1/tiers/{tier_id}/courses", headers=bearer(enrolled)).json()
    assert courses[0]["readable"] is True


def test_an_open_course_anonymously(client, open_course):
    course, lessons = open_course
    body = client.get(f"/api/v1/courses/{course.pk}").json()
    assert body["progress"] is None
    assert [lesson["id"] for lesson in body["lessons"]] == [lesson.pk for lesson in lessons]
    assert body["lessons"][0]["completed"] is None
    assert body["tier"]["tier"] == "primary"


def test_a_closed_course_needs_an_enrolled_reader(client, course, lessons, enrolled, make_user):
    assert client.get(f"/api/v1/courses/{course.pk}").status_code == 404
    assert client.get(f"/api/v1/lessons/{lessons[0].pk}").status_code == 404
    stranger = make_user("trainee", username="stranger")
    assert client.get(f"/api/v1/courses/{course.pk}", headers=bearer(stranger)).status_code == 404
    actions.do_complete_lesson(enrolled, lessons[0])
    body = client.get(f"/api/v1/courses/{course.pk}", headers=bearer(enrolled)).json()
    assert body["progress"] == {
        "percent": 33,
        "completed": 1,
        "total": 3,
        "seconds_spent": 0,
        "continue_lesson_id": lessons[1].pk,
    }
    assert [lesson["completed"] for lesson in body["lessons"]] == [True, False, False]


def test_a_session_reads_too(client, course, enrolled):
    client.force_login(enrolled)
    assert client.get(f"/api/v1/courses/{course.pk}").status_code == 200


def test_a_bad_token_is_refused_rather_than_read_as_anonymous(client, open_course):
    course, _lessons = open_course
    headers = {"authorization": "Bearer wagtail_nonsense"}
    response = client.get(f"/api/v1/courses/{course.pk}", headers=headers)
    assert response.status_code == 401


def test_unknown_and_unreadable_ids_read_the_same(client, course, lessons, make_user):
    stranger = bearer(make_user("trainee", username="stranger"))
    answers = {
        client.get(url, headers=stranger).content
        for url in [
            f"/api/v1/courses/{course.pk}",
            "/api/v1/courses/999999",
            f"/api/v1/courses/{lessons[0].pk}",  # a lesson id is not a course
            f"/api/v1/lessons/{lessons[0].pk}",
            "/api/v1/lessons/999999",
            "/api/v1/tiers/999999/courses",
            "/api/v1/cases/999999",
        ]
    }
    assert answers == {b'{"detail": "\\u672a\\u627e\\u5230\\u3002"}'}  # 未找到。


def test_a_lesson_as_json_for_the_phone(client, open_course):
    course, lessons = open_course
    image = make_image()
    document = make_document()
    case = make_case("高山茶油抖音直播", platform=Case.Platform.DOUYIN, product_type="茶油")
    body = lesson_body(
        case,
        ("image", {"image": image, "alt_text": "一箱脐橙", "decorative": False}),
        ("material", {"document": document, "description": "开店清单"}),
        (
            "exercise",
            {"title": "上架商品", "steps": ["登录", "填写标题"], "expected_result": "商品上架"},
        ),
    )
    lesson = make_lesson(course, "直播带货", body=body)
    response = client.get(f"/api/v1/lessons/{lesson.pk}")
    assert response.status_code == 200
    data = response.json()
    assert data["course"] == {"id": course.pk, "title": course.title}
    assert data["previous_lesson_id"] == lessons[-1].pk
    assert data["next_lesson_id"] is None
    assert data["progress"] is None
    blocks = {block["type"]: block["value"] for block in data["body"]}
    assert blocks["case"]["case"]["title"] == "高山茶油抖音直播"
    assert blocks["case"]["case"]["platform"] == "douyin"
    assert "background" in blocks["case"]["case"]
    assert blocks["text"]["html"].startswith("<p>")
    renditions = blocks["image"]["image"]["renditions"]
    assert set(renditions) == {"small", "medium"}
    assert renditions["medium"]["width"] == 720
    assert renditions["medium"]["url"].endswith(".webp")
    assert image.file.name.split("/")[-1] not in response.content.decode()  # never the original
    assert blocks["image"]["image"]["alt"] == "一箱脐橙"
    assert blocks["material"]["document"]["url"].startswith("http://testserver/documents/")
    assert blocks["exercise"]["steps"] == ["登录", "填写标题"]
    assert all(block["id"] for block in data["body"])


def test_a_lesson_costs_the_same_queries_with_more_blocks(client, open_course, enrolled):
    course, _lessons = open_course
    small = make_lesson(course, "小课", body=lesson_body(make_case("一")))
    extra = []
    for i in range(3):
        extra.append(
            ("image", {"image": make_image(f"图{i}"), "alt_text": "图", "decorative": False})
        )
        extra.append(("case", {"case": make_case(f"案例{i}"), "discussion": ""}))
        extra.append(("material", {"document": make_document(f"文档{i}"), "description": ""}))
    big = make_lesson(course, "大课", body=lesson_body(make_case("二"), *extra))
    headers = bearer(enrolled)
    small_count = count_queries(client, f"/api/v1/lessons/{small.pk}", headers=headers)
    big_count = count_queries(client, f"/api/v1/lessons/{big.pk}", headers=headers)
    # The small lesson has no images or documents, so it skips those lookups
    # (images, their renditions, documents).
    assert big_count <= small_count + 4
    bigger = make_lesson(course, "更大", body=lesson_body(make_case("三"), *extra, *extra))
    assert count_queries(client, f"/api/v1/lessons/{bigger.pk}", headers=headers) == big_count


def test_course_and_catalogue_queries_do_not_grow(client, course, lessons, enrolled):
    headers = bearer(enrolled)
    tier_id = course.get_parent().pk
    urls = [f"/api/v1/courses/{course.pk}", f"/api/v1/tiers/{tier_id}/courses", "/api/v1/tiers"]
    before = [count_queries(client, url, headers=headers) for url in urls]
    for i in range(4):
        make_lesson(course, f"加课{i}")
    from tests.factories.curriculum import make_course

    make_course(course.get_parent(), "另一门课", open_to_public=False)
    after = [count_queries(client, url, headers=headers) for url in urls]
    assert after == before


def test_cases_filter_by_platform_and_product_type(client):
    make_case("脐橙", platform=Case.Platform.PINDUODUO, product_type="赣南脐橙")
    make_case("茶油", platform=Case.Platform.DOUYIN, product_type="高山茶油")
    make_case("茶叶", platform=Case.Platform.DOUYIN, product_type="绿茶")
    body = client.get("/api/v1/cases?platform=douyin").json()
    assert body["count"] == 2
    assert {item["title"] for item in body["items"]} == {"茶油", "茶叶"}
    body = client.get("/api/v1/cases?platform=douyin&product_type=茶油").json()
    assert [item["title"] for item in body["items"]] == ["茶油"]
    body = client.get("/api/v1/cases?limit=1&offset=1").json()
    assert (body["count"], len(body["items"])) == (3, 1)
    case_id = body["items"][0]["id"]
    detail = client.get(f"/api/v1/cases/{case_id}").json()
    assert {"background", "actions", "results", "lessons_learned", "source"} <= set(detail)


@pytest.mark.parametrize("query", ["platform=myspace", "limit=0", "limit=101", "offset=-1"])
def test_bad_case_filters_answer_422(client, query):
    response = client.get(f"/api/v1/cases?{query}", headers={"accept-language": "en"})
    assert response.status_code == 422
    assert response.json()["detail"] == "Some fields are missing or invalid."


def test_cases_cost_two_queries_however_many(client, django_assert_num_queries):
    for i in range(5):
        make_case(f"案例{i}")
    with django_assert_num_queries(2):
        client.get("/api/v1/cases")


def test_put_progress_with_a_token(client, course, lessons, enrolled):
    headers = bearer(enrolled)
    url = f"/api/v1/lessons/{lessons[0].pk}/progress"
    response = client.put(
        url,
        {"seconds": 90, "position": "block-1"},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["seconds_spent"], body["last_position"], body["completed"]) == (
        90,
        "block-1",
        False,
    )
    assert body["course_id"] == course.pk
    response = client.put(
        url, {"completed": True}, content_type="application/json", headers=headers
    )
    assert response.json()["completed"] is True
    assert response.json()["course_percent"] == 33
    mine = client.get("/api/v1/progress", headers=headers).json()
    assert mine == [
        {
            "course": {"id": course.pk, "title": course.title},
            "enrolled": True,
            "percent": 33,
            "completed": 1,
            "total": 3,
            "seconds_spent": 90,
            "last_seen_at": mine[0]["last_seen_at"],
            "continue_lesson_id": lessons[1].pk,
        }
    ]


def test_progress_needs_a_signed_in_reader(client, open_course, make_user):
    _course, lessons = open_course
    url = f"/api/v1/lessons/{lessons[0].pk}/progress"
    assert client.put(url, {"seconds": 5}, content_type="application/json").status_code == 401
    assert client.get("/api/v1/progress").status_code == 401


def test_progress_for_a_course_one_may_not_read_is_404(client, lessons, make_user):
    headers = bearer(make_user("trainee", username="stranger"))
    url = f"/api/v1/lessons/{lessons[0].pk}/progress"
    response = client.put(url, {"seconds": 5}, content_type="application/json", headers=headers)
    assert response.status_code == 404
    assert not LessonProgress.objects.exists()


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"seconds": -1}, 422),
        ({"seconds": "many"}, 422),
        ({"position": "x" * 101}, 422),
        ({"position": "<script>"}, 400),
    ],
)
def test_bad_progress_is_refused_with_a_translated_detail(
    client, enrolled, lessons, payload, status
):
    headers = {**bearer(enrolled), "accept-language": "en"}
    url = f"/api/v1/lessons/{lessons[0].pk}/progress"
    response = client.put(url, payload, content_type="application/json", headers=headers)
    assert response.status_code == status
    assert response.json()["detail"]
    assert not LessonProgress.objects.exists()


def test_a_session_put_needs_the_csrf_token(enrolled, lessons):
    client = Client(enforce_csrf_checks=True)
    client.force_login(enrolled)
    url = f"/api/v1/lessons/{lessons[0].pk}/progress"
    response = client.put(url, {"seconds": 5}, content_type="application/json")
    assert response.status_code == 403


def test_my_progress_costs_the_same_queries_for_more_courses(
    client, course, lessons, enrolled, open_course
):
    headers = bearer(enrolled)
    actions.do_record_lesson_visit(enrolled, lessons[0], seconds=10)
    one = count_queries(client, "/api/v1/progress", headers=headers)
    _other, other_lessons = open_course
    actions.do_record_lesson_visit(enrolled, other_lessons[0], seconds=10)
    assert count_queries(client, "/api/v1/progress", headers=headers) == one
