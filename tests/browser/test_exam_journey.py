"""A trainee takes an exam on a 360 px phone: starts it, answers, loses the network mid-exam
(the answers wait on the phone), gets it back (they reach the server), hands in and sees the
result."""

import datetime

import pytest
import time_machine

from assessments import panels_exams
from assessments.models import Answer, Attempt
from tests.assessments.test_attempts import NOW, build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def new_phone(browser, live_server):
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    # English, so the test reads the words as written; the Chinese UI is the same page.
    context.add_cookies([{"name": "lms_language", "value": "en", "url": live_server.url}])
    page = context.new_page()
    errors = []
    page.on(
        "console",
        lambda m: (
            m.type == "error"
            and not m.text.startswith("Failed to load resource")
            and "/ws/" not in m.text
            and errors.append(m.text)
        ),
    )
    page.on("response", lambda r: r.status >= 500 and errors.append(f"{r.status} {r.url}"))
    return context, page, errors


def assert_fits(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page is {width}px wide on a 360px screen"


def saved(item_id):
    return Answer.objects.get(item_id=item_id)


def test_an_exam_on_a_phone_with_a_dropped_network(live_server, browser, password):
    from tests.factories import ensure_site

    with time_machine.travel(NOW, tick=True):
        ensure_site()
        panels_exams.register()
        world = build_world(review="after_submit")
        world.trainee.username = "xiaoli"
        world.trainee.save()
        context, phone, errors = new_phone(browser, live_server)

        # From the class page to the exam.
        phone.goto(f"{live_server.url}/training/classes/{world.training_class.pk}/")
        phone.get_by_label("Username").fill("xiaoli")
        phone.get_by_label("Password").fill(password)
        phone.get_by_role("button", name="Sign in").click()
        phone.wait_for_url(f"**/training/classes/{world.training_class.pk}/")
        phone.get_by_role("link", name="Take the exam").click()
        phone.wait_for_url(f"**/exams/assignments/{world.assignment.pk}/")
        assert_fits(phone)
        phone.locator("#start-exam").click()
        attempt = Attempt.objects.get()
        phone.wait_for_url(f"**/exams/attempts/{attempt.pk}/")
        assert_fits(phone)
        assert "Time left" in phone.locator("#exam-timer").inner_text()

        items = {item.question.kind: item for item in attempt.paper.select_related("question")}
        single, multiple = items["single"], items["multiple"]
        true_false, fill_in = items["true_false"], items["fill_in"]

        # An old tab of the same attempt, opened before the answers below.
        old_tab = context.new_page()
        old_tab.goto(phone.url)

        # Online: the answer is saved as soon as it is chosen.
        phone.locator(f"#item-{single.pk}").get_by_label("提高商品标题的搜索排名").check()
        phone.locator(f"#item-{single.pk} .exam-q-state.saved").wait_for()
        assert (saved(single.pk).response, saved(single.pk).version) == ("A", 1)

        # The old tab cannot overwrite it: it is told, and shows the saved answer.
        old_box = old_tab.locator(f"#item-{single.pk}")
        # A click, not .check(): the page puts the saved answer back as soon as the server
        # refuses, which .check() would take for a click that did nothing.
        old_box.get_by_label("增加店铺的运费").click()
        old_box.locator(".exam-q-state.conflict").wait_for()
        assert old_box.get_by_label("提高商品标题的搜索排名").is_checked()
        assert saved(single.pk).response == "A"
        old_tab.close()

        # The network drops: answers wait on the phone and the page says so.
        context.set_offline(True)
        box = phone.locator(f"#item-{multiple.pk}")
        box.get_by_label("提高商品标题的搜索排名").check()
        box.get_by_label("减少商品图片").check()
        phone.locator(f"#item-{true_false.pk}").get_by_label("True").check()
        phone.locator(f"#item-{true_false.pk} .exam-q-state.waiting").wait_for()
        assert phone.locator("#exam-connection").is_visible()
        assert saved(multiple.pk).version == 0
        assert saved(true_false.pk).version == 0

        # The network returns: the waiting answers reach the server.
        context.set_offline(False)
        phone.locator(f"#item-{true_false.pk} .exam-q-state.saved").wait_for(timeout=20000)
        phone.locator(f"#item-{multiple.pk} .exam-q-state.saved").wait_for(timeout=20000)
        assert saved(multiple.pk).response == ["A", "C"]
        assert saved(true_false.pk).response is True

        phone.locator(f"#q{fill_in.pk}").fill("阿里巴巴")
        phone.get_by_role("button", name="Hand in").click()
        phone.wait_for_url(f"**/exams/attempts/{attempt.pk}/result/")
        assert_fits(phone)
        attempt.refresh_from_db()
        assert (attempt.status, attempt.score, attempt.passed) == ("graded", 8, True)
        assert "8 / 8" in phone.locator("#exam-result").inner_text()
        assert phone.get_by_text("Passed").first.is_visible()
        assert errors == []
        context.close()
    assert NOW + datetime.timedelta(hours=1) > attempt.submitted_at
