"""A practical task's file waits on the phone (IndexedDB) like the typed and chosen answers:
chosen offline, it survives a reload and is uploaded when the network returns; a newer choice
wins over an older one; a file bigger than the server's limit is refused on the phone with the
server's message; a file that can no longer be sent (handed in, time up) is named on the
result page with the server's reason."""

import datetime
import io

import pytest
import time_machine
from PIL import Image
from playwright.sync_api import Error as PlaywrightError

from assessments.actions import attempts as actions
from assessments.models import Answer, Attempt
from tests.assessments.test_attempts import NOW, build_world
from tests.browser.test_exam_journey import assert_fits, new_phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LINK = "https://shop.example.com/apples"
FILE_ENDPOINT = "**/api/v1/exams/attempts/*/answers/*/file"

COUNT_STORED_FILES = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open("exam-files", 1);
  open.onupgradeneeded = () => open.result.createObjectStore("files", { keyPath: "key" });
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const db = open.result;
    const count = db.transaction("files").objectStore("files").count();
    count.onsuccess = () => { db.close(); resolve(count.result); };
  };
})"""


def png(colour, size=(8, 8)):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def upload(name, data):
    return {"name": name, "mimeType": "image/png", "buffer": data}


def start_exam(browser, live_server, password, world):
    """Sign the trainee in on a phone and open the attempt page; (context, page, errors,
    attempt, practical item)."""
    world.trainee.username = "xiaoli"
    world.trainee.save()
    context, phone, errors = new_phone(browser, live_server)
    phone.goto(f"{live_server.url}/exams/assignments/{world.assignment.pk}/")
    phone.get_by_label("Username").fill("xiaoli")
    phone.get_by_label("Password").fill(password)
    phone.get_by_role("button", name="Sign in").click()
    phone.wait_for_url(f"**/exams/assignments/{world.assignment.pk}/")
    phone.locator("#start-exam").click()
    attempt = Attempt.objects.get()
    phone.wait_for_url(f"**/exams/attempts/{attempt.pk}/")
    item = attempt.paper.get(question__kind="practical")
    return context, phone, errors, attempt, item


def file_state(phone, item, state):
    return phone.locator(f"#file-state-{item.pk}[data-state={state}]")


def practical_world():
    from assessments import panels_exams
    from tests.factories import ensure_site

    ensure_site()
    panels_exams.register()
    return build_world(kinds=("single", "practical"), review="after_submit")


def test_a_file_chosen_offline_survives_a_reload_and_uploads_when_the_network_returns(
    live_server, browser, password
):
    with time_machine.travel(NOW, tick=True):
        world = practical_world()
        context, phone, errors, attempt, item = start_exam(browser, live_server, password, world)
        box = phone.locator(f"#item-{item.pk}")
        attempt_url = phone.url
        uploads = []
        phone.on("request", lambda r: r.url.endswith("/file") and uploads.append(r.url))

        # Bigger than the server's limit: refused on the phone with the server's own message.
        too_big = b"%PDF-" + b"0" * (actions.MAX_FILE_BYTES - 4)
        box.locator("input[type=file]").set_input_files(
            {"name": "scan.pdf", "mimeType": "application/pdf", "buffer": too_big}
        )
        box.locator(".exam-q-state.error").wait_for()
        assert box.locator(".exam-q-state").inner_text() == "The file is too large (at most 10 MB)."
        assert uploads == []

        # Offline: the link and the screenshot wait on the phone, and the page says so.
        context.set_offline(True)
        box.get_by_label("Link (e.g. your online store)").fill(LINK)
        box.get_by_label("Link (e.g. your online store)").press("Tab")
        screenshot = png("red")
        box.locator("input[type=file]").set_input_files(upload("shop.png", screenshot))
        file_state(phone, item, "waiting").wait_for()
        assert file_state(phone, item, "waiting").inner_text() == "Waiting to upload: shop.png"
        assert box.locator(".exam-q-state.waiting").is_visible()
        assert phone.locator("#exam-connection").is_visible()
        assert phone.evaluate(COUNT_STORED_FILES) == 1
        answer = Answer.objects.get(item=item)
        assert (answer.version, bool(answer.file)) == (0, False)

        # The page cannot be reloaded offline; the file stays on the phone. (Chromium's error
        # page reloads itself outside the offline emulation: every request is refused while
        # it shows, and it is left for a blank page.)
        context.route("**/*", lambda route: route.abort("internetdisconnected"))
        with pytest.raises(PlaywrightError):
            phone.reload()
        phone.wait_for_function("() => location.protocol === 'chrome-error:'")
        phone.goto("about:blank")
        context.unroute("**/*")

        # A weak network brings the page back but not the upload: the page reads the waiting
        # file back from the phone and shows it, with the link.
        blocked = []
        context.route(
            FILE_ENDPOINT, lambda route: (blocked.append(1), route.abort("internetdisconnected"))
        )
        context.set_offline(False)
        phone.goto(attempt_url)
        file_state(phone, item, "waiting").wait_for()
        phone.wait_for_function("() => document.querySelector('#exam-connection').hidden === false")
        assert blocked
        assert file_state(phone, item, "waiting").inner_text() == "Waiting to upload: shop.png"
        assert box.get_by_label("Link (e.g. your online store)").input_value() == LINK
        assert Answer.objects.get(item=item).version == 0

        # The network returns: the file (with the link) reaches the server once.
        context.unroute(FILE_ENDPOINT)
        uploads.clear()
        context.set_offline(True)
        context.set_offline(False)
        file_state(phone, item, "saved").wait_for(timeout=20000)
        assert file_state(phone, item, "saved").inner_text() == "File sent: shop.png"
        box.locator(".exam-q-state.saved").wait_for()
        answer = Answer.objects.get(item=item)
        assert answer.response == {"link": LINK}
        assert answer.version == 1
        with answer.file.open("rb") as stored:
            assert stored.read() == screenshot
        assert len(uploads) == 1
        assert phone.evaluate(COUNT_STORED_FILES) == 0
        assert phone.locator("#exam-connection").is_hidden()
        assert_fits(phone)

        # Nothing waits: handing in asks nothing, and the result names no lost file.
        phone.get_by_role("button", name="Hand in").click()
        phone.wait_for_url(f"**/exams/attempts/{attempt.pk}/result/")
        assert phone.locator("#exam-unsent").is_hidden()
        assert_fits(phone)
        assert errors == []
        context.close()


def test_the_newest_file_wins_and_an_older_one_never_overwrites_a_newer(
    live_server, browser, password
):
    with time_machine.travel(NOW, tick=True):
        world = practical_world()
        context, phone, errors, _attempt, item = start_exam(browser, live_server, password, world)
        box = phone.locator(f"#item-{item.pk}")

        # On one phone, offline: a second choice replaces the first.
        context.set_offline(True)
        box.locator("input[type=file]").set_input_files(upload("old.png", png("red")))
        file_state(phone, item, "waiting").wait_for()
        newer = png("green")
        box.locator("input[type=file]").set_input_files(upload("new.png", newer))
        phone.get_by_text("Waiting to upload: new.png").wait_for()
        assert phone.evaluate(COUNT_STORED_FILES) == 1
        context.set_offline(False)
        file_state(phone, item, "saved").wait_for(timeout=20000)
        assert file_state(phone, item, "saved").inner_text() == "File sent: new.png"
        answer = Answer.objects.get(item=item)
        assert answer.version == 1
        with answer.file.open("rb") as stored:
            assert stored.read() == newer

        # The same phone waits offline with a file while a second phone sends a newer one.
        context.set_offline(True)
        box.locator("input[type=file]").set_input_files(upload("stale.png", png("red")))
        file_state(phone, item, "waiting").wait_for()
        other_context, other_phone, other_errors = new_phone(browser, live_server)
        other_context.add_cookies(context.cookies())
        other_phone.goto(phone.url)
        other_box = other_phone.locator(f"#item-{item.pk}")
        latest = png("blue")
        other_box.locator("input[type=file]").set_input_files(upload("latest.png", latest))
        file_state(other_phone, item, "saved").wait_for(timeout=20000)
        other_context.close()

        # Back online, the older file is not sent over the newer one; the phone says so.
        context.set_offline(False)
        file_state(phone, item, "error").wait_for(timeout=20000)
        text = file_state(phone, item, "error").inner_text()
        assert text.startswith("Not uploaded: stale.png.")
        assert "changed in another window" in text
        assert box.locator(".exam-q-state.conflict").is_visible()
        answer = Answer.objects.get(item=item)
        assert answer.version == 2
        with answer.file.open("rb") as stored:
            assert stored.read() == latest
        assert phone.evaluate(COUNT_STORED_FILES) == 0
        assert errors == [] and other_errors == []
        context.close()


def test_handing_in_with_a_file_still_waiting_asks_then_names_it_on_the_result(
    live_server, browser, password
):
    with time_machine.travel(NOW, tick=True):
        world = practical_world()
        context, phone, errors, attempt, item = start_exam(browser, live_server, password, world)
        box = phone.locator(f"#item-{item.pk}")
        # The page loads, but uploads do not get through.
        context.route(FILE_ENDPOINT, lambda route: route.abort("internetdisconnected"))
        box.locator("input[type=file]").set_input_files(upload("shop.png", png("red")))
        file_state(phone, item, "waiting").wait_for()

        questions = []

        def answer_dialog(dialog, accept):
            questions.append(dialog.message)
            dialog.accept() if accept else dialog.dismiss()

        # Asked first: saying no keeps the trainee on the page with the file waiting.
        phone.once("dialog", lambda dialog: answer_dialog(dialog, False))
        phone.get_by_role("button", name="Hand in").click()
        for _ in range(100):
            if questions:
                break
            phone.wait_for_timeout(100)
        assert questions and "shop.png has not been uploaded yet" in questions[0]
        file_state(phone, item, "waiting").wait_for()
        assert phone.url.endswith(f"/exams/attempts/{attempt.pk}/")
        assert Attempt.objects.get().status == "in_progress"

        # Saying yes hands in; the result page names the file with the server's reason.
        phone.once("dialog", lambda dialog: answer_dialog(dialog, True))
        phone.get_by_role("button", name="Hand in").click()
        phone.wait_for_url(f"**/exams/attempts/{attempt.pk}/result/")
        unsent = phone.locator("#exam-unsent")
        unsent.wait_for()
        assert unsent.locator("li").all_inner_texts() == [
            "Not uploaded: shop.png. This attempt has been submitted; answers can no longer change."
        ]
        assert_fits(phone)
        assert Attempt.objects.get().status == "submitted"
        assert not Answer.objects.get(item=item).file
        assert phone.evaluate(COUNT_STORED_FILES) == 0
        # Still named after a reload (the phone keeps the note, not the file).
        phone.reload()
        unsent.locator("li").first.wait_for()
        assert unsent.locator("li").count() == 1
        assert errors == []
        context.close()


def test_a_file_waiting_past_the_deadline_is_refused_with_the_servers_message(
    live_server, browser, password
):
    with time_machine.travel(NOW, tick=True) as traveller:
        world = practical_world()
        context, phone, errors, attempt, item = start_exam(browser, live_server, password, world)
        box = phone.locator(f"#item-{item.pk}")
        context.set_offline(True)
        box.locator("input[type=file]").set_input_files(upload("shop.png", png("red")))
        file_state(phone, item, "waiting").wait_for()

        # The deadline passes while the phone is offline (the phone's own clock does not know).
        traveller.shift(datetime.timedelta(minutes=31))
        context.set_offline(False)
        phone.wait_for_url(f"**/exams/attempts/{attempt.pk}/result/", timeout=20000)
        unsent = phone.locator("#exam-unsent")
        unsent.wait_for()
        assert unsent.locator("li").all_inner_texts() == [
            "Not uploaded: shop.png. Time is up: answers after the deadline are not accepted."
        ]
        attempt.refresh_from_db()
        assert (attempt.status, attempt.auto_submitted) == ("submitted", True)
        assert not Answer.objects.get(item=item).file
        assert phone.evaluate(COUNT_STORED_FILES) == 0
        assert errors == []
        context.close()
