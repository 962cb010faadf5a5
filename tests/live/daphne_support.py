"""Real daphne processes for the chat tests: a minimal WebSocket client and a fixture helper.

``daphnes(tmp_path, count, redis_url=None)`` migrates a SQLite file database of its own, builds
a class with two enrolled trainees (``tests.live.chat_support.build_class``), starts ``count``
``daphne`` processes on free ports with the project's ASGI application and yields
``(chat, ports)``, where ``chat`` holds the class id and the trainees' session cookies. With
``redis_url`` the processes share Redis (channel layer and cache) under a prefix of their own,
removed afterwards; without it each runs the embedded default (in-memory layer).
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
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DAPHNE = [sys.executable, "-m", "daphne", "-b", "127.0.0.1"]


# --- A minimal WebSocket client (RFC 6455 text frames), enough for this test ----------------


class Socket:
    def __init__(self, port, path, cookie, receive_buffer=None):
        self.sock = socket.socket()
        if receive_buffer:  # a small window makes the server's writes back up
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        self.sock.settimeout(10)
        self.sock.connect(("127.0.0.1", port))
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


@contextmanager
def daphnes(tmp_path, count, redis_url=None, extra_settings=""):
    prefix = f"lms-chat-test-{uuid.uuid4().hex[:8]}"
    lines = [
        "from lms.settings.dev import *  # noqa",
        f"MEDIA_ROOT = {str(tmp_path / 'media')!r}",
        textwrap.dedent(extra_settings),
    ]
    if redis_url:
        lines += [
            f'CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = "{prefix}:channels"',
            f'CACHES["default"]["KEY_PREFIX"] = "{prefix}"',
        ]
    (tmp_path / "chat_daphne_settings.py").write_text("\n".join(lines) + "\n")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "chat_daphne_settings",
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)]),
        "SQLITE_PATH": str(tmp_path / "chat.sqlite3"),
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    run = {"cwd": ROOT, "env": env, "check": True}
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], **run)
    output = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SETUP], capture_output=True, text=True, **run
    ).stdout
    chat = json.loads(output.split("CHAT=", 1)[1])
    ports = [free_port() for _ in range(count)]
    servers = [
        subprocess.Popen(
            [*DAPHNE, "-p", str(port), "lms.asgi:application"],
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
        if redis_url:
            import redis

            client = redis.Redis.from_url(redis_url)
            keys = list(client.scan_iter(f"{prefix}*"))
            if keys:
                client.delete(*keys)
