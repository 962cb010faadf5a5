"""A sliding-window request counter in the cache, shared by every process when the cache is
Redis. The chat's per-member send limit and the public certificate check use it.

The estimate weighs the previous fixed window by how much of it still overlaps the sliding
one and adds the current window's count; a refused request is not counted, so a client that
waits is let in again.
"""

import time

from django.core.cache import cache


def hit(key, limit, window):
    """Count one request under ``key``, or refuse it: the seconds to wait (0 when counted).

    At most ``limit`` requests per ``window`` seconds. Cache errors propagate; callers decide
    whether to fail open.
    """
    now = time.time()
    slot = int(now // window)
    current_key, previous_key = f"{key}:{slot}", f"{key}:{slot - 1}"
    counts = cache.get_many([current_key, previous_key])
    elapsed = (now % window) / window
    estimate = counts.get(previous_key, 0) * (1 - elapsed) + counts.get(current_key, 0)
    if estimate >= limit:
        return max(1, int(window * (1 - elapsed)) + 1)
    timeout = window * 2 + 1
    if not cache.add(current_key, 1, timeout=timeout):
        try:
            cache.incr(current_key)
        except ValueError:  # expired between add and incr
            cache.add(current_key, 1, timeout=timeout)
    return 0
