"""The live class chat's rules: send, delete, pin, mute, lock, report, read (see docs/chat.md).

``check_<verb>(room, user, ...)`` authorises and validates, raising ``ChatError`` (a
``ValidationError`` whose ``code`` is the error frame's code), then calls ``do_<verb>``, which
changes rows in one transaction, writes the audit row and broadcasts ONLY after the commit
(``transaction.on_commit``): a message is in the database before anyone sees it, so a member
who missed a live frame gets it back on resume, and a failed save is never seen by anyone.
"""

import datetime
import json
import logging
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lms.audit.actions import record
from lms.core import ratelimit

from .hub import publish
from .models import (
    AnnouncementRead,
    ChatAttachment,
    ChatMessage,
    ChatMute,
    ChatReadState,
    ChatRoom,
    MessageReport,
)
from .policy import ChatRole, membership_in, send_facts, staff_roles, trainee_user_ids
from .sanitise import sanitise

logger = logging.getLogger(__name__)

MAX_BODY = 2000
MAX_REASON = 500
# At most this many messages per this many seconds, per user per room; settings.CHAT_RATE_LIMIT
# = (count, seconds) changes it (the benchmark lifts it).
DEFAULT_RATE_LIMIT = (10, 10)
OWN_DELETE_WINDOW = datetime.timedelta(minutes=2)
MAX_MUTE_MINUTES = 7 * 24 * 60
MAX_PAGE = 100

ERROR_MESSAGES = {
    "bad_frame": _("The message could not be understood."),
    "frame_too_large": _("The message is too large."),
    "too_long": _("A message may have at most 2000 characters."),
    "empty": _("Type a message or add a picture or file."),
    "rate_limited": _("You are sending too fast; wait a few seconds."),
    "muted": _("You have been muted in this class chat."),
    "locked": _("The class chat is locked; only announcements may be posted."),
    "not_allowed": _("You may not do that in this class chat."),
    "not_found": _("No such message."),
    "save_failed": _("The message could not be saved; send it again."),
}


class ChatError(ValidationError):
    """A refused chat action; ``code`` is the error frame's code, ``message`` translated lazily."""

    def __init__(self, code, message=None):
        super().__init__(message or ERROR_MESSAGES[code], code=code)


# --- Fan-out ---------------------------------------------------------------------------------


def frame_event(payload):
    """The hub event carrying one server -> client frame, encoded once for every socket."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    event = {"type": "chat.frame", "text": text}
    if payload.get("type") == "message":
        event["id"] = payload["id"]
    return event


def broadcast(room_id, payload):
    """Send ``payload`` (one server -> client frame) to every socket in the room.

    The one place live frames fan out, through each process's hub (``live.hub``): one layer
    message per process, not per member. A frame the layer drops (a full channel) is not lost:
    the message is already in the database; the hub notices the gap and the sockets catch up.
    """
    publish(("room", room_id), frame_event(payload))


def notify_user(user_id, event_type, **fields):
    """Tell every open socket of ``user_id`` (any room) to re-check or close."""
    if user_id:
        publish(("user", user_id), {"type": event_type, **fields})


def broadcast_after_commit(room_id, payload_factory):
    """Broadcast once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: broadcast(room_id, payload_factory()))


# --- Payloads --------------------------------------------------------------------------------


def _attachment_payload(attachment):
    try:
        from .uploads import attachment_payload
    except ImportError:  # pragma: no cover - the uploads module is another engineer's
        return {"id": attachment.pk, "kind": attachment.kind, "name": attachment.original_name}
    return attachment_payload(attachment)


def member_count(room):
    """How many trainees an announcement can be read by ("read by 37 of 48")."""
    return trainee_user_ids(room).count()


def read_counts(room, message_ids):
    """``{announcement id: number of trainees enrolled in its class who have read it}``.

    One query, for announcements of any rooms (``room`` is not needed and may be None).
    """
    from django.db.models import Exists, OuterRef

    from lms.enrolment.models import ClassEnrolment

    if not message_ids:
        return {}
    enrolled = ClassEnrolment.objects.filter(
        training_class_id=OuterRef("message__room__training_class_id"),
        profile__user_id=OuterRef("user_id"),
        status=ClassEnrolment.Status.ENROLLED,
    )
    rows = (
        AnnouncementRead.objects.filter(message_id__in=message_ids, user__is_active=True)
        .filter(Exists(enrolled))
        .values("message_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["message_id"]: row["n"] for row in rows}


def message_payload(message, *, roles=None, reads=None, members=None):
    """The ``message`` frame for one message (see docs/api-drafts/chat.md).

    ``roles`` maps user ids to their role in the room (default: looked up), ``reads`` the read
    counts of announcements and ``members`` the trainee count; ``messages_payload`` fills them
    for many messages at once.
    """
    deleted = message.deleted_at is not None
    sender = message.sender
    if roles is None:
        roles = staff_roles(message.room.training_class)
    if sender is None:
        sender_payload = None
    else:
        sender_payload = {
            "id": sender.pk,
            "name": sender.display_name,
            "role": roles.get(sender.pk, ChatRole.TRAINEE),
        }
    reads_payload = None
    if message.kind == ChatMessage.Kind.ANNOUNCEMENT and not deleted:
        if reads is None:
            reads = read_counts(message.room, [message.pk])
        if members is None:
            members = member_count(message.room)
        reads_payload = {"read": reads.get(message.pk, 0), "members": members}
    return {
        "type": "message",
        "id": message.pk,
        "client_id": str(message.client_id) if message.client_id else None,
        "sender": sender_payload,
        "body": "" if deleted else message.body,
        "kind": message.kind,
        "sent_at": message.sent_at.isoformat(),
        "attachment": (
            None
            if deleted or message.attachment is None
            else _attachment_payload(message.attachment)
        ),
        "pinned": message.pinned_at is not None and not deleted,
        "deleted": deleted,
        "reads": reads_payload,
    }


def messages_payload(room, messages):
    """Payloads for many messages of ``room`` in a constant number of queries."""
    messages = list(messages)
    roles = staff_roles(room.training_class)
    announcement_ids = [
        m.pk for m in messages if m.kind == ChatMessage.Kind.ANNOUNCEMENT and m.deleted_at is None
    ]
    reads = read_counts(room, announcement_ids)
    members = member_count(room) if announcement_ids else 0
    return [message_payload(m, roles=roles, reads=reads, members=members) for m in messages]


def room_messages(room):
    return ChatMessage.objects.filter(room=room).select_related(
        "sender__trainee_profile", "attachment"
    )


def history(room, *, before=None, after=None, limit=50, query=""):
    """``(messages oldest first, has_more)``: the ``limit`` newest before ``before``, or the
    ``limit`` oldest after ``after``; ``query`` searches the text of undeleted messages."""
    limit = max(1, min(int(limit or 50), MAX_PAGE))
    messages = room_messages(room)
    if query:
        messages = messages.filter(text__icontains=query, deleted_at__isnull=True)
    if after is not None:
        page = list(messages.filter(id__gt=after).order_by("id")[: limit + 1])
        return page[:limit], len(page) > limit
    if before is not None:
        messages = messages.filter(id__lt=before)
    page = list(messages.order_by("-id")[: limit + 1])
    return list(reversed(page[:limit])), len(page) > limit


def last_id(room):
    return ChatMessage.objects.filter(room=room).aggregate(m=Max("id"))["m"] or 0


def pinned_messages(room):
    return list(
        room_messages(room)
        .filter(pinned_at__isnull=False, deleted_at__isnull=True)
        .order_by("-pinned_at")
    )


def active_mute(room, user_id, now=None):
    return (
        ChatMute.objects.filter(room=room, user_id=user_id, until__gt=now or timezone.now())
        .order_by("-until")
        .first()
    )


def unread_count(room, user):
    last_read = (
        ChatReadState.objects.filter(room=room, user=user)
        .values_list("last_read_id", flat=True)
        .first()
        or 0
    )
    return (
        ChatMessage.objects.filter(room=room, id__gt=last_read, deleted_at__isnull=True)
        .exclude(sender=user)
        .count()
    )


# --- Send ------------------------------------------------------------------------------------


def _rate_key(room_id, user_id):
    return f"chat:rate:{room_id}:{user_id}"


def _rate_limited(room_id, user_id):
    """Counts this attempt; True when the user already sent ``CHAT_RATE_LIMIT``'s count of
    messages in its number of seconds (``lms.core.ratelimit``)."""
    rate_limit, rate_window = getattr(settings, "CHAT_RATE_LIMIT", DEFAULT_RATE_LIMIT)
    return ratelimit.hit(_rate_key(room_id, user_id), rate_limit, rate_window) > 0


async def acount_send(room_id, user_id):
    """The socket's way to the rate limit, awaited on the event loop before the send goes to
    the database thread: ``(over_limit, counted)``. Pass ``over_limit`` to
    ``check_send_message``; unless it stored a new message, give ``counted`` (when not None)
    back with ``arefund_send``, so that resends and refused sends do not count."""
    rate_limit, rate_window = getattr(settings, "CHAT_RATE_LIMIT", DEFAULT_RATE_LIMIT)
    wait, counted = await ratelimit.acount(_rate_key(room_id, user_id), rate_limit, rate_window)
    return wait > 0, counted


async def arefund_send(counted):
    await ratelimit.arefund(counted)


def _parse_client_id(client_id):
    if client_id is None or client_id == "":
        return None
    try:
        return uuid.UUID(str(client_id))
    except (ValueError, AttributeError):
        raise ChatError("bad_frame") from None


def check_send_message(
    room,
    user,
    *,
    client_id,
    body,
    kind=ChatMessage.Kind.TEXT,
    attachment_id=None,
    over_limit=None,
):
    """Send a message to ``room`` as ``user``: ``(message, created)``.

    Idempotent by ``(room, sender, client_id)``: a resend returns the stored message with
    ``created=False`` (before the mute, lock and rate-limit checks, so a resend after a lost ack
    always succeeds). The hot path of the chat: membership, lock, mute and the resend check are
    one statement (``policy.send_facts``), then one INSERT, in one short transaction.

    The rate limit is counted here, unless the caller counted it already (``acount_send``) and
    passes ``over_limit``.
    """
    client_id = _parse_client_id(client_id)
    if body is None:
        body = ""
    if not isinstance(body, str):
        raise ChatError("bad_frame")
    kind = kind or ChatMessage.Kind.TEXT
    if kind not in (ChatMessage.Kind.TEXT, ChatMessage.Kind.ANNOUNCEMENT):
        raise ChatError("bad_frame")
    text = body.strip()
    if len(text) > MAX_BODY:
        raise ChatError("too_long")
    if attachment_id is not None and (
        isinstance(attachment_id, bool) or not isinstance(attachment_id, int | str)
    ):
        raise ChatError("bad_frame")
    if not text and attachment_id is None:
        raise ChatError("empty")
    try:
        with transaction.atomic():
            facts = send_facts(user, room, client_id)
            membership = facts.membership
            if membership is None or not membership.can_send:
                raise ChatError("not_allowed")
            if facts.existing_id is not None:
                return room_messages(room).get(pk=facts.existing_id), False
            if kind == ChatMessage.Kind.ANNOUNCEMENT and not membership.can_moderate:
                raise ChatError("not_allowed")
            attachment = None
            if attachment_id is not None:
                attachment = _own_attachment(room, user, attachment_id)
                if kind != ChatMessage.Kind.ANNOUNCEMENT:
                    kind = attachment.kind
            if facts.muted:
                raise ChatError("muted")
            if facts.locked and not (
                membership.can_moderate and kind == ChatMessage.Kind.ANNOUNCEMENT
            ):
                raise ChatError("locked")
            if over_limit is None:
                over_limit = _rate_limited(room.pk, user.pk)
            if over_limit:
                raise ChatError("rate_limited")
            return do_send_message(
                room,
                user,
                client_id=client_id,
                text=text,
                kind=kind,
                attachment=attachment,
                role=membership.role,
            )
    except IntegrityError:
        # Another socket stored the same client_id first (the room lock makes this rare).
        existing = room_messages(room).filter(sender=user, client_id=client_id).first()
        if client_id is None or existing is None:
            logger.exception("chat message in room %s could not be saved", room.pk)
            raise ChatError("save_failed") from None
        return existing, False
    except DatabaseError:
        logger.exception("chat message in room %s could not be saved", room.pk)
        raise ChatError("save_failed") from None


def _own_attachment(room, user, attachment_id):
    try:
        return ChatAttachment.objects.get(pk=int(attachment_id), room=room, uploaded_by=user)
    except (ChatAttachment.DoesNotExist, ValueError, OverflowError):
        raise ChatError("not_found", _("No such picture or file.")) from None


def do_send_message(room, user, *, client_id, text, kind, attachment=None, role=None):
    """Persist the message, then (after commit) broadcast it. ``(message, True)``.

    Call it inside the transaction that checked the send (``check_send_message``), where the
    room row is locked on PostgreSQL, so ids commit in the order they are given.
    """
    with transaction.atomic(savepoint=False):
        message = ChatMessage(
            room=room,
            sender=user,
            client_id=client_id,
            kind=kind,
            text=text,
            body=sanitise(text),
            attachment=attachment,
            sent_at=timezone.now(),
        )
        message.save(force_insert=True)
        roles = {user.pk: role} if role else None
        broadcast_after_commit(room.pk, lambda: message_payload(message, roles=roles))
    return message, True


# --- Moderation ------------------------------------------------------------------------------


def _message_in(room, message_id):
    try:
        return room_messages(room).get(pk=int(message_id))
    except (ChatMessage.DoesNotExist, ValueError, TypeError, OverflowError):
        raise ChatError("not_found") from None


def _require_moderator(room, user):
    membership = membership_in(user, room)
    if membership is None or not membership.can_moderate:
        raise ChatError("not_allowed")
    return membership


def check_delete_message(room, user, message_id):
    """Moderators delete any message; a sender their own within two minutes (a tombstone)."""
    membership = membership_in(user, room)
    if membership is None:
        raise ChatError("not_allowed")
    message = _message_in(room, message_id)
    if message.deleted_at is not None:
        return message
    own_recent = (
        membership.can_send
        and message.sender_id == user.pk
        and timezone.now() - message.sent_at <= OWN_DELETE_WINDOW
    )
    if not (membership.can_moderate or own_recent):
        raise ChatError("not_allowed")
    return do_delete_message(room, message, acting_user=user)


def do_delete_message(room, message, *, acting_user):
    with transaction.atomic():
        message = ChatMessage.objects.select_for_update().get(pk=message.pk)
        if message.deleted_at is not None:
            return message
        message.deleted_at = timezone.now()
        message.deleted_by = acting_user
        message.pinned_at = None
        message.pinned_by = None
        message.save(update_fields=["deleted_at", "deleted_by", "pinned_at", "pinned_by"])
        record(
            "chat.message_deleted",
            message,
            actor=acting_user,
            changes={"text": [message.text, None], "sender": message.sender_id},
        )
        broadcast_after_commit(room.pk, lambda: {"type": "message.deleted", "id": message.pk})
    return message


def check_pin_message(room, user, message_id, pinned):
    _require_moderator(room, user)
    if not isinstance(pinned, bool):
        raise ChatError("bad_frame")
    message = _message_in(room, message_id)
    if message.deleted_at is not None:
        raise ChatError("not_found")
    return do_pin_message(room, message, pinned, acting_user=user)


def do_pin_message(room, message, pinned, *, acting_user):
    with transaction.atomic():
        # Lock only the message row: PostgreSQL refuses FOR UPDATE on the nullable side of the
        # outer joins that select_related adds.
        message = (
            ChatMessage.objects.select_for_update(of=("self",))
            .select_related("sender__trainee_profile", "attachment")
            .get(pk=message.pk)
        )
        if (message.pinned_at is not None) == pinned:
            return message
        message.pinned_at = timezone.now() if pinned else None
        message.pinned_by = acting_user if pinned else None
        message.save(update_fields=["pinned_at", "pinned_by"])
        message.room = room
        record(
            "chat.message_pinned" if pinned else "chat.message_unpinned",
            message,
            actor=acting_user,
            changes={"pinned": [not pinned, pinned]},
        )
        broadcast_after_commit(
            room.pk,
            lambda: {
                "type": "message.pinned",
                "id": message.pk,
                "pinned": pinned,
                "message": message_payload(message),
            },
        )
    return message


def check_mute_member(room, user, target_id, minutes, reason=""):
    """Moderators mute a trainee for 1..10080 minutes; 0 minutes unmutes."""
    _require_moderator(room, user)
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise ChatError("bad_frame")
    if not 0 <= minutes <= MAX_MUTE_MINUTES:
        raise ChatError("bad_frame", _("Mute for 1 to 10080 minutes, or 0 to unmute."))
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if len(reason) > MAX_REASON:
        raise ChatError("too_long", _("A reason may have at most 500 characters."))
    from django.contrib.auth import get_user_model

    try:
        target = get_user_model().objects.get(pk=int(target_id))
    except (get_user_model().DoesNotExist, ValueError, TypeError, OverflowError):
        raise ChatError("not_found", _("No such member.")) from None
    target_membership = membership_in(target, room)
    if target_membership is None or not target_membership.can_send:
        raise ChatError("not_found", _("No such member."))
    if target_membership.can_moderate:
        raise ChatError("not_allowed")
    return do_mute_member(room, target, minutes, reason=reason, acting_user=user)


def do_mute_member(room, target, minutes, *, reason="", acting_user):
    now = timezone.now()
    with transaction.atomic():
        ChatMute.objects.filter(room=room, user=target, until__gt=now).update(until=now)
        until = None
        if minutes:
            until = now + datetime.timedelta(minutes=minutes)
            ChatMute.objects.create(
                room=room, user=target, until=until, reason=reason, muted_by=acting_user
            )
        record(
            "chat.member_muted" if minutes else "chat.member_unmuted",
            room,
            actor=acting_user,
            changes={"user": target.pk, "until": until.isoformat() if until else None},
            reason=reason,
        )
        broadcast_after_commit(
            room.pk,
            lambda: {
                "type": "member.muted",
                "user": target.pk,
                "until": until.isoformat() if until else None,
            },
        )
    return until


def check_lock_room(room, user, locked):
    _require_moderator(room, user)
    if not isinstance(locked, bool):
        raise ChatError("bad_frame")
    return do_lock_room(room, locked, acting_user=user)


def do_lock_room(room, locked, *, acting_user):
    with transaction.atomic():
        fresh = ChatRoom.objects.select_for_update().get(pk=room.pk)
        if fresh.is_locked == locked:
            room.is_locked = locked
            return fresh
        fresh.is_locked = locked
        fresh.locked_at = timezone.now() if locked else None
        fresh.locked_by = acting_user if locked else None
        fresh.save(update_fields=["is_locked", "locked_at", "locked_by"])
        room.is_locked = locked
        record(
            "chat.room_locked" if locked else "chat.room_unlocked",
            fresh,
            actor=acting_user,
            changes={"is_locked": [not locked, locked]},
        )
        broadcast_after_commit(room.pk, lambda: {"type": "room.locked", "locked": locked})
    return fresh


def check_report_message(room, user, message_id, reason):
    membership = membership_in(user, room)
    if membership is None or not membership.can_send:
        raise ChatError("not_allowed")
    message = _message_in(room, message_id)
    reason = reason.strip() if isinstance(reason, str) else ""
    if len(reason) > MAX_REASON:
        raise ChatError("too_long", _("A reason may have at most 500 characters."))
    if not reason:
        raise ChatError("empty", _("Say why you report this message."))
    return do_report_message(message, user, reason)


def do_report_message(message, user, reason):
    with transaction.atomic():
        report, created = MessageReport.objects.get_or_create(
            message=message, reporter=user, defaults={"reason": reason}
        )
        if created:
            record("chat.message_reported", message, actor=user, reason=reason)
    return report


# --- Read state ------------------------------------------------------------------------------


def check_mark_read(room, user, up_to):
    """Record that ``user`` has read ``room`` up to message ``up_to`` (never goes back).

    Announcements up to that id become read; returns ``[(announcement id, read, members)]``
    for the ones newly read by a trainee, which are also broadcast as ``reads`` frames.
    """
    if isinstance(up_to, bool) or not isinstance(up_to, int) or up_to < 0:
        raise ChatError("bad_frame")
    membership = membership_in(user, room)
    if membership is None:
        raise ChatError("not_allowed")
    up_to = min(up_to, last_id(room))
    if up_to <= 0:
        return []
    return do_mark_read(room, user, up_to, trainee=membership.role == ChatRole.TRAINEE)


def do_mark_read(room, user, up_to, *, trainee):
    with transaction.atomic():
        updated = ChatReadState.objects.filter(room=room, user=user, last_read_id__lt=up_to).update(
            last_read_id=up_to
        )
        if not updated:
            try:
                with transaction.atomic():
                    ChatReadState.objects.get_or_create(
                        room=room, user=user, defaults={"last_read_id": up_to}
                    )
            except IntegrityError:
                ChatReadState.objects.filter(room=room, user=user, last_read_id__lt=up_to).update(
                    last_read_id=up_to
                )
        unread = list(
            ChatMessage.objects.filter(
                room=room,
                kind=ChatMessage.Kind.ANNOUNCEMENT,
                id__lte=up_to,
                deleted_at__isnull=True,
            )
            .exclude(sender=user)
            .exclude(reads__user=user)
            .values_list("id", flat=True)
        )
        if not unread:
            return []
        AnnouncementRead.objects.bulk_create(
            [AnnouncementRead(message_id=pk, user=user) for pk in unread],
            ignore_conflicts=True,
        )
        if not trainee:
            return []
        counts = read_counts(room, unread)
        members = member_count(room)
        result = [(pk, counts.get(pk, 0), members) for pk in unread]
        for pk, read, total in result:
            frame = {"type": "reads", "id": pk, "read": read, "members": total}
            transaction.on_commit(lambda frame=frame: broadcast(room.pk, frame))
    return result


def announcement_readers(room, message):
    """``(readers, not yet read)``: enrolled trainees' ``(user, read_at or None)`` pairs."""
    from django.contrib.auth import get_user_model

    read_at = dict(
        AnnouncementRead.objects.filter(message=message).values_list("user_id", "read_at")
    )
    trainees = (
        get_user_model()
        .objects.filter(pk__in=trainee_user_ids(room))
        .select_related("trainee_profile")
        .order_by("pk")
    )
    readers, waiting = [], []
    for trainee in trainees:
        (readers if trainee.pk in read_at else waiting).append((trainee, read_at.get(trainee.pk)))
    return readers, waiting
