"""A trainee answers the evaluation on a 360 px phone; the head teacher reads the results."""

import pytest

from lms.evaluation.models import EvaluationReceipt, EvaluationResponse

from .helpers import answer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_no_horizontal_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page is {width}px wide on a 360px screen"


def sign_in(page, live_server, user, password, target):
    page.context.add_cookies([{"name": "lms_language", "value": "en", "url": live_server.url}])
    page.goto(f"{live_server.url}{target}")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}{target}")


def test_a_trainee_answers_on_a_phone(live_server, phone, world, password, tmp_path):
    errors = []
    phone.on("pageerror", lambda error: errors.append(str(error)))
    phone.on(
        "response",
        lambda r: (
            r.status >= 400 and "favicon" not in r.url and errors.append(f"{r.status} {r.url}")
        ),
    )
    url = f"/training/classes/{world.training_class.pk}/evaluation/"
    sign_in(phone, live_server, world.trainee, password, url)
    assert_no_horizontal_scroll(phone)

    # Submitting with nothing chosen is stopped in the browser; nothing is saved.
    phone.get_by_role("button", name="Submit my answers").click()
    assert not EvaluationReceipt.objects.exists()

    for legend in [
        "Training content",
        "Organisation and management",
        "Venue and facilities",
        "Practicality",
        "Overall satisfaction",
        world.lecturer_a.name,
        world.lecturer_b.name,
    ]:
        group = phone.locator("fieldset", has=phone.locator("legend", has_text=legend))
        option = group.locator("label", has_text="Very satisfied")
        box = option.bounding_box()
        assert box["height"] >= 44, "each choice is a big enough touch target"
        option.tap()
        assert group.get_by_role("radio", name="5 Very satisfied").is_checked()
    phone.get_by_label("Comments and suggestions").fill("希望多安排实操课")
    assert_no_horizontal_scroll(phone)
    phone.screenshot(path=str(tmp_path / "evaluation-form.png"), full_page=True)

    phone.get_by_role("button", name="Submit my answers").click()
    phone.wait_for_load_state()
    assert phone.get_by_text("Thank you: you answered on").is_visible()
    assert_no_horizontal_scroll(phone)
    response = EvaluationResponse.objects.get()
    assert (response.overall, response.comments) == (5, "希望多安排实操课")
    assert errors == []


def test_the_head_teacher_reads_results_on_a_phone(
    live_server,
    phone,
    world,
    password,
    tmp_path,
):
    for enrolment in world.enrolments[:3]:
        answer(enrolment, comments="机房的电脑需要更新，网速也比较慢，希望改进")
    url = f"/training/classes/{world.training_class.pk}/evaluation/results/"
    sign_in(phone, live_server, world.head_teacher, password, url)
    assert phone.get_by_role("heading", name="Satisfaction evaluation results").is_visible()
    assert phone.get_by_text(world.enrolments[3].profile.real_name).is_visible()
    assert_no_horizontal_scroll(phone)
    phone.screenshot(path=str(tmp_path / "evaluation-results.png"), full_page=True)
