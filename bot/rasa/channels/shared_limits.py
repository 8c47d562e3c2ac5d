"""Rate-limit token buckets kept in Redis, so every Rasa server behind the load balancer spends one budget.

One Lua script does a whole admission atomically: for each bucket it refills by the time elapsed
(Redis's own `TIME`, so the servers' clocks never disagree), then takes every cost if every bucket
has it and none otherwise, and returns whether it was allowed and the seconds to wait. A bucket is
a hash `career_coach:rate:<limit>:<key>` (tokens, at) that expires when it would be full again,
which is the same as absent: Redis holds only the buckets spent within the last refill time.

When Redis does not answer, `admit` raises `SharedLimitsUnavailableError` and the caller counts the
request in its own process (bot/rasa/channels/limits.py): a learner is never refused, nor served
a 500, because Redis is down.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from typing import Any, Optional

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.shared.redis_url import RedisAddress

logger = logging.getLogger(__name__)
KEY_PREFIX = "career_coach:rate"
SOCKET_TIMEOUT_SECONDS = 0.5  # a hung Redis costs a request at most this, then it is counted here
RETRY_AFTER_FAILURE_SECONDS = 1.0  # meanwhile requests go straight to the process's own buckets

# KEYS: one bucket each. ARGV: burst, tokens per second, cost for each key in turn.
# Returns {1, "0"} when every cost was taken, else {0, "<seconds to wait>"} and nothing is taken.
# Numbers travel as strings: Redis would truncate a Lua number to an integer.
ADMIT_SCRIPT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local left, wait = {}, 0
for i = 1, #KEYS do
  local burst, rate = tonumber(ARGV[3 * i - 2]), tonumber(ARGV[3 * i - 1])
  local cost = math.min(tonumber(ARGV[3 * i]), burst)
  local state = redis.call('HMGET', KEYS[i], 'tokens', 'at')
  local tokens = burst
  if state[1] and state[2] then
    tokens = math.min(burst, tonumber(state[1]) + math.max(now - tonumber(state[2]), 0) * rate)
  end
  if tokens < cost then
    wait = math.max(wait, (cost - tokens) / rate)
  end
  left[i] = tokens - cost
end
if wait > 0 then
  return {0, string.format('%.6f', wait)}
end
for i = 1, #KEYS do
  local burst, rate = tonumber(ARGV[3 * i - 2]), tonumber(ARGV[3 * i - 1])
  redis.call('HSET', KEYS[i], 'tokens', string.format('%.6f', left[i]), 'at', string.format('%.6f', now))
  redis.call('PEXPIRE', KEYS[i], math.max(1, math.ceil((burst - left[i]) / rate * 1000)))
end
return {1, '0'}
"""


class SharedLimitsUnavailableError(Exception):
    """Redis did not answer (or is being left alone for a moment after it did not)."""


class SharedBuckets:
    """The rate-limit buckets of every Rasa server, in one Redis (one client per Sanic app's loop)."""

    def __init__(self, address: RedisAddress, client: Optional[Redis] = None) -> None:
        """Buckets on the Redis at `address`; connects on first use."""
        self.address = address
        self._client = client
        self._script: Any = None
        self._failed_at: Optional[float] = None

    def key(self, limit: str, key: str) -> str:
        """The Redis key of one bucket of one limit."""
        return f"{KEY_PREFIX}:{limit}:{key}"

    def _admit_script(self) -> Any:
        if self._script is None:
            if self._client is None:
                self._client = Redis(**self.address.client_kwargs(), socket_timeout=SOCKET_TIMEOUT_SECONDS,
                                     socket_connect_timeout=SOCKET_TIMEOUT_SECONDS)
            self._script = self._client.register_script(ADMIT_SCRIPT)  # EVALSHA, loaded again if flushed
        return self._script

    async def admit(self, checks: Sequence[tuple[str, str, int, float, float]]) -> float:
        """Take every (limit, key, burst, per_second, cost) at once, or none; seconds to wait (0 = taken).

        Raises SharedLimitsUnavailableError when Redis does not answer.
        """
        if not checks:
            return 0.0
        if self._failed_at is not None and time.monotonic() - self._failed_at < RETRY_AFTER_FAILURE_SECONDS:
            raise SharedLimitsUnavailableError(f"Redis at {self.address} did not answer a moment ago")
        keys = [self.key(limit, key) for limit, key, _burst, _rate, _cost in checks]
        args = [str(value) for _limit, _key, burst, rate, cost in checks for value in (burst, rate, cost)]
        try:
            allowed, wait = await self._admit_script()(keys=keys, args=args)
        except (RedisError, OSError, asyncio.TimeoutError) as problem:
            self._failed_at = time.monotonic()
            raise SharedLimitsUnavailableError(f"Redis at {self.address}: {problem}") from problem
        if self._failed_at is not None:
            logger.info("Rate limits are shared through Redis at %s again.", self.address)
            self._failed_at = None
        return 0.0 if int(allowed) else float(wait)

    async def close(self) -> None:
        """Close the connections (the next `admit` connects again)."""
        if self._client is not None:
            await self._client.close()
            self._client, self._script = None, None
