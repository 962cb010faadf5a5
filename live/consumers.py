"""WebSocket consumers. Thin: authenticate, authorise, call actions, relay events."""

import json

from channels.generic.websocket import AsyncWebsocketConsumer
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .auth import language_from_scope

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
