"""The chat load generator: client processes with asyncio inside, driven phase by phase.

Each client process holds a share of the 500 connections (members are dealt round-robin so
every process has members of every room) and runs the senders of the rooms it holds. The
parent connects everything, waits until every process is ready, then starts each phase
with a common start time. A sender sends ``rate`` messages a second on a fixed schedule
(late sends go out at once, never skipped; the rooms' senders are spread evenly over
the interval rather than firing together); the body carries the phase, the room, the
sequence number and the send time (``time.monotonic()``, one clock for every process on
Linux), so a receiver measures send-to-delivery latency without matching tables.

The drain window ends when every member has every message, when nothing has arrived for
``QUIET`` seconds after the last send, or ``drain`` seconds after the last send, so a
server that is behind but still delivering is told apart from one that dropped frames.

A member's delivery of message ``seq`` is its first ``message`` frame carrying it; for
the project's endpoint the sender's ``ack`` also counts as the sender's delivery when its
own ``message`` frame does not come back. Loss = expected - delivered after the drain
window; duplicates are counted apart.
"""

import asyncio
import contextlib
import json
import multiprocessing
import re
import resource
import time
import uuid
from array import array
from collections import Counter

from websockets.asyncio.client import connect

QUIET = 2.0
SETTLE = 6.0
BODY = re.compile(r"bench (\d+) (\d+) (\d+) ([\d.]+)")


class Member:
    __slots__ = (
        "count",
        "dups",
        "frames",
        "headers",
        "index",
        "room",
        "seen",
        "sender",
        "stagger",
        "url",
        "ws",
    )

    def __init__(self, spec):
        self.room = spec["room"]
        self.index = spec["index"]
        self.url = spec["url"]
        self.headers = spec.get("headers") or {}
        self.sender = spec["index"] == 0
        self.stagger = spec.get("stagger", 0.0)
        self.ws = None
        self.seen = set()
        self.frames = set()
        self.count = 0
        self.dups = 0


class Worker:
    def __init__(self, specs, protocol, origin):
        self.members = [Member(s) for s in specs]
        self.protocol = protocol
        self.origin = origin
        self.phase = -1
        self.latencies = array("d")
        self.last_delivery = 0.0
        self.last_frame = 0.0
        self.acks = 0
        self.errors = Counter()
        self.pending = {}  # client_id -> (phase, seq, sent_at), for the project's acks

    async def open(self, member, limit):
        async with limit:
            try:
                member.ws = await connect(
                    member.url,
                    origin=self.origin,
                    additional_headers=member.headers,
                    ping_interval=None,
                    max_queue=4096,
                    open_timeout=60,
                    close_timeout=2,
                    max_size=2**20,
                )
                if self.protocol == "project":
                    first = json.loads(await asyncio.wait_for(member.ws.recv(), 60))
                    if first.get("type") != "hello":
                        self.errors[f"first frame {first.get('type')}"] += 1
            except Exception as exc:
                code = getattr(getattr(exc, "rcvd", None), "code", None) or getattr(
                    getattr(exc, "response", None), "status_code", None
                )
                self.errors[f"connect: {type(exc).__name__} {code or ''}".strip()] += 1
                member.ws = None

    def deliver(self, member, seq, sent_at, now):
        if seq in member.seen:
            return
        member.seen.add(seq)
        member.count += 1
        self.latencies.append((now - sent_at) * 1000)
        self.last_delivery = now

    async def receive(self, member):
        ws = member.ws
        try:
            async for raw in ws:
                now = time.monotonic()
                frame = json.loads(raw)
                kind = frame.get("type")
                self.last_frame = now
                if kind == "message":
                    match = BODY.search(frame.get("body") or "")
                    if match and int(match.group(1)) == self.phase:
                        seq = int(match.group(3))
                        if seq in member.frames:
                            member.dups += 1
                        member.frames.add(seq)
                        self.deliver(member, seq, float(match.group(4)), now)
                elif kind == "ack" and member.sender:
                    sent = self.pending.get(frame.get("client_id"))
                    if sent is not None and sent[0] == self.phase:
                        self.acks += 1
                        self.deliver(member, sent[1], sent[2], now)
                elif kind == "error":
                    self.errors[f"error frame: {frame.get('code')}"] += 1
        except Exception as exc:
            self.errors[f"receive: {type(exc).__name__}"] += 1
        if ws.close_code not in (None, 1000, 1001):
            self.errors[f"closed {ws.close_code}"] += 1

    async def send(self, member, t0, rate, count, lags):
        ws = member.ws
        for seq in range(count):
            due = t0 + (seq + member.stagger) / rate
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            now = time.monotonic()
            lags.append((now - due) * 1000)
            client_id = str(uuid.uuid4())
            self.pending[client_id] = (self.phase, seq, now)
            body = f"bench {self.phase} {member.room} {seq} {now:.6f}"
            frame = {"type": "message.send", "client_id": client_id, "body": body}
            try:
                await ws.send(json.dumps(frame))
            except Exception as exc:
                self.errors[f"send: {type(exc).__name__}"] += 1
                return

    async def run_phase(self, phase, t0, rate, seconds, drain):
        self.phase = phase
        self.latencies = array("d")
        self.last_delivery = 0.0
        self.errors = Counter()
        self.pending = {}
        self.acks = 0
        live = [m for m in self.members if m.ws is not None]
        for m in live:
            m.seen = set()
            m.frames = set()
            m.count = 0
            m.dups = 0
        count = int(rate * seconds)
        lags = array("d")
        cpu0 = resource.getrusage(resource.RUSAGE_SELF)
        senders = [
            asyncio.create_task(self.send(m, t0, rate, count, lags)) for m in live if m.sender
        ]
        # Wait for stragglers: until every member has every message, or nothing has arrived
        # for ``QUIET`` seconds after the last send, or ``drain`` seconds after the last send.
        sent_by = t0 + seconds
        deadline = sent_by + drain
        while time.monotonic() < deadline:
            await asyncio.sleep(0.1)
            if not all(s.done() for s in senders):
                continue
            if all(m.count >= count for m in live):
                break
            if time.monotonic() - max(self.last_delivery, sent_by) > QUIET:
                break
        for s in senders:
            s.cancel()
        cpu1 = resource.getrusage(resource.RUSAGE_SELF)
        wall = max(time.monotonic() - t0, 1e-9)
        cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
        # Before the next phase, let a server that is behind finish what it still sends (frames
        # of this phase arriving late are not counted), up to SETTLE seconds.
        settle_until = time.monotonic() + SETTLE
        while time.monotonic() < settle_until and time.monotonic() - self.last_frame < QUIET:
            await asyncio.sleep(0.1)
        return {
            "settled": time.monotonic() - self.last_frame >= QUIET,
            "acks": self.acks,
            "expected": count * len(self.members),
            "delivered": sum(m.count for m in live),
            "duplicates": sum(m.dups for m in live),
            "latencies": self.latencies.tobytes(),
            "last_delivery": self.last_delivery,
            "lags": lags.tobytes(),
            "errors": dict(self.errors),
            "cpu_seconds": cpu,
            "wall": wall,
        }

    async def main(self, conn):
        limit = asyncio.Semaphore(8)  # handshakes in flight per process
        await asyncio.gather(*(self.open(m, limit) for m in self.members))
        readers = [asyncio.create_task(self.receive(m)) for m in self.members if m.ws]
        conn.send({"connected": sum(1 for m in self.members if m.ws), "errors": dict(self.errors)})
        loop = asyncio.get_running_loop()
        while True:
            command = await loop.run_in_executor(None, conn.recv)
            if command[0] == "stop":
                break
            _, phase, t0, rate, seconds, drain = command
            conn.send(await self.run_phase(phase, t0, rate, seconds, drain))
        for r in readers:
            r.cancel()
        await asyncio.gather(
            *(asyncio.wait_for(m.ws.close(), 2) for m in self.members if m.ws),
            return_exceptions=True,
        )


def _worker(conn, specs, protocol, origin):
    asyncio.run(Worker(specs, protocol, origin).main(conn))


def percentile(values, fraction):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * fraction))]


class LoadGenerator:
    """Connect every member, then run phases: ``run(rate, seconds, drain)`` -> figures."""

    def __init__(self, specs, protocol, *, processes=3, origin="http://127.0.0.1"):
        context = multiprocessing.get_context("spawn")
        self.pipes = []
        self.procs = []
        self.phase = 0
        for p in range(processes):
            parent, child = context.Pipe()
            share = specs[p::processes]
            proc = context.Process(target=_worker, args=(child, share, protocol, origin))
            proc.start()
            self.pipes.append(parent)
            self.procs.append(proc)
        started = time.monotonic()
        hello = [pipe.recv() for pipe in self.pipes]
        self.connect_seconds = time.monotonic() - started
        self.connected = sum(h["connected"] for h in hello)
        self.connect_errors = Counter()
        for h in hello:
            self.connect_errors.update(h["errors"])

    def run(self, rate, seconds, drain):
        self.phase += 1
        t0 = time.monotonic() + 0.5
        for pipe in self.pipes:
            pipe.send(("go", self.phase, t0, rate, seconds, drain))
        parts = [pipe.recv() for pipe in self.pipes]
        latencies = array("d")
        lags = array("d")
        errors = Counter()
        for part in parts:
            latencies.frombytes(part["latencies"])
            lags.frombytes(part["lags"])
            errors.update(part["errors"])
        expected = sum(p["expected"] for p in parts)
        delivered = sum(p["delivered"] for p in parts)
        last = max(p["last_delivery"] for p in parts)
        span = max(last - t0, seconds) if delivered else seconds
        wall = max(p["wall"] for p in parts)
        lat = sorted(latencies)
        return {
            "offered_per_s": expected / seconds,
            "expected": expected,
            "delivered": delivered,
            "lost": expected - delivered,
            "duplicates": sum(p["duplicates"] for p in parts),
            "deliveries_per_s": delivered / span,
            "p50_ms": percentile(lat, 0.50),
            "p95_ms": percentile(lat, 0.95),
            "p99_ms": percentile(lat, 0.99),
            "max_ms": lat[-1] if lat else float("nan"),
            "send_lag_p99_ms": percentile(lags, 0.99),
            "sends": len(lags),
            "errors": dict(errors),
            "generator_cpu": sum(p["cpu_seconds"] for p in parts) / wall,
            "generator_cpu_max_process": max(p["cpu_seconds"] / p["wall"] for p in parts),
            "wall": wall,
            "settled": all(p["settled"] for p in parts),
            "acks": sum(p["acks"] for p in parts),
        }

    def close(self):
        for pipe in self.pipes:
            with contextlib.suppress(OSError):
                pipe.send(("stop",))
        for proc in self.procs:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.terminate()
                proc.join(timeout=5)
