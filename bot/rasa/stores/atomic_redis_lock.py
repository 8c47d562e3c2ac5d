"""A Redis lock store whose tickets are issued atomically, so several Rasa servers share one queue.

Rasa's `RedisLockStore` issues a ticket by reading a JSON `TicketLock`, appending to it and writing
it back; two servers doing that at once both take the lock (rasa #9213). Here each step is one Lua
script, so Redis itself orders the tickets. Per conversation:

- `<prefix>:lock:<conversation>:counter`  INCR gives the next ticket number;
- `<prefix>:lock:<conversation>:queue`    sorted set of tickets (member token, score number);
- `<prefix>:lock:<conversation>:ticket:<token>`  one key per ticket, expiring after the lifetime.

The conversation is served by the lowest-numbered queued ticket whose key still exists. A ticket
key lives LIVENESS_SECONDS (or the lock lifetime, if shorter) unless refreshed: a waiter refreshes
it each time it looks, the holder every third of that while it holds the lock (for at most the
lock lifetime), so only a holder that stopped (crashed, or over its lifetime) or a waiter that
stopped looking loses its place, and a crashed server's ticket is gone within seconds.
Releasing deletes the ticket, and the last one out deletes the counter and queue.
Only `lock()` is supported (all Rasa 3.6 calls); the base class's TicketLock methods would race.
docs/lock_store.md explains expiry and Redis restarts.
"""
from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import redis
import redis.asyncio
from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore

from bot.shared.redis_url import RedisAddress

logger = logging.getLogger(__name__)

DEFAULT_KEY_PREFIX = "careercoach"
# Seconds to wait before each retry of a Redis call that could not connect: about 1.5 s in all,
# enough for a restart blip, short enough that the channel apologises promptly.
RETRY_DELAYS_SECONDS = (0.05, 0.1, 0.2, 0.4, 0.8)
# Each script is a handful of O(queue) commands; a Redis that takes longer has failed the message.
SOCKET_TIMEOUT_SECONDS = 2.0
# A ticket not refreshed for this long is dropped: how long a crashed server (or a release lost
# while Redis restarted) blocks its conversation. Live holders and waiters refresh every third of it.
# Below the channels' reply timeout (8 s), so a message queued behind a dead holder is still answered.
LIVENESS_SECONDS = 6.0

# Shared by the scripts: the head of the queue (dropping tickets whose key has expired), and
# extending a key's expiry to at least `ms` (never shortening what another caller set).
_HELPERS = """
local function head(queue, prefix)
  while true do
    local first = redis.call('ZRANGE', queue, 0, 0)
    if #first == 0 then return nil end
    if redis.call('EXISTS', prefix .. first[1]) == 1 then return first[1] end
    redis.call('ZREM', queue, first[1])
  end
end
local function extend(key, ms)
  if redis.call('PTTL', key) < tonumber(ms) then redis.call('PEXPIRE', key, ms) end
end
"""

# KEYS: queue, counter. ARGV: ticket key prefix, token, lifetime ms. Returns the ticket number.
# Idempotent per token, so a retry after a lost reply does not queue a second ticket.
_ISSUE = _HELPERS + """
local mine = ARGV[1] .. ARGV[2]
local number = redis.call('ZSCORE', KEYS[1], ARGV[2])
if number and redis.call('EXISTS', mine) == 1 then return tonumber(number) end
number = redis.call('INCR', KEYS[2])
redis.call('ZADD', KEYS[1], number, ARGV[2])
redis.call('SET', mine, number, 'PX', ARGV[3])
extend(KEYS[1], ARGV[3])
extend(KEYS[2], ARGV[3])
return number
"""

# Same keys and arguments. Refreshes the ticket; returns 0 when it is served now, n > 0 while
# n tickets are ahead, -1 when it has expired (it is then out of the queue).
_TURN = _HELPERS + """
local mine = ARGV[1] .. ARGV[2]
if redis.call('EXISTS', mine) == 0 then
  redis.call('ZREM', KEYS[1], ARGV[2])
  return -1
end
redis.call('PEXPIRE', mine, ARGV[3])
extend(KEYS[1], ARGV[3])
extend(KEYS[2], ARGV[3])
if head(KEYS[1], ARGV[1]) == ARGV[2] then return 0 end
return redis.call('ZRANK', KEYS[1], ARGV[2]) or -1
"""

# Same keys and arguments. The holder's heartbeat: refreshes a live ticket; 1 if it was live, else 0.
_KEEP = _HELPERS + """
local mine = ARGV[1] .. ARGV[2]
if redis.call('EXISTS', mine) == 0 then return 0 end
redis.call('PEXPIRE', mine, ARGV[3])
extend(KEYS[1], ARGV[3])
extend(KEYS[2], ARGV[3])
return 1
"""

# KEYS: queue, counter. ARGV: ticket key prefix, token. Returns 1 if the ticket was still live.
_RELEASE = """
local live = redis.call('DEL', ARGV[1] .. ARGV[2])
redis.call('ZREM', KEYS[1], ARGV[2])
for _, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if redis.call('EXISTS', ARGV[1] .. member) == 0 then redis.call('ZREM', KEYS[1], member) end
end
if redis.call('ZCARD', KEYS[1]) == 0 then redis.call('DEL', KEYS[1], KEYS[2]) end
return live
"""


@dataclass
class _Gate:
    """Issues one process's tickets for one conversation one at a time; `users` counts who needs it."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


@dataclass
class _LoopState:
    """What belongs to one event loop: its Redis client, the scripts, and the issuing gates."""

    loop: asyncio.AbstractEventLoop
    client: redis.asyncio.Redis
    scripts: dict[str, Any]
    gates: dict[str, _Gate] = field(default_factory=dict)


class AtomicRedisLockStore(LockStore):
    """Rasa lock store on Redis whose tickets are issued, served and released by Lua scripts."""

    def __init__(self, address: RedisAddress, key_prefix: str = DEFAULT_KEY_PREFIX,
                 socket_timeout: float = SOCKET_TIMEOUT_SECONDS, liveness: float = LIVENESS_SECONDS) -> None:
        """Locks in the Redis at `address` under `<key_prefix>:lock:`; connects on first use."""
        if not key_prefix.isalnum():
            raise ValueError(f"The lock store's key prefix must be alphanumeric, got {key_prefix!r}")
        self.address = address
        self.key_prefix = f"{key_prefix}:lock:"
        self.socket_timeout = socket_timeout
        self.liveness = liveness
        self._state: _LoopState | None = None
        super().__init__()

    @asynccontextmanager
    async def lock(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = 1) -> AsyncGenerator[TicketLock, None]:
        """Hold the conversation's lock: take a ticket, wait for its turn, release it afterwards.

        Raises LockError when Redis stays unreachable. The ticket is released however the block
        ends (also when a cancellation interrupts a wait).
        """
        token = uuid.uuid4().hex
        ttl_ms = max(1, round(min(lock_lifetime, self.liveness) * 1000))  # how long an unrefreshed ticket lives
        # Until the ticket is surely issued Redis may well be down: then try to release once only.
        release_retries: tuple[float, ...] = ()
        held = False
        heartbeat: asyncio.Task[None] | None = None
        try:
            number = await self._issue(conversation_id, token, ttl_ms)
            release_retries = RETRY_DELAYS_SECONDS
            number = await self._wait_for_turn(conversation_id, token, number, ttl_ms,
                                               wait_time_in_seconds)
            held = True
            heartbeat = asyncio.get_running_loop().create_task(
                self._keep_alive(conversation_id, token, ttl_ms, lock_lifetime))
            yield TicketLock(conversation_id, deque([Ticket(number, time.time() + lock_lifetime)]))
        finally:
            if heartbeat is not None:
                heartbeat.cancel()
            # Shielded: a cancellation arriving now must not leave the ticket blocking the queue.
            await asyncio.shield(self._release(conversation_id, token, release_retries, held))

    async def close(self) -> None:
        """Close the connections (the next lock() connects again)."""
        state, self._state = self._state, None
        if state is not None:
            await state.client.close()

    def keys(self, conversation_id: str) -> tuple[str, str, str]:
        """The queue key, counter key and ticket key prefix of `conversation_id`."""
        base = f"{self.key_prefix}{conversation_id}:"
        return base + "queue", base + "counter", base + "ticket:"

    def _loop_state(self) -> _LoopState:
        # redis.asyncio connections and asyncio locks belong to the loop that made them.
        loop = asyncio.get_running_loop()
        if self._state is None or self._state.loop is not loop:
            client = redis.asyncio.Redis(**self.address.client_kwargs(), socket_timeout=self.socket_timeout,
                                         socket_connect_timeout=self.socket_timeout)
            scripts = {name: client.register_script(source)
                       for name, source in (("issue", _ISSUE), ("turn", _TURN), ("keep", _KEEP),
                                                 ("release", _RELEASE))}
            self._state = _LoopState(loop, client, scripts)
        return self._state

    @asynccontextmanager
    async def _in_arrival_order(self, conversation_id: str) -> AsyncIterator[None]:
        """Let one caller at a time issue a ticket for the conversation, first come first served.

        Concurrent scripts on separate connections may reach Redis in any order; this keeps the
        messages arriving at one server numbered in the order they arrived (asyncio.Lock is FIFO).
        """
        gates = self._loop_state().gates
        gate = gates.setdefault(conversation_id, _Gate())
        gate.users += 1
        try:
            async with gate.lock:
                yield
        finally:
            gate.users -= 1
            if gate.users == 0:
                del gates[conversation_id]

    async def _issue(self, conversation_id: str, token: str, lifetime_ms: int) -> int:
        async with self._in_arrival_order(conversation_id):
            number = await self._run("issue", conversation_id, [token, lifetime_ms])
        logger.debug("Issued ticket %s for conversation '%s'.", number, conversation_id)
        return number

    async def _wait_for_turn(self, conversation_id: str, token: str, number: int, lifetime_ms: int,
                             wait_time_in_seconds: float) -> int:
        """Wait until `token` is served, refreshing it; returns its (possibly new) ticket number."""
        # Look (and so refresh) well within the lifetime, or a patient waiter would expire.
        pause = max(0.001, min(wait_time_in_seconds, lifetime_ms / 3000))
        while True:
            ahead = await self._run("turn", conversation_id, [token, lifetime_ms])
            if ahead == 0:
                logger.debug("Acquired lock for conversation '%s' (ticket %s).", conversation_id, number)
                return number
            if ahead < 0:
                # Only if this process could not look for a whole lifetime, or Redis lost its data
                # (a restart without persistence): queue again rather than fail the message.
                logger.warning("Ticket %s for conversation '%s' expired while waiting; queueing again.",
                               number, conversation_id)
                number = await self._issue(conversation_id, token, lifetime_ms)
                continue
            await asyncio.sleep(pause)

    async def _keep_alive(self, conversation_id: str, token: str, ttl_ms: int, lifetime: float) -> None:
        """Refresh the held ticket every third of its time to live, until the lock lifetime is over."""
        deadline = time.monotonic() + lifetime
        while True:
            await asyncio.sleep(min(ttl_ms / 3000, max(0.0, deadline - time.monotonic())))
            if time.monotonic() >= deadline:
                return  # held for the whole lifetime: let it expire, as Rasa's lock would
            try:
                if not await self._run("keep", conversation_id, [token, ttl_ms], ()):
                    logger.warning("The lock of conversation '%s' expired while held.", conversation_id)
                    return
            except LockError as problem:  # Redis away for a moment: the next beat tries again
                logger.info("Could not refresh the lock of conversation '%s' (%s).", conversation_id, problem)

    async def _release(self, conversation_id: str, token: str, retries: tuple[float, ...],
                       held: bool) -> None:
        try:
            live = await self._run("release", conversation_id, [token], retries)
        except LockError as problem:
            if held:  # the message was handled; its ticket expires on its own within the lifetime
                logger.warning("Could not release the lock of conversation '%s' (%s); it expires by itself.",
                               conversation_id, problem)
            return
        if held and not live:
            logger.warning("The lock of conversation '%s' expired before it was released: the next "
                           "message may have started before this one finished.", conversation_id)

    async def _run(self, script: str, conversation_id: str, args: list[Any],
                   retries: tuple[float, ...] = RETRY_DELAYS_SECONDS) -> int:
        """Run a script, retrying after each of `retries` while Redis refuses connections; else LockError.

        A Redis that accepts but does not answer within the socket timeout is not retried: the
        message has waited long enough.
        """
        queue, counter, ticket_prefix = self.keys(conversation_id)
        for delay in (*retries, None):
            state = self._loop_state()
            try:
                return int(await state.scripts[script](keys=[queue, counter], args=[ticket_prefix, *args]))
            except redis.ConnectionError as error:
                if delay is None:
                    raise LockError(f"Redis lock store at {self.address} unreachable for conversation "
                                    f"'{conversation_id}': {error}") from error
                logger.info("Redis lock store at %s unreachable (%s); retrying in %.2f s.",
                            self.address, error, delay)
                await asyncio.sleep(delay)
            except redis.RedisError as error:  # a timeout, or an error reply
                raise LockError(f"Redis lock store at {self.address} failed for conversation "
                                f"'{conversation_id}': {error!r}") from error
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises
