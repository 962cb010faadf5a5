"""A trainee signs in on a phone, sees the Chinese dashboard, switches to English."""

import pytest

from tests.factories import TraineeProfileFactory, ensure_site

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_no_horizontal_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page is {width}px wide on a 360px screen"


def test_trainee_signs_in_sees_chinese_dashboard_and_switches_to_english(
    live_server, phone, make_user, password, tmp_path
):
    user = make_user("trainee", username="xiaoli")
    TraineeProfileFactory(user=user, real_name="黄小丽")

    phone.goto(f"{live_server.url}/dashboard/")
    assert phone.url.startswith(f"{live_server.url}/accounts/login/")
    assert_no_horizontal_scroll(phone)

    phone.get_by_label("用户名").fill("xiaoli")
    phone.get_by_label("密码").fill(password)
    phone.get_by_role("button", name="登录").click()

    phone.wait_for_url(f"{live_server.url}/dashboard/")
    assert phone.locator("html").get_attribute("lang") == "zh-Hans"
    assert "你好，黄小丽" in phone.locator("h1").inner_text()
    assert phone.get_by_role("heading", name="学员身份").is_visible()
    assert_no_horizontal_scroll(phone)
    phone.screenshot(path=str(tmp_path / "dashboard-zh.png"), full_page=True)

    phone.get_by_role("button", name="English").click()
    phone.wait_for_load_state()
    assert phone.locator("html").get_attribute("lang") == "en"
    assert "Hello, 黄小丽" in phone.locator("h1").inner_text()
    assert phone.get_by_role("heading", name="As Trainee").is_visible()
    assert_no_horizontal_scroll(phone)

    # The choice sticks on the next page.
    phone.get_by_role("link", name="My profile").click()
    assert phone.get_by_role("heading", name="My profile", level=1).is_visible()


def test_keyboard_users_can_sign_in(live_server, phone, make_user, password):
    make_user("trainee", username="xiaoli")
    phone.goto(f"{live_server.url}/accounts/login/")
    phone.get_by_label("用户名").focus()
    phone.keyboard.type("xiaoli")
    phone.keyboard.press("Tab")
    phone.keyboard.type(password)
    phone.keyboard.press("Enter")
    phone.wait_for_url(f"{live_server.url}/dashboard/")


def test_public_and_admin_pages_raise_no_csp_violations(live_server, phone, make_user, password):
    errors = []
    phone.on("console", lambda message: message.type == "error" and errors.append(message.text))
    make_user("administrator", username="admin1")
    home = ensure_site()
    phone.goto(f"{live_server.url}/")
    phone.goto(f"{live_server.url}/accounts/login/")
    phone.get_by_label("用户名").fill("admin1")
    phone.get_by_label("密码").fill(password)
    phone.get_by_role("button", name="登录").click()
    phone.wait_for_url(f"{live_server.url}/dashboard/")
    for path in [
        "/admin/",
        f"/admin/pages/{home.pk}/edit/",
        "/admin/snippets/accounts/traineeprofile/add/",
        "/admin/users/",
    ]:
        phone.goto(f"{live_server.url}{path}")
        phone.wait_for_load_state("networkidle")
    violations = [e for e in errors if "Content Security Policy" in e]
    assert violations == []
