"""live.wire: a frame is built once and the same bytes go to every open daphne connection."""

import asyncio
import contextlib
import json
from functools import partial

import pytest
from asgiref.sync import sync_to_async
from autobahn.twisted.websocket import WebSocketServerFactory, WebSocketServerProtocol
from twisted.internet.testing import StringTransport

from live.wire import Frame, socket_of


def open_connection():
    factory = WebSocketServerFactory()
    factory.protocol = WebSocketServerProtocol  # daphne's connections are of this kind
    connection = factory.buildProtocol(None)
    connection.makeConnection(StringTransport())
    connection.state = connection.STATE_OPEN  # as after the opening handshake
    connection.transport.clear()
    return connection


def text_of(wire_bytes):
    """Decode one unmasked RFC 6455 text frame."""
    assert wire_bytes[0] == 0x81  # FIN + text
    length, start = wire_bytes[1], 2
    assert length & 0x80 == 0  # server frames are never masked
    if length == 126:
        length, start = int.from_bytes(wire_bytes[2:4], "big"), 4
    return wire_bytes[start : start + length].decode()


async def handle_reply(protocol, message):  # the shape of daphne's Server.handle_reply
    pass


def test_socket_of_finds_daphnes_connection_behind_send():
    connection = open_connection()
    assert socket_of(partial(handle_reply, connection)) is connection


def test_socket_of_is_none_elsewhere():
    async def send(message):
        pass

    assert socket_of(send) is None
    assert socket_of(partial(handle_reply, object())) is None
    assert socket_of(partial(handle_reply)) is None


def test_one_frame_written_to_many_connections():
    text = json.dumps({"type": "message", "body": "你好，" + "x" * 300}, ensure_ascii=False)
    frame = Frame(text)
    first, second = open_connection(), open_connection()
    assert frame.write_to(first) and frame.write_to(second)
    assert text_of(first.transport.value()) == text
    assert first.transport.value() == second.transport.value()
    assert frame._prepared is not None  # framed once, kept for the next connection


def test_closing_connection_gets_nothing():
    connection = open_connection()
    connection.state = connection.STATE_CLOSING
    assert Frame("{}").write_to(connection) is False
    assert connection.transport.value() == b""


# --- Through the project's real ASGI stack ------------------------------------------------------


def frames_in(wire_bytes):
    """Every unmasked text frame in ``wire_bytes``, decoded."""
    texts = []
    while wire_bytes:
        length, start = wire_bytes[1], 2
        if length == 126:
            length, start = int.from_bytes(wire_bytes[2:4], "big"), 4
        texts.append(text_of(wire_bytes[: start + length]))
        wire_bytes = wire_bytes[start + length :]
    return texts


def test_socket_of_looks_through_the_session_middleware():
    from channels.sessions import InstanceSessionWrapper

    connection = open_connection()
    daphne_send = partial(handle_reply, connection)
    wrapper = InstanceSessionWrapper({"cookies": {}}, daphne_send)
    assert socket_of(wrapper.send) is connection
    twice = InstanceSessionWrapper({"cookies": {}, "session": object()}, wrapper.send)
    assert socket_of(twice.send) is connection


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_room_frames_reach_a_daphne_connection_as_prepared_bytes(settings):
    """The project's whole stack (origin check, cookies, session, auth, bearer token, router)
    hands the chat consumer a ``send`` behind which it finds daphne's connection: a live
    message is written to the socket as bytes, not through ASGI."""
    from live import actions
    from lms.asgi import application
    from tests.live.chat_support import ORIGIN, build_class, cookie_for

    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    settings.CHAT_HUB_BUS = "layer"
    chat = await sync_to_async(build_class)()
    member, sender = chat.trainees
    cookie = await sync_to_async(cookie_for)(member)
    connection = open_connection()
    through_asgi = []

    async def daphne_handle_reply(protocol, message):
        assert protocol is connection
        through_asgi.append(message)

    inbox = asyncio.Queue()
    scope = {
        "type": "websocket",
        "path": f"/ws/classes/{chat.training_class.pk}/chat/",
        "raw_path": b"",
        "query_string": b"",
        "headers": [ORIGIN, (b"cookie", cookie.encode()), (b"host", b"testserver")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "subprotocols": [],
    }
    task = asyncio.ensure_future(
        application(scope, inbox.get, partial(daphne_handle_reply, connection))
    )
    await inbox.put({"type": "websocket.connect"})
    for _ in range(100):  # the hello goes through ASGI
        if any(m["type"] == "websocket.send" for m in through_asgi):
            break
        await asyncio.sleep(0.05)
    assert through_asgi[0]["type"] == "websocket.accept"
    assert json.loads(through_asgi[1]["text"])["type"] == "hello"

    message, _created = await sync_to_async(actions.check_send_message)(
        chat.room, sender, client_id="5b3c1a9e-4f70-4d1e-9a43-0d6f1c2b7e11", body="走线上渠道"
    )
    for _ in range(100):
        if connection.transport.value():
            break
        await asyncio.sleep(0.05)
    frames = [json.loads(text) for text in frames_in(connection.transport.value())]
    messages = [f for f in frames if f["type"] == "message"]
    assert [(f["id"], f["body"]) for f in messages] == [(message.pk, "走线上渠道")]
    assert not any('"type":"message"' in m.get("text", "") for m in through_asgi)

    await inbox.put({"type": "websocket.disconnect", "code": 1000})
    await asyncio.wait_for(task, timeout=5)


# --- Writing on the socket at once (live.wire._write) ---------------------------------------------


class RecordingReactor:
    """Enough of a reactor for one Twisted TCP connection: it records who waits to write."""

    def __init__(self):
        self.writers = set()

    def addReader(self, selectable):
        pass

    def removeReader(self, selectable):
        pass

    def addWriter(self, selectable):
        self.writers.add(selectable)

    def removeWriter(self, selectable):
        self.writers.discard(selectable)


@pytest.fixture
def tcp_connection():
    """``(reactor, transport, peer)``: a Twisted server connection over real loopback TCP,
    with small buffers so that it backs up, and the client socket at its other end."""
    import socket

    from twisted.internet import tcp
    from twisted.internet.protocol import Protocol

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        peer = socket.socket()
        peer.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        peer.connect(listener.getsockname())
        accepted, address = listener.accept()
    accepted.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    accepted.setblocking(False)
    reactor = RecordingReactor()
    transport = tcp.Server(accepted, Protocol(), address, None, 1, reactor)
    yield reactor, transport, peer
    peer.close()
    accepted.close()


def test_an_idle_connection_is_written_at_once(tcp_connection):
    from live.wire import _write

    reactor, transport, peer = tcp_connection
    _write(transport, b"hello")
    assert reactor.writers == set()  # never registered with the reactor
    assert peer.recv(100) == b"hello"


def test_a_backed_up_connection_keeps_the_order(tcp_connection):
    from live.wire import _write

    reactor, transport, peer = tcp_connection
    chunks = [f"{n:06d}".encode() * 200 for n in range(400)]  # 480 KB, far over the buffers
    received = b""
    peer.setblocking(False)
    for number, chunk in enumerate(chunks):
        _write(transport, chunk)
        if number % 50 == 49:  # the reader takes a little: the socket has room again, but
            with contextlib.suppress(BlockingIOError):  # what waits in Twisted goes first
                received += peer.recv(16384)
    assert transport in reactor.writers  # the socket filled: the rest waits in Twisted
    peer.settimeout(5)
    while len(received) < sum(map(len, chunks)):
        if transport in reactor.writers:
            transport.doWrite()  # what the reactor does when the socket can take more
        received += peer.recv(65536)
    assert received == b"".join(chunks)
    assert reactor.writers == set()
    _write(transport, b"after")  # drained: back to writing at once
    assert reactor.writers == set() and peer.recv(100) == b"after"
