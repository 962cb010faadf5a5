"""``lms.core.ratelimit.hit``: the same sliding window on the local cache and on Redis."""

import datetime

import pytest
import time_machine
from django.core.cache import caches

from lms.core import ratelimit

START = datetime.datetime(2026, 12, 1, 2, 0, 0, tzinfo=datetime.UTC)  # a window starts


def use_cache(settings, monkeypatch, backend):
    """Point the limiter at a cache of its own; returns the cache, emptied."""
    settings.CACHES = {**settings.CACHES, "limiter": backend}
    chosen = caches["limiter"]
    chosen.clear()
    monkeypatch.setattr(ratelimit, "CACHE_ALIAS", "limiter")
    return chosen


def redis_backend(settings, name):
    return {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": settings.REDIS_URL,
        "KEY_PREFIX": f"lms-test-limiter-{name}",
    }


@pytest.fixture(params=["local", pytest.param("redis", marks=pytest.mark.redis)])
def cache(request, settings, monkeypatch):
    """The limiter on each kind of cache."""
    if request.param == "redis":
        backend = redis_backend(settings, request.node.name)
    else:
        backend = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    chosen = use_cache(settings, monkeypatch, backend)
    yield chosen
    chosen.clear()


@pytest.mark.redis
def test_redis_takes_one_round_trip(settings, monkeypatch):
    """On Redis the check and the count are one script; nothing else reaches the server."""
    cache = use_cache(settings, monkeypatch, redis_backend(settings, "round-trip"))
    client = cache._cache.get_client("k", write=True)
    commands = []
    real = type(client).execute_command
    monkeypatch.setattr(
        type(client),
        "execute_command",
        lambda self, *args, **options: commands.append(args[0]) or real(self, *args, **options),
    )
    assert ratelimit.hit("k", 3, 10) == 0
    commands.clear()
    assert ratelimit.hit("k", 3, 10) == 0
    assert commands == ["EVALSHA"]
    cache.clear()


def test_counts_up_to_the_limit_then_refuses_without_counting(cache):
    with time_machine.travel(START + datetime.timedelta(seconds=1), tick=False):
        assert [ratelimit.hit("k", 3, 10) for _ in range(3)] == [0, 0, 0]
        assert ratelimit.hit("k", 3, 10) == 10  # 9 s of this window left, plus one
        assert ratelimit.hit("k", 3, 10) == 10
        assert cache.get(f"k:{int(START.timestamp() // 10)}") == 3  # refusals not counted
        assert ratelimit.hit("other", 3, 10) == 0  # keys are apart


def test_the_previous_window_weighs_less_as_it_slides_away(cache):
    with time_machine.travel(START + datetime.timedelta(seconds=9), tick=False):
        for _ in range(4):
            assert ratelimit.hit("k", 4, 10) == 0
    # 2 s into the next window 80% of the previous one still counts: 3.2 of 4.
    with time_machine.travel(START + datetime.timedelta(seconds=12), tick=False):
        assert ratelimit.hit("k", 4, 10) == 0  # 3.2 + 0 < 4
        assert ratelimit.hit("k", 4, 10) == 9  # 3.2 + 1 >= 4: wait the 8 s left, plus one
    # 8 s in, 20%: 0.8 + 1 leaves room for three more (3.8 < 4); then wait out the 2 s left.
    with time_machine.travel(START + datetime.timedelta(seconds=18), tick=False):
        assert [ratelimit.hit("k", 4, 10) for _ in range(3)] == [0, 0, 0]
        assert 2 <= ratelimit.hit("k", 4, 10) <= 3


def test_a_refund_takes_one_count_back_and_never_below_zero(cache):
    with time_machine.travel(START + datetime.timedelta(seconds=1), tick=False):
        first = ratelimit.count("k", 2, 10)
        second = ratelimit.count("k", 2, 10)
        assert first == (0, first[1]) and first[1] == second[1]
        assert ratelimit.count("k", 2, 10) == (10, None)  # refused: nothing to give back
        ratelimit.refund(first[1])
        assert ratelimit.count("k", 2, 10)[0] == 0  # room for one again
        for _ in range(4):
            ratelimit.refund(first[1])
        assert cache.get(first[1]) == 0


@pytest.mark.asyncio
async def test_on_an_event_loop_the_same_counts(cache):
    with time_machine.travel(START + datetime.timedelta(seconds=1), tick=False):
        results = [await ratelimit.acount("k", 2, 10) for _ in range(3)]
        assert [wait for wait, _counted in results] == [0, 0, 10]
        counted = results[0][1]
        assert results[2][1] is None and counted is not None
        await ratelimit.arefund(counted)
        assert (await ratelimit.acount("k", 2, 10))[0] == 0
        assert ratelimit.hit("k", 2, 10) == 10  # the sync and async ways share the counts
