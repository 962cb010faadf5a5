"""Who is online in a room, shared by every process through the cache (Redis in production).

``chat:online:<room>`` holds ``{user id: {"user": {...}, "conns": {conn: expiry}}}``. A
connection's entry expires unless refreshed, so a crashed process leaves no ghost for more than
``TTL`` seconds. Every read-modify-write is guarded by a short cache lock (``add`` is atomic on
Redis and in local memory), so processes sharing Redis do not lose each other's updates.

Refreshing is done per process, not per socket: one ``Keeper`` per event loop renews, every
``REFRESH`` seconds, all the connections its process holds in a room with one locked update per
room, the rooms spread evenly over the period. Per socket, 500 members who joined together
would all refresh in the same second, each taking the room's lock in turn (hundreds of cache
round trips at once, every 30 s).

The functions here block on the cache; the consumer calls them in a worker thread.
"""

import asyncio
import logging
import threading
import time
import weakref
from collections import defaultdict
from contextlib import contextmanager

from asgiref.sync import sync_to_async
from django.core.cache import cache

logger = logging.getLogger(__name__)

TTL = 90  # seconds a connection counts as online without a refresh
REFRESH = 30  # how often a process renews its connections


def _key(room_id):
    return f"chat:online:{room_id}"


@contextmanager
def _locked(key, timeout=2):
    lock = f"{key}:lock"
    for _attempt in range(100):
        if cache.add(lock, 1, timeout):
            break
        time.sleep(0.01)
    try:
        yield
    finally:
        cache.delete(lock)


def _live(data, now):
    for user_id in list(data):
        conns = {c: t for c, t in data[user_id]["conns"].items() if t > now}
        if conns:
            data[user_id]["conns"] = conns
        else:
            del data[user_id]
    return data


def refresh(room_id, connections):
    """Mark ``connections`` (``(user_info, conn)`` pairs) online for another ``TTL`` seconds,
    in one update; the ids of the users among them who were not online before."""
    key = _key(room_id)
    arrived = []
    with _locked(key):
        now = time.time()
        data = _live(cache.get(key) or {}, now)
        for user_info, conn in connections:
            entry = data.setdefault(str(user_info["id"]), {"user": user_info, "conns": {}})
            if not entry["conns"]:
                arrived.append(user_info["id"])
            entry["conns"][conn] = now + TTL
        cache.set(key, data, TTL * 2)
    return arrived


def join(room_id, user_info, conn):
    """Count one more connection of a user; True when the user just came online."""
    return bool(refresh(room_id, [(user_info, conn)]))


def leave(room_id, user_id, conn):
    """Count one connection less; True when the user's last connection went."""
    key = _key(room_id)
    with _locked(key):
        data = _live(cache.get(key) or {}, time.time())
        entry = data.get(str(user_id))
        if entry is None:
            return False
        entry["conns"].pop(conn, None)
        last = not entry["conns"]
        if last:
            del data[str(user_id)]
        cache.set(key, data, TTL * 2)
    return last


def online(room_id):
    data = _live(cache.get(_key(room_id)) or {}, time.time())
    return [entry["user"] for entry in data.values()]


# Cache work runs in a worker thread without queueing behind the database work, which
# Channels runs in one thread.
in_thread = sync_to_async(refresh, thread_sensitive=False)


class Keeper:
    """The connections of one event loop's sockets, renewed together every ``REFRESH`` s."""

    def __init__(self):
        self.rooms = defaultdict(dict)  # room id -> {conn: user_info}
        self.task = None

    def add(self, room_id, user_info, conn):
        self.rooms[room_id][conn] = user_info
        if self.task is None or self.task.done():
            self.task = asyncio.ensure_future(self._run())

    def discard(self, room_id, conn):
        conns = self.rooms.get(room_id)
        if conns is not None:
            conns.pop(conn, None)
            if not conns:
                del self.rooms[room_id]
        if not self.rooms and self.task is not None:
            self.task.cancel()
            self.task = None

    async def _run(self):
        # Rooms one after another across the period, not all at once: a burst of cache
        # updates every 30 s would delay the frames being written meanwhile.
        while True:
            rooms = list(self.rooms)
            for room_id in rooms:
                await asyncio.sleep(REFRESH / len(rooms))
                await self._renew(room_id)
            if not rooms:
                await asyncio.sleep(REFRESH)

    async def renew(self):
        """Renew every room's connections now."""
        for room_id in list(self.rooms):
            await self._renew(room_id)

    async def _renew(self, room_id):
        conns = self.rooms.get(room_id)
        if not conns:
            return
        connections = [(user_info, conn) for conn, user_info in conns.items()]
        try:
            await in_thread(room_id, connections)
        except Exception:  # the next round tries again; entries live for TTL
            logger.exception("chat presence of room %s not renewed", room_id)


_keepers = weakref.WeakKeyDictionary()  # event loop -> Keeper
_keepers_lock = threading.Lock()  # loops in other threads (tests, servers) share the dict


def keeper():
    """The running loop's keeper (made on first use)."""
    loop = asyncio.get_running_loop()
    with _keepers_lock:
        found = _keepers.get(loop)
        if found is None:
            found = _keepers[loop] = Keeper()
        return found
