"""Checks for ``/healthz``: each returns None when healthy or a short reason."""

import asyncio
import logging
import uuid

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.core.cache import cache
from django.db import connection

log = logging.getLogger(__name__)

TIMEOUT = 3.0


def _check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache():
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "ok", 10)
    value = cache.get(key)
    cache.delete(key)
    if value != "ok":
        raise RuntimeError("cache did not return what was stored")


async def _check_channel_layer():
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer configured")
    channel = await layer.new_channel("healthz.")
    await layer.send(channel, {"type": "healthz.ping"})
    message = await layer.receive(channel)
    if message.get("type") != "healthz.ping":
        raise RuntimeError("channel layer returned a different message")


async def _run(name, check):
    try:
        await asyncio.wait_for(check(), TIMEOUT)
        return name, "ok"
    except Exception:  # a health check reports every failure, whatever its kind
        log.exception("health check %s failed", name)
        return name, "error"


async def run_checks():
    """``{"database": "ok"|"error", ...}`` for every dependency, checked concurrently."""
    results = await asyncio.gather(
        _run("database", sync_to_async(_check_database, thread_sensitive=True)),
        _run("channel_layer", _check_channel_layer),
        _run("cache", sync_to_async(_check_cache, thread_sensitive=False)),
    )
    return dict(results)
