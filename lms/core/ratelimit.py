"""A sliding-window request counter in the cache, shared by every process when the cache is
Redis. The chat's per-member send limit and the public certificate check use it.

The estimate weighs the previous fixed window by how much of it still overlaps the sliding
one and adds the current window's count; a refused request is not counted, so a client that
waits is let in again.

On Redis the check and the count are one Lua script, one round trip (atomic, so two processes
counting the same key at once cannot both slip under the limit). Other caches use Django's
cache API. Both store plain integers under the cache's own keys, so they read each other's
counts.

``acount``/``arefund`` do the same on an event loop (the chat socket): on Redis with an async
client of the loop's own, so the round trip is awaited instead of blocking a thread; a blocking
call on daphne's database thread waited for the GIL on both sides of the network while the
busy loop held it (the rate limit cost a third of the chat server's time at 10,000 deliveries
a second). Local-memory caches do no I/O and are called directly.
"""

import asyncio
import threading
import time
import weakref

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.redis import RedisCache

CACHE_ALIAS = DEFAULT_CACHE_ALIAS

# KEYS: current window, previous window. ARGV: weight of the previous window, limit, expiry.
# Returns 1 when refused (nothing counted), else 0 after counting.
_HIT_SCRIPT = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local previous = tonumber(redis.call('GET', KEYS[2]) or '0')
if previous * tonumber(ARGV[1]) + current >= tonumber(ARGV[2]) then
    return 1
end
redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 0
"""
# KEYS: a window counted earlier. Takes one back, never below zero.
_REFUND_SCRIPT = """
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count > 0 then
    redis.call('DECR', KEYS[1])
end
return 0
"""
_scripts = {}  # name -> script registered once per process (its SHA is sent, not its body)
_async = weakref.WeakKeyDictionary()  # event loop -> (async client, {name: script})
_async_lock = threading.Lock()


class _Window:
    def __init__(self, key, window):
        now = time.time()
        slot = int(now // window)
        self.current, self.previous = f"{key}:{slot}", f"{key}:{slot - 1}"
        elapsed = (now % window) / window
        self.weight = 1 - elapsed  # of the previous window's count
        self.wait = max(1, int(window * (1 - elapsed)) + 1)
        self.timeout = int(window * 2 + 1)


def hit(key, limit, window):
    """Count one request under ``key``, or refuse it: the seconds to wait (0 when counted).

    At most ``limit`` requests per ``window`` seconds. Cache errors propagate; callers decide
    whether to fail open.
    """
    return count(key, limit, window)[0]


def count(key, limit, window):
    """As ``hit``: ``(wait, counted)``, ``counted`` the cache key counted (None when refused),
    which ``refund`` takes back."""
    cache = caches[CACHE_ALIAS]  # the backend itself (``django.core.cache.cache`` is a proxy)
    at = _Window(key, window)
    if isinstance(cache, RedisCache):
        client = cache._cache.get_client(at.current, write=True)  # a new object per call
        script = _script("hit", client)
        refused = script(keys=_redis_keys(cache, at), args=_args(at, limit), client=client)
    else:
        refused = _count_locally(cache, at, limit)
    return (at.wait, None) if refused else (0, at.current)


def refund(counted):
    """Take back one request counted under ``counted`` (from ``count``)."""
    cache = caches[CACHE_ALIAS]
    if isinstance(cache, RedisCache):
        client = cache._cache.get_client(counted, write=True)
        script = _script("refund", client)
        script(keys=[cache.make_and_validate_key(counted)], args=[], client=client)
    else:
        _refund_locally(cache, counted)


async def acount(key, limit, window):
    """``count`` for code on an event loop."""
    cache = caches[CACHE_ALIAS]
    if not isinstance(cache, RedisCache):
        return count(key, limit, window)
    at = _Window(key, window)
    _client, scripts = _async_redis(cache)
    refused = await scripts["hit"](keys=_redis_keys(cache, at), args=_args(at, limit))
    return (at.wait, None) if refused else (0, at.current)


async def arefund(counted):
    """``refund`` for code on an event loop."""
    cache = caches[CACHE_ALIAS]
    if not isinstance(cache, RedisCache):
        return refund(counted)
    _client, scripts = _async_redis(cache)
    await scripts["refund"](keys=[cache.make_and_validate_key(counted)], args=[])


def _count_locally(cache, at, limit):
    counts = cache.get_many([at.current, at.previous])
    if counts.get(at.previous, 0) * at.weight + counts.get(at.current, 0) >= limit:
        return True
    if not cache.add(at.current, 1, timeout=at.timeout):
        try:
            cache.incr(at.current)
        except ValueError:  # expired between add and incr
            cache.add(at.current, 1, timeout=at.timeout)
    return False


def _refund_locally(cache, counted):
    try:
        if cache.get(counted, 0) > 0:
            cache.decr(counted)
    except ValueError:  # expired meanwhile: nothing left to take back
        pass


def _redis_keys(cache, at):
    return [cache.make_and_validate_key(at.current), cache.make_and_validate_key(at.previous)]


def _args(at, limit):
    return [repr(at.weight), limit, at.timeout]


_SOURCES = {"hit": _HIT_SCRIPT, "refund": _REFUND_SCRIPT}


def _script(name, client):
    script = _scripts.get(name)
    if script is None:
        script = _scripts[name] = client.register_script(_SOURCES[name])
    return script


def _async_redis(cache):
    """The running loop's async Redis client for ``cache`` and its scripts."""
    loop = asyncio.get_running_loop()
    with _async_lock:
        found = _async.get(loop)
        if found is None:
            from redis.asyncio import Redis

            client = Redis.from_url(cache._servers[0])  # where the cache writes
            scripts = {name: client.register_script(source) for name, source in _SOURCES.items()}
            found = _async[loop] = (client, scripts)
        return found
