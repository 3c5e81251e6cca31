"""Counting attempts at things an attacker repeats (password resets, wrong old passwords).

A fixed window per key in Django's cache: ``cache.add`` starts the window, ``cache.incr`` counts
atomically (Redis, and LocMem within one process). With REDIS_URL every app server shares the
counts; without it each process counts on its own, which still bounds a flood to a few times the
limit. Keys are hashed, so no e-mail address sits in the cache in clear.

django-ratelimit was considered: its system checks reject LocMemCache (our single-machine default)
and do not know Django's built-in RedisCache, so ``check --deploy`` would no longer be clean.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache


_START_AND_COUNT = "redis.call('SET', KEYS[1], 0, 'EX', ARGV[1], 'NX') return redis.call('INCR', KEYS[1])"


@dataclass(frozen=True)
class Limit:
    name: str
    attempts: int
    window_seconds: int

    def _key(self, who: str) -> str:
        digest = hashlib.sha256(who.strip().lower().encode()).hexdigest()[:32]
        return f"throttle:{self.name}:{digest}"

    def hit(self, who: str) -> bool:
        """Count one attempt by ``who``; True when this one is over the limit."""
        key = self._key(who)
        backend = caches["default"]
        if isinstance(backend, RedisCache):
            return self._redis_hit(backend, key) > self.attempts
        cache.add(key, 0, self.window_seconds)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, self.window_seconds)
            count = 1
        return count > self.attempts

    def _redis_hit(self, backend: RedisCache, key: str) -> int:
        """Redis: start the window and count in one round trip (``SET NX EX`` and ``INCR`` in one
        script, which Redis runs atomically) instead of the three Django's ``add`` and ``incr`` make
        (SET, EXISTS, INCR). A script rather than a MULTI pipeline: redis-py builds a pipeline's
        response-callback table anew each time, a tenth of a millisecond, and the sandbox's invoke URL
        counts every request this way. The value is the integer Django's Redis cache stores plain, so
        ``exceeded`` and ``clear`` read and drop the same key."""
        name = backend.make_and_validate_key(key)
        client = backend._cache.get_client(name, write=True)
        return int(client.eval(_START_AND_COUNT, 1, name, self.window_seconds))

    def exceeded(self, who: str) -> bool:
        return (cache.get(self._key(who)) or 0) >= self.attempts

    def clear(self, who: str) -> None:
        cache.delete(self._key(who))

    @property
    def window_text(self) -> str:
        minutes = self.window_seconds // 60
        return f"{minutes // 60} hour{'s' if minutes >= 120 else ''}" if minutes >= 60 else f"{minutes} minutes"


#: Reset e-mails per address, and reset requests from one client address (a classroom shares one).
RESET_PER_EMAIL = Limit("reset-email", attempts=3, window_seconds=3600)
RESET_PER_CLIENT = Limit("reset-client", attempts=30, window_seconds=3600)
#: Wrong old passwords on the change-password form, per account.
WRONG_OLD_PASSWORD = Limit("wrong-old-password", attempts=5, window_seconds=15 * 60)
