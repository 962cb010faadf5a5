"""Runs only with Redis (REDIS_URL=redis://...): the channel layer and cache across workers."""

import asyncio
import uuid

import pytest
from channels.layers import get_channel_layer
from channels_redis.core import RedisChannelLayer
from django.conf import settings
from django.core.cache import cache

pytestmark = pytest.mark.redis


def test_settings_use_redis_for_the_layer_and_the_cache():
    assert isinstance(get_channel_layer(), RedisChannelLayer)
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"


def test_the_cache_round_trips_through_redis():
    key = f"test:{uuid.uuid4().hex}"
    cache.set(key, {"班级": 1}, 30)
    assert cache.get(key) == {"班级": 1}


@pytest.mark.asyncio
async def test_a_group_message_reaches_a_member_on_another_worker():
    config = settings.CHANNEL_LAYERS["default"]["CONFIG"]
    worker_a = RedisChannelLayer(**config)
    worker_b = RedisChannelLayer(**config)
    group = f"test-{uuid.uuid4().hex}"
    channel = await worker_b.new_channel()
    await worker_b.group_add(group, channel)
    try:
        await worker_a.group_send(group, {"type": "chat.message", "body": "你好"})
        message = await asyncio.wait_for(worker_b.receive(channel), 5)
        assert message == {"type": "chat.message", "body": "你好"}
    finally:
        await worker_b.group_discard(group, channel)
        await worker_a.flush()
        await worker_b.flush()


@pytest.mark.django_db
def test_healthz_is_ok_with_redis(client):
    body = client.get("/healthz").json()
    assert body["channel_layer"] == "ok"
    assert body["cache"] == "ok"
