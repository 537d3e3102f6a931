"""A counting semaphore in Redis, shared by every worker process that talks to one teacher.

Each holder owns a lease: a random token in a sorted set scored by its expiry time (Redis's own clock).
Acquire and release are single Lua scripts, so they are atomic; expired leases are swept on every acquire,
so the slots of a killed worker come back once its leases run out.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import uuid
from collections.abc import AsyncIterator

from redis.asyncio import Redis

KEY_PREFIX = "seedbed:teacher-slots:"

# KEYS[1] the set; ARGV: limit, lease milliseconds, token. Returns 1 when the lease is granted.
ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + lease, ARGV[3])
  if redis.call('PTTL', KEYS[1]) < lease + 1000 then
    redis.call('PEXPIRE', KEYS[1], lease + 1000)
  end
  return 1
end
return 0
"""


class RedisSemaphore:
    """At most ``limit`` leases on ``name`` at once across all processes; a lease lapses after ``lease_seconds``."""

    def __init__(
        self,
        redis: Redis,
        name: str,
        limit: int,
        *,
        lease_seconds: float,
        poll_min: float = 0.002,
        poll_max: float = 0.05,
    ) -> None:
        if limit < 1:
            raise ValueError(f"The slot limit for teacher {name!r} must be at least 1, not {limit}.")
        self.redis = redis
        self.name = name
        self.key = KEY_PREFIX + name
        self.limit = limit
        self.lease_ms = max(1, int(lease_seconds * 1000))
        self.poll_min = poll_min
        self.poll_max = poll_max
        self._acquire = redis.register_script(ACQUIRE)

    async def try_acquire(self) -> str | None:
        """A lease token if a slot is free now, else None."""
        token = uuid.uuid4().hex
        try:
            granted = await self._acquire(keys=[self.key], args=[self.limit, self.lease_ms, token])
        except asyncio.CancelledError:
            # The script may have run before the cancel landed: give back what we may hold.
            await asyncio.shield(self.release(token))
            raise
        return token if granted else None

    async def acquire(self) -> str:
        """Wait for a slot and return its lease token; polls with short jittered sleeps that grow to ``poll_max``."""
        delay = self.poll_min
        while True:
            token = await self.try_acquire()
            if token is not None:
                return token
            await asyncio.sleep(random.uniform(delay / 2, delay))
            delay = min(self.poll_max, delay * 2)

    async def release(self, token: str) -> None:
        await self.redis.zrem(self.key, token)

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[str]:
        token = await self.acquire()
        try:
            yield token
        finally:
            await asyncio.shield(self.release(token))

    async def held(self) -> int:
        """Leases currently held and not expired (for tests and diagnostics)."""
        now_s, now_us = await self.redis.time()
        now = now_s * 1000 + now_us // 1000
        return int(await self.redis.zcount(self.key, f"({now}", "+inf"))
