"""A trainee on a 360 px phone studies a course: reads a lesson and its case, marks it
complete, and resumes at the next lesson from the course page."""

import time

import pytest

from courses_content.models import Case
from lms.learning.models import LessonProgress
from tests.factories.curriculum import lesson_body, make_case, make_course, make_lesson, make_tier
from tests.factories.learning import enrol

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def assert_no_horizontal_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page is {width}px wide on a 360px screen"


def test_trainee_reads_a_lesson_marks_it_complete_and_resumes(
    live_server, phone, make_user, password
):
    errors = []
    phone.on("console", lambda message: message.type == "error" and errors.append(message.text))

    tier = make_tier()
    course = make_course(tier, "淘宝天猫基础实操", open_to_public=False)
    case = make_case("赣南脐橙拼多多助农店", platform=Case.Platform.PINDUODUO)
    first = make_lesson(course, "商品标题优化", body=lesson_body(case))
    second = make_lesson(course, "主图拍摄", body=lesson_body(make_case("高山茶油")))
    trainee = make_user("trainee", username="xiaoli")
    enrol(trainee, course)

    # English, so the test does not wait for the catalogue; the Chinese UI is the same page.
    phone.context.add_cookies([{"name": "lms_language", "value": "en", "url": live_server.url}])
    phone.goto(f"{live_server.url}{course.url}")
    assert "/accounts/login/" in phone.url  # a closed course needs sign-in
    phone.get_by_label("Username").fill("xiaoli")
    phone.get_by_label("Password").fill(password)
    phone.get_by_role("button", name="Sign in").click()
    phone.wait_for_url(f"{live_server.url}{course.url}")
    assert phone.get_by_text("0% complete").is_visible()
    assert_no_horizontal_scroll(phone)

    phone.get_by_role("link", name="Start the first lesson").click()
    phone.wait_for_url(f"{live_server.url}{first.url}")
    assert phone.get_by_role("heading", name="商品标题优化", level=1).is_visible()
    assert phone.get_by_text("赣南脐橙拼多多助农店").first.is_visible()
    assert_no_horizontal_scroll(phone)

    phone.get_by_role("button", name="Mark as complete").click()
    phone.wait_for_load_state()
    assert phone.url == f"{live_server.url}{first.url}"
    assert phone.locator(".lesson-completed").get_by_text("Completed").is_visible()
    assert phone.get_by_role("button", name="Mark as complete").count() == 0
    assert LessonProgress.objects.get(user=trainee, lesson=first).completed_at is not None

    phone.get_by_role("link", name=course.title).first.click()
    phone.wait_for_url(f"{live_server.url}{course.url}")
    assert phone.get_by_text("50% complete").is_visible()
    phone.get_by_role("link", name="Continue where you left off").click()
    phone.wait_for_url(lambda url: url.split("#")[0] == f"{live_server.url}{second.url}")
    assert phone.get_by_role("heading", name="主图拍摄", level=1).is_visible()
    assert_no_horizontal_scroll(phone)

    # Leaving the first lesson sent its reading position with navigator.sendBeacon.
    for _attempt in range(25):
        position = LessonProgress.objects.get(user=trainee, lesson=first).last_position
        if position:
            break
        time.sleep(0.2)
    assert position.startswith("block-")
    assert [e for e in errors if "Content Security Policy" in e] == []
