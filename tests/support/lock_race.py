"""A stand-in for one Rasa server taking conversation locks: run as `python -m tests.support.lock_race`.

`race` mode prints `ready`, waits for a line on stdin (so several processes start at one moment),
then opens `count` locks on each of `conversations` conversations at once, in arrival order 0, 1,
2, ... per conversation; inside each, it counts itself into the conversation's Redis key
`holders:<conversation>` (INCR, which returns how many hold it now), sleeps `hold` seconds and
counts itself out. It prints one JSON line: `entered` (per conversation, the arrival numbers in the
order they got the lock), `holders` (the count each saw on entering), `errors` (LockErrors) and
`stuck` (messages still waiting after `give_up` seconds: the stock store can lose a ticket and then
wait forever).

`hold` mode takes the lock, prints `held <time.time()>` and sleeps until it is killed.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from typing import Any

import redis.asyncio
from rasa.core.lock_store import LockError, LockStore, RedisLockStore

from bot.rasa.stores.atomic_redis_lock import LIVENESS_SECONDS, AtomicRedisLockStore
from bot.shared.redis_url import parse_redis_url

HOLDERS_KEY = "holders:"


def make_store(kind: str, url: str, liveness: float = LIVENESS_SECONDS) -> LockStore:
    """Rasa's stock RedisLockStore (`stock`) or the project's AtomicRedisLockStore (`atomic`)."""
    address = parse_redis_url(url)
    if kind == "stock":
        return RedisLockStore(host=address.host, port=address.port, db=address.db, key_prefix="careercoach")
    return AtomicRedisLockStore(address, liveness=liveness)


async def race(store: LockStore, url: str, conversation: str, conversations: int, count: int, hold: float,
               lifetime: float, wait: float, give_up: float) -> dict[str, Any]:
    """Open `count` locks on each conversation at once; who got it in which order, how many held it."""
    counter = redis.asyncio.Redis(**parse_redis_url(url).client_kwargs())
    names = [f"{conversation}-{index}" for index in range(conversations)]
    entered: dict[str, list[int]] = {name: [] for name in names}
    holders: list[int] = []
    errors = stuck = 0

    async def served(name: str, number: int) -> None:
        async with store.lock(name, lock_lifetime=lifetime, wait_time_in_seconds=wait):
            entered[name].append(number)
            holders.append(int(await counter.incr(HOLDERS_KEY + name)))
            await asyncio.sleep(hold)
            await counter.decr(HOLDERS_KEY + name)

    async def message(name: str, number: int) -> None:
        nonlocal errors, stuck
        try:
            await asyncio.wait_for(served(name, number), timeout=give_up)
        except LockError:
            errors += 1
        except asyncio.TimeoutError:
            stuck += 1

    await asyncio.gather(*(message(name, number) for number in range(count) for name in names))
    await counter.close()
    return {"entered": entered, "holders": holders, "errors": errors, "stuck": stuck}


async def hold_forever(store: LockStore, conversation: str, lifetime: float) -> None:
    """Take the lock, say when, and keep it until the process is killed."""
    async with store.lock(conversation, lock_lifetime=lifetime, wait_time_in_seconds=0.05):
        print(f"held {time.time()}", flush=True)
        await asyncio.sleep(3600)


def main() -> None:
    """Parse the arguments and run one mode."""
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["race", "hold"])
    parser.add_argument("--store", choices=["stock", "atomic"], required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--conversation", required=True)
    parser.add_argument("--conversations", type=int, default=1)
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--hold", type=float, default=0.005)
    parser.add_argument("--lifetime", type=float, default=10.0)
    parser.add_argument("--wait", type=float, default=0.01)
    parser.add_argument("--give-up", type=float, default=30.0)
    parser.add_argument("--liveness", type=float, default=LIVENESS_SECONDS)
    args = parser.parse_args()
    store = make_store(args.store, args.url, args.liveness)
    if args.mode == "hold":
        asyncio.run(hold_forever(store, args.conversation, args.lifetime))
        return
    print("ready", flush=True)
    sys.stdin.readline()
    result = asyncio.run(race(store, args.url, args.conversation, args.conversations, args.count, args.hold,
                              args.lifetime, args.wait, args.give_up))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
