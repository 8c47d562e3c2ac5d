"""The atomic Redis lock store (bot/rasa/stores/atomic_redis_lock.py) against a real redis-server.

Two OS processes stand for two Rasa servers taking one conversation's lock at the same moment:
with Rasa's stock RedisLockStore both hold it at once (rasa #9213), with the atomic store never,
and each process's messages are served in the order they arrived. A holder killed with SIGKILL
blocks the conversation for its lifetime and no longer; Redis stopping turns lock() into a
LockError (a hung one too, after the socket timeout), and once every lock is released no key is
left under the prefix.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from rasa.core.lock_store import LockError

from bot.rasa.stores.atomic_redis_lock import AtomicRedisLockStore
from bot.shared.redis_url import parse_redis_url
from tests.support.redis_server import RedisServer, temporary_redis

REPO_ROOT = Path(__file__).resolve().parents[4]
PREFIX = "careercoach:lock:*"
STOCK_ROUNDS = 5  # the stock store has always overlapped in the first round; this bounds the search
PROCESS_TIMEOUT_SECONDS = 60


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    """One throw-away redis-server for the module, append-only so a restart keeps the tickets."""
    with temporary_redis(appendonly=True) as server:
        yield server


@pytest.fixture
def server(redis_server: RedisServer) -> RedisServer:
    """The module's Redis, running and empty."""
    if redis_server.process.poll() is not None:
        redis_server.start()
    redis.Redis.from_url(redis_server.url).flushdb()
    return redis_server


def lock_keys(server: RedisServer) -> list[bytes]:
    """Every key the lock stores left behind."""
    return sorted(redis.Redis.from_url(server.url).keys(PREFIX))


def worker(*args: str) -> subprocess.Popen[str]:
    """A `python -m tests.support.lock_race` process (a stand-in for one Rasa server)."""
    return subprocess.Popen([sys.executable, "-m", "tests.support.lock_race", *args], cwd=REPO_ROOT, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})


# The stock store's race: 40 conversations, one message each per process, held 0.2 s so that two
# holders of one ticket overlap in time. It also loses tickets and leaves waiters waiting forever
# (the lock key has no expiry), hence each message's `give_up`.
STOCK_RACE = {"conversations": 40, "count": 1, "hold": 0.2}
# One busy conversation: 25 messages at once from each process.
BUSY_CONVERSATION = {"conversations": 1, "count": 25, "hold": 0.005}


def race_round(server: RedisServer, store: str, conversation: str, give_up: float,
               workload: dict[str, Any]) -> list[dict[str, Any]]:
    """Start two racing workers, release them at one moment, and collect what each saw."""
    options = [f"--{name}={value}" for name, value in workload.items()]
    workers = [worker("race", "--store", store, "--url", server.url, "--conversation", conversation,
                      "--give-up", str(give_up), *options) for _ in range(2)]
    try:
        for process in workers:
            assert process.stdout is not None and process.stdout.readline().strip() == "ready"
        for process in workers:
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        return [json.loads(process.communicate(timeout=PROCESS_TIMEOUT_SECONDS)[0]) for process in workers]
    finally:
        for process in workers:
            if process.poll() is None:
                process.kill()
                process.wait()


def test_two_servers_both_hold_the_stock_rasa_lock_at_once(server: RedisServer) -> None:
    """The bug being fixed: Rasa's read-modify-write tickets let two processes in together."""
    overlaps = 0
    for round_number in range(STOCK_ROUNDS):
        results = race_round(server, "stock", f"stock{round_number}", 2.0, STOCK_RACE)
        overlaps = sum(1 for result in results for holders in result["holders"] if holders > 1)
        entries = sum(len(result["holders"]) for result in results)
        lost = sum(result["stuck"] + result["errors"] for result in results)
        print(f"stock RedisLockStore, round {round_number}: {overlaps} of {entries} entries found "
              f"another holder; {lost} messages stuck or failed")
        if overlaps:
            break
    assert overlaps > 0


@pytest.mark.parametrize("workload", [STOCK_RACE, BUSY_CONVERSATION], ids=["stock-race", "busy-conversation"])
def test_two_servers_take_the_atomic_lock_one_at_a_time_in_arrival_order(server: RedisServer,
                                                                         workload: dict[str, Any]) -> None:
    results = race_round(server, "atomic", "atomic", PROCESS_TIMEOUT_SECONDS / 2, workload)
    for result in results:
        assert (result["errors"], result["stuck"]) == (0, 0)
        # this process's messages to each conversation, in the order they arrived
        assert all(entered == list(range(workload["count"])) for entered in result["entered"].values())
        assert set(result["holders"]) == {1}  # never a second holder, from this process or the other
    assert lock_keys(server) == []


def test_waiters_keep_their_place_past_the_lifetime_and_conversations_do_not_block(
        server: RedisServer, caplog: pytest.LogCaptureFixture) -> None:
    """Waiting longer than one lifetime keeps a waiter's ticket; another conversation never waits."""
    store = AtomicRedisLockStore(parse_redis_url(server.url))
    served: list[tuple[str, int]] = []

    async def message(name: str, hold: float) -> None:
        async with store.lock("queued", lock_lifetime=1.0, wait_time_in_seconds=0.05) as ticket_lock:
            served.append((name, ticket_lock.tickets[0].number))
            await asyncio.sleep(hold)

    async def scenario() -> None:
        first = asyncio.create_task(message("first", 0.7))
        second = asyncio.create_task(message("second", 0.7))
        third = asyncio.create_task(message("third", 0.0))  # waits about 1.4 s, longer than its lifetime
        await asyncio.sleep(0.2)
        async with store.lock("elsewhere", lock_lifetime=1.0):  # does not wait for "queued"
            served.append(("elsewhere", 0))
        await asyncio.gather(first, second, third)
        await store.close()

    with caplog.at_level(logging.WARNING, logger="bot.rasa.stores.atomic_redis_lock"):
        asyncio.run(asyncio.wait_for(scenario(), timeout=20))
    assert served == [("first", 1), ("elsewhere", 0), ("second", 2), ("third", 3)]
    assert caplog.records == []  # no ticket expired, none was queued again
    assert lock_keys(server) == []


def test_a_cancelled_waiter_leaves_no_ticket(server: RedisServer) -> None:
    store = AtomicRedisLockStore(parse_redis_url(server.url))
    queue = store.keys("cancel")[0]
    plain = redis.Redis.from_url(server.url)

    async def scenario() -> None:
        async with store.lock("cancel", wait_time_in_seconds=0.05):
            waiter = asyncio.create_task(store.lock("cancel", wait_time_in_seconds=0.05).__aenter__())
            while plain.zcard(queue) < 2:
                await asyncio.sleep(0.01)
            waiter.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiter
            assert plain.zcard(queue) == 1  # only the holder's ticket is left
        await store.close()

    asyncio.run(asyncio.wait_for(scenario(), timeout=20))
    assert lock_keys(server) == []


def test_a_killed_holder_blocks_the_conversation_for_its_lifetime_only(server: RedisServer) -> None:
    lifetime = 2.0
    holder = worker("hold", "--store", "atomic", "--url", server.url, "--conversation", "killed",
                    "--lifetime", str(lifetime))
    try:
        assert holder.stdout is not None
        line = holder.stdout.readline().split()
        assert line[0] == "held", line
        held_at = float(line[1])
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    store = AtomicRedisLockStore(parse_redis_url(server.url))

    async def next_message() -> float:
        async with store.lock("killed", lock_lifetime=lifetime, wait_time_in_seconds=0.05):
            acquired_at = time.time()
        await store.close()
        return acquired_at

    acquired_at = asyncio.run(asyncio.wait_for(next_message(), timeout=lifetime + 15))
    assert acquired_at >= held_at + lifetime - 0.1  # not before the dead holder's ticket expired
    assert lock_keys(server) == []


def test_a_killed_holders_ticket_goes_within_its_liveness_long_before_the_lifetime(server: RedisServer) -> None:
    lifetime, liveness = 60.0, 1.0  # Rasa's 60 s lifetime; the dead server's ticket is not refreshed
    holder = worker("hold", "--store", "atomic", "--url", server.url, "--conversation", "dead",
                    "--lifetime", str(lifetime), "--liveness", str(liveness))
    try:
        assert holder.stdout is not None
        line = holder.stdout.readline().split()
        assert line[0] == "held", line
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    store = AtomicRedisLockStore(parse_redis_url(server.url), liveness=liveness)

    async def next_message() -> None:
        async with store.lock("dead", lock_lifetime=lifetime, wait_time_in_seconds=0.05):
            pass
        await store.close()

    asyncio.run(asyncio.wait_for(next_message(), timeout=lifetime / 2))  # not blocked for the lifetime
    assert lock_keys(server) == []


def test_a_live_holder_keeps_the_lock_past_its_liveness(server: RedisServer) -> None:
    store = AtomicRedisLockStore(parse_redis_url(server.url), liveness=0.3)
    order: list[str] = []

    async def holder() -> None:
        async with store.lock("long", lock_lifetime=10.0, wait_time_in_seconds=0.05):
            order.append("held")
            await asyncio.sleep(1.5)  # five times the liveness: only the heartbeat keeps the ticket
            order.append("released")

    async def waiter() -> None:
        await asyncio.sleep(0.1)
        async with store.lock("long", lock_lifetime=10.0, wait_time_in_seconds=0.05):
            order.append("next")

    async def scenario() -> None:
        await asyncio.gather(holder(), waiter())
        await store.close()

    asyncio.run(asyncio.wait_for(scenario(), timeout=20))
    assert order == ["held", "released", "next"]
    assert lock_keys(server) == []


def test_redis_restarts_give_lock_errors_while_down_and_leave_no_ticket(server: RedisServer) -> None:
    store = AtomicRedisLockStore(parse_redis_url(server.url))

    async def scenario() -> None:
        # Held across a restart: the append-only file keeps the ticket, and releasing removes it.
        async with store.lock("restart", lock_lifetime=30):
            server.stop()
            with pytest.raises(LockError):
                async with store.lock("other", lock_lifetime=30):
                    pass  # pragma: no cover - Redis is down
            server.start()
        assert lock_keys(server) == []
        # Released while Redis is down: the ticket stays until its lifetime, then the next one proceeds.
        async with store.lock("restart", lock_lifetime=3.0):
            server.stop()
        server.start()
        assert len(lock_keys(server)) == 3  # counter, queue and the unreleased ticket
        async with store.lock("restart", lock_lifetime=3.0, wait_time_in_seconds=0.05):
            pass
        await store.close()

    asyncio.run(asyncio.wait_for(scenario(), timeout=30))
    assert lock_keys(server) == []


def test_a_hung_redis_fails_the_message_after_the_socket_timeout(server: RedisServer) -> None:
    """SIGSTOP: connections are accepted but never answered; lock() gives up instead of hanging."""
    store = AtomicRedisLockStore(parse_redis_url(server.url), socket_timeout=0.3)

    async def scenario() -> None:
        async with store.lock("hung", lock_lifetime=1.0):
            pass  # connected and warmed up
        server.process.send_signal(signal.SIGSTOP)
        try:
            with pytest.raises(LockError, match="failed"):
                async with store.lock("hung", lock_lifetime=1.0):
                    pass  # pragma: no cover - Redis does not answer
        finally:
            server.process.send_signal(signal.SIGCONT)
        # Redis may still run the unanswered script: that ticket then expires within its lifetime.
        async with store.lock("hung", lock_lifetime=1.0, wait_time_in_seconds=0.05):
            pass
        await store.close()

    asyncio.run(asyncio.wait_for(scenario(), timeout=20))
    assert lock_keys(server) == []
