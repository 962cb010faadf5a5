"""Small helpers shared by tests."""

from django.conf import settings
from django.core.cache import cache


def clear_cache():
    """Empty this test run's cache. On Redis only our prefix: clear() would flush the database."""
    if settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        client = cache._cache.get_client(write=True)
        keys = list(client.scan_iter(f"{cache.key_prefix}:*"))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()
