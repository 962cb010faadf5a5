"""On 360 px phones: the head teacher's code page refreshes its QR code by itself, and a
trainee who opens the encoded URL signs in, confirms and is checked in. The pages fit."""

import datetime
import os
import zoneinfo

import pytest
import time_machine
from django.utils import timezone

from lms.attendance.models import AttendanceRecord
from tests.factories.training import make_class, make_enrolment, make_session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MORNING = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
SCREENSHOTS = os.environ.get("ATTENDANCE_SCREENSHOTS")  # a folder, to look at the pages


def assert_fits(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page is {width}px wide on a 360px screen"


def sign_in(page, username, password):
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def shot(page, name):
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


def test_the_code_rotates_and_a_trainee_checks_in(
    live_server, browser, make_user, password, settings
):
    # A fixed morning, so the session window lies inside one day whenever the suite runs.
    with time_machine.travel(MORNING, tick=True):
        _code_rotates_and_trainee_checks_in(live_server, browser, make_user, password, settings)


def _code_rotates_and_trainee_checks_in(live_server, browser, make_user, password, settings):
    settings.CHECKIN_CODE_SECONDS = 5
    now = timezone.localtime()
    head = make_user("head_teacher", username="banzhuren")
    cls = make_class(head_teacher=head, start_date=now.date())
    session = make_session(
        cls,
        date=now.date(),
        starts_at=(now - datetime.timedelta(minutes=5)).time().replace(microsecond=0),
        ends_at=(now + datetime.timedelta(hours=1)).time().replace(microsecond=0),
        title="网店开设",
    )
    enrolment = make_enrolment(cls, user=True)
    for _ in range(12):
        make_enrolment(cls)
    enrolment.profile.user.username = "xiaoli"
    enrolment.profile.user.save()

    def phone():
        context = browser.new_context(
            viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True
        )
        context.add_cookies([{"name": "lms_language", "value": "en", "url": live_server.url}])
        page = context.new_page()
        errors = []
        # Script and CSP errors; a failed load is caught below by its URL (not the favicon).
        page.on(
            "console",
            lambda m: (
                m.type == "error"
                and not m.text.startswith("Failed to load resource")
                and errors.append(m.text)
            ),
        )
        page.on(
            "response",
            lambda r: (
                r.status >= 400
                and not r.url.endswith("/favicon.ico")
                and errors.append(f"{r.status} {r.url}")
            ),
        )
        return page, errors

    screen, screen_errors = phone()
    screen.goto(f"{live_server.url}/training/sessions/{session.pk}/check-in-code/")
    sign_in(screen, "banzhuren", password)
    screen.wait_for_url(f"**/training/sessions/{session.pk}/check-in-code/")
    qr = screen.locator("#check-in-qr")
    assert qr.is_visible()
    first_url = qr.get_attribute("data-url")
    assert f"/training/check-in/?s={session.pk}&c=" in first_url
    assert_fits(screen)
    shot(screen, "check-in-code")
    screen.wait_for_function(
        "url => document.getElementById('check-in-qr').dataset.url !== url",
        arg=first_url,
        timeout=12000,
    )
    scanned = qr.get_attribute("data-url")
    assert scanned != first_url
    assert screen_errors == []

    trainee, trainee_errors = phone()
    trainee.goto(scanned)
    sign_in(trainee, "xiaoli", password)
    trainee.wait_for_url("**/training/check-in/?s=*&c=*")
    assert_fits(trainee)
    shot(trainee, "check-in-confirm")
    trainee.get_by_role("button", name="Check in").click()
    trainee.wait_for_url(f"**/training/check-in/?s={session.pk}")
    assert trainee.locator("#check-in-status .att-present").is_visible()
    assert AttendanceRecord.objects.get().source == "check_in"
    assert trainee_errors == []
    shot(trainee, "check-in-done")

    # The count on the head teacher's screen follows at the next refresh.
    screen.wait_for_function(
        "() => document.getElementById('check-in-count').textContent.startsWith('1 of 13')",
        timeout=12000,
    )

    for name, url in [
        ("mark", f"/training/sessions/{session.pk}/attendance/"),
        ("overview", f"/training/classes/{cls.pk}/attendance/"),
        ("requests", f"/training/classes/{cls.pk}/leave/requests/"),
    ]:
        screen.goto(f"{live_server.url}{url}")
        assert_fits(screen)
        shot(screen, name)
    for name, url in [
        ("my-leave", f"/training/classes/{cls.pk}/leave/"),
        ("ask-leave", f"/training/classes/{cls.pk}/leave/new/"),
    ]:
        trainee.goto(f"{live_server.url}{url}")
        assert_fits(trainee)
        shot(trainee, name)
