"""Version stamps in the cache: a cache key that includes one changes when the stamp is bumped.

Used to invalidate cached fragments without knowing every key that depends on a change
(``courses_content.caching``, ``cms.site_cache``).
"""

import time

from django.core.cache import cache


def current_version(key):
    version = cache.get(key)
    if version is None:
        version = str(time.time_ns())
        cache.set(key, version, None)
    return version


def bump_version(key):
    cache.set(key, str(time.time_ns()), None)
