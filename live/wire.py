"""One frame, many sockets: frame a chat event once and write it to every local socket.

A room's event goes to up to 50 sockets in this process. Through ASGI each ``websocket.send``
makes daphne encode the text and autobahn build the WebSocket frame again, per socket; that
per-frame work is most of what a busy room costs the server. Server-to-client frames are not
masked, so the bytes on the wire are the same for every socket: autobahn's
``PreparedMessage`` frames a payload once and ``sendPreparedMessage`` writes those bytes to
each connection (its documented way to broadcast).

Only under daphne does the ASGI ``send`` lead to an autobahn connection
(``functools.partial(server.handle_reply, protocol)``); anywhere else (the test
communicator, another server) ``socket_of`` answers None and the consumer sends through ASGI
as usual.
"""

from functools import partial

try:
    from autobahn.websocket.protocol import PreparedMessage
except ImportError:  # pragma: no cover - daphne always brings autobahn
    PreparedMessage = None


def socket_of(send):
    """The autobahn connection behind daphne's ASGI ``send``, or None."""
    if PreparedMessage is None or not isinstance(send, partial) or not send.args:
        return None
    connection = send.args[0]
    if hasattr(connection, "sendPreparedMessage") and hasattr(connection, "STATE_OPEN"):
        return connection
    return None


class Frame:
    """A text frame for many sockets, framed the first time a socket needs it."""

    __slots__ = ("_prepared", "text")

    def __init__(self, text):
        self.text = text
        self._prepared = None

    def write_to(self, connection):
        """Write to an open connection; False when it is not open (closing or gone)."""
        if connection.state != connection.STATE_OPEN:
            return False
        if self._prepared is None:
            # Not masked (server to client), never compressed: the same bytes for everyone.
            self._prepared = PreparedMessage(self.text.encode(), False, False, True)
        connection.sendPreparedMessage(self._prepared)
        return True
