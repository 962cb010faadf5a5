"""Chat endpoints under /api/v1/ (see docs/api-drafts/chat.md).

- ``GET /api/v1/chat/rooms``: the caller's rooms with unread counts and the last message.
- ``GET /api/v1/classes/{id}/chat/messages?before=&after=&limit=&q=``: history and search.
- ``GET /api/v1/chat/messages/{id}/reads``: who has read an announcement (moderators).

Rooms the caller is not in answer the same 404 as unknown ids. Each costs a fixed number of
queries whatever the number of rooms or messages.
"""

import datetime

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from . import actions
from .models import ChatMessage, ChatReadState
from .policy import ChatRole, access_room, rooms_of

router = Router(tags=["chat"])


class ErrorOut(Schema):
    detail: str


class SenderOut(Schema):
    id: int
    name: str
    role: str


class ReadsOut(Schema):
    read: int
    members: int


class MessageOut(Schema):
    type: str = "message"
    id: int
    client_id: str | None
    sender: SenderOut | None
    body: str
    kind: str
    sent_at: datetime.datetime
    attachment: dict | None
    pinned: bool
    deleted: bool
    reads: ReadsOut | None


class RoomOut(Schema):
    class_id: int
    room_id: int
    name: str
    unread: int
    last_message: MessageOut | None
    locked: bool


class MessagesOut(Schema):
    messages: list[MessageOut]
    has_more: bool


class ReaderOut(Schema):
    id: int
    name: str
    read_at: datetime.datetime | None


class ReadsDetailOut(Schema):
    id: int
    read: int
    members: int
    readers: list[ReaderOut]
    not_read: list[ReaderOut]


class MessagesQuery(Schema):
    before: int | None = None
    after: int | None = None
    limit: int = 50
    q: str = ""


def _staff_roles_by_class(class_ids):
    from lms.training.models import Lecturer, TrainingClass

    roles = {class_id: {} for class_id in class_ids}
    for class_id, user_id in Lecturer.objects.filter(
        classes__in=class_ids, user__isnull=False
    ).values_list("classes", "user_id"):
        roles[class_id][user_id] = ChatRole.LECTURER
    for class_id, user_id in TrainingClass.objects.filter(
        pk__in=class_ids, head_teacher__isnull=False
    ).values_list("pk", "head_teacher_id"):
        roles[class_id][user_id] = ChatRole.HEAD_TEACHER
    return roles


def _trainee_counts(class_ids):
    from lms.enrolment.models import ClassEnrolment

    rows = (
        ClassEnrolment.objects.filter(
            training_class_id__in=class_ids,
            status=ClassEnrolment.Status.ENROLLED,
            profile__user__isnull=False,
            profile__user__is_active=True,
        )
        .values("training_class_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["training_class_id"]: row["n"] for row in rows}


@router.get("/chat/rooms", response=list[RoomOut], summary="My class chat rooms")
def my_rooms(request):
    """The rooms the caller is a member of, newest activity first, with unread counts."""
    user = request.auth
    rooms = list(
        rooms_of(user)
        .select_related("training_class")
        .annotate(
            last_message_id=Subquery(
                ChatMessage.objects.filter(room=OuterRef("pk")).order_by("-id").values("id")[:1]
            )
        )
    )
    room_ids = [room.pk for room in rooms]
    last_read = ChatReadState.objects.filter(room=OuterRef("room_id"), user=user).values(
        "last_read_id"
    )[:1]
    unread = dict(
        ChatMessage.objects.filter(room_id__in=room_ids, deleted_at__isnull=True)
        .exclude(sender=user)
        .filter(id__gt=Coalesce(Subquery(last_read), 0))
        .values("room_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("room_id", "n")
    )
    last_messages = {
        message.room_id: message
        for message in ChatMessage.objects.filter(
            pk__in=[room.last_message_id for room in rooms if room.last_message_id]
        ).select_related("sender__trainee_profile", "attachment")
    }
    class_ids = [room.training_class_id for room in rooms]
    roles = _staff_roles_by_class(class_ids)
    announcement_ids = [
        m.pk
        for m in last_messages.values()
        if m.kind == ChatMessage.Kind.ANNOUNCEMENT and m.deleted_at is None
    ]
    reads = actions.read_counts(None, announcement_ids)
    members = _trainee_counts(class_ids) if announcement_ids else {}
    rooms.sort(key=lambda room: room.last_message_id or 0, reverse=True)
    result = []
    for room in rooms:
        message = last_messages.get(room.pk)
        payload = None
        if message is not None:
            message.room = room
            payload = actions.message_payload(
                message,
                roles=roles[room.training_class_id],
                reads=reads,
                members=members.get(room.training_class_id, 0),
            )
        result.append(
            {
                "class_id": room.training_class_id,
                "room_id": room.pk,
                "name": room.training_class.name,
                "unread": unread.get(room.pk, 0),
                "last_message": payload,
                "locked": room.is_locked,
            }
        )
    return result


@router.get(
    "/classes/{class_id}/chat/messages",
    response={200: MessagesOut, 400: ErrorOut, 404: ErrorOut},
    summary="A class chat's history and search",
)
def class_messages(request, class_id: int, filters: Query[MessagesQuery]):
    """Without ``after``: the ``limit`` newest messages before ``before`` (or the newest);
    with ``after``: the ``limit`` oldest after it. ``q`` searches the text (any language) of
    messages that were not deleted. Messages are oldest first; ``has_more`` says whether there
    are more in the direction asked for."""
    from django.utils.translation import gettext as _

    room, _membership = access_room(request.auth, class_id)
    if not 1 <= filters.limit <= actions.MAX_PAGE:
        raise HttpError(400, _("The limit must be between 1 and 100."))
    query = filters.q.strip()
    if len(query) > 100:
        raise HttpError(400, _("Search for at most 100 characters."))
    messages, has_more = actions.history(
        room, before=filters.before, after=filters.after, limit=filters.limit, query=query
    )
    return {"messages": actions.messages_payload(room, messages), "has_more": has_more}


@router.get(
    "/chat/messages/{message_id}/reads",
    response={200: ReadsDetailOut, 404: ErrorOut},
    summary="Who has read an announcement",
)
def announcement_reads(request, message_id: int):
    """The trainees enrolled in the class who have and have not read the announcement. For the
    room's moderators; anyone else, and any other message, gets 404."""
    message = (
        ChatMessage.objects.filter(
            pk=message_id, kind=ChatMessage.Kind.ANNOUNCEMENT, deleted_at__isnull=True
        )
        .select_related("room")
        .first()
    )
    if message is None:
        raise Http404
    room, membership = access_room(request.auth, message.room.training_class_id)
    if not membership.can_moderate:
        raise Http404
    readers, waiting = actions.announcement_readers(room, message)

    def out(rows):
        return [{"id": u.pk, "name": u.display_name, "read_at": at} for u, at in rows]

    return {
        "id": message.pk,
        "read": len(readers),
        "members": len(readers) + len(waiting),
        "readers": out(readers),
        "not_read": out(waiting),
    }
