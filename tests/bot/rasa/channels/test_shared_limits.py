"""Rate limits shared between Rasa servers through a real Redis (bot/rasa/channels/shared_limits.py).

Two limiter sets on one Redis stand for two Rasa servers behind the load balancer: they spend one
budget, refill by Redis's clock, and each bucket expires when it would be full again. Two real
REST channel apps share a sender's limit the same way. When Redis is stopped or hangs, requests
are counted in the process's own buckets (never a 500), with one warning, and shared again once
Redis answers.
"""
from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import Iterator

import httpx
import pytest
import redis

from bot.rasa.channels import limits, shared_limits
from bot.rasa.channels.rest import GuardedRestInput
from bot.shared.redis_url import RedisAddress, parse_redis_url
from bot.shared.settings import ConfigurationError, RateLimit, get_settings, load_settings
from tests.support.channel_server import FakeAgent, serving_channels
from tests.support.redis_server import RedisServer, temporary_redis

LIMIT_VARIABLES = ("RASA_TRUSTED_PROXIES", "WEBCHAT_MESSAGE_LIMIT", "WEBCHAT_SESSION_LIMIT",
                   "REST_MESSAGE_LIMIT", "CLIENT_MESSAGE_LIMIT", "REDIS_URL")


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    """One throw-away redis-server for this module (each test flushes it)."""
    with temporary_redis() as server:
        yield server


@pytest.fixture
def shared_redis(redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[RedisServer]:
    """The Redis, empty and running, named by REDIS_URL; every other limit at its default."""
    if redis_server.process.poll() is not None:
        redis_server.start()
    redis.Redis.from_url(redis_server.url).flushdb()
    # A busy test machine can stall a round trip past the production timeout, and a request would
    # then be counted in the process: the shared budget is what these tests check.
    monkeypatch.setattr(shared_limits, "SOCKET_TIMEOUT_SECONDS", 5.0)
    for name in LIMIT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("REDIS_URL", redis_server.url)
    get_settings.cache_clear()
    yield redis_server
    get_settings.cache_clear()


def server_limits(**values: str) -> limits.Limits:
    """The limiters one Rasa server would build from the environment plus `values`."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in values.items():
            patch.setenv(name, value)
        return limits.Limits.from_settings(load_settings())


def say(url: str, sender: str, text: str = "hello") -> httpx.Response:
    """One REST message."""
    return httpx.post(url, json={"sender": sender, "message": text}, timeout=30)


def bucket_keys(server: RedisServer) -> list[str]:
    """The rate-limit keys in Redis."""
    return sorted(k.decode() for k in redis.Redis.from_url(server.url).keys(f"{shared_limits.KEY_PREFIX}:*"))


# -- the URL ---------------------------------------------------------------------------------------
def test_redis_urls_parse_to_an_address_that_never_shows_its_password() -> None:
    assert parse_redis_url("redis://localhost") == RedisAddress("localhost", 6379, 1)
    full = parse_redis_url("rediss://coach:p%40ss%3Aword@cache.internal:6380/3")
    assert full == RedisAddress("cache.internal", 6380, 3, "coach", "p@ss:word", True)
    assert full.client_kwargs() == {"host": "cache.internal", "port": 6380, "db": 3, "username": "coach",
                                    "password": "p@ss:word", "ssl": True}
    assert str(full) == "cache.internal:6380/3" and "word" not in repr(str(full))
    for bad in ("http://localhost:6379/1", "redis:///1", "redis://localhost/db", "redis://localhost:port/1"):
        with pytest.raises(ConfigurationError, match="REDIS_URL"):
            parse_redis_url(bad)


# -- two servers, one budget -------------------------------------------------------------------------
def test_two_servers_on_one_redis_spend_one_budget_all_or_nothing(shared_redis: RedisServer) -> None:
    one = server_limits(REST_MESSAGE_LIMIT="5,0.6", CLIENT_MESSAGE_LIMIT="3,0.6")  # refills 1 per 100 s
    two = server_limits(REST_MESSAGE_LIMIT="5,0.6", CLIENT_MESSAGE_LIMIT="3,0.6")
    assert one.rest_messages.shared is not two.rest_messages.shared  # separate clients, as two processes

    async def scenario() -> tuple[list[float], list[float], list[float]]:
        sender = [await limits.admit([(server.rest_messages, "s", 1.0)])
                  for server in (one, two, one, two, one, two, one)]
        via_admit = [await limits.admit([(server.client_messages, "203.0.113.9", 1.0),
                                         (server.rest_messages, "other", 1.0)])
                     for server in (one, two, one, two)]
        # The address's bucket is empty now: the sender's bucket must not have been spent either.
        after = [await limits.admit([(two.rest_messages, "other", 1.0)]) for _ in range(3)]
        return sender, via_admit, after

    sender, via_admit, after = asyncio.run(scenario())
    assert sender[:5] == [0.0] * 5
    assert sender[5] == pytest.approx(100.0, abs=1) and sender[6] == pytest.approx(100.0, abs=1)
    assert via_admit[:3] == [0.0] * 3 and via_admit[3] == pytest.approx(100.0, abs=1)
    assert after == [0.0, 0.0, pytest.approx(100.0, abs=1)]  # 5 tokens: 3 with the address, 2 alone
    assert one.rest_messages.wait("other", limits.now()) == 0 and len(one.rest_messages) == 0  # nothing here
    assert bucket_keys(shared_redis) == ["career_coach:rate:client_messages:203.0.113.9",
                                         "career_coach:rate:rest_messages:other",
                                         "career_coach:rate:rest_messages:s"]


def test_a_long_message_costs_more_and_never_more_than_a_burst_in_redis(shared_redis: RedisServer) -> None:
    server = server_limits(CLIENT_MESSAGE_LIMIT="50,60")

    async def scenario() -> list[float]:
        cost = limits.text_cost("a" * 1000)  # 20 tokens
        return [await limits.admit([(server.client_messages, "a", cost)]) for _ in range(3)] + [
            await limits.admit([(server.client_messages, "a", 99.0)])]

    waits = asyncio.run(scenario())
    assert waits[:2] == [0.0, 0.0]
    assert waits[2] == pytest.approx(10.0, abs=0.5)  # 10 left, 20 needed, 1 a second
    assert waits[3] == pytest.approx(40.0, abs=0.5)  # a cost above the burst counts as the burst


def test_buckets_refill_by_redis_time(shared_redis: RedisServer) -> None:
    server = server_limits(REST_MESSAGE_LIMIT="2,120")  # one token every 0.5 s

    async def scenario() -> tuple[list[float], float]:
        checks = [(server.rest_messages, "r", 1.0)]
        waits = [await limits.admit(checks) for _ in range(3)]
        await asyncio.sleep(waits[2] + 0.05)
        return waits, await limits.admit(checks)

    waits, later = asyncio.run(scenario())
    assert waits[:2] == [0.0, 0.0] and 0 < waits[2] <= 0.5
    assert later == 0.0


def test_each_bucket_expires_when_full_again_so_redis_memory_is_bounded(shared_redis: RedisServer) -> None:
    server = server_limits(REST_MESSAGE_LIMIT="4,60")  # one token a second: one spent is refilled in 1 s
    client = redis.Redis.from_url(shared_redis.url)

    async def scenario() -> list[int]:
        ttls = []
        for n in range(200):
            assert await limits.admit([(server.rest_messages, f"learner-{n}", 1.0)]) == 0
            ttls.append(client.pttl(f"{shared_limits.KEY_PREFIX}:rest_messages:learner-{n}"))
        assert await limits.admit([(server.rest_messages, "learner-0", 3.0)]) == 0
        ttls.append(client.pttl(f"{shared_limits.KEY_PREFIX}:rest_messages:learner-0"))
        return ttls

    ttls = asyncio.run(scenario())
    assert all(0 < ttl <= 1000 for ttl in ttls[:-1]), ttls[:5]
    assert 3000 < ttls[-1] <= 4000  # empty: full again after 4 s
    deadline = time.monotonic() + 10
    while client.dbsize() > 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert bucket_keys(shared_redis) == ["career_coach:rate:rest_messages:learner-0"]


def test_two_rest_channel_apps_share_a_senders_limit(shared_redis: RedisServer,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REST_MESSAGE_LIMIT", "4,0.6")
    get_settings.cache_clear()
    with serving_channels([GuardedRestInput()], FakeAgent()) as first, \
            serving_channels([GuardedRestInput()], FakeAgent()) as second:
        urls = [base + "/webhooks/rest/webhook" for base in (first, second)]
        codes = [say(urls[n % 2], "busy", f"question {n}").status_code for n in range(6)]
        assert codes == [200, 200, 200, 200, 429, 429]
        refused = say(urls[1], "busy")
        assert refused.headers["retry-after"] == "100" and "wait 100 seconds" in refused.json()[0]["text"]
        shared_redis.stop()
        answered = say(urls[0], "busy", "while redis is down")  # its own bucket in this process: full
        assert answered.status_code == 200 and answered.json()[0]["text"] == "You asked: while redis is down"


# -- Redis unreachable -------------------------------------------------------------------------------
def test_with_redis_down_requests_use_the_process_buckets_with_one_warning_then_redis_again(
        shared_redis: RedisServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(shared_limits, "RETRY_AFTER_FAILURE_SECONDS", 0.0)
    monkeypatch.setattr(limits, "_fallback_warning", limits._FallbackWarning())
    server = server_limits(REST_MESSAGE_LIMIT="3,0.6")
    checks = [(server.rest_messages, "k", 1.0)]

    async def scenario() -> tuple[list[float], list[float], list[float]]:
        assert await limits.admit(checks) == 0  # in Redis
        shared_redis.stop()
        down = [await limits.admit(checks) for _ in range(4)]
        shared_redis.start()  # an empty Redis (no append-only file): a full bucket again
        back = [await limits.admit(checks) for _ in range(4)]
        shared_redis.stop()
        again = [await limits.admit(checks) for _ in range(2)]
        return down, back, again

    with caplog.at_level(logging.INFO):
        down, back, again = asyncio.run(scenario())
    assert down[:3] == [0.0] * 3 and down[3] == pytest.approx(100.0, abs=1)  # still limited, here
    assert back[:3] == [0.0] * 3 and back[3] == pytest.approx(100.0, abs=1)  # Redis's bucket, not this one
    assert again == [pytest.approx(100.0, abs=1)] * 2  # the process's bucket is still empty
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and r.name == limits.__name__]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert "Rate limits are not shared" in warnings[0].getMessage()
    assert str(parse_redis_url(shared_redis.url)) in warnings[0].getMessage()
    assert any("shared through Redis" in r.getMessage() and "again" in r.getMessage()
               for r in caplog.records if r.name == shared_limits.__name__)


def test_a_redis_that_never_answers_costs_a_request_at_most_the_socket_timeout(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "_fallback_warning", limits._FallbackWarning())
    with socket.socket() as silent:  # accepts connections (the backlog) and never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        store = shared_limits.SharedBuckets(RedisAddress("127.0.0.1", silent.getsockname()[1]))
        limiter = limits.RateLimiter(RateLimit(2, 60.0), name="rest_messages", shared=store)

        async def scenario() -> tuple[list[float], float]:
            started = time.monotonic()
            waits = [await limits.admit([(limiter, "k", 1.0)]) for _ in range(3)]
            return waits, time.monotonic() - started

        waits, took = asyncio.run(scenario())
    assert waits[:2] == [0.0, 0.0] and waits[2] == pytest.approx(1.0, abs=0.1)  # the process clock
    assert took < 3 * shared_limits.SOCKET_TIMEOUT_SECONDS  # one timeout, then a short pause of Redis
