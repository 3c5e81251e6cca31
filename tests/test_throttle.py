"""The attempt counter (courseware.throttle.Limit) on the caches the site runs with: local memory, and
the real Redis that several app servers share."""

from __future__ import annotations

import os
import uuid

import pytest

from courseware.throttle import Limit

from .test_foundation import _redis_reachable


def _counts(limit: Limit, who: str, times: int) -> list[bool]:
    return [limit.hit(who) for _ in range(times)]


def test_local_memory_counts_a_window(settings):
    limit = Limit(f"t-{uuid.uuid4().hex[:8]}", attempts=3, window_seconds=60)
    assert _counts(limit, "ada", 5) == [False, False, False, True, True]
    assert limit.exceeded("ada") and not limit.exceeded("ben")
    limit.clear("ada")
    assert not limit.hit("ada")


@pytest.fixture
def redis_cache(settings):
    if not _redis_reachable():
        if os.environ.get("CI") == "true":
            pytest.fail("Redis is not running at 127.0.0.1:6379")
        pytest.skip("no Redis at 127.0.0.1:6379")
    from django.core.cache import caches

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:6379/14", "KEY_PREFIX": uuid.uuid4().hex[:8]}}
    yield caches["default"]
    caches["default"].clear()


def test_redis_counts_in_one_round_trip_with_the_window_set(redis_cache):
    from redis import Redis

    limit = Limit("invoke", attempts=3, window_seconds=60)
    client = Redis.from_url("redis://127.0.0.1:6379/14")
    def calls() -> dict[str, int]:
        stats = client.info("commandstats")
        return {name: int(stats.get(f"cmdstat_{name}", {}).get("calls", 0)) for name in ("eval", "get", "exists")}

    before = calls()
    assert _counts(limit, "ada", 5) == [False, False, False, True, True]
    after = calls()
    assert after["eval"] - before["eval"] == 5  # one script a hit: one round trip
    assert after["get"] == before["get"] and after["exists"] == before["exists"]
    name = redis_cache.make_and_validate_key(limit._key("ada"))
    assert 0 < client.ttl(name) <= 60  # the window started with the first hit, and ends
    assert limit.exceeded("ada") and not limit.exceeded("ben")  # read back through Django's cache
    limit.clear("ada")
    assert not limit.hit("ada")
