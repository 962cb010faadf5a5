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
as usual. Between daphne and the consumer, Channels' session middleware wraps ``send`` in
``InstanceSessionWrapper.send``, which only acts on HTTP responses and passes a WebSocket's
frames on to ``real_send``; ``socket_of`` looks through such wrappers.
"""

from functools import partial

from channels.sessions import InstanceSessionWrapper
from twisted.internet import tcp

try:
    from autobahn.websocket.protocol import PreparedMessage
except ImportError:  # pragma: no cover - daphne always brings autobahn
    PreparedMessage = None


def socket_of(send):
    """The autobahn connection behind daphne's ASGI ``send``, or None."""
    # The session middleware's wrapper, possibly more than once (nested stacks).
    while isinstance(getattr(send, "__self__", None), InstanceSessionWrapper):
        send = send.__self__.real_send
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
        if connection._perMessageCompress is not None:  # daphne never offers compression
            connection.sendPreparedMessage(self._prepared)
        elif not connection.send_queue:  # nothing of autobahn's own waits to go first
            _write(connection.transport, self._prepared.payloadHybi)
        else:
            connection.sendData(self._prepared.payloadHybi)
        return True


def _write(transport, data):
    """Write ``data`` to a connection's transport, on the socket at once when it can.

    Twisted's ``write`` only buffers: it registers the socket for writing (an ``epoll_ctl``),
    the reactor's next turn sends, and a second ``epoll_ctl`` unregisters it; two system calls
    and a round of the loop per socket per frame, a third of the chat's fan-out. Like asyncio's
    transports, a plain TCP connection with nothing buffered is sent to directly; whatever the
    socket does not take now (or an error, which Twisted then handles as usual) goes through
    Twisted's buffer, behind which every later frame queues, so the order holds.
    """
    if (
        type(transport) is tcp.Server
        and not transport.TLS
        and transport.connected
        and not transport.disconnecting
        and not transport._writeDisconnected
        and not transport.dataBuffer
        and not transport._tempDataBuffer
    ):
        try:
            sent = transport.socket.send(data)
        except OSError:  # would block, or the peer is gone: Twisted finds out on its write
            sent = 0
        if sent == len(data):
            return
        data = data[sent:]
    transport.write(data)
