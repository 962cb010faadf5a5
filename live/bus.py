"""How the chat's hubs in different processes reach each other (``live.hub``).

A hub sends a batch of events (a dict) to the hubs of every other process and receives theirs.
Two ways, chosen by ``settings.CHAT_HUB_BUS``:

- ``"redis"`` (the default with ``REDIS_URL``): one Redis pub/sub channel. A batch is one
  ``PUBLISH`` (one round trip) and reaches the subscribed hubs at once; a hub subscribes when
  its process's first chat socket opens and unsubscribes with its last. Pub/sub keeps nothing:
  what is published while a hub's connection is down never reaches it. So the bus notices
  every reconnection (also the ones redis-py makes by itself) and hands the hub ``RECONNECTED``
  once the subscription is back, and the hub has its sockets catch up from the database. A
  connection that goes quiet is pinged; one that does not answer within a second period is
  dropped and made again. Redis bounds what waits for a slow subscriber
  (``client-output-buffer-limit pubsub``) by closing its connection: the same reconnection.
- ``"layer"``: the channel layer's group ``chat-hubs`` (any layer shared between processes).
  A ``group_send`` on channels_redis is four round trips, and the receiver pops its channel with
  a second command per message; kept for layers other than Redis.

With the in-memory layer and no Redis there is one process and no bus at all.
"""

import asyncio
import functools
import json
import logging

from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

HUB_GROUP = "chat-hubs"  # the layer group (and the last part of the pub/sub channel's name)
RECONNECTED = {"type": "chat.reconnected"}  # from receive(): frames may have been missed
_pending = set()  # tasks publishing from a loop without a hub (kept until done)


def _kind():
    return getattr(settings, "CHAT_HUB_BUS", "layer")


def bus_for(layer):
    """A new bus for one hub, or None when there are no other processes to reach."""
    kind = _kind()
    if kind == "redis":
        if not settings.REDIS_URL:
            raise ImproperlyConfigured('CHAT_HUB_BUS "redis" needs REDIS_URL.')
        return RedisBus(settings.REDIS_URL, pubsub_channel())
    if kind == "layer":
        return LayerBus(layer) if crosses_processes(layer) else None
    raise ImproperlyConfigured(f'CHAT_HUB_BUS must be "redis" or "layer", not {kind!r}.')


def crosses_processes(layer=None):
    """Do events published here have to reach other processes?"""
    if _kind() == "redis":
        return True
    layer = layer if layer is not None else get_channel_layer()
    return layer is not None and not isinstance(layer, InMemoryChannelLayer)


def send_without_hub(batch):
    """Publish ``batch`` from a process (or thread) with no hub running: a view in a worker
    thread, a management command (blocking), or code on an event loop (a task). Never raises."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        try:
            if _kind() == "redis":
                _blocking_redis(settings.REDIS_URL).publish(pubsub_channel(), encode(batch))
            else:
                from asgiref.sync import async_to_sync

                async_to_sync(get_channel_layer().group_send)(HUB_GROUP, batch)
        except Exception:
            logger.exception("chat: %s events not published", len(batch.get("events", ())))
        return
    task = asyncio.ensure_future(_send_once(batch))
    _pending.add(task)
    task.add_done_callback(_pending.discard)


async def _send_once(batch):
    try:
        if _kind() == "redis":
            from redis.asyncio import Redis

            client = Redis.from_url(settings.REDIS_URL)
            try:
                await client.publish(pubsub_channel(), encode(batch))
            finally:
                await client.aclose()
        else:
            await get_channel_layer().group_send(HUB_GROUP, batch)
    except Exception:
        logger.exception("chat: %s events not published", len(batch.get("events", ())))


@functools.cache
def _blocking_redis(url):
    """One blocking client per process for publishing from threads (it is thread-safe)."""
    from redis import Redis

    return Redis.from_url(url)


# --- Redis pub/sub ----------------------------------------------------------------------------


def pubsub_channel():
    """The pub/sub channel of the hubs sharing this database and prefix.

    Pub/sub channels belong to the whole Redis server, not to one of its numbered databases, so
    the name carries the database number as well as the channel layer's prefix (test workers,
    benchmark and development servers sharing one Redis stay apart)."""
    from redis.connection import parse_url

    config = settings.CHANNEL_LAYERS.get("default", {}).get("CONFIG", {})
    prefix = config.get("prefix") or "lms:channels"
    database = parse_url(settings.REDIS_URL).get("db", 0)
    return f"{prefix}:{database}:{HUB_GROUP}"


def encode(batch):
    return json.dumps(batch, ensure_ascii=False, separators=(",", ":")).encode()


class RedisBus:
    """One Redis pub/sub channel shared by every process's hub."""

    HEARTBEAT = 15.0  # seconds of silence before a ping; as long again for the answer
    TIMEOUT = 5.0  # seconds for connecting, and for a publish to be answered

    def __init__(self, url, channel):
        self.url = url
        self.channel = channel
        self.client = None  # publishes
        self.listener = None  # the client behind ``pubsub``
        self.pubsub = None  # receives, on a connection of its own
        self.lost = False  # the subscription was (or may have been) interrupted
        self.pinged = False

    async def open(self):
        """Subscribe, and return once Redis has confirmed it: every batch published after
        this returns reaches ``receive``."""
        from redis.asyncio import Redis

        # Publishing writes the command before its first wait, so a batch leaves the process
        # before the hub's dispatcher writes the same frames to local sockets: one connection
        # of its own (no pool check, which waits on the socket first) and no socket timeout
        # (which sends through a task of its own); ``send`` bounds the wait instead.
        self.client = Redis.from_url(
            self.url,
            socket_keepalive=True,
            socket_connect_timeout=self.TIMEOUT,
            socket_timeout=None,
            single_connection_client=True,
        )
        self.listener = Redis.from_url(
            self.url, socket_keepalive=True, socket_connect_timeout=self.TIMEOUT
        )
        self.pubsub = self.listener.pubsub()
        try:
            await self.client.ping()  # connected now, not on the first publish
            await self.pubsub.subscribe(self.channel)
            while True:
                message = await self.pubsub.get_message(timeout=self.HEARTBEAT)
                if message is None:
                    raise TimeoutError(f"Redis did not confirm the subscription to {self.channel}")
                if message["type"] == "subscribe":
                    break
        except BaseException:
            await self.close()
            raise
        # Called on every later connection, including redis-py's own reconnections.
        self.pubsub.connection.register_connect_callback(self._connected_again)

    def _connected_again(self, connection):
        self.lost = True

    async def close(self):
        pubsub, self.pubsub = self.pubsub, None
        if pubsub is not None:
            if pubsub.connection is not None:
                pubsub.connection.deregister_connect_callback(self._connected_again)
            await pubsub.aclose()
        for client in (self.listener, self.client):
            if client is not None:
                await client.aclose()
        self.listener = self.client = None

    async def send(self, batch):
        async with asyncio.timeout(self.TIMEOUT):  # in this task: no task per command
            await self.client.publish(self.channel, encode(batch))

    async def receive(self):
        """The next batch from another process, or ``RECONNECTED`` once the subscription is
        back after an interruption (batches published meanwhile are gone)."""
        from redis.exceptions import RedisError

        while True:
            try:
                message = await self.pubsub.get_message(timeout=self.HEARTBEAT)
                if message is None:
                    await self._quiet()
                    continue
            except (RedisError, OSError) as error:
                if not self.lost:  # once per interruption, not once a second
                    logger.warning("chat bus: Redis connection lost (%s); reconnecting", error)
                self.lost = True
                self.pinged = False
                await asyncio.sleep(1)
                continue
            self.pinged = False
            kind = message["type"]
            if kind == "message":
                try:
                    return json.loads(message["data"])
                except ValueError:
                    logger.warning("chat bus: a message that is not JSON was ignored")
            elif kind == "subscribe" and self.lost:
                self.lost = False
                return RECONNECTED

    async def _quiet(self):
        """Nothing arrived for a heartbeat: ping; still nothing a heartbeat later, reconnect."""
        if self.pinged:
            logger.warning("chat bus: Redis did not answer a ping; reconnecting")
            self.pinged = False
            self.lost = True
            await self.pubsub.connection.disconnect()
            return
        self.pinged = True
        await self.pubsub.ping()


# --- The channel layer --------------------------------------------------------------------------


class LayerBus:
    """The channel layer's group ``chat-hubs``: one layer channel per hub."""

    REFRESH = 600  # seconds between re-adding the hub's channel (memberships expire)

    def __init__(self, layer):
        self.layer = layer
        self.channel = None
        self._refresher = None

    async def open(self):
        self.channel = await self.layer.new_channel(prefix="chat-hub")
        await self.layer.group_add(HUB_GROUP, self.channel)
        self._refresher = asyncio.ensure_future(self._refresh())

    async def close(self):
        if self._refresher is not None:
            self._refresher.cancel()
            await asyncio.gather(self._refresher, return_exceptions=True)
            self._refresher = None
        try:
            await self.layer.group_discard(HUB_GROUP, self.channel)
        except Exception:
            logger.exception("chat hub could not leave %s", HUB_GROUP)
        self.channel = None

    async def send(self, batch):
        await self.layer.group_send(HUB_GROUP, batch)

    async def receive(self):
        while True:
            try:
                return await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("chat hub could not read its channel; retrying")
                await asyncio.sleep(1)

    async def _refresh(self):
        while True:
            await asyncio.sleep(self.REFRESH)
            try:
                await self.layer.group_add(HUB_GROUP, self.channel)
            except Exception:
                logger.exception("chat hub could not renew %s", HUB_GROUP)
