"""Rooms, membership and the chat's actions (live.policy, live.actions, live.signals)."""

import dataclasses
import datetime
import uuid
from unittest import mock

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.http import Http404
from django.utils import timezone

from live import actions, policy
from live.actions import ChatError, check_send_message
from live.models import AnnouncementRead, ChatAttachment, ChatMessage, ChatReadState, ChatRoom
from live.policy import access_room, can_moderate, can_read, is_member
from lms.audit.models import AuditEvent
from tests.factories import UserFactory
from tests.factories.training import make_class
from tests.live.chat_support import build_class

pytestmark = pytest.mark.django_db


@pytest.fixture
def chat(db):
    return build_class()


def send(chat, user, body="你好", **fields):
    fields.setdefault("client_id", str(uuid.uuid4()))
    fields.setdefault("kind", "text")
    fields.setdefault("attachment_id", None)
    return check_send_message(chat.room, user, body=body, **fields)


def code_of(call, *args, **kwargs):
    with pytest.raises(ChatError) as error:
        call(*args, **kwargs)
    return error.value.code


# --- Rooms and membership --------------------------------------------------------------------


def test_a_room_is_made_with_every_class_and_for_older_classes_by_the_migration():
    from importlib import import_module

    from django.apps import apps

    training_class = make_class()
    assert ChatRoom.objects.filter(training_class=training_class).count() == 1
    ChatRoom.objects.all().delete()
    migration = import_module("live.migrations.0002_rooms_for_existing_classes")
    migration.create_rooms(apps, None)
    assert ChatRoom.objects.filter(training_class=training_class).count() == 1


def test_access_room_makes_a_missing_room(chat):
    ChatRoom.objects.all().delete()
    room, membership = access_room(chat.trainees[0], chat.training_class.pk)
    assert room.pk and room.training_class == chat.training_class
    assert membership.role == "trainee"


def test_who_is_in_a_room(chat):
    expected = {
        "head": ("head_teacher", True, True),
        "lecturer": ("lecturer", True, True),
        "officer": ("supervisor", False, False),
        "admin": ("supervisor", False, True),
    }
    for name, (role, sends, moderates) in expected.items():
        user = getattr(chat, name)
        _room, membership = access_room(user, chat.training_class.pk)
        assert (membership.role, membership.can_send, membership.can_moderate) == (
            role,
            sends,
            moderates,
        ), name
    _room, membership = access_room(chat.trainees[0], chat.training_class.pk)
    assert (membership.role, membership.can_send, membership.can_moderate) == (
        "trainee",
        True,
        False,
    )
    assert is_member(chat.trainees[0], chat.room) and not is_member(chat.officer, chat.room)
    assert can_read(chat.officer, chat.room) and not can_read(chat.outsider, chat.room)
    assert can_moderate(chat.head, chat.room) and not can_moderate(chat.trainees[0], chat.room)


def test_everyone_else_gets_the_same_404_as_for_an_unknown_class(chat):
    messages = set()
    for user, class_id in [
        (chat.outsider, chat.training_class.pk),
        (chat.applicant, chat.training_class.pk),
        (UserFactory(roles=["head_teacher"]), chat.training_class.pk),
        (chat.trainees[0], 999_999),
        (chat.trainees[0], "abc"),
    ]:
        with pytest.raises(Http404) as error:
            access_room(user, class_id)
        messages.add(str(error.value))
    assert len(messages) == 1


def test_withdrawn_trainees_leave_and_alumni_stay(chat):
    enrolment = chat.enrolments[0]
    enrolment.status = "withdrawn"
    enrolment.save()
    with pytest.raises(Http404):
        access_room(chat.trainees[0], chat.training_class.pk)
    for status in ("finished", "archived"):
        chat.training_class.status = status
        chat.training_class.save()
        _room, membership = access_room(chat.trainees[1], chat.training_class.pk)
        assert membership.can_send


def test_access_room_costs_at_most_two_queries(chat, django_assert_max_num_queries):
    trainee = type(chat.trainees[0]).objects.get(pk=chat.trainees[0].pk)
    with django_assert_max_num_queries(2):
        access_room(trainee, chat.training_class.pk)


# --- Sending ---------------------------------------------------------------------------------


def test_a_message_is_stored_sanitised_and_broadcast_only_after_commit(
    chat, django_capture_on_commit_callbacks
):
    with mock.patch("live.actions.broadcast") as broadcast:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            message, created = send(chat, chat.trainees[0], "<b>看</b> www.taobao.com")
        assert created and not broadcast.called
        for callback in callbacks:
            callback()
    assert message.text == "<b>看</b> www.taobao.com"
    assert message.body.startswith('&lt;b&gt;看&lt;/b&gt; <a href="http://www.taobao.com"')
    room_id, payload = broadcast.call_args.args
    assert room_id == chat.room.pk and payload["id"] == message.pk and payload["type"] == "message"


def test_a_resend_returns_the_stored_message(chat):
    client_id = str(uuid.uuid4())
    first, created = send(chat, chat.trainees[0], client_id=client_id)
    again, created_again = send(chat, chat.trainees[0], "changed", client_id=client_id)
    assert created and not created_again and again.pk == first.pk
    # Another member may use the same client_id: it is unique per sender.
    other, other_created = send(chat, chat.trainees[1], client_id=client_id)
    assert other_created and other.pk != first.pk


def test_a_race_on_the_same_client_id_returns_the_winner(chat):
    client_id = uuid.uuid4()
    first, _ = send(chat, chat.trainees[0], client_id=str(client_id))
    real = policy.send_facts

    def missed(*args, **kwargs):  # the other socket's insert was not visible to the check
        return dataclasses.replace(real(*args, **kwargs), existing_id=None)

    # The unique constraint catches the second insert; the winner comes back.
    with mock.patch("live.actions.send_facts", missed):
        second, created = send(chat, chat.trainees[0], client_id=str(client_id))
    assert second.pk == first.pk and not created
    assert ChatMessage.objects.count() == 1


def test_failed_saves_leave_nothing_behind(chat, django_capture_on_commit_callbacks):
    from django.db import DatabaseError

    with (
        mock.patch.object(ChatMessage, "save", side_effect=DatabaseError("boom")),
        django_capture_on_commit_callbacks() as callbacks,
    ):
        assert code_of(send, chat, chat.trainees[0]) == "save_failed"
    assert callbacks == [] and ChatMessage.objects.count() == 0


def test_send_rules(chat):
    trainee = chat.trainees[0]
    assert code_of(send, chat, chat.officer) == "not_allowed"
    assert code_of(send, chat, chat.outsider) == "not_allowed"
    assert code_of(send, chat, trainee, "   ") == "empty"
    assert code_of(send, chat, trainee, "字" * 2001) == "too_long"
    assert send(chat, trainee, "字" * 2000)[1]
    assert code_of(send, chat, trainee, kind="announcement") == "not_allowed"
    assert code_of(send, chat, trainee, kind="system") == "bad_frame"
    assert code_of(send, chat, trainee, client_id="not-a-uuid") == "bad_frame"
    assert code_of(send, chat, trainee, body=["x"]) == "bad_frame"
    assert ChatMessage.objects.count() == 1


def test_attachments_must_be_this_members_upload_in_this_room(chat):
    trainee, other = chat.trainees

    def attachment(user, room):
        return ChatAttachment.objects.create(
            room=room,
            uploaded_by=user,
            kind="image",
            file=ContentFile(b"x", name="shop.jpg"),
            original_name="shop.jpg",
            content_type="image/jpeg",
            size=1,
        )

    elsewhere = build_class(trainees=0).room
    assert code_of(send, chat, trainee, attachment_id=attachment(other, chat.room).pk) == (
        "not_found"
    )
    assert code_of(send, chat, trainee, attachment_id=attachment(trainee, elsewhere).pk) == (
        "not_found"
    )
    assert code_of(send, chat, trainee, attachment_id=999_999) == "not_found"
    mine = attachment(trainee, chat.room)
    message, created = send(chat, trainee, "", attachment_id=mine.pk)
    assert created and message.kind == "image" and message.attachment == mine
    payload = actions.message_payload(message)
    assert payload["attachment"]["id"] == mine.pk


def test_locked_rooms_take_only_moderators_announcements(chat):
    actions.check_lock_room(chat.room, chat.head, True)
    assert code_of(send, chat, chat.trainees[0]) == "locked"
    assert code_of(send, chat, chat.lecturer) == "locked"
    assert send(chat, chat.lecturer, kind="announcement")[1]
    assert code_of(actions.check_lock_room, chat.room, chat.trainees[0], False) == "not_allowed"
    actions.check_lock_room(chat.room, chat.head, False)
    assert send(chat, chat.trainees[0])[1]


# A clock standing just after a window starts keeps every send in one window (the limit is a
# sliding estimate over two fixed windows, which a slow run could straddle).
WINDOW_START = datetime.datetime(2026, 12, 1, 2, 0, 1, tzinfo=datetime.UTC)


@time_machine.travel(WINDOW_START, tick=False)
def test_the_rate_limit_counts_per_member_and_spares_resends(chat):
    trainee = chat.trainees[0]
    client_ids = [str(uuid.uuid4()) for _ in range(10)]
    for client_id in client_ids:
        send(chat, trainee, client_id=client_id)
    assert code_of(send, chat, trainee) == "rate_limited"
    assert not send(chat, trainee, client_id=client_ids[0])[1]
    assert send(chat, chat.trainees[1])[1]
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=21)):
        assert send(chat, trainee)[1]


@time_machine.travel(WINDOW_START, tick=False)
def test_the_rate_limit_follows_the_setting(chat, settings):
    settings.CHAT_RATE_LIMIT = (3, 60)
    trainee = chat.trainees[0]
    for _ in range(3):
        send(chat, trainee)
    assert code_of(send, chat, trainee) == "rate_limited"


# --- Moderation ------------------------------------------------------------------------------


def test_senders_delete_their_own_for_two_minutes_and_moderators_any(chat):
    trainee, other = chat.trainees
    mine, _ = send(chat, trainee)
    assert code_of(actions.check_delete_message, chat.room, other, mine.pk) == "not_allowed"
    actions.check_delete_message(chat.room, trainee, mine.pk)
    mine.refresh_from_db()
    assert mine.deleted_at and mine.deleted_by == trainee
    assert actions.message_payload(mine)["deleted"]
    assert actions.message_payload(mine)["body"] == ""

    late, _ = send(chat, trainee)
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=3)):
        assert code_of(actions.check_delete_message, chat.room, trainee, late.pk) == ("not_allowed")
        actions.check_delete_message(chat.room, chat.lecturer, late.pk)
    assert code_of(actions.check_delete_message, chat.room, chat.head, 999_999) == "not_found"
    audit = AuditEvent.objects.filter(action="chat.message_deleted").order_by("pk")
    assert [event.actor for event in audit] == [trainee, chat.lecturer]


def test_pins_and_unpins_are_audited(chat):
    notice, _ = send(chat, chat.head, "周五考试", kind="announcement")
    assert code_of(actions.check_pin_message, chat.room, chat.trainees[0], notice.pk, True) == (
        "not_allowed"
    )
    actions.check_pin_message(chat.room, chat.head, notice.pk, True)
    assert [m.pk for m in actions.pinned_messages(chat.room)] == [notice.pk]
    actions.check_pin_message(chat.room, chat.lecturer, notice.pk, False)
    assert actions.pinned_messages(chat.room) == []
    assert list(
        AuditEvent.objects.filter(action__startswith="chat.message_")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["chat.message_pinned", "chat.message_unpinned"]


def test_mutes(chat):
    trainee = chat.trainees[0]
    mute = actions.check_mute_member
    assert code_of(mute, chat.room, trainee, chat.trainees[1].pk, 10) == "not_allowed"
    assert code_of(mute, chat.room, chat.head, trainee.pk, 10081) == "bad_frame"
    assert code_of(mute, chat.room, chat.head, trainee.pk, "10") == "bad_frame"
    assert code_of(mute, chat.room, chat.head, chat.outsider.pk, 10) == "not_found"
    assert code_of(mute, chat.room, chat.head, chat.lecturer.pk, 10) == "not_allowed"
    until = mute(chat.room, chat.head, trainee.pk, 10, "刷屏")
    assert until > timezone.now()
    assert code_of(send, chat, trainee) == "muted"
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=11)):
        assert send(chat, trainee)[1]
    mute(chat.room, chat.head, trainee.pk, 60)
    mute(chat.room, chat.head, trainee.pk, 0)
    assert send(chat, trainee)[1]
    event = AuditEvent.objects.filter(action="chat.member_muted").order_by("pk").first()
    assert event.reason == "刷屏" and event.actor == chat.head


def test_reports(chat):
    message, _ = send(chat, chat.trainees[1], "加我微信买便宜货")
    report = actions.check_report_message(chat.room, chat.trainees[0], message.pk, "广告")
    assert report.reason == "广告"
    actions.check_report_message(chat.room, chat.trainees[0], message.pk, "广告")
    assert AuditEvent.objects.filter(action="chat.message_reported").count() == 1
    assert code_of(actions.check_report_message, chat.room, chat.trainees[0], message.pk, " ") == (
        "empty"
    )
    assert code_of(actions.check_report_message, chat.room, chat.officer, message.pk, "x") == (
        "not_allowed"
    )


# --- Read state ------------------------------------------------------------------------------


def test_read_state_only_moves_forward_and_marks_announcements(
    chat, django_capture_on_commit_callbacks
):
    trainee = chat.trainees[0]
    notice, _ = send(chat, chat.head, "明天带身份证", kind="announcement")
    later, _ = send(chat, chat.trainees[1], "收到")
    assert actions.unread_count(chat.room, trainee) == 2
    with (
        mock.patch("live.actions.broadcast") as broadcast,
        django_capture_on_commit_callbacks(execute=True),
    ):
        result = actions.check_mark_read(chat.room, trainee, later.pk)
    assert result == [(notice.pk, 1, 2)]
    assert broadcast.call_args.args[1] == {
        "type": "reads",
        "id": notice.pk,
        "read": 1,
        "members": 2,
    }
    assert actions.unread_count(chat.room, trainee) == 0
    actions.check_mark_read(chat.room, trainee, notice.pk)
    assert ChatReadState.objects.get(room=chat.room, user=trainee).last_read_id == later.pk
    # Reading again changes nothing; ids past the end are clamped.
    assert actions.check_mark_read(chat.room, trainee, 10**12) == []
    assert AnnouncementRead.objects.filter(user=trainee).count() == 1
    assert code_of(actions.check_mark_read, chat.room, trainee, "5") == "bad_frame"
    assert code_of(actions.check_mark_read, chat.room, chat.outsider, 5) == "not_allowed"
    payload = actions.message_payload(ChatMessage.objects.get(pk=notice.pk))
    assert payload["reads"] == {"read": 1, "members": 2}


# --- Signals: sockets of people who left are told ------------------------------------------


def test_leaving_a_class_deactivation_and_sign_out_notify_open_sockets(
    chat, client, django_capture_on_commit_callbacks
):
    calls = []
    with mock.patch("live.actions.notify_user", side_effect=lambda *a, **k: calls.append((a, k))):
        with django_capture_on_commit_callbacks(execute=True):
            enrolment = chat.enrolments[0]
            enrolment.status = "withdrawn"
            enrolment.save()
        assert calls[-1] == ((chat.trainees[0].pk, "chat.recheck"), {})

        with django_capture_on_commit_callbacks(execute=True):
            new_head = UserFactory(roles=["head_teacher"])
            chat.training_class.head_teacher = new_head
            chat.training_class.save()
        assert ((chat.head.pk, "chat.recheck"), {}) in calls

        with django_capture_on_commit_callbacks(execute=True):
            user = chat.trainees[1]
            user.is_active = False
            user.save()
        assert calls[-1] == ((chat.trainees[1].pk, "chat.close"), {})

        client.force_login(chat.lecturer)
        session_key = client.session.session_key
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/accounts/logout/")
        assert calls[-1] == ((chat.lecturer.pk, "chat.close"), {"session": session_key})


# --- Presence --------------------------------------------------------------------------------


def test_presence_counts_connections_and_forgets_ghosts():
    from live import presence

    alice = {"id": 1, "name": "张三", "role": "trainee"}
    bob = {"id": 2, "name": "李四", "role": "trainee"}
    assert presence.join(7, alice, "phone") is True
    assert presence.join(7, alice, "laptop") is False  # a second tab: already online
    assert presence.join(7, bob, "phone") is True
    assert sorted(user["id"] for user in presence.online(7)) == [1, 2]
    assert presence.leave(7, 1, "phone") is False
    assert presence.leave(7, 1, "laptop") is True
    assert presence.online(7) == [bob]
    # Bob's process crashed: nobody refreshes or removes his connection.
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=60)):
        presence.join(7, alice, "phone")
        assert len(presence.online(7)) == 2
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=120)):
        assert presence.refresh(7, [(alice, "phone")]) == []  # still online: nobody arrived
        assert presence.online(7) == [alice]


def test_presence_refreshes_a_process_connections_in_one_update(monkeypatch):
    from live import presence

    alice = {"id": 1, "name": "张三", "role": "trainee"}
    bob = {"id": 2, "name": "李四", "role": "trainee"}
    presence.join(8, alice, "a1")
    writes = []
    real_set = presence.cache.set
    monkeypatch.setattr(
        presence.cache, "set", lambda *a, **k: writes.append(a) or real_set(*a, **k)
    )
    arrived = presence.refresh(8, [(alice, "a1"), (alice, "a2"), (bob, "b1")])
    assert arrived == [2] and len(writes) == 1
    assert sorted(u["id"] for u in presence.online(8)) == [1, 2]


@pytest.mark.asyncio
async def test_the_keeper_renews_its_connections_room_by_room(monkeypatch):
    from live import presence

    calls = []

    async def fake_refresh(room_id, connections):
        calls.append((room_id, sorted(conn for _user, conn in connections)))

    monkeypatch.setattr(presence, "in_thread", fake_refresh)
    keeper = presence.Keeper()
    alice = {"id": 1, "name": "张三", "role": "trainee"}
    keeper.add(3, alice, "a1")
    keeper.add(3, alice, "a2")
    keeper.add(4, alice, "a3")
    assert keeper.task is not None
    await keeper.renew()
    assert sorted(calls) == [(3, ["a1", "a2"]), (4, ["a3"])]
    keeper.discard(3, "a1")
    keeper.discard(4, "a3")
    calls.clear()
    await keeper.renew()
    assert calls == [(3, ["a2"])]
    keeper.discard(3, "a2")
    assert keeper.task is None and not keeper.rooms  # nothing left to renew: the task stops


@pytest.mark.asyncio
async def test_the_keeper_spreads_its_rooms_over_the_period(monkeypatch):
    import asyncio

    from live import presence

    renewed = []

    async def fake_refresh(room_id, connections):
        renewed.append((room_id, asyncio.get_running_loop().time()))

    monkeypatch.setattr(presence, "in_thread", fake_refresh)
    monkeypatch.setattr(presence, "REFRESH", 0.4)
    keeper = presence.Keeper()
    alice = {"id": 1, "name": "张三", "role": "trainee"}
    start = asyncio.get_running_loop().time()
    for room_id in (1, 2, 3, 4):
        keeper.add(room_id, alice, f"c{room_id}")
    await asyncio.sleep(0.5)
    keeper.discard(1, "c1")
    keeper.discard(2, "c2")
    keeper.discard(3, "c3")
    keeper.discard(4, "c4")
    assert [room for room, _at in renewed[:4]] == [1, 2, 3, 4]
    gaps = [at - start for _room, at in renewed[:4]]
    assert gaps[0] >= 0.09 and gaps[3] >= 0.39  # one room every tenth of the period
