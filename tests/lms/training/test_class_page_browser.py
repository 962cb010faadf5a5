"""A trainee on a 360 px phone opens "My classes", then the class page: today's session and
venue at the top, the schedule, the courses and classmates; nothing wider than the screen."""

import datetime
import os

import pytest

from lms.training.models import ClassSession, VenueKind
from tests.browser.conftest import browser, live_server, phone  # noqa: F401  (fixtures)
from tests.factories import TraineeProfileFactory
from tests.factories.learning import make_course_with_lessons
from tests.factories.training import (
    make_class,
    make_enrolment,
    make_lecturer,
    make_plan,
    make_session,
    make_venue,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_no_horizontal_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page is {width}px wide on a 360px screen"


def test_a_trainee_finds_todays_session_on_a_phone(live_server, phone, make_user, password):  # noqa: F811
    errors = []
    phone.on("console", lambda message: message.type == "error" and errors.append(message.text))
    course, lessons = make_course_with_lessons(2, title="淘宝天猫基础实操")
    plan = make_plan(courses=[course])
    head = make_user("head_teacher", username="banzhuren", first_name="老师", last_name="赵")
    lecturer = make_lecturer("王讲师", title="高级电子商务师")
    cls = make_class(plan, head_teacher=head, lecturers=[lecturer], name="第一期初级电商培训班")
    today = cls.start_date
    room = make_venue(
        cls.institution,
        VenueKind.COMPUTER_ROOM,
        name="二号机房",
        address="邵东县人民路一号电子商务公共服务中心三楼",
    )
    session = make_session(
        cls,
        date=today,
        starts_at=datetime.time(0, 0),
        ends_at=datetime.time(23, 59),
        kind=ClassSession.Kind.PRACTICE,
        venue=room,
        lecturer=lecturer,
        title="淘宝开店实操：从注册到上架第一件商品",
    )
    session.lessons.set(lessons)
    session.lessons.commit()
    make_session(cls, date=today + datetime.timedelta(days=1), title="直播带货基础")
    me = make_enrolment(cls, user=True, committee_role="study")
    trainee = me.profile.user
    trainee.username = "xiaoli"
    trainee.save()
    for i, name in enumerate(["陈班长", "李明", "王芳", "赵强", "欧阳娜娜"]):
        make_enrolment(
            cls,
            profile=TraineeProfileFactory(real_name=name),
            committee_role="monitor" if i == 0 else "",
        )

    phone.context.add_cookies([{"name": "lms_language", "value": "en", "url": live_server.url}])
    phone.goto(f"{live_server.url}/training/classes/")
    phone.get_by_label("Username").fill("xiaoli")
    phone.get_by_label("Password").fill(password)
    phone.get_by_role("button", name="Sign in").click()
    phone.wait_for_url(f"{live_server.url}/training/classes/")
    assert_no_horizontal_scroll(phone)
    phone.get_by_role("link", name="第一期初级电商培训班").click()
    phone.wait_for_url(f"{live_server.url}/training/classes/{cls.pk}/")
    today_card = phone.locator(".class-today")
    assert today_card.get_by_text("二号机房").is_visible()
    assert today_card.get_by_text("Now").is_visible()
    assert phone.get_by_text("欧阳娜娜").is_visible()
    assert_no_horizontal_scroll(phone)
    if os.environ.get("LMS_SCREENSHOTS"):
        phone.screenshot(path=os.environ["LMS_SCREENSHOTS"] + "/class_page.png", full_page=True)
    assert [e for e in errors if "Content Security Policy" in e] == []
