"""Two real daphne processes sharing Redis: a message crosses from one to the other.

Runs only with Redis (``REDIS_URL=redis://...``). Each process is a separate ``daphne`` on a
free port with its own SQLite file database (migrated here) and a channel-layer and cache prefix
of its own, so the test never talks to a development server sharing the same Redis.
"""

import base64
import json
import os
import socket
import struct
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.redis

ROOT = Path(__file__).resolve().parents[2]


# --- A minimal WebSocket client (RFC 6455 text frames), enough for this test ----------------


class Socket:
    def __init__(self, port, path, cookie):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Origin: http://127.0.0.1:{port}\r\nCookie: {cookie}\r\n\r\n"
        )
        self.sock.sendall(request.encode())
        response = b""
        while b"\r\n\r\n" not in response:
            chunk = self.sock.recv(4096)
            if not chunk:
                break
            response += chunk
        head, _, self.buffer = response.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 101"), head

    def _read(self, n):
        while len(self.buffer) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def send(self, frame):
        payload = json.dumps(frame).encode()
        mask = os.urandom(4)
        header = bytes([0x81])
        if len(payload) < 126:
            header += bytes([0x80 | len(payload)])
        else:
            header += bytes([0x80 | 126]) + struct.pack("!H", len(payload))
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def receive(self):
        first, second = self._read(2)
        length = second & 0x7F
        if length == 126:
            length = struct.unpack("!H", self._read(2))[0]
        elif length == 127:
            length = struct.unpack("!Q", self._read(8))[0]
        payload = self._read(length)
        opcode = first & 0x0F
        if opcode == 0x8:
            raise ConnectionError(f"closed: {payload!r}")
        if opcode != 0x1:
            return self.receive()
        return json.loads(payload)

    def receive_type(self, frame_type):
        while True:
            frame = self.receive()
            if frame["type"] == frame_type:
                return frame

    def close(self):
        self.sock.close()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(port, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("daphne did not start")


SETUP = """
import json
from django.conf import settings
from django.test import Client
from tests.live.chat_support import build_class
chat = build_class()
cookies = []
for user in chat.trainees:
    client = Client()
    client.force_login(user)
    cookies.append(f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}")
print("CHAT=" + json.dumps({"class_id": chat.training_class.pk, "cookies": cookies}))
"""


@pytest.fixture
def two_daphnes(tmp_path):
    prefix = f"lms-chat-test-{uuid.uuid4().hex[:8]}"
    (tmp_path / "chat_two_settings.py").write_text(
        textwrap.dedent(
            f"""
            from lms.settings.dev import *  # noqa
            CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = "{prefix}:channels"
            CACHES["default"]["KEY_PREFIX"] = "{prefix}"
            MEDIA_ROOT = {str(tmp_path / "media")!r}
            """
        )
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "chat_two_settings",
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)]),
        "SQLITE_PATH": str(tmp_path / "chat.sqlite3"),
        "REDIS_URL": settings.REDIS_URL,
    }
    env.pop("DATABASE_URL", None)
    run = {"cwd": ROOT, "env": env, "check": True}
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], **run)
    output = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SETUP], capture_output=True, text=True, **run
    ).stdout
    chat = json.loads(output.split("CHAT=", 1)[1])
    ports = [free_port(), free_port()]
    servers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(port),
                "lms.asgi:application",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        for port in ports:
            wait_until_up(port)
        yield chat, ports
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL)
        keys = list(client.scan_iter(f"{prefix}*"))
        if keys:
            client.delete(*keys)


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
