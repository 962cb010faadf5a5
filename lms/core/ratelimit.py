"""A sliding-window request counter in the cache, shared by every process when the cache is
Redis. The chat's per-member send limit and the public certificate check use it.

The estimate weighs the previous fixed window by how much of it still overlaps the sliding
one and adds the current window's count; a refused request is not counted, so a client that
waits is let in again.

On Redis the check and the count are one Lua script, one round trip (atomic, so two processes
counting the same key at once cannot both slip under the limit). Every chat message pays for
it on the database thread, where the three round trips of the generic path (read both windows,
add, increment) queued every other member's send behind them. Other caches use Django's cache
API. Both store plain integers under the cache's own keys, so they read each other's counts.
"""

import time

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
_script = None  # registered once per process: its SHA is sent, the body only when Redis asks


def hit(key, limit, window):
    """Count one request under ``key``, or refuse it: the seconds to wait (0 when counted).

    At most ``limit`` requests per ``window`` seconds. Cache errors propagate; callers decide
    whether to fail open.
    """
    now = time.time()
    slot = int(now // window)
    current_key, previous_key = f"{key}:{slot}", f"{key}:{slot - 1}"
    elapsed = (now % window) / window
    wait = max(1, int(window * (1 - elapsed)) + 1)
    timeout = window * 2 + 1
    cache = caches[CACHE_ALIAS]  # the backend itself (``django.core.cache.cache`` is a proxy)
    if isinstance(cache, RedisCache):
        refused = _hit_redis(cache, current_key, previous_key, 1 - elapsed, limit, timeout)
        return wait if refused else 0
    counts = cache.get_many([current_key, previous_key])
    estimate = counts.get(previous_key, 0) * (1 - elapsed) + counts.get(current_key, 0)
    if estimate >= limit:
        return wait
    if not cache.add(current_key, 1, timeout=timeout):
        try:
            cache.incr(current_key)
        except ValueError:  # expired between add and incr
            cache.add(current_key, 1, timeout=timeout)
    return 0


def _hit_redis(cache, current_key, previous_key, weight, limit, timeout):
    keys = [cache.make_and_validate_key(current_key), cache.make_and_validate_key(previous_key)]
    client = cache._cache.get_client(keys[0], write=True)  # a new client object on each call
    global _script
    if _script is None:
        _script = client.register_script(_HIT_SCRIPT)
    return _script(keys=keys, args=[repr(weight), limit, int(timeout)], client=client) == 1
