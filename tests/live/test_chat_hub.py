"""The per-process fan-out (live.hub): one bus message per process, local delivery, gaps."""

import asyncio
from unittest import mock

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer

from live import actions, bus, hub
from live.consumers import ChatConsumer
from live.models import ChatMessage
from tests.live.chat_support import build_class, join, receive, receive_type, send_message

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@pytest.fixture
def chat(transactional_db):
    return build_class(trainees=3)


def in_memory(settings):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            "CONFIG": {"capacity": 1000, "expiry": 60, "group_expiry": 86400},
        }
    }
    settings.CHAT_HUB_BUS = "layer"


async def test_a_socket_has_no_layer_channel_of_its_own():
    assert ChatConsumer.channel_layer_alias is None


async def test_on_the_in_memory_layer_a_broadcast_never_touches_the_layer(chat, settings):
    in_memory(settings)
    sockets = [(await join(user, chat.training_class.pk))[0] for user in chat.trainees]
    layer = get_channel_layer()
    with mock.patch.object(layer, "group_send", wraps=layer.group_send) as group_send:
        await send_message(sockets[0], "一条消息")
        for socket in sockets:
            assert (await receive_type(socket, "message"))[0]["body"] == "一条消息"
    assert group_send.call_count == 0
    for socket in sockets:
        await socket.disconnect()


def redis_layer(settings):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [settings.REDIS_URL],
                "prefix": f"lms-hubtest-{hub.PROCESS}",
                "capacity": 1000,
                "expiry": 60,
            },
        }
    }


async def broadcast_to_three(chat, sends, body):
    """Three members of a room in this process; one of them sends ``body``. The bus messages
    (``sends()``) that carried a stored message, once the forward has had time to happen."""
    sockets = [(await join(user, chat.training_class.pk))[0] for user in chat.trainees]
    await send_message(sockets[0], body)
    for socket in sockets:
        assert (await receive_type(socket, "message"))[0]["body"] == body
    # Local sockets get the frame first; the forward to other processes follows.
    for _ in range(100):
        if sends():
            break
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.2)  # and no second forward follows
    for socket in sockets:
        await socket.disconnect()
    return sends()


def carrying_a_message(batches):
    return [b for b in batches if any(e.get("id") is not None for e in b["events"])]


@pytest.mark.redis
async def test_on_redis_a_broadcast_is_one_publish_per_process(chat, settings):
    redis_layer(settings)
    settings.CHAT_HUB_BUS = "redis"
    with mock.patch.object(
        bus.RedisBus, "send", autospec=True, side_effect=bus.RedisBus.send
    ) as send:
        published = await broadcast_to_three(
            chat,
            lambda: carrying_a_message([c.args[1] for c in send.call_args_list]),
            "三个人，一次发布",
        )
    # Three members in this process: one PUBLISH to all the hubs, not three.
    assert len(published) == 1 and published[0]["origin"] == hub.PROCESS


@pytest.mark.redis
async def test_on_the_redis_layer_a_broadcast_is_one_group_send_per_process(chat, settings):
    redis_layer(settings)
    settings.CHAT_HUB_BUS = "layer"
    layer = get_channel_layer()
    with mock.patch.object(layer, "group_send", wraps=layer.group_send) as group_send:
        sent = await broadcast_to_three(
            chat,
            lambda: carrying_a_message(
                [c.args[1] for c in group_send.call_args_list if c.args[0] == bus.HUB_GROUP]
            ),
            "三个人，一次发送",
        )
    assert len(sent) == 1
    await layer.flush()


async def test_a_gap_in_the_layer_makes_the_sockets_catch_up(chat, settings):
    in_memory(settings)
    alice, _ = await join(chat.trainees[0], chat.training_class.pk)
    with mock.patch("live.actions.broadcast"):  # stored, but its live frame is lost
        message, _ = await sync_to_async(actions.check_send_message)(
            chat.room, chat.trainees[1], client_id=None, body="丢失的帧"
        )
    the_hub = hub.hub()
    target = ("room", chat.room.pk)
    before = the_hub.counts["dropped"]
    the_hub._check_sequence("another-process", target, 7)
    the_hub._check_sequence("another-process", target, 9)  # 8 never came
    assert the_hub.counts["dropped"] == before + 1
    frame = (await receive_type(alice, "message"))[0]
    assert frame["id"] == message.pk and frame["body"] == "丢失的帧"
    await alice.disconnect()


async def test_frames_in_order_are_not_counted_as_dropped(chat, settings):
    in_memory(settings)
    alice, _ = await join(chat.trainees[0], chat.training_class.pk)
    the_hub = hub.hub()
    target = ("room", chat.room.pk)
    for seq in (1, 2, 3, 2):  # a late duplicate is not a gap either
        the_hub._check_sequence("another-process", target, seq)
    assert the_hub.counts["dropped"] == 0
    await alice.disconnect()


async def test_the_hello_comes_first_even_when_frames_arrive_while_connecting(chat, settings):
    in_memory(settings)
    real_hello = ChatConsumer._hello

    def hello_with_a_frame_meanwhile(consumer):
        actions.broadcast(chat.room.pk, {"type": "room.locked", "locked": False})
        return real_hello(consumer)

    with mock.patch.object(ChatConsumer, "_hello", hello_with_a_frame_meanwhile):
        alice, hello = await join(chat.trainees[0], chat.training_class.pk)
    assert hello["type"] == "hello"
    assert await receive(alice) == {"type": "room.locked", "locked": False}
    await alice.disconnect()


async def test_a_failing_socket_does_not_stop_the_others(chat, settings):
    in_memory(settings)
    alice, _ = await join(chat.trainees[0], chat.training_class.pk)
    bob, _ = await join(chat.trainees[1], chat.training_class.pk)
    broken = mock.AsyncMock(side_effect=RuntimeError("socket gone"))
    the_hub = hub.hub()
    failing = mock.Mock(deliver=broken, deliver_now=mock.Mock(return_value=False))
    the_hub.members[("room", chat.room.pk)].add(failing)
    await send_message(alice, "照常送达")
    assert (await receive_type(bob, "message"))[0]["body"] == "照常送达"
    assert broken.awaited
    await alice.disconnect()
    await bob.disconnect()


async def test_frames_published_from_another_thread_reach_the_sockets(chat, settings):
    in_memory(settings)
    alice, _ = await join(chat.trainees[0], chat.training_class.pk)

    def from_a_view():  # e.g. an HTTP API call in a worker thread
        return actions.check_send_message(
            chat.room, chat.trainees[1], client_id=None, body="来自另一个线程"
        )[0]

    message = await sync_to_async(from_a_view, thread_sensitive=False)()
    frame = (await receive_type(alice, "message"))[0]
    assert frame["id"] == message.pk
    assert await sync_to_async(ChatMessage.objects.count)() == 1
    await alice.disconnect()


async def test_the_hub_stops_with_its_last_socket_and_starts_again(chat, settings):
    in_memory(settings)
    alice, _ = await join(chat.trainees[0], chat.training_class.pk)
    the_hub = hub.hub()
    assert the_hub._tasks
    await alice.disconnect()
    assert not the_hub._tasks and not the_hub.members
    alice, _ = await join(chat.trainees[0], chat.training_class.pk)
    bob, _ = await join(chat.trainees[1], chat.training_class.pk)
    await send_message(bob, "又连上了")
    assert (await receive_type(alice, "message"))[0]["body"] == "又连上了"
    await alice.disconnect()
    await bob.disconnect()


# --- Forwarding between processes, on a stand-in for a shared layer ------------------------------


class SharedLayer:
    """Just enough of a cross-process layer: records what is sent, hands out what is queued."""

    def __init__(self):
        self.sent = []
        self.incoming = asyncio.Queue()
        self.groups = {}
        self.release = asyncio.Event()
        self.release.set()

    async def new_channel(self, prefix="specific"):
        return f"{prefix}.test!1"

    async def group_add(self, group, channel):
        self.groups.setdefault(group, set()).add(channel)

    async def group_discard(self, group, channel):
        self.groups.get(group, set()).discard(channel)

    async def group_send(self, group, message):
        await self.release.wait()  # a slow layer: the forwarder waits here
        self.sent.append((group, message))

    async def receive(self, channel):
        return await self.incoming.get()


class Member:
    def __init__(self):
        self.events = []

    def deliver_now(self, event, frame):
        self.events.append(event)
        return True

    async def deliver(self, event, frame):  # pragma: no cover - deliver_now takes everything
        raise AssertionError


async def started_hub(*targets):
    layer = SharedLayer()
    the_hub = hub.Hub(asyncio.get_running_loop(), bus.LayerBus(layer))
    member = Member()
    await the_hub.join(member, *targets)
    return the_hub, layer, member


async def test_the_hub_joins_one_group_for_all_processes():
    the_hub, layer, member = await started_hub(("room", 1), ("user", 5))
    assert layer.groups == {bus.HUB_GROUP: {the_hub.bus.channel}}
    await the_hub.leave(member, ("room", 1), ("user", 5))
    assert layer.groups == {bus.HUB_GROUP: set()}


async def test_events_that_queue_up_go_out_in_one_batch_in_order():
    the_hub, layer, member = await started_hub(("room", 1))
    layer.release.clear()  # the layer is slow to take the first event
    events = [
        {"type": "chat.frame", "text": "{}", "target": ["room", 1], "seq": n} for n in (1, 2, 3, 4)
    ]
    the_hub.forward(events[0])
    await asyncio.sleep(0.05)  # the forwarder took it and waits on the layer
    for event in events[1:]:
        the_hub.forward(event)
    await asyncio.sleep(0.05)
    layer.release.set()
    for _ in range(100):
        if sum(len(message["events"]) for _group, message in layer.sent) == 4:
            break
        await asyncio.sleep(0.01)
    batches = [message["events"] for _group, message in layer.sent]
    assert batches == [events[:1], events[1:]]  # the first alone, the rest together
    assert all(m["origin"] == hub.PROCESS and m["type"] == "chat.batch" for _g, m in layer.sent)
    assert the_hub.counts["published"] == 4
    await the_hub.leave(member, ("room", 1))


async def test_a_batch_from_another_process_reaches_the_members_it_is_for():
    the_hub, layer, member = await started_hub(("room", 1))
    mine = {"type": "chat.frame", "text": "{}", "target": ["room", 1], "seq": 1}
    theirs = [
        {"type": "chat.frame", "text": '{"n":1}', "target": ["room", 1], "seq": 1},
        {"type": "chat.frame", "text": '{"n":2}', "target": ["room", 2], "seq": 1},  # not here
        {"type": "chat.frame", "text": '{"n":3}', "target": ["room", 1], "seq": 2},
    ]
    await layer.incoming.put({"type": "chat.batch", "origin": hub.PROCESS, "events": [mine]})
    await layer.incoming.put({"type": "chat.batch", "origin": "elsewhere", "events": theirs})
    for _ in range(100):
        if len(member.events) == 2:
            break
        await asyncio.sleep(0.01)
    assert [event["text"] for event in member.events] == ['{"n":1}', '{"n":3}']
    assert the_hub.counts["dropped"] == 0
    # A lost batch shows as a gap: the members of that room catch up from the database.
    await layer.incoming.put(
        {"type": "chat.batch", "origin": "elsewhere", "events": [{**theirs[2], "seq": 5}]}
    )
    for _ in range(100):
        if the_hub.counts["dropped"]:
            break
        await asyncio.sleep(0.01)
    assert the_hub.counts["dropped"] == 2
    await the_hub.leave(member, ("room", 1))


async def test_numbers_are_kept_only_while_the_process_has_sockets_of_the_target():
    the_hub, _layer, member = await started_hub(("room", 1))
    the_hub._check_sequence("elsewhere", ("room", 2), 1)  # no socket here for room 2
    the_hub._check_sequence("elsewhere", ("room", 2), 9)
    the_hub._check_sequence("elsewhere", ("room", 1), 1)
    assert the_hub.counts["dropped"] == 0 and ("room", 2) not in the_hub.seen
    # Room 1's last member leaves and the events go on; a new member starts afresh.
    other = Member()
    await the_hub.join(other, ("room", 3))  # keeps the hub running
    await the_hub.leave(member, ("room", 1))
    await the_hub.join(member, ("room", 1))
    the_hub._check_sequence("elsewhere", ("room", 1), 7)
    assert the_hub.counts["dropped"] == 0
    the_hub._check_sequence("elsewhere", ("room", 1), 9)  # but 8 is missing now
    assert the_hub.counts["dropped"] == 1
    await the_hub.leave(member, ("room", 1))
    await the_hub.leave(other, ("room", 3))


class Bus:
    """A stand-in bus: hands out what the test queues."""

    def __init__(self):
        self.incoming = asyncio.Queue()
        self.sent = []
        self.opened = self.closed = 0

    async def open(self):
        self.opened += 1

    async def close(self):
        self.closed += 1

    async def send(self, batch):
        self.sent.append(batch)

    async def receive(self):
        return await self.incoming.get()


async def test_after_the_bus_reconnects_every_local_socket_catches_up():
    the_bus = Bus()
    the_hub = hub.Hub(asyncio.get_running_loop(), the_bus)
    member = Member()
    await the_hub.join(member, ("room", 1), ("user", 5))
    the_hub._check_sequence("elsewhere", ("room", 1), 4)
    await the_bus.incoming.put(bus.RECONNECTED)
    for _ in range(100):
        if len(member.events) == 2:
            break
        await asyncio.sleep(0.01)
    # Batches published meanwhile left no trace: the room's messages come again from the
    # database, and the user's membership is checked again (a removal may have been lost).
    assert sorted(event["type"] for event in member.events) == ["chat.recheck", "chat.resync"]
    assert the_hub.counts["reconnects"] == 1
    # Numbers start afresh: the next number from another process is not a gap.
    the_hub._check_sequence("elsewhere", ("room", 1), 9)
    assert the_hub.counts["dropped"] == 0
    await the_hub.leave(member, ("room", 1), ("user", 5))
    assert (the_bus.opened, the_bus.closed) == (1, 1)


async def test_a_malformed_batch_is_ignored_and_the_hub_reads_on():
    the_bus = Bus()
    the_hub = hub.Hub(asyncio.get_running_loop(), the_bus)
    member = Member()
    await the_hub.join(member, ("room", 1))
    for junk in (["not", "a", "dict"], {"origin": "x", "events": ["nor", 3]}, {"origin": "x"}):
        await the_bus.incoming.put(junk)
    good = {"type": "chat.frame", "text": "{}", "target": ["room", 1], "seq": 1}
    await the_bus.incoming.put({"type": "chat.batch", "origin": "x", "events": [good]})
    for _ in range(100):
        if member.events:
            break
        await asyncio.sleep(0.01)
    assert member.events == [good]
    await the_hub.leave(member, ("room", 1))
