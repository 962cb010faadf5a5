"""Two real daphne processes sharing Redis: a message crosses from one to the other.

Runs only with Redis (``REDIS_URL=redis://...``). Each process is a separate ``daphne`` on a
free port with its own SQLite file database (migrated here) and a channel-layer and cache prefix
of its own, so the test never talks to a development server sharing the same Redis.
"""

import uuid

import pytest
from django.conf import settings

from tests.live.daphne_support import Socket, daphnes

pytestmark = pytest.mark.redis


@pytest.fixture
def two_daphnes(tmp_path):
    with daphnes(tmp_path, 2, redis_url=settings.REDIS_URL) as running:
        yield running


def test_a_message_crosses_from_one_daphne_process_to_another(two_daphnes):
    chat, (port_a, port_b) = two_daphnes
    path = f"/ws/classes/{chat['class_id']}/chat/"
    alice = Socket(port_a, path, chat["cookies"][0])
    bob = Socket(port_b, path, chat["cookies"][1])
    try:
        assert alice.receive()["type"] == "hello"
        hello = bob.receive()
        assert hello["type"] == "hello"
        # Presence crosses processes too: Alice sees Bob arrive, Bob's hello lists Alice.
        assert len(hello["online"]) == 2
        assert alice.receive_type("presence")["online"] is True

        client_id = str(uuid.uuid4())
        alice.send({"type": "message.send", "client_id": client_id, "body": "跨进程你好"})
        # The ack and her own message, echoed, in either order.
        frames = {}
        while not {"ack", "message"} <= set(frames):
            frame = alice.receive()
            frames[frame["type"]] = frame
        assert frames["ack"]["client_id"] == client_id
        assert frames["message"]["client_id"] == client_id
        message = bob.receive_type("message")
        assert message["body"] == "跨进程你好" and message["client_id"] == client_id

        bob.send({"type": "message.send", "client_id": str(uuid.uuid4()), "body": "收到"})
        assert alice.receive_type("message")["body"] == "收到"
    finally:
        alice.close()
        bob.close()
