"""One fan-out point per process: the chat's live frames reach sockets through here.

Stock Channels gives every socket its own layer channel, so a frame to a room of 50 costs 50
layer messages (50 Redis list pushes, or 50 in-memory queue puts and wake-ups). Here each
process has ONE hub per event loop, with ONE layer channel. The hub joins the room and user
groups of the sockets open in its process, receives each frame once, and hands it to its local
sockets itself. A broadcast therefore costs one layer message per process, however big the room.

- ``publish(target, event)`` is the only way out. It may be called from the event loop or from
  any thread (the database thread after a commit, a view, a management command). Local sockets
  get the event at once; with a layer shared between processes (Redis) the hub forwards it to
  the group, in order, from one task; other processes' hubs deliver it to their sockets. A hub
  ignores the copy of its own process's events that the layer hands back.
- Events carry the publishing process and a per-room sequence number. A hub that sees a gap
  (the layer dropped frames: a full channel) counts it (``stats()['dropped']``), logs it, and
  tells its sockets in that room to catch up from the database (``chat.resync``). Messages are
  stored before they are published, so a dropped frame is late, never lost.
- With the in-memory layer (one process) nothing goes through the layer at all.

Targets are ``("room", room_id)`` and ``("user", user_id)``; consumers implement
``async deliver(event, frame)``, where ``frame`` is one ``live.wire.Frame`` of the event's
text shared by every local socket it goes to (framed once, written to each).
"""

import asyncio
import contextlib
import itertools
import logging
import threading
import uuid
import weakref
from collections import defaultdict

from channels.layers import InMemoryChannelLayer, get_channel_layer

from .wire import Frame

logger = logging.getLogger(__name__)

PROCESS = uuid.uuid4().hex[:12]
GROUP_REFRESH = 600  # seconds between re-adding this process's channel to its groups
_hubs = weakref.WeakKeyDictionary()  # event loop -> Hub
_hubs_lock = threading.Lock()
_sequence = defaultdict(itertools.count)  # (kind, key) -> per-process event numbers
_sequence_lock = threading.Lock()


def group_name(target):
    kind, key = target
    return f"chat-room-{key}" if kind == "room" else f"user-{key}"


def _next_seq(target):
    with _sequence_lock:
        return next(_sequence[target]) + 1


def _shared(layer):
    """Does the layer reach other processes? (The in-memory layer does not.)"""
    return layer is not None and not isinstance(layer, InMemoryChannelLayer)


class Hub:
    def __init__(self, loop, layer):
        self.loop = loop
        self.layer = layer if _shared(layer) else None
        self.members = defaultdict(set)  # target -> consumers
        self.channel = None
        self.inbox = asyncio.Queue()
        self.outbox = asyncio.Queue()
        self.seen = {}  # (process, target) -> last sequence number
        self.counts = {"delivered": 0, "published": 0, "dropped": 0, "forward_failed": 0}
        self._ready = asyncio.Lock()
        self._tasks = []

    # --- Membership -------------------------------------------------------------------------

    async def join(self, consumer, *targets):
        await self._start()
        for target in targets:
            first = not self.members[target]
            self.members[target].add(consumer)
            if first and self.layer is not None:
                await self.layer.group_add(group_name(target), self.channel)

    async def leave(self, consumer, *targets):
        for target in targets:
            members = self.members.get(target)
            if not members:
                continue
            members.discard(consumer)
            if not members:
                del self.members[target]
                if self.layer is not None:
                    try:
                        await self.layer.group_discard(group_name(target), self.channel)
                    except Exception:
                        logger.exception("chat hub could not leave %s", group_name(target))
        if not self.members:
            await self._stop()

    async def _stop(self):
        """The last socket left: stop reading the layer (a later socket starts it again).

        Events already queued for other processes are forwarded first. Publishing with no hub
        running goes to the layer directly (``publish``)."""
        async with self._ready:
            if not self._tasks or self.members:
                return
            tasks, self._tasks = self._tasks, []
            forwarder = tasks[1] if self.layer is not None else None
            if forwarder is not None:
                self.outbox.put_nowait(None)
                with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                    await asyncio.wait_for(asyncio.shield(forwarder), timeout=5)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self.channel = None

    async def _start(self):
        async with self._ready:
            if self._tasks:
                return
            if self.layer is not None:
                self.channel = await self.layer.new_channel(prefix="chat-hub")
                self._tasks += [
                    asyncio.ensure_future(self._read()),
                    asyncio.ensure_future(self._forward()),
                    asyncio.ensure_future(self._refresh()),
                ]
            self._tasks.append(asyncio.ensure_future(self._dispatch()))

    # --- In ---------------------------------------------------------------------------------

    def put(self, target, event):
        """Queue ``event`` for the local sockets of ``target`` (on the hub's loop)."""
        if target in self.members:
            self.inbox.put_nowait((target, event))

    async def _dispatch(self):
        while True:
            target, event = await self.inbox.get()
            frame = Frame(event["text"]) if "text" in event else None
            for consumer in list(self.members.get(target, ())):
                try:
                    await consumer.deliver(event, frame)
                    self.counts["delivered"] += 1
                except Exception:
                    logger.exception("chat frame to a socket failed")

    async def _read(self):
        while True:
            try:
                event = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("chat hub could not read its channel; retrying")
                await asyncio.sleep(1)
                continue
            origin, target = event.get("origin"), tuple(event.get("target") or ())
            if origin == PROCESS or len(target) != 2:
                continue
            self._check_sequence(origin, target, event.get("seq"))
            self.put(target, event)

    def _check_sequence(self, origin, target, seq):
        if not isinstance(seq, int):
            return
        last = self.seen.get((origin, target))
        self.seen[(origin, target)] = max(seq, last or 0)
        if last is not None and seq > last + 1:
            missing = seq - last - 1
            self.counts["dropped"] += missing
            logger.warning("chat hub: %s frames to %s dropped by the layer", missing, target)
            self.put(target, {"type": "chat.resync"})

    # --- Out --------------------------------------------------------------------------------

    def forward(self, target, event):
        if self.layer is not None and self._tasks:
            self.outbox.put_nowait((target, event))

    async def _forward(self):
        while True:
            queued = await self.outbox.get()
            if queued is None:  # stopping
                return
            target, event = queued
            try:
                await self.layer.group_send(group_name(target), event)
                self.counts["published"] += 1
            except Exception:  # members catch up from the database (resync or resume)
                self.counts["forward_failed"] += 1
                logger.exception("chat frame to %s not forwarded", group_name(target))

    async def _refresh(self):
        """Group memberships expire in the layer (``group_expiry``); renew them."""
        while True:
            await asyncio.sleep(GROUP_REFRESH)
            for target in list(self.members):
                try:
                    await self.layer.group_add(group_name(target), self.channel)
                except Exception:
                    logger.exception("chat hub could not renew %s", group_name(target))


def hub():
    """The running loop's hub (made on first use)."""
    loop = asyncio.get_running_loop()
    with _hubs_lock:
        found = _hubs.get(loop)
        if found is None:
            found = _hubs[loop] = Hub(loop, get_channel_layer())
        return found


def _live_hubs():
    with _hubs_lock:
        return [h for loop, h in _hubs.items() if not loop.is_closed()]


def publish(target, event):
    """Send ``event`` (a dict with a ``type`` a consumer's ``deliver`` knows) to every socket
    of ``target`` in every process. Never blocks on the network; never raises."""
    event = {**event, "origin": PROCESS, "target": list(target), "seq": _next_seq(target)}
    hubs = _live_hubs()
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    for each in hubs:
        if each.loop is running:
            each.put(target, event)
        else:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                each.loop.call_soon_threadsafe(each.put, target, event)
    layer = get_channel_layer()
    if not _shared(layer):
        return
    forwarder = next((h for h in hubs if h.layer is not None and h._tasks), None)
    if forwarder is not None:
        if forwarder.loop is running:
            forwarder.forward(target, event)
        else:
            try:
                forwarder.loop.call_soon_threadsafe(forwarder.forward, target, event)
                return
            except RuntimeError:
                pass
            _send_now(layer, target, event)
        return
    _send_now(layer, target, event)


def _send_now(layer, target, event):
    """No hub in this process (a view in a WSGI worker, a command): publish directly."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    try:
        if loop is not None:
            loop.create_task(layer.group_send(group_name(target), event))
        else:
            from asgiref.sync import async_to_sync

            async_to_sync(layer.group_send)(group_name(target), event)
    except Exception:
        logger.exception("chat frame to %s not published", group_name(target))


def stats():
    """Counters of this process's hubs (for ``/healthz``-style checks and the benchmark)."""
    total = defaultdict(int)
    for each in _live_hubs():
        for name, value in each.counts.items():
            total[name] += value
        total["targets"] += len(each.members)
    return dict(total)
