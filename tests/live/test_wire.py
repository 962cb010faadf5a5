"""live.wire: a frame is built once and the same bytes go to every open daphne connection."""

import json
from functools import partial

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
