"""The class chat's tools on 360 px phones: searching the room, deleting one's own fresh message,
and muting with a reason.

It serves the site with daphne in a thread, as ``test_chat_journey.py`` does (whose server and
helpers it uses). Twisted's reactor cannot be restarted, so run this module on its own:
``.venv/bin/python -m pytest tests/browser/test_chat_tools.py -q``.
"""

import datetime

import pytest
from django.utils import timezone

from live.models import ChatMessage, ChatMute, ChatRoom
from tests.browser.chat_pages import (
    message_item,
    new_phone,
    say,
    sign_in_to_class,
)
from tests.factories.training import make_class, make_enrolment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def chat_panel():
    from live import panels

    panels.register()


def post(room, sender, text, **fields):
    """A stored message, its body sanitised as ``live.actions`` stores it."""
    from live.sanitise import sanitise

    fields.setdefault("sent_at", timezone.now())
    return ChatMessage.objects.create(
        room=room, sender=sender, text=text, body=sanitise(text), **fields
    )


def menu_actions(page, text):
    """The names of the actions in a message's "⋯" menu (none when it has no menu)."""
    item = message_item(page, text)
    item.wait_for()
    return item.locator(".chat-menu button").all_text_contents()


def choose(page, text, action):
    item = message_item(page, text)
    item.locator(".chat-menu > summary").click()
    item.get_by_role("button", name=action).click()


def fits_the_phone(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page is {width}px wide on a 360px screen"


def test_a_trainee_searches_the_room(daphne_server, browser, make_user, password):
    head = make_user("head_teacher", username="banzhuren", first_name="王老师")
    training_class = make_class(head_teacher=head)
    room, _created = ChatRoom.objects.get_or_create(training_class=training_class)
    trainee = make_user("trainee", username="xiaoli")
    make_enrolment(training_class, user=trainee)
    post(room, head, "明天去机房练习直播带货。")
    post(room, trainee, "我家的苹果怎么拍照好看？")
    post(room, head, "<b>苹果</b>详情页要写产地。")
    post(room, trainee, "删掉的苹果消息", deleted_at=timezone.now())

    context, li, errors = new_phone(browser, daphne_server)
    sign_in_to_class(li, daphne_server, training_class, "xiaoli", password)
    message_item(li, "明天去机房").wait_for()
    # A trainee's file picker offers pictures only; files come from the head teacher.
    accept = li.locator("#chat-file").get_attribute("accept").split(",")
    assert ".jpg" in accept and ".pdf" not in accept

    li.get_by_role("button", name="Search").first.click()
    li.get_by_label("Search the class chat").fill("苹果")
    li.get_by_label("Search the class chat").press("Enter")
    hits = li.locator("#chat-search-list .chat-hit")
    li.wait_for_function("() => document.querySelectorAll('#chat-search-list .chat-hit').length")
    # Newest first; the deleted message is not found; the typed markup stays text.
    assert hits.locator(".chat-body").all_inner_texts() == [
        "<b>苹果</b>详情页要写产地。",
        "我家的苹果怎么拍照好看？",
    ]
    assert hits.locator("b").count() == 0
    assert hits.first.locator(".chat-sender").inner_text() == head.display_name
    assert hits.first.locator("time").inner_text()
    assert li.locator("#chat-scroll").is_hidden()
    fits_the_phone(li)

    # A word nobody wrote: one line says so.
    li.get_by_label("Search the class chat").fill("西瓜")
    li.get_by_label("Search the class chat").press("Enter")
    li.locator("#chat-search-summary").get_by_text("No messages match “西瓜”.").wait_for()
    assert hits.count() == 0

    # Back to the chat: the conversation again, the search box gone.
    li.get_by_role("button", name="Back to the chat").click()
    assert li.locator("#chat-search-results").is_hidden()
    assert li.locator("#chat-search").is_hidden()
    assert message_item(li, "明天去机房").is_visible()
    fits_the_phone(li)
    assert errors == []
    context.close()


def test_a_trainee_deletes_their_own_fresh_message(daphne_server, browser, make_user, password):
    training_class = make_class()
    room, _created = ChatRoom.objects.get_or_create(training_class=training_class)
    li_user = make_user("trainee", username="xiaoli")
    wang_user = make_user("trainee", username="xiaowang")
    for user in (li_user, wang_user):
        make_enrolment(training_class, user=user)
    # Almost two minutes old when the page opens: "Delete" is offered, then goes.
    post(room, li_user, "快过期的消息", sent_at=timezone.now() - datetime.timedelta(seconds=112))

    li_context, li, li_errors = new_phone(browser, daphne_server)
    wang_context, wang, wang_errors = new_phone(browser, daphne_server)
    li.on("dialog", lambda dialog: dialog.accept())
    sign_in_to_class(li, daphne_server, training_class, "xiaoli", password)
    sign_in_to_class(wang, daphne_server, training_class, "xiaowang", password)

    assert menu_actions(li, "快过期的消息") == ["Delete"]
    say(li, "我发错了，这条不算。")
    message_item(wang, "我发错了").wait_for()
    say(wang, "收到。")
    message_item(li, "收到。").wait_for()
    # Others' messages may be reported, not deleted; other people's own messages likewise.
    assert menu_actions(li, "收到。") == ["Report to the head teacher"]
    assert menu_actions(wang, "我发错了") == ["Report to the head teacher"]

    choose(li, "我发错了", "Delete")
    for page in (li, wang):
        page.locator("#chat-list .chat-msg.is-deleted").get_by_text(
            "This message was deleted."
        ).wait_for()
        assert message_item(page, "我发错了").count() == 0
    assert ChatMessage.objects.get(text="我发错了，这条不算。").deleted_at is not None

    # Past two minutes the offer goes away without a reload.
    li.wait_for_function(
        """() => Array.from(document.querySelectorAll('#chat-list .chat-msg'))
            .filter(li => li.textContent.includes('快过期的消息'))
            .every(li => !li.querySelector('.chat-menu'))""",
        timeout=15_000,
    )

    # The server is the judge: when it says too late (here its record is older than the
    # phone thinks), the phone shows its answer and the message stays.
    say(li, "再发一条。")
    message_item(li, "再发一条。").locator(".chat-menu").wait_for()
    ChatMessage.objects.filter(text="再发一条。").update(
        sent_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    choose(li, "再发一条。", "Delete")
    li.locator("#chat-status").get_by_text("You may not do that in this class chat.").wait_for()
    assert ChatMessage.objects.get(text="再发一条。").deleted_at is None
    assert message_item(wang, "再发一条。").count() == 1

    assert li_errors == [] and wang_errors == []
    li_context.close()
    wang_context.close()


def test_a_head_teacher_mutes_with_a_reason(daphne_server, browser, make_user, password):
    head = make_user("head_teacher", username="banzhuren")
    training_class = make_class(head_teacher=head)
    room, _created = ChatRoom.objects.get_or_create(training_class=training_class)
    trainee = make_user("trainee", username="xiaoli")
    make_enrolment(training_class, user=trainee)
    post(room, trainee, "加我微信买便宜货！")

    head_context, teacher, teacher_errors = new_phone(browser, daphne_server)
    li_context, li, li_errors = new_phone(browser, daphne_server)
    prompts = []

    def answer(dialog):
        prompts.append(dialog.message)
        dialog.accept("在群里发广告")

    teacher.on("dialog", answer)
    sign_in_to_class(li, daphne_server, training_class, "xiaoli", password)
    sign_in_to_class(teacher, daphne_server, training_class, "banzhuren", password)

    choose(teacher, "加我微信", "Mute the sender for 1 hour")
    li.locator("#chat-muted").wait_for()
    assert li.locator("#chat-input").is_disabled()
    assert prompts == ["Why are you muting this member? (optional)"]
    mute = ChatMute.objects.get(room=room, user=trainee)
    assert mute.reason == "在群里发广告"
    assert mute.muted_by == head
    assert 59 <= (mute.until - timezone.now()).total_seconds() / 60 <= 60

    # Cancelling the question mutes nobody.
    teacher.remove_listener("dialog", answer)
    teacher.on("dialog", lambda dialog: dialog.dismiss())
    choose(teacher, "加我微信", "Mute the sender for 1 day")
    teacher.wait_for_timeout(500)
    assert ChatMute.objects.filter(room=room, user=trainee).count() == 1

    assert teacher_errors == [] and li_errors == []
    head_context.close()
    li_context.close()
