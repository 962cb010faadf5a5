"""The class chat socket on the real ASGI application (lms.asgi.application)."""

import datetime
import json
import uuid

import pytest
import time_machine
from asgiref.sync import sync_to_async

from live.models import ChatMessage
from tests.live.chat_support import (
    build_class,
    join,
    open_socket,
    quiet,
    receive,
    receive_type,
    send,
    send_message,
    skip_presence,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@pytest.fixture
def chat(transactional_db):
    return build_class()


@pytest.fixture(autouse=True)
def _in_memory_layer(settings):
    """These tests run in one process, so they use the in-memory layer with the capacity and
    expiry recommended in docs/chat.md, whatever REDIS_URL says; crossing processes through
    Redis is tests/live/test_chat_redis.py's job."""
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            "CONFIG": {"capacity": 1000, "expiry": 60, "group_expiry": 86400},
        }
    }
    settings.CHAT_HUB_BUS = "layer"


async def test_a_member_joins_and_gets_hello(chat):
    trainee = chat.trainees[0]
    communicator, hello = await join(trainee, chat.training_class.pk)
    assert hello["room"] == {
        "id": chat.room.pk,
        "class_id": chat.training_class.pk,
        "name": chat.training_class.name,
        "locked": False,
    }
    assert hello["me"]["id"] == trainee.pk
    assert hello["me"]["role"] == "trainee"
    assert hello["me"]["can_send"] and not hello["me"]["can_moderate"]
    assert hello["me"]["muted_until"] is None
    assert hello["pinned"] == [] and hello["last_id"] == 0 and hello["unread"] == 0
    name = await sync_to_async(lambda: trainee.display_name)()
    assert {"id": trainee.pk, "name": name, "role": "trainee"} in hello["online"]
    await send(communicator, {"type": "ping"})
    assert await skip_presence(communicator, 2) == {"type": "pong"}
    await communicator.disconnect()


async def test_outsiders_are_refused_exactly_like_an_unknown_class(chat):
    results = []
    for user, class_id in [
        (chat.outsider, chat.training_class.pk),
        (chat.applicant, chat.training_class.pk),
        (chat.trainees[0], 999_999),
    ]:
        communicator, connected, code = await open_socket(user, class_id)
        results.append((connected, code))
        await communicator.disconnect()
    assert results == [(False, 4404)] * 3


async def test_anonymous_and_foreign_origin_are_refused(chat):
    communicator, connected, code = await open_socket(None, chat.training_class.pk)
    assert (connected, code) == (False, 4401)
    await communicator.disconnect()
    communicator, connected, _code = await open_socket(
        chat.trainees[0], chat.training_class.pk, origin=(b"origin", b"http://evil.example")
    )
    assert not connected
    await communicator.disconnect()


async def test_two_members_exchange_messages(chat):
    alice, bob = chat.trainees
    a, _ = await join(alice, chat.training_class.pk)
    b, _ = await join(bob, chat.training_class.pk)
    presence = await receive(a)
    if presence["user"]["id"] == alice.pk:  # her own arrival comes first
        presence = await receive(a)
    bob_name = await sync_to_async(lambda: bob.display_name)()
    alice_name = await sync_to_async(lambda: alice.display_name)()
    assert presence == {
        "type": "presence",
        "user": {"id": bob.pk, "name": bob_name, "role": "trainee"},
        "online": True,
    }
    client_id = await send_message(a, "大家好，我的网店开张了")
    # The sender gets the ack and the message itself, in either order.
    frames = {frame["type"]: frame for frame in [await receive(a), await receive(a)]}
    ack, mine = frames["ack"], frames["message"]
    assert ack["client_id"] == client_id
    theirs = await skip_presence(b, 2)
    assert mine == theirs
    assert theirs["type"] == "message" and theirs["id"] == ack["id"]
    assert theirs["body"] == "大家好，我的网店开张了"
    assert theirs["sender"] == {"id": alice.pk, "name": alice_name, "role": "trainee"}
    assert theirs["kind"] == "text" and theirs["client_id"] == client_id
    assert not theirs["deleted"] and not theirs["pinned"] and theirs["reads"] is None
    assert theirs["attachment"] is None and theirs["sent_at"]

    await send_message(b, "恭喜！")
    reply = (await receive_type(a, "message"))[0]
    assert reply["body"] == "恭喜！" and reply["id"] > theirs["id"]
    await a.disconnect()
    left = (await receive_type(b, "presence"))[0]
    assert left["online"] is False
    assert left["user"]["id"] == alice.pk
    await b.disconnect()


async def test_a_resend_with_the_same_client_id_makes_no_duplicate(chat):
    a, _ = await join(chat.trainees[0], chat.training_class.pk)
    b, _ = await join(chat.trainees[1], chat.training_class.pk)
    client_id = await send_message(a, "第一次")
    first, _ = await receive_type(a, "ack")
    await receive_type(b, "message")
    await send_message(a, "第一次", client_id=client_id)
    second, _ = await receive_type(a, "ack")
    assert second == first
    assert await quiet(b)
    assert await sync_to_async(ChatMessage.objects.count)() == 1
    await a.disconnect()
    await b.disconnect()


async def test_resume_after_a_disconnect_delivers_what_was_missed_in_order(chat):
    alice, bob = chat.trainees
    a, _ = await join(alice, chat.training_class.pk)
    await send_message(a, "一")
    seen, _ = await receive_type(a, "ack")
    await a.disconnect()

    b, _ = await join(bob, chat.training_class.pk)
    await send_message(b, "二")
    await receive_type(b, "ack")
    await send_message(b, "三")
    await receive_type(b, "ack")
    # A deleted message comes back as a tombstone.
    from live.actions import check_delete_message

    await sync_to_async(check_delete_message)(chat.room, chat.head, seen["id"])
    await b.disconnect()

    a, hello = await join(alice, chat.training_class.pk, after=seen["id"])
    assert hello["unread"] == 2
    two = await receive(a)
    three = await receive(a)
    done = await receive(a)
    assert [two["body"], three["body"]] == ["二", "三"]
    assert done == {"type": "resume.done", "last_id": three["id"]}
    assert hello["last_id"] == three["id"]
    await a.disconnect()

    a, _ = await join(alice, chat.training_class.pk, after=0)
    frames = [await receive(a) for _ in range(4)]
    assert [f["type"] for f in frames] == ["message", "message", "message", "resume.done"]
    assert frames[0]["deleted"] and frames[0]["body"] == ""
    await a.disconnect()


async def test_history_pages_backwards(chat):
    from live.actions import do_send_message

    def fill():
        for n in range(7):
            do_send_message(chat.room, chat.head, client_id=None, text=f"第{n}条", kind="text")

    await sync_to_async(fill)()
    a, _ = await join(chat.trainees[0], chat.training_class.pk)
    await send(a, {"type": "history", "limit": 3})
    page = await skip_presence(a, 2)
    assert page["type"] == "history" and page["has_more"]
    assert [m["body"] for m in page["messages"]] == ["第4条", "第5条", "第6条"]
    assert page["messages"][0]["sender"]["role"] == "head_teacher"
    await send(a, {"type": "history", "before": page["messages"][0]["id"], "limit": 50})
    rest = await skip_presence(a, 2)
    assert [m["body"] for m in rest["messages"]] == [f"第{n}条" for n in range(4)]
    assert rest["has_more"] is False
    await send(a, {"type": "history", "limit": 500})
    assert (await skip_presence(a, 2))["code"] == "bad_frame"
    await a.disconnect()


async def test_announcements_are_pinned_and_read_counts_reach_everyone(chat):
    head, _ = await join(chat.head, chat.training_class.pk)
    alice, _ = await join(chat.trainees[0], chat.training_class.pk)
    await send_message(alice, "学员不能发公告", kind="announcement")
    error, _ = await receive_type(alice, "error")
    assert error["code"] == "not_allowed"

    await send_message(head, "明天八点在电脑室上课", kind="announcement")
    ack, _ = await receive_type(head, "ack")
    message, _ = await receive_type(alice, "message")
    assert message["kind"] == "announcement"
    assert message["reads"] == {"read": 0, "members": 2}
    await send(head, {"type": "message.pin", "id": ack["id"], "pinned": True})
    pinned, _ = await receive_type(alice, "message.pinned")
    assert pinned["id"] == ack["id"] and pinned["pinned"] and pinned["message"]["pinned"]

    await send(alice, {"type": "read", "up_to": ack["id"]})
    reads, _ = await receive_type(head, "reads")
    assert reads == {"type": "reads", "id": ack["id"], "read": 1, "members": 2}
    await alice.disconnect()

    bob, hello = await join(chat.trainees[1], chat.training_class.pk)
    assert [m["id"] for m in hello["pinned"]] == [ack["id"]]
    assert hello["pinned"][0]["reads"] == {"read": 1, "members": 2}
    assert hello["unread"] == 1
    await send(head, {"type": "message.pin", "id": ack["id"], "pinned": False})
    unpinned, _ = await receive_type(bob, "message.pinned")
    assert unpinned["pinned"] is False
    await bob.disconnect()
    await head.disconnect()


async def test_delete_mute_and_lock(chat):
    alice_user = chat.trainees[0]
    head, _ = await join(chat.head, chat.training_class.pk)
    alice, _ = await join(alice_user, chat.training_class.pk)
    bob, _ = await join(chat.trainees[1], chat.training_class.pk)

    await send_message(alice, "不当言论")
    ack, _ = await receive_type(alice, "ack")
    # A trainee may not delete someone else's message.
    await send(bob, {"type": "message.delete", "id": ack["id"]})
    assert (await receive_type(bob, "error"))[0]["code"] == "not_allowed"
    await send(head, {"type": "message.delete", "id": ack["id"]})
    deleted, _ = await receive_type(bob, "message.deleted")
    assert deleted == {"type": "message.deleted", "id": ack["id"]}

    await send(
        head, {"type": "member.mute", "user": alice_user.pk, "minutes": 30, "reason": "刷屏"}
    )
    muted, _ = await receive_type(bob, "member.muted")
    assert muted["user"] == alice_user.pk and muted["until"]
    await send_message(alice, "我还能说话吗")
    assert (await receive_type(alice, "error"))[0]["code"] == "muted"
    await send(head, {"type": "member.mute", "user": alice_user.pk, "minutes": 0})
    unmuted, _ = await receive_type(alice, "member.muted")
    assert unmuted["until"] is None

    await send(head, {"type": "room.lock", "locked": True})
    locked, _ = await receive_type(alice, "room.locked")
    assert locked == {"type": "room.locked", "locked": True}
    await send_message(alice, "考试中")
    assert (await receive_type(alice, "error"))[0]["code"] == "locked"
    await send_message(head, "考试中请勿发言", kind="announcement")
    assert (await receive_type(head, "ack"))[0]["id"]
    await send(alice, {"type": "room.lock", "locked": False})
    assert (await receive_type(alice, "error"))[0]["code"] == "not_allowed"

    from lms.audit.models import AuditEvent

    actions = await sync_to_async(
        lambda: sorted(
            AuditEvent.objects.filter(action__startswith="chat.").values_list("action", flat=True)
        )
    )()
    assert actions == [
        "chat.member_muted",
        "chat.member_unmuted",
        "chat.message_deleted",
        "chat.room_locked",
    ]
    for communicator in (head, alice, bob):
        await communicator.disconnect()


async def test_the_rate_limit_answers_with_an_error_frame(chat):
    # The clock stands still just after a window starts, so all eleven sends fall in one window
    # (the limit is a sliding estimate over two fixed windows, which a slow run could straddle).
    with time_machine.travel(
        datetime.datetime(2026, 12, 1, 2, 0, 1, tzinfo=datetime.UTC), tick=False
    ):
        a, _ = await join(chat.trainees[0], chat.training_class.pk)
        codes = []
        for n in range(11):
            await send_message(a, f"第{n}条")
            frame = await skip_presence(a, 2)
            if frame["type"] == "message":  # the message itself may come before its ack
                frame = await skip_presence(a, 2)
            elif frame["type"] == "ack":
                await receive_type(a, "message")
            codes.append(frame.get("code") or frame["type"])
        assert codes == ["ack"] * 10 + ["rate_limited"]
        await a.disconnect()


async def test_resends_and_refused_sends_do_not_use_up_the_limit(chat, settings):
    """The socket counts a send before it reaches the database and gives the count back when
    nothing new was stored: a resend, an empty body, or a send refused by the limit itself."""
    settings.CHAT_RATE_LIMIT = (3, 60)
    with time_machine.travel(
        datetime.datetime(2026, 12, 1, 2, 0, 1, tzinfo=datetime.UTC), tick=False
    ):
        a, _ = await join(chat.trainees[0], chat.training_class.pk)

        async def answer(**fields):
            await send(a, {"type": "message.send", **fields})
            while True:
                frame = await skip_presence(a, 2)
                if frame["type"] in ("ack", "error"):
                    return frame.get("code") or frame["type"]

        first = "0c8a4d9e-1f2b-4c3d-8e5f-6a7b8c9d0e1f"
        assert await answer(client_id=first, body="第一条") == "ack"
        for _ in range(3):
            assert await answer(client_id=first, body="第一条") == "ack"  # resends
            assert await answer(client_id=str(uuid.uuid4()), body="   ") == "empty"
        assert await answer(client_id=str(uuid.uuid4()), body="第二条") == "ack"
        assert await answer(client_id=str(uuid.uuid4()), body="第三条") == "ack"
        for _ in range(2):  # refused sends are not counted either
            assert await answer(client_id=str(uuid.uuid4()), body="第四条") == "rate_limited"
        assert await answer(client_id=first, body="第一条") == "ack"  # a resend still works
        await a.disconnect()


async def test_xss_payloads_come_back_inert(chat):
    a, _ = await join(chat.trainees[0], chat.training_class.pk)
    await send_message(
        a, "<script>alert(1)</script><img src=x onerror=alert(1)> 看 https://shop.example.com"
    )
    message, _ = await receive_type(a, "message")
    assert "<script" not in message["body"] and "<img" not in message["body"]
    assert "&lt;script&gt;" in message["body"]
    assert (
        '<a href="https://shop.example.com" rel="nofollow noopener" target="_blank">'
        in message["body"]
    )
    await a.disconnect()


async def test_a_removed_member_is_disconnected_with_4403(chat):
    alice_enrolment = chat.enrolments[0]
    a, _ = await join(chat.trainees[0], chat.training_class.pk)
    b, _ = await join(chat.trainees[1], chat.training_class.pk)

    def withdraw():
        alice_enrolment.status = "withdrawn"
        alice_enrolment.save()

    await sync_to_async(withdraw)()
    closed = await a.receive_output(timeout=3)
    while closed["type"] != "websocket.close":
        closed = await a.receive_output(timeout=3)
    assert closed["code"] == 4403
    # Bob is still a member and stays connected.
    await send(b, {"type": "ping"})
    assert await skip_presence(b, 2) == {"type": "pong"}

    def deactivate():
        user = chat.trainees[1]
        user.is_active = False
        user.save()

    await sync_to_async(deactivate)()
    closed = await b.receive_output(timeout=3)
    while closed["type"] != "websocket.close":
        closed = await b.receive_output(timeout=3)
    assert closed["code"] == 4403


async def test_an_officer_who_loses_the_role_is_disconnected(chat):
    from lms.accounts.actions import do_set_roles

    officer, _ = await join(chat.officer, chat.training_class.pk)
    await sync_to_async(do_set_roles)(chat.officer, ["trainee"], acting_user=chat.admin)
    closed = await officer.receive_output(timeout=3)
    while closed["type"] != "websocket.close":
        closed = await officer.receive_output(timeout=3)
    assert closed["code"] == 4403


async def test_officers_read_but_cannot_send(chat):
    trainee, _ = await join(chat.trainees[0], chat.training_class.pk)
    communicator, hello = await join(chat.officer, chat.training_class.pk)
    assert hello["me"]["role"] == "supervisor"
    assert [user["id"] for user in hello["online"]] == [chat.trainees[0].pk]
    assert await quiet(trainee)  # supervisors read quietly: no presence frame
    assert not hello["me"]["can_send"] and not hello["me"]["can_moderate"]
    await send_message(communicator, "我是督查")
    assert (await receive_type(communicator, "error"))[0]["code"] == "not_allowed"
    await send(communicator, {"type": "history"})
    assert (await receive_type(communicator, "history"))[0]["messages"] == []
    await communicator.disconnect()
    await trainee.disconnect()


async def test_bad_frames_keep_the_connection_open(chat):
    a, _ = await join(chat.trainees[0], chat.training_class.pk)
    await a.send_to(text_data=json.dumps({"type": "message.send", "body": "长" * 17_000}))
    error = await skip_presence(a, 2)
    assert error["code"] == "frame_too_large" and error["message"]
    await a.send_to(text_data="{oops")
    assert (await skip_presence(a, 2))["code"] == "bad_frame"
    await a.send_to(text_data=json.dumps(["message.send"]))
    assert (await skip_presence(a, 2))["code"] == "bad_frame"
    await send(a, {"type": "shout"})
    assert (await skip_presence(a, 2))["code"] == "bad_frame"
    await send_message(a, "长" * 2001)
    assert (await skip_presence(a, 2))["code"] == "too_long"
    await send_message(a, "   ")
    assert (await skip_presence(a, 2))["code"] == "empty"
    await send(a, {"type": "ping"})
    assert await skip_presence(a, 2) == {"type": "pong"}
    await a.disconnect()


async def test_error_messages_follow_the_language_cookie(chat):
    from django.utils import translation

    from live.actions import ERROR_MESSAGES

    a, _ = await join(chat.trainees[0], chat.training_class.pk, language="en")
    await send_message(a, "   ")
    error = await skip_presence(a, 2)
    with translation.override("en"):
        assert error["message"] == str(ERROR_MESSAGES["empty"])
    await a.disconnect()


async def test_a_failed_save_sends_an_error_and_broadcasts_nothing(chat):
    from unittest import mock

    from django.db import DatabaseError

    a, _ = await join(chat.trainees[0], chat.training_class.pk)
    b, _ = await join(chat.trainees[1], chat.training_class.pk)
    await skip_presence(a)
    with mock.patch.object(ChatMessage, "save", side_effect=DatabaseError("disk full")):
        client_id = await send_message(a, "会丢吗")
        error = await skip_presence(a, 2)
    assert error["code"] == "save_failed" and error["client_id"] == client_id
    assert await quiet(b) and await quiet(a)
    assert await sync_to_async(ChatMessage.objects.count)() == 0
    # The same client_id goes through once the database is back.
    await send_message(a, "会丢吗", client_id=client_id)
    assert (await receive_type(a, "ack"))[0]["client_id"] == client_id
    assert (await receive_type(b, "message"))[0]["body"] == "会丢吗"
    await a.disconnect()
    await b.disconnect()


async def test_a_dropped_live_frame_comes_back_on_resume(chat):
    """The layer may drop a frame (a full channel); the message is stored first, so resume
    delivers it."""
    from unittest import mock

    from live.actions import do_send_message

    bob, hello = await join(chat.trainees[1], chat.training_class.pk)
    seen = hello["last_id"]

    def burst():
        return [
            do_send_message(chat.room, chat.trainees[0], client_id=None, text=f"{n}", kind="text")[
                0
            ].pk
            for n in range(3)
        ]

    with mock.patch("live.actions.broadcast"):  # every live frame is lost
        ids = await sync_to_async(burst)()
    assert await quiet(bob)
    await bob.disconnect()
    bob, _ = await join(chat.trainees[1], chat.training_class.pk, after=seen)
    frames = [await receive(bob) for _ in range(4)]
    assert [f.get("id") for f in frames[:3]] == ids
    assert frames[3] == {"type": "resume.done", "last_id": ids[-1]}
    await bob.disconnect()


async def closed_with(communicator):
    closed = await communicator.receive_output(timeout=3)
    while closed["type"] != "websocket.close":
        closed = await communicator.receive_output(timeout=3)
    return closed["code"]


async def test_a_recheck_closes_a_socket_whose_sign_out_notice_was_lost(chat):
    """After the hub's bus reconnects, sockets re-check: a session that signed out while the
    notice was lost on the way is closed all the same; another member's socket stays."""
    from django.contrib.sessions.models import Session

    from live import hub

    a, _ = await join(chat.trainees[0], chat.training_class.pk)
    b, _ = await join(chat.trainees[1], chat.training_class.pk)

    def sign_out_without_notice():  # the session ends, no user_logged_out signal
        alice = str(chat.trainees[0].pk)
        for session in Session.objects.all():
            if session.get_decoded().get("_auth_user_id") == alice:
                session.delete()

    await sync_to_async(sign_out_without_notice)()
    for user in chat.trainees[:2]:
        hub.publish(("user", user.pk), {"type": "chat.recheck"})
    assert await closed_with(a) == 4403
    await send(b, {"type": "ping"})
    assert await skip_presence(b, 2) == {"type": "pong"}
    await b.disconnect()


async def test_a_recheck_closes_a_socket_whose_deactivation_notice_was_lost(chat):
    from django.contrib.auth import get_user_model

    from live import hub

    a, _ = await join(chat.trainees[0], chat.training_class.pk)

    def deactivate_without_notice():  # update(): no post_save, so no chat.close
        get_user_model().objects.filter(pk=chat.trainees[0].pk).update(is_active=False)

    await sync_to_async(deactivate_without_notice)()
    hub.publish(("user", chat.trainees[0].pk), {"type": "chat.recheck"})
    assert await closed_with(a) == 4403
