"""The hubs' Redis pub/sub bus (live.bus): batches cross, and a lost subscription is noticed.

Pub/sub keeps nothing for a subscriber that is away, so every interruption must come back to
the hub as ``RECONNECTED`` (its sockets then catch up from the database)."""

import asyncio
import threading
import uuid

import pytest
from django.core.exceptions import ImproperlyConfigured

from live import bus


def test_the_channel_is_named_by_prefix_and_database(settings):
    settings.REDIS_URL = "redis://127.0.0.1:6379/4"
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "x", "CONFIG": {"prefix": "county-a"}}}
    assert bus.pubsub_channel() == "county-a:4:chat-hubs"
    # Pub/sub channels span the server's numbered databases: the number keeps them apart.
    settings.REDIS_URL = "redis://127.0.0.1:6379/5"
    assert bus.pubsub_channel() == "county-a:5:chat-hubs"


def test_the_bus_setting_is_checked(settings):
    settings.CHAT_HUB_BUS = "carrier-pigeon"
    with pytest.raises(ImproperlyConfigured):
        bus.bus_for(None)
    settings.CHAT_HUB_BUS = "redis"
    settings.REDIS_URL = ""
    with pytest.raises(ImproperlyConfigured):
        bus.bus_for(None)


def test_one_process_on_the_in_memory_layer_has_no_bus(settings):
    from channels.layers import InMemoryChannelLayer

    settings.CHAT_HUB_BUS = "layer"
    assert bus.bus_for(InMemoryChannelLayer()) is None
    assert not bus.crosses_processes(InMemoryChannelLayer())


# --- On a real Redis ------------------------------------------------------------------------


@pytest.fixture
def channel(settings):
    return f"lms-bustest-{uuid.uuid4().hex[:8]}:chat-hubs"


async def opened(settings, channel, heartbeat=None):
    the_bus = bus.RedisBus(settings.REDIS_URL, channel)
    if heartbeat:
        the_bus.HEARTBEAT = heartbeat
    await the_bus.open()
    return the_bus


@pytest.mark.redis
async def test_a_batch_published_right_after_subscribing_arrives(settings, channel):
    sender = await opened(settings, channel)
    receiver = await opened(settings, channel)
    try:
        # open() returned only once Redis confirmed the subscription: nothing falls between.
        batch = {"type": "chat.batch", "origin": "p1", "events": [{"text": "你好", "seq": 1}]}
        await sender.send(batch)
        assert await asyncio.wait_for(receiver.receive(), 5) == batch
    finally:
        await sender.close()
        await receiver.close()


@pytest.mark.redis
async def test_a_killed_subscription_comes_back_as_reconnected(settings, channel):
    import redis

    sender = await opened(settings, channel)
    receiver = await opened(settings, channel)
    admin = redis.Redis.from_url(settings.REDIS_URL)
    try:
        name = f"bustest-{uuid.uuid4().hex[:6]}"
        await receiver.pubsub.connection.send_command("CLIENT", "SETNAME", name)
        await receiver.pubsub.connection.read_response()
        killed = next(c for c in admin.client_list() if c["name"] == name)
        admin.client_kill_filter(_id=killed["id"])
        # What was published while it was away is gone; the bus says so once it is back.
        assert await asyncio.wait_for(receiver.receive(), 10) is bus.RECONNECTED
        batch = {"type": "chat.batch", "origin": "p1", "events": []}
        await sender.send(batch)
        assert await asyncio.wait_for(receiver.receive(), 5) == batch
    finally:
        admin.close()
        await sender.close()
        await receiver.close()


@pytest.mark.redis
async def test_a_connection_that_stops_answering_is_made_again(settings, channel):
    receiver = await opened(settings, channel, heartbeat=0.2)
    pings = []

    async def unanswered(*args):  # the server (or the network to it) has gone quiet
        pings.append(args)

    receiver.pubsub.ping = unanswered
    try:
        assert await asyncio.wait_for(receiver.receive(), 10) is bus.RECONNECTED
        assert len(pings) == 1  # one ping, then a heartbeat without an answer
    finally:
        await receiver.close()


@pytest.mark.redis
async def test_a_quiet_but_healthy_connection_is_kept(settings, channel):
    receiver = await opened(settings, channel, heartbeat=0.1)
    try:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(receiver.receive(), 1)  # pings answered, nothing to report
    finally:
        await receiver.close()


@pytest.mark.redis
async def test_code_without_a_hub_publishes_too(settings, channel):
    settings.CHAT_HUB_BUS = "redis"
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "x", "CONFIG": {"prefix": channel.removesuffix(":chat-hubs")}}
    }
    receiver = await opened(settings, bus.pubsub_channel())
    batch = {"type": "chat.batch", "origin": "a-view", "events": [{"seq": 1}]}
    try:
        # From a worker thread (a view, a command): a blocking PUBLISH.
        thread = threading.Thread(target=bus.send_without_hub, args=(batch,))
        thread.start()
        thread.join()
        assert await asyncio.wait_for(receiver.receive(), 5) == batch
        # From code on a running loop: a task.
        bus.send_without_hub({**batch, "origin": "a-task"})
        assert (await asyncio.wait_for(receiver.receive(), 5))["origin"] == "a-task"
    finally:
        await receiver.close()


@pytest.mark.redis
async def test_a_batch_leaves_before_the_local_sockets_are_written(settings, channel):
    """The hub's forwarder and its dispatcher wake together; the batch must be on its way to
    the other processes before the dispatcher spends the loop on writing local frames."""
    import time

    import redis

    sender = await opened(settings, channel)
    arrived = []
    listener = redis.Redis.from_url(settings.REDIS_URL).pubsub()
    listener.subscribe(channel)
    assert listener.get_message(timeout=5)["type"] == "subscribe"

    def listen():
        message = listener.get_message(ignore_subscribe_messages=True, timeout=5)
        arrived.append((time.perf_counter(), message))

    thread = threading.Thread(target=listen)
    thread.start()
    dispatch = {}

    def local_dispatch():  # holds the loop, as writing frames to many sockets does
        dispatch["start"] = time.perf_counter()
        while time.perf_counter() - dispatch["start"] < 0.5:
            pass
        dispatch["end"] = time.perf_counter()

    try:
        task = asyncio.ensure_future(sender.send({"type": "chat.batch", "events": []}))
        asyncio.get_running_loop().call_soon(local_dispatch)
        await task
        thread.join(10)
        ((at, message),) = arrived
        assert message is not None and message["type"] == "message"
        assert at < dispatch["end"]
    finally:
        listener.close()
        await sender.close()
