"""The class chat panel on the class page (see ``lms.training.panels``).

``register()`` adds it; ``LiveConfig.ready`` calls it. The panel is shown to everyone who may
read the class's room (``live.policy.can_read``: members, and the officers and administrators
who supervise) and hands ``static/js/chat.js`` what it needs as ``data-*`` attributes: the room
and class ids, the WebSocket URL, the API URLs (history and search, uploads), the file types
the uploads take and the viewer's id. Everything else (who may
send or moderate, pinned notices, who is online) comes over the socket in the ``hello`` frame.

Two or three queries: the room and the membership check.
"""

from django.conf import settings
from django.utils.translation import gettext as _

from .actions import ERROR_MESSAGES
from .models import ChatRoom
from .policy import can_read
from .uploads import FILE_EXTENSIONS, IMAGE_EXTENSIONS

PANEL_KEY = "chat"
PANEL_ORDER = 50


def websocket_url(request, class_id):
    scheme = "wss" if request.is_secure() else "ws"
    return f"{scheme}://{request.get_host()}/ws/classes/{class_id}/chat/"


def upload_accept(extensions):
    """The file picker's ``accept`` list for ``extensions`` (those ``live.uploads`` takes)."""
    return ",".join(f".{extension}" for extension in sorted(extensions))


def chat_strings():
    """The words ``chat.js`` shows, translated here (the page's language), read by the script
    from the ``chat-strings`` JSON data block."""
    return {
        "connecting": _("Connecting…"),
        "online": _("Connected"),
        "offline": _("Offline: messages you write are kept and sent when you are back online."),
        "reconnecting": _("Connection lost, reconnecting…"),
        "refused": _("You cannot use this class chat."),
        "signed_out": _("You are signed out. Sign in again to use the chat."),
        "removed": _("You are no longer in this class chat."),
        "n_online": _("%(n)s online"),
        "sending": _("Sending…"),
        "failed": _("Not sent"),
        "retry": _("Send again"),
        "discard": _("Discard"),
        "deleted": _("This message was deleted."),
        "earlier": _("Earlier messages"),
        "no_messages": _("No messages yet. Say hello to your classmates!"),
        "read_by": _("Read by %(read)s of %(members)s"),
        "pinned": _("Pinned"),
        "announcement": _("Announcement"),
        "more": _("More actions"),
        "delete": _("Delete"),
        "confirm_delete": _("Delete this message for everyone?"),
        "pin": _("Pin to the top"),
        "unpin": _("Unpin"),
        "mute_10m": _("Mute the sender for 10 minutes"),
        "mute_1h": _("Mute the sender for 1 hour"),
        "mute_1d": _("Mute the sender for 1 day"),
        "mute_reason": _("Why are you muting this member? (optional)"),
        "unmute": _("Unmute the sender"),
        "report": _("Report to the head teacher"),
        "report_reason": _("Why are you reporting this message?"),
        "reported": _("Thank you, the head teacher will look at it."),
        "lock": _("Lock the room"),
        "unlock": _("Unlock the room"),
        # The server's own words for a locked room, so both share one translation.
        "locked": str(ERROR_MESSAGES["locked"]),
        "muted_until": _("You are muted until %(time)s."),
        "read_only": _("You can read this room but not post in it."),
        "uploading": _("Uploading…"),
        "upload_failed": _("The upload failed."),
        "download": _("Download"),
        "role_head_teacher": _("Head teacher"),
        "role_lecturer": _("Lecturer"),
        "role_administrator": _("Administrator"),
        "role_commerce_officer": _("Commerce officer"),
        "you": _("you"),
        "searching": _("Searching…"),
        "no_results": _("No messages match “%(q)s”."),
        "n_results": _("Messages with “%(q)s”, newest first:"),
        "search_failed": _("The search did not work. Check the connection and try again."),
    }


def chat_panel_context(request, training_class, enrolment):
    user = request.user
    if not (user.is_authenticated and user.is_active):
        return None
    room = ChatRoom.objects.filter(training_class=training_class).first()
    if room is None or not can_read(user, room):
        return None
    class_id = training_class.pk
    return {
        "chat": {
            "room_id": room.pk,
            "class_id": class_id,
            "user_id": user.pk,
            "locked": room.is_locked,
            "ws_url": websocket_url(request, class_id),
            "messages_url": f"/api/v1/classes/{class_id}/chat/messages",
            "uploads_url": f"/api/v1/classes/{class_id}/chat/uploads",
            "csrf_cookie": settings.CSRF_COOKIE_NAME,
            # Pictures from anyone who may send; PDF and Office files only from moderators.
            "upload_accept": upload_accept(IMAGE_EXTENSIONS | FILE_EXTENSIONS),
            "image_accept": upload_accept(IMAGE_EXTENSIONS),
        },
        "chat_strings": chat_strings(),
    }


def unread_by_class(user):
    """``{class id: unread messages}`` for the rooms ``user`` sends in, leaving out rooms with
    none (one query), for the unread badges on the class list ``/training/classes/``.

    Unread: undeleted messages of others after the member's ``ChatReadState.last_read_id``,
    counted as ``GET /api/v1/chat/rooms`` counts them.
    """
    from django.db.models import Count, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    from .models import ChatMessage, ChatReadState
    from .policy import rooms_of

    if not (user.is_authenticated and user.is_active):
        return {}
    last_read = ChatReadState.objects.filter(room=OuterRef("room_id"), user=user).values(
        "last_read_id"
    )[:1]
    rows = (
        ChatMessage.objects.filter(room__in=rooms_of(user), deleted_at__isnull=True)
        .exclude(sender=user)
        .filter(id__gt=Coalesce(Subquery(last_read), 0))
        .values("room__training_class_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("room__training_class_id", "n")
    )
    return dict(rows)


def register():
    from lms.training.panels import register_class_panel

    register_class_panel(
        PANEL_KEY, order=PANEL_ORDER, template="live/panels/chat.html", context=chat_panel_context
    )
