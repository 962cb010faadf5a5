"""The class chat on two 360 px phones: two trainees chat; one loses the network, writes while
offline, comes back, and both see every message exactly once, in order.

The site is served by a real daphne (HTTP and WebSockets) in a thread: the session's
``daphne_server`` fixture (``tests/browser/chat_pages.py``).
"""

import pytest

from live.models import ChatMessage, ChatRoom
from tests.browser.chat_pages import (
    message_item,
    new_phone,
    say,
    shown,
    sign_in_to_class,
    wait_online,
)
from tests.factories.training import make_class, make_enrolment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def chat_panel():
    """The chat panel on the class page, as ``LiveConfig.ready`` registers it."""
    from live import panels

    panels.register()


def wait_for_texts(page, texts, timeout=20_000):
    """Until the chat shows exactly ``texts``, in that order, all sent (none pending)."""
    page.wait_for_function(
        """(texts) => {
            const items = Array.from(document.querySelectorAll('#chat-list .chat-msg'));
            if (items.some(li => li.classList.contains('is-pending') || !li.dataset.id)) {
                return false;
            }
            const got = items.map(li => li.querySelector('.chat-body').innerText.trim());
            return JSON.stringify(got) === JSON.stringify(texts);
        }""",
        arg=texts,
        timeout=timeout,
    )


def assert_once_in_order(page, texts):
    rows = shown(page)
    ids = [row[0] for row in rows]
    assert [row[2] for row in rows] == texts
    assert all(not pending for _id, pending, _text in rows)
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page is {width}px wide on a 360px screen"


def test_two_trainees_chat_and_one_writes_while_offline(
    daphne_server, browser, make_user, password
):
    training_class = make_class()
    ChatRoom.objects.get_or_create(training_class=training_class)
    for username in ("xiaoli", "xiaowang"):
        make_enrolment(training_class, user=make_user("trainee", username=username))

    li_context, li, li_errors = new_phone(browser, daphne_server)
    wang_context, wang, wang_errors = new_phone(browser, daphne_server)
    sign_in_to_class(li, daphne_server, training_class, "xiaoli", password)
    sign_in_to_class(wang, daphne_server, training_class, "xiaowang", password)
    assert li.locator("#chat-list .chat-empty").is_visible()

    # They talk: each message appears on both phones.
    say(li, "大家好，我是小李，卖苹果的。")
    wait_for_texts(wang, ["大家好，我是小李，卖苹果的。"])
    say(wang, "你好！我做土鸡蛋。")
    expected = ["大家好，我是小李，卖苹果的。", "你好！我做土鸡蛋。"]
    wait_for_texts(li, expected)
    wait_for_texts(wang, expected)

    # A Chinese input method: Enter while composing confirms the word, it does not send.
    box = li.locator("#chat-input")
    box.fill("拼音")
    box.dispatch_event("compositionstart")
    box.press("Enter")
    li.wait_for_timeout(300)
    assert li.locator("#chat-list .chat-msg").count() == 2
    box.dispatch_event("compositionend")
    box.fill("今天的课在哪个教室？")
    box.press("Enter")
    expected.append("今天的课在哪个教室？")
    wait_for_texts(wang, expected)

    # Xiao Wang's phone loses the network; what he writes waits, shown as sending.
    wang_context.set_offline(True)
    wang.wait_for_selector("#chat-status[data-state=offline]", timeout=10_000)
    say(wang, "信号不好，我先打字。")
    say(wang, "拍了店铺首页，等会儿发。")
    assert wang.locator("#chat-list .chat-msg.is-pending").count() == 2
    assert wang.locator("#chat-list .is-pending .chat-state").first.is_visible()
    # Meanwhile Xiao Li writes.
    say(li, "三楼机房，别迟到。")
    expected.append("三楼机房，别迟到。")
    wait_for_texts(li, expected)
    assert ChatMessage.objects.count() == 4

    # Back online: the phone resumes from its last id, gets what it missed, then sends its queue.
    wang_context.set_offline(False)
    wait_online(wang)
    expected += ["信号不好，我先打字。", "拍了店铺首页，等会儿发。"]
    wait_for_texts(wang, expected)
    wait_for_texts(li, expected)
    assert_once_in_order(wang, expected)
    assert_once_in_order(li, expected)
    stored = list(ChatMessage.objects.order_by("id").values_list("text", flat=True))
    assert stored == expected

    # A reload shows the same history, once, in order, and nothing is left queued.
    wang.reload()
    wait_online(wang)
    wait_for_texts(wang, expected)
    assert_once_in_order(wang, expected)
    queues = wang.evaluate(
        """() => Object.keys(localStorage)
            .filter(key => key.startsWith('lms-chat-queue'))
            .map(key => JSON.parse(localStorage[key]).length)"""
    )
    assert queues == [0]

    assert li_errors == [] and wang_errors == []
    li_context.close()
    wang_context.close()


def png(width=400, height=300):
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 60, 40)).save(buffer, "PNG")
    return buffer.getvalue()


def choose(page, text, action):
    item = message_item(page, text)
    item.locator(".chat-menu > summary").click()
    item.get_by_role("button", name=action).click()


def test_history_announcements_pictures_and_moderation(daphne_server, browser, make_user, password):
    from django.utils import timezone

    head = make_user("head_teacher", username="banzhuren")
    training_class = make_class(head_teacher=head)
    room, _created = ChatRoom.objects.get_or_create(training_class=training_class)
    trainee = make_user("trainee", username="xiaoli")
    make_enrolment(training_class, user=trainee)
    for n in range(1, 61):
        ChatMessage.objects.create(
            room=room,
            sender=trainee,
            text=f"旧消息 {n}",
            body=f"旧消息 {n}",
            sent_at=timezone.now(),
        )

    head_context, teacher, teacher_errors = new_phone(browser, daphne_server)
    li_context, li, li_errors = new_phone(browser, daphne_server)
    teacher.on("dialog", lambda dialog: dialog.accept())
    sign_in_to_class(li, daphne_server, training_class, "xiaoli", password)
    sign_in_to_class(teacher, daphne_server, training_class, "banzhuren", password)

    # The newest 50 come first, at the bottom; scrolling up brings the older ones.
    li.wait_for_function("() => document.querySelectorAll('#chat-list .chat-msg').length === 50")
    assert message_item(li, "旧消息 60").is_visible()
    assert li.locator("#chat-earlier").is_visible()
    li.locator("#chat-scroll").evaluate("box => { box.scrollTop = 0; }")
    li.wait_for_function("() => document.querySelectorAll('#chat-list .chat-msg').length === 60")
    assert li.locator("#chat-list .chat-msg .chat-body").first.inner_text() == "旧消息 1"
    assert li.locator("#chat-earlier").is_hidden()
    li.locator("#chat-scroll").evaluate("box => { box.scrollTop = box.scrollHeight; }")

    # The head teacher posts an announcement and pins it; the trainee reads it.
    teacher.locator("#chat-announce").check()
    say(teacher, "明天上午9点考试，请带身份证。")
    message_item(li, "明天上午9点考试").wait_for()
    choose(teacher, "明天上午9点考试", "Pin to the top")
    li.locator("#chat-pinned-list").get_by_text("明天上午9点考试").wait_for()
    assert li.locator("#chat-pinned .chat-reads").count() == 0  # only moderators see reads
    teacher.locator("#chat-pinned-list .chat-reads").get_by_text("Read by 1 of 1").wait_for()

    # The trainee sends a picture; the head teacher sees the phone-sized one.
    li.locator("#chat-file").set_input_files(
        {"name": "dianpu.png", "mimeType": "image/png", "buffer": png()}
    )
    picture = teacher.locator("#chat-list .chat-msg.kind-image .chat-attachment img")
    picture.wait_for()
    assert picture.get_attribute("loading") == "lazy"
    assert teacher.locator("#chat-list .chat-msg.kind-image .chat-attachment a").get_attribute(
        "href"
    )

    # The head teacher deletes a message: everyone sees a tombstone.
    choose(teacher, "旧消息 60", "Delete")
    li.locator("#chat-list .chat-msg.is-deleted").get_by_text(
        "This message was deleted."
    ).wait_for()
    assert message_item(li, "旧消息 60").count() == 0

    # Locking the room: the trainee can read but no longer write.
    teacher.locator("#chat-lock-toggle").click()
    li.locator("#chat-locked").wait_for()
    assert li.locator("#chat-input").is_disabled()
    assert teacher.locator("#chat-lock-toggle").inner_text() == "Unlock the room"
    assert not teacher.locator("#chat-input").is_disabled()
    assert teacher_errors == [] and li_errors == []
    head_context.close()
    li_context.close()
