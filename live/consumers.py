"""WebSocket consumers. Thin: authenticate, authorise, call actions, relay events."""

import asyncio
import contextlib
import json
import logging
import uuid
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.contrib.auth import get_user_model
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from . import actions, presence
from .actions import ChatError
from .auth import language_from_scope
from .hub import hub, publish
from .policy import access_room, membership_in
from .wire import Frame, socket_of

logger = logging.getLogger(__name__)

# Application close code (4000-4999): 4401 not signed in. Daphne answers a socket
# closed before it is accepted with HTTP 403 on the handshake.
CLOSE_UNAUTHENTICATED = 4401
MAX_FRAME_BYTES = 4096

ERROR_MESSAGES = {
    "bad_frame": _("The message is empty or too large."),
    "bad_json": _("The message is not valid JSON."),
    "unknown_type": _("Unknown message type."),
}


class PingConsumer(AsyncWebsocketConsumer):
    """``/ws/ping/``: lets a client check that its socket and sign-in both work.

    ``{"type": "ping"}`` is answered with ``{"type": "pong", "user": <id>}``.
    """

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        await self.accept()

    async def receive(self, text_data=None, bytes_data=None):
        if not text_data or len(text_data.encode()) > MAX_FRAME_BYTES:
            await self.send_error("bad_frame")
            return
        try:
            frame = json.loads(text_data)
        except ValueError:
            await self.send_error("bad_json")
            return
        if not isinstance(frame, dict) or frame.get("type") != "ping":
            await self.send_error("unknown_type")
            return
        await self.send(json.dumps({"type": "pong", "user": self.scope["user"].pk}))

    async def send_error(self, code):
        with translation.override(language_from_scope(self.scope)):
            message = str(ERROR_MESSAGES[code])
        frame = {"type": "error", "code": code, "message": message}
        await self.send(json.dumps(frame, ensure_ascii=False))


# --- The class chat ----------------------------------------------------------------------------

CLOSE_NOT_FOUND = 4404  # not a member, or no such class: the same answer
CLOSE_REMOVED = 4403  # removed from the class, deactivated or signed out
MAX_CHAT_FRAME_BYTES = 16 * 1024
BACKLOG_PAGE = 200
SENT_MEMORY = 2000


def presence_event(user_info, *, online):
    return actions.frame_event({"type": "presence", "user": user_info, "online": online})


def in_cache_thread(function):
    """Run a cache-only (presence) call off the event loop without queueing behind the
    database work, which Channels runs in one thread."""
    return sync_to_async(function, thread_sensitive=False)


def _int_or_none(value):
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return None


class ChatConsumer(AsyncWebsocketConsumer):
    """``/ws/classes/<class_id>/chat/``: the live class chat (frames in docs/api.md).

    Every change goes through ``live.actions`` (in a thread, with the database); live frames
    arrive from this process's hub (``live.hub``), already encoded (``chat.frame``). The socket
    has no channel-layer channel of its own: the hub holds one for the whole process.
    """

    channel_layer_alias = None  # no layer channel per socket (see live.hub)
    room = None
    held = None
    hello_last_id = 0
    visible = False  # counted in presence (supervisors read quietly)
    connection = None  # daphne's connection, written to directly (live.wire)

    # --- Connection ---------------------------------------------------------------------------

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        class_id = self.scope["url_route"]["kwargs"].get("class_id")
        try:
            room, membership, name = await database_sync_to_async(self._open)(user, class_id)
        except Http404:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.user = user
        self.membership = membership
        self.conn = uuid.uuid4().hex
        self.sent = {}  # ids of the message frames sent on this socket (the latest SENT_MEMORY)
        self.me = {"id": user.pk, "name": name, "role": membership.role}
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        after = _int_or_none((query.get("after") or [None])[0])
        if after is not None and after < 0:
            after = None
        await self.accept()
        self.connection = socket_of(self.base_send)
        # Join the hub before reading the backlog: live frames that arrive meanwhile are held
        # and sent after the backlog, skipping those the backlog already had.
        self.room = room
        self.held = []  # live frames wait until the hello (and the backlog) are out
        self.targets = (("room", room.pk), ("user", user.pk))
        await hub().join(self, *self.targets)
        # Supervisors read quietly: only members appear online.
        self.visible = membership.can_send
        first = self.visible and await in_cache_thread(presence.join)(room.pk, self.me, self.conn)
        if self.visible:
            presence.keeper().add(room.pk, self.me, self.conn)
        hello = await database_sync_to_async(self._hello)()
        await self.send_frame(hello)
        if after is not None:
            resumed = await self._send_backlog(after)
            await self.send_frame({"type": "resume.done", "last_id": max(resumed, after)})
        while self.held:  # delivering may await, and more may arrive meanwhile
            held, self.held = self.held, []
            for event in held:
                await self._send_event(event)
        self.held = None
        if first:
            publish(("room", room.pk), presence_event(self.me, online=True))

    async def _send_backlog(self, after):
        """Send every stored message after id ``after`` not sent yet; the last id sent."""
        while True:
            frames = await database_sync_to_async(self._backlog_page)(after)
            for frame in frames:
                if self._mark_sent(frame["id"]):
                    await self.send_frame(frame)
            if frames:
                after = frames[-1]["id"]
            if len(frames) < BACKLOG_PAGE:
                return after

    @staticmethod
    def _open(user, class_id):
        room, membership = access_room(user, class_id)
        return room, membership, user.display_name

    def _hello(self):
        room, user = self.room, self.user
        training_class = room.training_class
        mute = actions.active_mute(room, user.pk)
        self.hello_last_id = actions.last_id(room)
        return {
            "type": "hello",
            "room": {
                "id": room.pk,
                "class_id": training_class.pk,
                "name": training_class.name,
                "locked": room.is_locked,
            },
            "me": {
                **self.me,
                "can_send": self.membership.can_send,
                "can_moderate": self.membership.can_moderate,
                "muted_until": mute.until.isoformat() if mute else None,
            },
            "pinned": actions.messages_payload(room, actions.pinned_messages(room)),
            "online": presence.online(room.pk),
            "last_id": self.hello_last_id,
            "unread": actions.unread_count(room, user),
        }

    def _backlog_page(self, after):
        page = actions.room_messages(self.room).filter(id__gt=after).order_by("id")
        return actions.messages_payload(self.room, page[:BACKLOG_PAGE])

    def _mark_sent(self, message_id):
        """Remember ``message_id`` as sent; False if it was already."""
        if message_id in self.sent:
            return False
        self.sent[message_id] = None
        if len(self.sent) > SENT_MEMORY:
            del self.sent[next(iter(self.sent))]
        return True

    async def disconnect(self, code):
        if self.room is None:
            return
        room, self.room = self.room, None
        await hub().leave(self, *self.targets)
        if self.visible:
            presence.keeper().discard(room.pk, self.conn)
        last = self.visible and await in_cache_thread(presence.leave)(
            room.pk, self.user.pk, self.conn
        )
        if last:
            publish(("room", room.pk), presence_event(self.me, online=False))

    async def dispatch(self, message):
        # Channels closes stale database connections before every handler, a hop to the
        # database thread per frame; every database call here goes through
        # database_sync_to_async, which does that itself.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    # --- Frames from the client ---------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        raw = text_data if text_data is not None else bytes_data
        size = len(raw.encode()) if isinstance(raw, str) else len(raw or b"")
        if size > MAX_CHAT_FRAME_BYTES:
            await self.send_error("frame_too_large")
            return
        try:
            frame = json.loads(raw or "")
        except (ValueError, UnicodeDecodeError):
            await self.send_error("bad_frame")
            return
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            await self.send_error("bad_frame")
            return
        handler = self.HANDLERS.get(frame["type"])
        if handler is None or self.room is None:
            await self.send_error("bad_frame")
            return
        client_id = frame.get("client_id") if isinstance(frame.get("client_id"), str) else None
        try:
            await handler(self, frame)
        except ChatError as error:
            await self.send_error(error.code, error.message, client_id=client_id)
        except Exception:
            logger.exception("chat frame %s failed", frame["type"])
            code = "save_failed" if frame["type"] == "message.send" else "bad_frame"
            await self.send_error(code, client_id=client_id)

    async def on_send(self, frame):
        # The rate limit is counted here, on the loop, so the database thread never waits on
        # the cache's network; a send that stores nothing new gives its count back.
        over_limit, counted = await actions.acount_send(self.room.pk, self.user.pk)
        created = False
        try:
            message, created = await database_sync_to_async(actions.check_send_message)(
                self.room,
                self.user,
                client_id=frame.get("client_id"),
                body=frame.get("body"),
                kind=frame.get("kind") or "text",
                attachment_id=frame.get("attachment"),
                over_limit=over_limit,
            )
        finally:
            if counted is not None and not created:
                await self._refund(counted)
        await self.send_frame(
            {
                "type": "ack",
                "client_id": str(message.client_id) if message.client_id else None,
                "id": message.pk,
            }
        )

    @staticmethod
    async def _refund(counted):
        try:
            await actions.arefund_send(counted)
        except Exception:  # the count lapses with its window anyway
            logger.exception("chat rate-limit count not given back")

    async def on_history(self, frame):
        before = _int_or_none(frame.get("before"))
        limit = _int_or_none(frame.get("limit")) or 50
        if not 1 <= limit <= actions.MAX_PAGE:
            raise ChatError("bad_frame")

        def page():
            if membership_in(self.user, self.room) is None:
                raise ChatError("not_allowed")
            messages, has_more = actions.history(self.room, before=before, limit=limit)
            return actions.messages_payload(self.room, messages), has_more

        messages, has_more = await database_sync_to_async(page)()
        await self.send_frame({"type": "history", "messages": messages, "has_more": has_more})

    async def on_read(self, frame):
        await database_sync_to_async(actions.check_mark_read)(
            self.room, self.user, frame.get("up_to")
        )

    async def on_delete(self, frame):
        await database_sync_to_async(actions.check_delete_message)(
            self.room, self.user, frame.get("id")
        )

    async def on_pin(self, frame):
        await database_sync_to_async(actions.check_pin_message)(
            self.room, self.user, frame.get("id"), frame.get("pinned", True)
        )

    async def on_mute(self, frame):
        await database_sync_to_async(actions.check_mute_member)(
            self.room, self.user, frame.get("user"), frame.get("minutes"), frame.get("reason")
        )

    async def on_lock(self, frame):
        await database_sync_to_async(actions.check_lock_room)(
            self.room, self.user, frame.get("locked")
        )

    async def on_report(self, frame):
        report = await database_sync_to_async(actions.check_report_message)(
            self.room, self.user, frame.get("id"), frame.get("reason")
        )
        await self.send_frame({"type": "reported", "id": report.message_id})

    async def on_ping(self, frame):
        await self.send_frame({"type": "pong"})

    HANDLERS = {
        "message.send": on_send,
        "history": on_history,
        "read": on_read,
        "message.delete": on_delete,
        "message.pin": on_pin,
        "member.mute": on_mute,
        "room.lock": on_lock,
        "message.report": on_report,
        "ping": on_ping,
    }

    # --- Events from the hub (live.hub) ---------------------------------------------------------

    def deliver_now(self, event, frame=None):
        """The hub's fast path: a live frame for an open daphne connection is written here and
        now, without a coroutine per member; False sends everything else to ``deliver``."""
        if (
            self.held is not None
            or self.connection is None
            or frame is None
            or event.get("type") != "chat.frame"
        ):
            return False
        if self.room is not None and ("id" not in event or self._mark_sent(event["id"])):
            frame.write_to(self.connection)
        return True

    async def deliver(self, event, frame=None):
        """An event for this socket's room or user, from this process's hub; ``frame``, a
        ``live.wire.Frame`` of the event's text shared by the sockets it goes to."""
        if self.room is None:
            return
        kind = event.get("type")
        if kind == "chat.frame":
            if self.held is not None:
                self.held.append(event)
            else:
                await self._send_event(event, frame)
        elif kind == "chat.recheck":
            self._spawn(self._recheck())
        elif kind == "chat.resync":
            self._spawn(self._resync())
        elif kind == "chat.close":
            await self._close_for(event.get("session"))

    async def _send_event(self, event, frame=None):
        if "id" in event and not self._mark_sent(event["id"]):
            return
        # This runs once per member for every frame: under daphne the frame is built once for
        # the whole room and its bytes written here; elsewhere it goes through ASGI.
        if self.connection is not None:
            (frame or Frame(event["text"])).write_to(self.connection)
        else:
            await self.base_send({"type": "websocket.send", "text": event["text"]})

    def _spawn(self, coroutine):
        # Database work runs beside the hub's dispatch, which must not wait for it.
        task = asyncio.ensure_future(coroutine)
        self.tasks = getattr(self, "tasks", set())
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _recheck(self):
        """Someone may have removed this user from the class or changed their roles, or (after
        the hub's bus was interrupted) a deactivation or sign-out notice may have been lost:
        close unless the account, the session and the place in the room still hold."""
        with contextlib.suppress(AttributeError):  # roles are read again (a lazy user: del)
            del self.user._role_codes
        membership = await database_sync_to_async(self._membership_now)()
        if self.room is None:
            return
        if membership is None:
            await self.close(code=CLOSE_REMOVED)
        else:
            self.membership = membership

    def _membership_now(self):
        user = self.user
        # The account as it is now (membership_in asks is_signed_in, which reads is_active).
        user.is_active = get_user_model().objects.filter(pk=user.pk, is_active=True).exists()
        session = self.scope.get("session")
        key = getattr(session, "session_key", None)
        if key and not self._bearer() and not session.exists(key):
            return None  # signed out meanwhile
        return membership_in(user, self.room)

    async def _resync(self):
        """Live frames to this room were lost on the way (a gap in the layer's numbers, or the
        hub's bus reconnected): send what is stored and was not sent."""
        if self.room is None or self.held is not None:
            return
        after = min(self.sent) - 1 if self.sent else self.hello_last_id
        await self._send_backlog(after)

    async def _close_for(self, session):
        """The account was deactivated, or a session signed out (``session``: only that one)."""
        if session:
            own = getattr(self.scope.get("session"), "session_key", None)
            if own != session or self._bearer():
                return
        await self.close(code=CLOSE_REMOVED)

    def _bearer(self):
        return any(name == b"authorization" for name, _value in self.scope.get("headers", []))

    # --- Sending --------------------------------------------------------------------------------

    async def send_frame(self, frame):
        await self.send(text_data=json.dumps(frame, ensure_ascii=False, separators=(",", ":")))

    async def send_error(self, code, message=None, *, client_id=None):
        with translation.override(language_from_scope(self.scope)):
            text = str(message or actions.ERROR_MESSAGES[code])
        frame = {"type": "error", "code": code, "message": text}
        if client_id:
            frame["client_id"] = client_id
        await self.send_frame(frame)
