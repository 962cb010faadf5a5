"""The JSON API: session and token auth, CSRF, tokens, /me, errors."""

import json

import pytest
from django.test import Client
from wagtail.models import APIToken

from lms.accounts.actions import do_issue_api_token
from lms.audit.models import AuditEvent
from tests.factories import TraineeProfileFactory

pytestmark = pytest.mark.django_db


def bearer(raw):
    return {"authorization": f"Bearer {raw}"}


@pytest.fixture
def trainee(make_user):
    user = make_user("trainee", username="xiaoli")
    TraineeProfileFactory(user=user, real_name="黄小丽")
    return user


def test_me_needs_authentication(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert "detail" in response.json()


def test_me_with_the_session_cookie(client, trainee):
    client.force_login(trainee)
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "xiaoli"
    assert body["name"] == "黄小丽"
    assert body["roles"] == [{"code": "trainee", "name": "学员"}]
    assert body["classes"] == []
    assert body["profile"]["id_number_masked"].count("*") == 10
    assert trainee.trainee_profile.id_number not in response.text


def test_me_lists_the_classes_the_user_is_enrolled_in_or_runs(client, trainee, make_user):
    from tests.factories.training import make_class, make_enrolment

    head_teacher = make_user("head_teacher")
    mine = make_class(head_teacher=head_teacher)
    make_enrolment(mine, profile=trainee.trainee_profile)
    make_class()  # someone else's class
    client.force_login(trainee)
    classes = client.get("/api/v1/me").json()["classes"]
    assert [(c["id"], c["code"], c["status"]) for c in classes] == [
        (mine.pk, mine.code, "in_progress")
    ]
    client.force_login(head_teacher)
    assert [c["id"] for c in client.get("/api/v1/me").json()["classes"]] == [mine.pk]


def test_me_lists_every_role_a_user_holds(client, make_user):
    user = make_user("head_teacher", "lecturer")
    client.force_login(user)
    codes = [role["code"] for role in client.get("/api/v1/me").json()["roles"]]
    assert codes == ["lecturer", "head_teacher"]


def test_me_with_a_bearer_token(client, trainee):
    _token, raw = do_issue_api_token(trainee, "phone", acting_user=trainee)
    response = client.get("/api/v1/me", headers=bearer(raw))
    assert response.status_code == 200
    assert response.json()["username"] == "xiaoli"
    assert APIToken.objects.get().last_used_at is not None


@pytest.mark.parametrize(
    "header", ["Bearer nonsense", "Bearer ", "Basic abc", "Bearer " + "x" * 500]
)
def test_a_bad_token_is_refused(client, trainee, header):
    response = client.get("/api/v1/me", headers={"authorization": header})
    assert response.status_code == 401


def test_a_bad_token_is_not_rescued_by_a_session(client, trainee):
    client.force_login(trainee)
    response = client.get("/api/v1/me", headers=bearer("wagtail_notarealtoken"))
    assert response.status_code == 401


def test_a_revoked_token_stops_working(client, trainee):
    token, raw = do_issue_api_token(trainee, "phone", acting_user=trainee)
    assert client.get("/api/v1/me", headers=bearer(raw)).status_code == 200
    response = client.delete(f"/api/v1/tokens/{token.pk}", headers=bearer(raw))
    assert response.status_code == 204
    assert client.get("/api/v1/me", headers=bearer(raw)).status_code == 401
    assert AuditEvent.objects.filter(action="api_token.revoked", object_id=str(token.pk)).exists()


def test_a_deactivated_users_token_stops_working(client, trainee):
    _token, raw = do_issue_api_token(trainee, "phone", acting_user=trainee)
    trainee.is_active = False
    trainee.save()
    assert client.get("/api/v1/me", headers=bearer(raw)).status_code == 401


def test_session_writes_need_the_csrf_token(trainee):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(trainee)
    refused = browser.post(
        "/api/v1/tokens", data=json.dumps({"name": "phone"}), content_type="application/json"
    )
    assert refused.status_code == 403
    assert APIToken.objects.count() == 0

    browser.get("/accounts/tokens/")  # sets the csrftoken cookie
    csrf = browser.cookies["csrftoken"].value
    accepted = browser.post(
        "/api/v1/tokens",
        data=json.dumps({"name": "phone"}),
        content_type="application/json",
        headers={"x-csrftoken": csrf},
    )
    assert accepted.status_code == 201
    body = accepted.json()
    assert body["token"].startswith("wagtail_")
    assert body["active"] is True
    assert APIToken.objects.get().key_hash != body["token"]


def test_bearer_writes_need_no_csrf_token(trainee):
    _token, raw = do_issue_api_token(trainee, "phone", acting_user=trainee)
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(
        "/api/v1/tokens",
        data=json.dumps({"name": "tablet"}),
        content_type="application/json",
        headers=bearer(raw),
    )
    assert response.status_code == 201


def test_token_list_shows_only_my_tokens_without_secrets(client, trainee, make_user):
    other = make_user("trainee")
    do_issue_api_token(other, "theirs", acting_user=other)
    _mine, raw = do_issue_api_token(trainee, "mine", acting_user=trainee)
    response = client.get("/api/v1/tokens", headers=bearer(raw))
    assert [t["name"] for t in response.json()] == ["mine"]
    assert raw not in response.text
    assert "key_hash" not in response.text


def test_other_peoples_tokens_get_the_same_404_as_unknown_ones(client, trainee, make_user):
    other = make_user("trainee")
    theirs, _ = do_issue_api_token(other, "theirs", acting_user=other)
    client.force_login(trainee)
    foreign = client.delete(f"/api/v1/tokens/{theirs.pk}")
    unknown = client.delete("/api/v1/tokens/999999")
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.json() == unknown.json()
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_creating_a_token_validates_its_name(client, trainee):
    client.force_login(trainee)
    blank = client.post("/api/v1/tokens", data={"name": "   "}, content_type="application/json")
    assert blank.status_code == 400
    missing = client.post("/api/v1/tokens", data={}, content_type="application/json")
    assert missing.status_code == 422
    assert "detail" in missing.json()
    too_long = client.post(
        "/api/v1/tokens", data={"name": "x" * 101}, content_type="application/json"
    )
    assert too_long.status_code == 422
    assert APIToken.objects.count() == 0


def test_malformed_json_is_a_clear_translated_error_not_a_500(client, trainee):
    client.force_login(trainee)
    response = client.post("/api/v1/tokens", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": "请求内容不是有效的 JSON。"}
    assert APIToken.objects.count() == 0


def test_a_wrong_method_is_a_json_405(client, trainee):
    client.force_login(trainee)
    response = client.put("/api/v1/me")
    assert response.status_code == 405
    assert response.json() == {"detail": "此处不允许使用该请求方法。"}
    assert "GET" in response["Allow"]


@pytest.mark.parametrize("path", ["/api/v1/nothing", "/api/v1/nothing/", "/api/v2/me", "/api/"])
def test_unknown_api_paths_are_a_json_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.json() == {"detail": "未找到。"}


def test_sign_in_for_mobile_clients_returns_a_token(client, trainee, password):
    response = client.post(
        "/api/v1/auth/token",
        data={"username": "xiaoli", "password": password, "name": "红米手机"},
        content_type="application/json",
    )
    assert response.status_code == 201
    raw = response.json()["token"]
    assert client.get("/api/v1/me", headers=bearer(raw)).json()["username"] == "xiaoli"
    assert AuditEvent.objects.filter(action="api_token.issued").count() == 1


def test_sign_in_with_a_wrong_password_is_401(client, trainee):
    response = client.post(
        "/api/v1/auth/token",
        data={"username": "xiaoli", "password": "nope"},
        content_type="application/json",
    )
    assert response.status_code == 401
    assert APIToken.objects.count() == 0


def test_api_sign_in_is_throttled_like_the_web(client, trainee, password):
    for _ in range(5):
        client.post(
            "/api/v1/auth/token",
            data={"username": "xiaoli", "password": "nope"},
            content_type="application/json",
        )
    response = client.post(
        "/api/v1/auth/token",
        data={"username": "xiaoli", "password": password},
        content_type="application/json",
    )
    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"
    assert APIToken.objects.count() == 0


def test_openapi_schema_is_published(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ["/api/v1/me", "/api/v1/auth/token", "/api/v1/tokens", "/api/v1/tokens/{token_id}"]:
        assert path in paths


def test_a_csrf_failure_outside_ninja_is_json_too(trainee):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(trainee)
    response = browser.post("/api/v1/nothing", data={})
    assert response.status_code == 403
    assert response.json() == {"detail": "CSRF 令牌缺失或错误，请刷新页面后重试。"}
