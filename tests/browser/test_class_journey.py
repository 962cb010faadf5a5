"""A class day on 360 px phones: the trainee finds today's session on the class page, checks
in by the QR code the head teacher shows, asks for leave from tomorrow's session, and the head
teacher approves it; the trainee then sees the leave approved and tomorrow marked on leave."""

import datetime
import zoneinfo

import pytest
import time_machine

from lms.attendance.models import AttendanceRecord, LeaveRequest
from tests.factories.training import make_class, make_enrolment, make_session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A Tuesday morning in the county; the clock keeps running from here.
CLASS_DAY = datetime.datetime(2026, 12, 1, 9, 20, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))


def assert_fits(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page is {width}px wide on a 360px screen"


def new_phone(browser, live_server):
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    # English, so the test reads the words as written; the Chinese UI is the same page.
    context.add_cookies([{"name": "lms_language", "value": "en", "url": live_server.url}])
    page = context.new_page()
    errors = []
    # pytest-django's live server speaks HTTP only, so the class chat's socket cannot connect
    # here (tests/browser/test_chat_journey.py runs the chat on daphne).
    page.on(
        "console",
        lambda m: (
            m.type == "error"
            and not m.text.startswith("Failed to load resource")
            and "/ws/classes/" not in m.text
            and errors.append(m.text)
        ),
    )
    page.on(
        "response",
        lambda r: r.status >= 500 and errors.append(f"{r.status} {r.url}"),
    )
    return page, errors


def sign_in(page, username, password):
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_check_in_ask_for_leave_and_the_head_teacher_approves(
    live_server, browser, make_user, password
):
    with time_machine.travel(CLASS_DAY, tick=True):
        head = make_user("head_teacher", username="banzhuren")
        training_class = make_class(head_teacher=head, start_date=CLASS_DAY.date())
        today = make_session(
            training_class,
            date=CLASS_DAY.date(),
            starts_at=datetime.time(9, 0),
            ends_at=datetime.time(11, 30),
            title="农产品选品与定价",
        )
        tomorrow = make_session(
            training_class,
            date=CLASS_DAY.date() + datetime.timedelta(days=1),
            starts_at=datetime.time(14, 0),
            ends_at=datetime.time(17, 0),
            kind="practice",
            title="商品标题优化实操",
        )
        trainee_user = make_user("trainee", username="xiaoli")
        enrolment = make_enrolment(training_class, user=trainee_user)
        for _ in range(3):
            make_enrolment(training_class)

        screen, screen_errors = new_phone(browser, live_server)
        phone, phone_errors = new_phone(browser, live_server)

        # The trainee opens the class page: today's session and its venue are on top.
        phone.goto(f"{live_server.url}/training/classes/{training_class.pk}/")
        sign_in(phone, "xiaoli", password)
        phone.wait_for_url(f"**/training/classes/{training_class.pk}/")
        assert phone.get_by_text("农产品选品与定价").first.is_visible()
        assert phone.get_by_text(today.venue.name).first.is_visible()
        assert_fits(phone)

        # The head teacher shows the rotating code in the room; the trainee scans it.
        screen.goto(f"{live_server.url}/training/sessions/{today.pk}/check-in-code/")
        sign_in(screen, "banzhuren", password)
        screen.wait_for_url(f"**/training/sessions/{today.pk}/check-in-code/")
        scanned = screen.locator("#check-in-qr").get_attribute("data-url")
        phone.goto(scanned)
        phone.get_by_role("button", name="Check in").click()
        phone.wait_for_url(f"**/training/check-in/?s={today.pk}")
        assert phone.locator("#check-in-status .att-late").is_visible()  # 20 minutes after 9:00
        record = AttendanceRecord.objects.get(session=today, enrolment=enrolment)
        assert (record.status, record.source) == ("late", "check_in")

        # The same code again is refused: one check-in per trainee.
        phone.goto(scanned)
        assert phone.get_by_text("You already checked in at").first.is_visible()
        assert AttendanceRecord.objects.filter(enrolment=enrolment).count() == 1

        # From the class page, the trainee asks for leave from tomorrow's practice session.
        phone.goto(f"{live_server.url}/training/classes/{training_class.pk}/")
        phone.get_by_role("link", name="Ask for leave").first.click()
        phone.wait_for_url(f"**/training/classes/{training_class.pk}/leave/new/")
        assert_fits(phone)
        phone.get_by_label("商品标题优化实操").check()
        phone.locator("#leave-request-form textarea[name=reason]").fill(
            "合作社明天下午发货，需回去组织装车。"
        )
        phone.locator("#send-leave-request").click()
        phone.wait_for_url(f"**/training/classes/{training_class.pk}/leave/")
        leave = LeaveRequest.objects.get(enrolment=enrolment)
        assert phone.locator(f"#leave-{leave.pk}").get_attribute("data-status") == "pending"

        # The head teacher approves it from their phone.
        screen.goto(f"{live_server.url}/training/classes/{training_class.pk}/leave/requests/")
        item = screen.locator(f"#leave-{leave.pk}")
        assert item.get_by_text("合作社明天下午发货").is_visible()
        assert_fits(screen)
        item.locator(f"[name=leave-{leave.pk}-comment]").fill("同意，注意补学。")
        item.get_by_role("button", name="Approve").click()
        screen.wait_for_load_state()
        assert screen.locator(f"#pending-leave-requests #leave-{leave.pk}").count() == 0

        # The trainee sees it approved, and tomorrow's session counts as leave, not absence.
        phone.reload()
        assert phone.locator(f"#leave-{leave.pk}").get_attribute("data-status") == "approved"
        on_leave = AttendanceRecord.objects.get(session=tomorrow, enrolment=enrolment)
        assert (on_leave.status, on_leave.source) == ("on_leave", "leave")
        assert screen_errors == [] and phone_errors == []
