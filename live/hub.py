"""One fan-out point per process: the chat's live frames reach sockets through here.

Stock Channels gives every socket its own layer channel, so a frame to a room of 50 costs 50
layer messages (50 Redis list pushes, or 50 in-memory queue puts and wake-ups). Here each
process has ONE hub per event loop, and the hubs of all the processes reach each other over ONE
bus (``live.bus``: a Redis pub/sub channel, or the channel layer's group ``chat-hubs``). The
hub receives every event once and hands it to the sockets of its process that the event is
for. A broadcast therefore costs one bus message per process, however big the room; and when
events come faster than the bus takes them, the waiting ones go out together in one message (a
batch), so forwarding keeps up however busy the rooms are.

- ``publish(target, event)`` is the only way out. It may be called from the event loop or from
  any thread (the database thread after a commit, a view, a management command). Local sockets
  get the event at once; with other processes (Redis) the hub forwards it, in order, from one
  task; other processes' hubs deliver it to their sockets. A hub ignores the copy of its own
  process's batches that the bus hands back.
- Every process hears every room's events and keeps those of its own sockets. With members
  spread over the processes by a load balancer, nearly every process holds members of every
  busy room anyway, and one channel means nothing to change when sockets come and go.
- Events carry the publishing process and a per-target sequence number. A hub that sees a gap
  (the layer dropped a batch: a full channel) counts it (``stats()['dropped']``), logs it, and
  tells its sockets of that target to catch up from the database (``chat.resync``). When the bus
  reconnects (pub/sub keeps nothing for a subscriber that is away) every local socket catches up
  the same way (``stats()['reconnects']``). Messages are stored before they are published, so a
  dropped frame is late, never lost.
- With the in-memory layer (one process) nothing goes through a bus at all.

Targets are ``("room", room_id)`` and ``("user", user_id)``; consumers implement
``deliver_now(event, frame)``, which handles the common case at once and answers False when it
cannot, and then ``async deliver(event, frame)``; ``frame`` is one ``live.wire.Frame`` of the
event's text shared by every local socket it goes to (framed once, written to each).
"""

import asyncio
import contextlib
import itertools
import logging
import threading
import uuid
import weakref
from collections import defaultdict

from channels.layers import get_channel_layer

from . import bus as buses
from .wire import Frame

logger = logging.getLogger(__name__)

PROCESS = uuid.uuid4().hex[:12]
MAX_BATCH = 100  # events forwarded in one batch at most
_hubs = weakref.WeakKeyDictionary()  # event loop -> Hub
_hubs_lock = threading.Lock()
_sequence = defaultdict(itertools.count)  # (kind, key) -> per-process event numbers
_sequence_lock = threading.Lock()


def _next_seq(target):
    with _sequence_lock:
        return next(_sequence[target]) + 1


class Hub:
    def __init__(self, loop, bus):
        self.loop = loop
        self.bus = bus  # to the other processes' hubs (live.bus), or None: one process
        self.members = defaultdict(set)  # target -> consumers
        self.inbox = asyncio.Queue()
        self.outbox = asyncio.Queue()
        self.seen = defaultdict(dict)  # target with local sockets -> {process: last sequence}
        self.counts = {
            "delivered": 0,
            "published": 0,
            "dropped": 0,
            "forward_failed": 0,
            "reconnects": 0,
        }
        self._ready = asyncio.Lock()
        self._tasks = []

    # --- Membership -------------------------------------------------------------------------

    async def join(self, consumer, *targets):
        await self._start()
        for target in targets:
            self.members[target].add(consumer)

    async def leave(self, consumer, *targets):
        for target in targets:
            members = self.members.get(target)
            if not members:
                continue
            members.discard(consumer)
            if not members:
                del self.members[target]
                self.seen.pop(target, None)  # a later socket starts counting afresh
        if not self.members:
            await self._stop()

    async def _stop(self):
        """The last socket left: stop listening to the bus (a later socket starts it again).

        Events already queued for other processes are forwarded first. Publishing with no hub
        running goes to the bus directly (``publish``)."""
        async with self._ready:
            if not self._tasks or self.members:
                return
            tasks, self._tasks = self._tasks, []
            forwarder = tasks[1] if self.bus is not None else None
            if forwarder is not None:
                self.outbox.put_nowait(None)
                with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                    await asyncio.wait_for(asyncio.shield(forwarder), timeout=5)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if self.bus is not None:
                try:
                    await self.bus.close()
                except Exception:
                    logger.exception("chat hub could not close its bus")

    async def _start(self):
        async with self._ready:
            if self._tasks:
                return
            if self.bus is not None:
                # Returns once batches published from now on reach this hub: a socket reads
                # its backlog only after joining, so nothing falls between the two.
                await self.bus.open()
                self._tasks += [
                    asyncio.ensure_future(self._read()),
                    asyncio.ensure_future(self._forward()),
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
                    # Most frames are written without a coroutine per member.
                    if not consumer.deliver_now(event, frame):
                        await consumer.deliver(event, frame)
                    self.counts["delivered"] += 1
                except Exception:
                    logger.exception("chat frame to a socket failed")

    async def _read(self):
        while True:
            batch = await self.bus.receive()
            if batch is buses.RECONNECTED:
                self._catch_up_all()
                continue
            if not isinstance(batch, dict) or batch.get("origin") == PROCESS:
                continue
            origin = batch.get("origin")
            for event in batch.get("events") or ():
                if not isinstance(event, dict):
                    continue
                target = tuple(event.get("target") or ())
                if len(target) != 2:
                    continue
                self._check_sequence(origin, target, event.get("seq"))
                self.put(target, event)

    def _check_sequence(self, origin, target, seq):
        """Count and repair a gap in ``origin``'s numbers for a target with local sockets
        (numbers of other targets are not kept: every process hears every target)."""
        if not isinstance(seq, int) or target not in self.members:
            return
        seen = self.seen[target]
        last = seen.get(origin)
        seen[origin] = max(seq, last or 0)
        if last is not None and seq > last + 1:
            missing = seq - last - 1
            self.counts["dropped"] += missing
            logger.warning("chat hub: %s frames to %s lost on the way", missing, target)
            self.put(target, {"type": "chat.resync"})

    def _catch_up_all(self):
        """The bus was interrupted and batches may be gone without a trace: every local socket
        catches up from the database, and checks that it still belongs (a removal may have
        been among the lost events)."""
        self.counts["reconnects"] += 1
        logger.warning("chat hub: the bus reconnected; %s targets catch up", len(self.members))
        self.seen.clear()
        for target in list(self.members):
            self.put(target, {"type": "chat.resync" if target[0] == "room" else "chat.recheck"})

    # --- Out --------------------------------------------------------------------------------

    def forward(self, event):
        if self.bus is not None and self._tasks:
            self.outbox.put_nowait(event)

    async def _forward(self):
        while True:
            event = await self.outbox.get()
            if event is None:  # stopping
                return
            # Whatever queued up while the last batch was on its way goes out together.
            events = [event]
            while len(events) < MAX_BATCH and not self.outbox.empty():
                event = self.outbox.get_nowait()
                if event is None:
                    break
                events.append(event)
            try:
                await self.bus.send(batch_of(events))
                self.counts["published"] += len(events)
            except Exception:  # members catch up from the database (resync or resume)
                self.counts["forward_failed"] += len(events)
                logger.exception("chat: %s events not forwarded", len(events))
            if event is None:
                return


def batch_of(events):
    """The bus message carrying ``events`` (each with its target) to the other hubs."""
    return {"type": "chat.batch", "origin": PROCESS, "events": events}


def hub():
    """The running loop's hub (made on first use)."""
    loop = asyncio.get_running_loop()
    with _hubs_lock:
        found = _hubs.get(loop)
        if found is None:
            found = _hubs[loop] = Hub(loop, buses.bus_for(get_channel_layer()))
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
    # Other processes first: their way is longer (the bus), and the forwarder's first
    # network wait lets the local sockets be written meanwhile.
    _to_other_processes(event, hubs, running)
    for each in hubs:
        if each.loop is running:
            each.put(target, event)
        else:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                each.loop.call_soon_threadsafe(each.put, target, event)


def _to_other_processes(event, hubs, running):
    if not buses.crosses_processes():
        return
    forwarder = next((h for h in hubs if h.bus is not None and h._tasks), None)
    if forwarder is None:
        buses.send_without_hub(batch_of([event]))
    elif forwarder.loop is running:
        forwarder.forward(event)
    else:
        try:
            forwarder.loop.call_soon_threadsafe(forwarder.forward, event)
        except RuntimeError:  # its loop closed meanwhile
            buses.send_without_hub(batch_of([event]))


def stats():
    """Counters of this process's hubs (for ``/healthz``-style checks and the benchmark)."""
    total = defaultdict(int)
    for each in _live_hubs():
        for name, value in each.counts.items():
            total[name] += value
        total["targets"] += len(each.members)
    return dict(total)
