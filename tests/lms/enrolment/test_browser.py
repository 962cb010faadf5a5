"""A trainee applies on a phone; the village registrar confirms in the admin."""

import os

import pytest

from lms.enrolment.models import ClassEnrolment
from tests.browser.conftest import browser, live_server, phone  # noqa: F401  (fixtures)
from tests.factories import ensure_site

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = os.environ.get("ENROLMENT_SCREENSHOTS", "")


def sign_in(page, base, username, password):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/dashboard/")


def no_horizontal_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page is {width}px wide on a 360px screen"


def shot(page, name):
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


def test_apply_on_a_phone_and_the_registrar_confirms(
    live_server,  # noqa: F811
    phone,  # noqa: F811
    browser,  # noqa: F811
    training_class,
    trainee,
    registrar,
    password,
):
    ensure_site()
    base = live_server.url
    sign_in(phone, base, "trainee1", password)
    phone.goto(f"{base}/training/enrolling/")
    no_horizontal_scroll(phone)
    shot(phone, "enrolling")
    phone.get_by_role("link", name=training_class.name).click()
    phone.wait_for_url(f"{base}/training/classes/{training_class.pk}/apply/")
    no_horizontal_scroll(phone)
    shot(phone, "apply")
    phone.locator("main form button[type=submit]").click()
    phone.wait_for_load_state()
    assert ClassEnrolment.objects.get().status == "applied"
    no_horizontal_scroll(phone)
    shot(phone, "applied")

    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    sign_in(desk, base, "registrar1", password)
    desk.goto(f"{base}/admin/enrolment/")
    shot(desk, "admin-index")
    desk.get_by_role("link", name=training_class.name).click()
    shot(desk, "admin-class")
    desk.locator(f"a[href$='/enrolments/{ClassEnrolment.objects.get().pk}/application/']").click()
    shot(desk, "admin-application")
    desk.locator("input[name=action][value=confirm] ~ button").click()
    desk.wait_for_url(f"{base}/admin/enrolment/classes/{training_class.pk}/")
    shot(desk, "admin-class-after")
    assert ClassEnrolment.objects.get().status == "enrolled"
    desk.goto(f"{base}/admin/enrolment/classes/{training_class.pk}/import/")
    shot(desk, "admin-import")
    desk.goto(f"{base}/admin/enrolment/classes/{training_class.pk}/register/")
    shot(desk, "admin-register")
    desk.context.close()
