"""Signing in: success, new session, throttling, password rules, refused accounts."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def sign_in(client, username, password, address="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_signing_in_lands_on_the_dashboard(client, make_user, password):
    make_user("trainee", username="xiaoli")
    response = sign_in(client, "xiaoli", password)
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    dashboard = client.get("/dashboard/")
    assert dashboard.status_code == 200
    assert "学员" in dashboard.text


def test_signing_in_starts_a_new_session(client, make_user, password):
    make_user("trainee", username="xiaoli")
    client.get(LOGIN)
    client.session["probe"] = 1
    session = client.session
    session.save()
    before = session.session_key
    sign_in(client, "xiaoli", password)
    assert client.session.session_key != before


def test_wrong_password_shows_a_translated_error_and_signs_nobody_in(client, make_user):
    make_user("trainee", username="xiaoli")
    response = sign_in(client, "xiaoli", "wrong-password")
    assert response.status_code == 200
    assert "请输入一个正确的" in response.text  # Django's own zh-hans message
    assert "_auth_user_id" not in client.session


def test_five_failures_lock_that_username_from_that_address(client, make_user, password):
    make_user("trainee", username="xiaoli")
    for _ in range(4):
        assert sign_in(client, "xiaoli", "wrong").status_code == 200
    locked = sign_in(client, "xiaoli", "wrong")
    assert locked.status_code == 429
    assert "锁定" in locked.text or "登录失败次数过多" in locked.text
    # Even the right password is refused while locked.
    assert sign_in(client, "xiaoli", password).status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_lockout_does_not_touch_other_users_or_addresses(client, make_user, password):
    make_user("trainee", username="xiaoli")
    make_user("trainee", username="dayong")
    for _ in range(5):
        sign_in(client, "xiaoli", "wrong")
    assert sign_in(client, "xiaoli", password).status_code == 429
    assert sign_in(client, "dayong", password).status_code == 302
    client.logout()
    assert sign_in(client, "xiaoli", password, address="10.0.0.2").status_code == 302


def test_the_lockout_ends_after_the_cool_off(client, make_user, password, time_machine):
    import datetime

    time_machine.move_to(datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC))
    make_user("trainee", username="xiaoli")
    for _ in range(5):
        sign_in(client, "xiaoli", "wrong")
    assert sign_in(client, "xiaoli", password).status_code == 429
    time_machine.move_to(datetime.datetime(2026, 12, 1, 9, 16, tzinfo=datetime.UTC))
    assert sign_in(client, "xiaoli", password).status_code == 302


def test_forwarded_addresses_are_ignored_unless_a_proxy_is_trusted(
    client, make_user, password, settings
):
    make_user("trainee", username="xiaoli")
    for index in range(5):
        client.post(
            LOGIN,
            {"username": "xiaoli", "password": "wrong"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{index}",
        )
    # Spoofing X-Forwarded-For does not escape the lock.
    response = client.post(
        LOGIN,
        {"username": "xiaoli", "password": password},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="192.0.2.99",
    )
    assert response.status_code == 429


def test_behind_a_trusted_proxy_the_forwarded_address_counts(client, make_user, settings):
    from lms.accounts.lockout import client_ip_address

    settings.TRUSTED_PROXY_COUNT = 1

    class Request:
        META = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.7"}

    assert client_ip_address(Request()) == "203.0.113.7"


def test_inactive_users_cannot_sign_in(client, make_user, password):
    make_user("trainee", username="gone", is_active=False)
    response = sign_in(client, "gone", password)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_demo_accounts_are_refused_outside_development(client, make_user, password, settings):
    user = make_user("trainee", username="trainee")
    user.is_demo = True
    user.save()
    settings.DEMO_ACCOUNTS_ENABLED = False
    response = sign_in(client, "trainee", password)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_an_existing_demo_session_stops_working_outside_development(client, make_user, settings):
    user = make_user("trainee", username="trainee")
    user.is_demo = True
    user.save()
    client.force_login(user)
    settings.DEMO_ACCOUNTS_ENABLED = False
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("weak", ["password123", "12345678901", "short", "qwertyuiop"])
def test_weak_passwords_are_rejected(weak):
    with pytest.raises(ValidationError):
        validate_password(weak)


def test_a_strong_password_passes():
    validate_password("Mei-zi-cun 2026 dian shang")


def test_password_change_refuses_a_common_password(client, make_user, password):
    user = make_user("trainee", username="xiaoli")
    client.force_login(user)
    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": password,
            "new_password1": "password1234",
            "new_password2": "password1234",
        },
    )
    assert response.status_code == 200
    assert "这个密码太常见了" in response.text
    user.refresh_from_db()
    assert user.check_password(password)


def test_password_change_works_and_keeps_this_session(client, make_user, password):
    user = make_user("trainee", username="xiaoli")
    client.force_login(user)
    new = "Tong-zi-cun 2026 wang dian"
    response = client.post(
        "/accounts/password_change/",
        {"old_password": password, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)
    assert client.get("/dashboard/").status_code == 200


def test_sign_out_needs_post_and_ends_the_session(client, make_user):
    client.force_login(make_user("trainee"))
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/dashboard/").status_code == 302


def test_pages_that_need_sign_in_redirect_to_the_login_page(client):
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/dashboard/"
