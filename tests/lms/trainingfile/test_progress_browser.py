"""Institution staff on a 360 px screen watch a build's progress; the page follows it by polling
the status endpoint and shows the download link when the file is ready, without a reload."""

import pytest
from playwright.sync_api import expect

from lms.trainingfile.models import TrainingFile
from tests.browser.conftest import browser, live_server, phone  # noqa: F401  (fixtures)
from tests.factories import UserFactory
from tests.factories.training import make_class, make_institution, make_plan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_class_page_follows_a_build_until_it_is_ready(live_server, phone, password):  # noqa: F811
    staff = UserFactory(roles=["institution_staff"], username="jigou")
    institution = make_institution(staff=[staff])
    training_class = make_class(make_plan(institution), name="第九期农村电商初级培训班")
    building = TrainingFile.objects.create(
        training_class=training_class,
        version=1,
        status=TrainingFile.Status.BUILDING,
        progress=30,
        step="Roster",
    )
    errors = []
    # Script errors, and failed requests other than the browser's own favicon probe.
    phone.on("pageerror", lambda error: errors.append(str(error)))
    phone.on(
        "response",
        lambda r: r.status >= 400 and "favicon" not in r.url and errors.append(r.url),
    )
    phone.context.add_cookies([{"name": "lms_language", "value": "en", "url": live_server.url}])
    phone.goto(f"{live_server.url}/accounts/login/")
    phone.get_by_label("Username").fill("jigou")
    phone.get_by_label("Password").fill(password)
    phone.get_by_role("button", name="Sign in").click()
    phone.wait_for_load_state()

    phone.goto(f"{live_server.url}/admin/training-files/class/{training_class.pk}/")
    assert phone.locator("progress").first.get_attribute("value") == "30"
    assert phone.get_by_role("button", name="Build training file").is_disabled()

    TrainingFile.objects.filter(pk=building.pk).update(progress=70, step="Attendance")
    expect(phone.locator('[data-field="percent"]')).to_have_text("70%", timeout=10_000)
    expect(phone.locator('[data-field="step"]')).to_have_text("Attendance")
    assert phone.locator("progress").first.get_attribute("value") is not None

    TrainingFile.objects.filter(pk=building.pk).update(
        status=TrainingFile.Status.READY, progress=100, step=""
    )
    download = phone.locator('[data-field="download"]')
    download.wait_for(state="visible", timeout=10_000)
    assert download.get_attribute("href") == f"/admin/training-files/{building.pk}/download/"
    assert phone.get_by_role("button", name="Build training file").is_enabled()
    assert not phone.get_by_text("A build is running").is_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page is {width}px wide on a 360px screen"
    phone.screenshot(path="/tmp/trainingfile-360.png", full_page=True)
    assert not errors, errors
