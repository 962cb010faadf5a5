"""One real daphne process on the embedded default (in-memory layer): a room's frames, written
straight to each member's socket (``live.wire``), arrive complete and in order at a member who
reads only after a burst (how a backed-up socket keeps the order is tests/live/test_wire.py's
job: the kernel's buffers here may take the whole burst)."""

import uuid

import pytest

from tests.live.daphne_support import Socket, daphnes

BURST = 300
BODY = "我家的苹果今天上架了，欢迎大家来店里看看。" * 10  # 210 characters, 630 bytes


@pytest.fixture
def one_daphne(tmp_path):
    # One sender bursts far past the per-user limit of 10 messages in 10 s.
    with daphnes(tmp_path, 1, extra_settings="CHAT_RATE_LIMIT = (1_000_000, 10)") as running:
        yield running


def test_a_burst_reaches_a_slow_reader_complete_and_in_order(one_daphne):
    chat, (port,) = one_daphne
    path = f"/ws/classes/{chat['class_id']}/chat/"
    sender = Socket(port, path, chat["cookies"][0])
    # A small receive window, and the reader reads nothing until the burst is over.
    reader = Socket(port, path, chat["cookies"][1], receive_buffer=4096)
    try:
        assert sender.receive()["type"] == "hello"
        assert reader.receive()["type"] == "hello"
        client_ids = [str(uuid.uuid4()) for _ in range(BURST)]
        for number, client_id in enumerate(client_ids):
            body = f"{number} {BODY}"
            sender.send({"type": "message.send", "client_id": client_id, "body": body})
        acked = 0
        while acked < BURST:  # the sender reads its acks (and its own messages)
            acked += sender.receive()["type"] == "ack"
        messages = []
        while len(messages) < BURST:  # only now does the reader start reading
            frame = reader.receive()
            if frame["type"] == "message":
                messages.append(frame)
        assert [m["client_id"] for m in messages] == client_ids
        assert [m["body"] for m in messages] == [f"{n} {BODY}" for n in range(BURST)]
        ids = [m["id"] for m in messages]
        assert ids == sorted(ids) and len(set(ids)) == BURST
    finally:
        sender.close()
        reader.close()
