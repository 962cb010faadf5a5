"""The exams API: start, read the paper, save an answer, submit, result."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from assessments.actions import attempts as actions
from assessments.models import Answer, Attempt
from lms.accounts.actions import do_issue_api_token
from tests.assessments.test_attempts import NOW, build_world, items_by_kind

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def world(clock):
    return build_world(review="after_submit")


def bearer(user):
    _token, raw = do_issue_api_token(user, "phone", acting_user=user)
    return {"authorization": f"Bearer {raw}", "accept-language": "en"}


def start(client, world, user=None):
    return client.post(
        f"/api/v1/exams/assignments/{world.assignment.pk}/attempts",
        headers=bearer(user or world.trainee),
    )


def put(client, world, attempt_id, item_id, response, version, user=None):
    return client.put(
        f"/api/v1/exams/attempts/{attempt_id}/answers/{item_id}",
        {"response": response, "version": version},
        content_type="application/json",
        headers=bearer(user or world.trainee),
    )


def test_start_then_resume(client, world):
    first = start(client, world)
    assert first.status_code == 201
    body = first.json()
    assert body["status"] == "in_progress"
    assert body["remaining_seconds"] == 30 * 60
    assert body["deadline"].startswith("2026-12-03T09:30:00")
    kinds = [item["kind"] for item in body["items"]]
    assert kinds == ["single", "multiple", "true_false", "fill_in"]
    single = body["items"][0]
    assert [o["key"] for o in single["options"]] == ["A", "B", "C", "D"]
    assert set(single) == {
        "id", "position", "kind", "text", "points", "options", "response", "version", "file_name"
    }  # fmt: skip
    again = start(client, world)
    assert again.status_code == 200
    assert again.json()["id"] == body["id"]


def test_start_refusals(client, world, clock):
    assert start(client, world, world.stranger).status_code == 404
    clock.move_to(world.assignment.closes_at)
    response = start(client, world)
    assert response.status_code == 400
    assert response.json() == {"detail": "This exam has closed.", "code": "closed"}
    assert not Attempt.objects.exists()


def test_saving_and_the_conflict(client, world):
    attempt_id = start(client, world).json()["id"]
    item = items_by_kind(Attempt.objects.get())["multiple"]
    saved = put(client, world, attempt_id, item.pk, ["C", "A"], 0)
    assert saved.status_code == 200
    assert saved.json()["version"] == 1
    assert saved.json()["response"] == ["A", "C"]
    stale = put(client, world, attempt_id, item.pk, ["B"], 0)
    assert stale.status_code == 409
    body = stale.json()
    assert (body["code"], body["version"], body["response"]) == ("conflict", 1, ["A", "C"])
    # The paper shows the saved answer after a refresh.
    paper = client.get(f"/api/v1/exams/attempts/{attempt_id}", headers=bearer(world.trainee))
    multiple = next(i for i in paper.json()["items"] if i["id"] == item.pk)
    assert (multiple["response"], multiple["version"]) == (["A", "C"], 1)


def test_bad_answers(client, world, clock):
    attempt_id = start(client, world).json()["id"]
    item = items_by_kind(Attempt.objects.get())["single"]
    assert put(client, world, attempt_id, item.pk, "Z", 0).json()["code"] == "invalid"
    # Someone else's attempt and an unknown one: the same 404.
    other = put(client, world, attempt_id, item.pk, "A", 0, user=world.stranger)
    unknown = put(client, world, 999999, item.pk, "A", 0, user=world.stranger)
    assert other.status_code == unknown.status_code == 404
    assert other.json() == unknown.json()
    # A question outside the attempt.
    assert put(client, world, attempt_id, 999999, "A", 0).status_code == 404
    # No version.
    missing = client.put(
        f"/api/v1/exams/attempts/{attempt_id}/answers/{item.pk}",
        {"response": "A"},
        content_type="application/json",
        headers=bearer(world.trainee),
    )
    assert missing.status_code == 422
    # A body over DATA_UPLOAD_MAX_MEMORY_SIZE: a JSON error, nothing saved.
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000):
        huge = put(client, world, attempt_id, item.pk, "A" * 2000, 0)
    assert huge.status_code == 400
    assert huge.json() == {"detail": "The request is too large."}
    # After the deadline.
    clock.move_to(NOW + datetime.timedelta(minutes=30))
    late = put(client, world, attempt_id, item.pk, "A", 0)
    assert late.status_code == 400
    assert late.json()["code"] == "late"
    assert not Answer.objects.filter(version__gt=0).exists()
    assert Attempt.objects.get().auto_submitted


def test_a_file_for_a_practical_task(client, clock):
    world = build_world(kinds=["practical"])
    attempt_id = start(client, world).json()["id"]
    item = Attempt.objects.get().paper.get()
    url = f"/api/v1/exams/attempts/{attempt_id}/answers/{item.pk}/file"
    pdf = SimpleUploadedFile("作业.pdf", b"%PDF-1.7\n...")
    response = client.post(
        url,
        {"version": 0, "link": "https://shop.example/", "file": pdf},
        headers=bearer(world.trainee),
    )
    assert response.status_code == 200
    assert response.json()["file_name"].endswith(".pdf")
    big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"x" * (10 * 1024 * 1024))
    response = client.post(url, {"version": 1, "file": big}, headers=bearer(world.trainee))
    assert response.status_code == 400
    assert response.json()["code"] == "too_large"


def test_submit_twice_and_the_result(client, world, clock):
    attempt_id = start(client, world).json()["id"]
    for kind, item in items_by_kind(Attempt.objects.get()).items():
        answer = {"single": "A", "multiple": ["A", "C"], "true_false": True, "fill_in": "阿里"}
        put(client, world, attempt_id, item.pk, answer[kind], 0)
    early = client.get(f"/api/v1/exams/attempts/{attempt_id}/result", headers=bearer(world.trainee))
    assert (early.status_code, early.json()["code"]) == (400, "in_progress")
    first = client.post(
        f"/api/v1/exams/attempts/{attempt_id}/submit", headers=bearer(world.trainee)
    )
    assert first.status_code == 200
    body = first.json()
    assert (body["status"], body["passed"], body["auto_submitted"]) == ("graded", True, False)
    assert Decimal(body["score"]) == Decimal("8")
    assert Decimal(body["percent"]) == Decimal("100")
    assert body["review_allowed"] is True
    assert body["items"][0]["correct"] == ["A"]
    assert body["items"][0]["feedback"] == "标题决定搜索曝光。"
    clock.move_to(NOW + datetime.timedelta(minutes=5))
    second = client.post(
        f"/api/v1/exams/attempts/{attempt_id}/submit", headers=bearer(world.trainee)
    )
    assert second.json() == body
    result = client.get(
        f"/api/v1/exams/attempts/{attempt_id}/result", headers=bearer(world.trainee)
    )
    assert result.json() == body


def test_the_result_hides_the_review_until_it_is_allowed(client, clock):
    world = build_world(review="after_close")
    attempt_id = start(client, world).json()["id"]
    client.post(f"/api/v1/exams/attempts/{attempt_id}/submit", headers=bearer(world.trainee))
    result = client.get(
        f"/api/v1/exams/attempts/{attempt_id}/result", headers=bearer(world.trainee)
    )
    assert (result.json()["review_allowed"], result.json()["items"]) == (False, None)
    clock.move_to(world.assignment.closes_at)
    result = client.get(
        f"/api/v1/exams/attempts/{attempt_id}/result", headers=bearer(world.trainee)
    )
    assert result.json()["review_allowed"] is True


def test_someone_elses_attempt_cannot_be_read_or_submitted(client, world):
    attempt_id = start(client, world).json()["id"]
    for method, suffix in (("get", ""), ("get", "/result"), ("post", "/submit")):
        response = getattr(client, method)(
            f"/api/v1/exams/attempts/{attempt_id}{suffix}", headers=bearer(world.stranger)
        )
        assert response.status_code == 404
    assert Attempt.objects.get().status == "in_progress"


def test_the_session_needs_the_csrf_token(world):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.trainee)
    response = browser.post(f"/api/v1/exams/assignments/{world.assignment.pk}/attempts")
    assert response.status_code == 403
    assert not Attempt.objects.exists()


def test_reading_an_overdue_attempt_hands_it_in(client, world, clock):
    attempt_id = start(client, world).json()["id"]
    clock.move_to(NOW + datetime.timedelta(hours=1))
    paper = client.get(f"/api/v1/exams/attempts/{attempt_id}", headers=bearer(world.trainee))
    assert (paper.json()["status"], paper.json()["remaining_seconds"]) == ("graded", 0)
    assert actions.review_allowed(Attempt.objects.get())


def test_my_exams(client, world, django_assert_num_queries):
    attempt_id = start(client, world).json()["id"]
    headers = bearer(world.trainee)
    with django_assert_num_queries(4):  # the token, its user, the assignments, the attempts
        response = client.get("/api/v1/exams/assignments", headers=headers)
    (row,) = response.json()
    assert row["id"] == world.assignment.pk
    assert (row["state"], row["open_attempt_id"], row["attempts_used"]) == (
        "in_progress",
        attempt_id,
        1,
    )
    assert client.get("/api/v1/exams/assignments", headers=bearer(world.stranger)).json() == []
