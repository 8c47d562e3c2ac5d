"""Request size cap and rate limits on the Rasa server (bot/rasa/channels/limits.py).

Token buckets with a frozen clock, the client address behind trusted and untrusted proxies,
the settings, and Rasa's real Sanic app with every channel of credentials.yml: a 100 KB body
gets 413 on each, and REST messages past a sender's or an address's burst get a polite 429.
"""
from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from rasa.core.run import create_http_input_channels
from sanic.compat import Header

from bot.rasa.channels import limits
from bot.rasa.channels.rest import GuardedRestInput
from bot.shared.settings import (
    LIMITS_OFF,
    REST_MESSAGE_LIMIT,
    ConfigurationError,
    RateLimit,
    get_settings,
    load_settings,
)
from tests.support.channel_server import FakeAgent, serving_channels
from tests.support.clock import ManualClock

CREDENTIALS = Path(__file__).resolve().parents[4] / "credentials.yml"
LIMIT_VARIABLES = ("RASA_MAX_REQUEST_BYTES", "RASA_TRUSTED_PROXIES", "WEBCHAT_MESSAGE_LIMIT",
                   "WEBCHAT_SESSION_LIMIT", "REST_MESSAGE_LIMIT", "CLIENT_MESSAGE_LIMIT",
                   "WEBCHAT_IDLE_HOURS", "REDIS_URL")


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> ManualClock:
    """The limiter's clock, frozen until the test moves it."""
    frozen = ManualClock()
    monkeypatch.setattr(limits, "now", frozen)
    return frozen


@pytest.fixture(autouse=True)
def default_limits(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every limit at its default unless a test sets one."""
    for name in LIMIT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def use_env(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    """Set limit variables for the servers this test starts."""
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()


# -- token buckets ------------------------------------------------------------------------------
def test_a_bucket_allows_its_burst_then_one_request_per_refill_interval() -> None:
    limiter = limits.RateLimiter(RateLimit(3, 30.0))  # then one every 2 s
    for _ in range(3):
        assert limiter.wait("a", 0.0) == 0
        limiter.take("a", 0.0)
    assert limiter.wait("a", 0.0) == pytest.approx(2.0)
    assert limiter.wait("a", 1.5) == pytest.approx(0.5)
    assert limiter.wait("b", 0.0) == 0  # other keys have their own bucket
    assert limiter.wait("a", 2.0) == 0


def test_admit_takes_nothing_when_any_bucket_is_empty(clock: ManualClock) -> None:
    roomy, tight = limits.RateLimiter(RateLimit(5, 60.0)), limits.RateLimiter(RateLimit(1, 60.0))

    def admit() -> float:
        return asyncio.run(limits.admit([(roomy, "k", 1), (tight, "k", 1)]))

    assert admit() == 0
    assert admit() == pytest.approx(1.0)
    assert roomy.wait("k", clock.value) == 0 and len(roomy) == 1
    clock.value += 1
    assert admit() == 0


def test_a_long_message_costs_its_address_more_tokens() -> None:
    texts = ("", "hi", "a" * 50, "a" * 51, "a" * 1000, "a" * 60_000, None)
    assert [limits.text_cost(t) for t in texts] == [1, 1, 1, 2, 20, 20, 1]  # only the first 1,000 are read
    limiter = limits.RateLimiter(RateLimit(50, 60.0))
    limiter.take("a", 0.0, limits.text_cost("a" * 1000))
    limiter.take("a", 0.0, limits.text_cost("a" * 1000))
    assert limiter.wait("a", 0.0, 20) == pytest.approx(10.0)
    assert limiter.wait("a", 0.0, 99) == pytest.approx(40.0)  # never more than a full burst


def test_memory_stays_bounded_idle_buckets_go_and_the_oldest_beyond_the_cap() -> None:
    limiter = limits.RateLimiter(RateLimit(2, 60.0), max_keys=100)  # full again after 2 s
    for n in range(1000):
        limiter.take(f"key-{n}", n * 0.001)
    assert len(limiter) == 100
    limiter.take("late", 10.0)
    assert len(limiter) == 1


def test_a_switched_off_limit_admits_everything() -> None:
    limiter = limits.RateLimiter(LIMITS_OFF)
    for _ in range(100):
        limiter.take("a", 0.0)
    assert limiter.wait("a", 0.0) == 0 and len(limiter) == 0


# -- client address -------------------------------------------------------------------------------
def fake_request(peer: str, *forwarded: str) -> Any:
    return SimpleNamespace(ip=peer, headers=Header([("x-forwarded-for", f) for f in forwarded]))


@pytest.mark.parametrize(("peer", "forwarded", "trusted", "expected"), [
    ("203.0.113.5", ["198.51.100.7"], [], "203.0.113.5"),  # nobody trusted: the header is ignored
    ("127.0.0.1", ["198.51.100.7"], [], "127.0.0.1"),
    ("10.0.0.2", ["198.51.100.7"], ["10.0.0.0/8"], "198.51.100.7"),
    ("10.0.0.2", ["1.2.3.4, 198.51.100.7"], ["10.0.0.0/8"], "198.51.100.7"),  # the left part is the client's say
    ("10.0.0.2", ["198.51.100.7, 10.0.0.9"], ["10.0.0.0/8"], "198.51.100.7"),  # two of our proxies
    ("10.0.0.2", ["1.2.3.4", "198.51.100.7"], ["10.0.0.0/8"], "198.51.100.7"),  # several headers
    ("10.0.0.2", ["junk, 198.51.100.7"], ["10.0.0.0/8"], "198.51.100.7"),
    ("10.0.0.2", ["198.51.100.7, junk"], ["10.0.0.0/8"], "10.0.0.2"),
    ("10.0.0.2", [], ["10.0.0.0/8"], "10.0.0.2"),
    ("203.0.113.5", ["198.51.100.7"], ["10.0.0.0/8"], "203.0.113.5"),  # not from our proxy
    ("::1", ["2001:db8::1"], ["::1"], "2001:db8::1"),
])
def test_the_client_address_trusts_forwarded_for_only_from_a_trusted_proxy(
        monkeypatch: pytest.MonkeyPatch, peer: str, forwarded: list[str], trusted: list[str],
        expected: str) -> None:
    use_env(monkeypatch, RASA_TRUSTED_PROXIES=",".join(trusted))
    proxies = limits.Limits.from_settings(load_settings()).trusted_proxies
    assert limits.client_address(fake_request(peer, *forwarded), proxies) == expected


# -- settings -----------------------------------------------------------------------------------
def test_limits_are_configurable_and_bad_values_fail_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().rest_message_limit == REST_MESSAGE_LIMIT
    assert load_settings().max_request_bytes == 64 * 1024 and load_settings().webchat_idle_hours == 24
    use_env(monkeypatch, REST_MESSAGE_LIMIT="5, 12", CLIENT_MESSAGE_LIMIT="off",
            RASA_TRUSTED_PROXIES="10.0.0.0/8, 127.0.0.1", WEBCHAT_IDLE_HOURS="0.5")
    settings = load_settings()
    assert settings.rest_message_limit == RateLimit(5, 12.0)
    assert settings.client_message_limit == LIMITS_OFF
    assert settings.trusted_proxies == ("10.0.0.0/8", "127.0.0.1/32")
    assert settings.webchat_idle_hours == 0.5
    assert settings.describe()["CLIENT_MESSAGE_LIMIT"] == "off"
    assert settings.describe()["REST_MESSAGE_LIMIT"] == "5 at once, then 12/min"
    for name, bad in [("REST_MESSAGE_LIMIT", "lots"), ("REST_MESSAGE_LIMIT", "0,5"),
                      ("WEBCHAT_SESSION_LIMIT", "5,-1"), ("RASA_TRUSTED_PROXIES", "proxy.example"),
                      ("WEBCHAT_IDLE_HOURS", "never"), ("RASA_MAX_REQUEST_BYTES", "0")]:
        use_env(monkeypatch, **{name: bad})
        with pytest.raises(ConfigurationError, match=name):
            load_settings()
        monkeypatch.delenv(name)


# -- on Rasa's own Sanic app ------------------------------------------------------------------------
class AnsweringAgent(FakeAgent):
    """The stand-in agent, also answering what Rasa's channel handler hands it (REST)."""

    async def handle_message(self, message: Any) -> None:
        """Rasa's Agent.handle_message: the processor stores and answers."""
        await self.processor.handle_message(message)


BIG = 100 * 1024


@pytest.fixture
def credentials_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Channels built as `rasa run` builds them, with generated secrets kept in a temporary folder."""
    monkeypatch.setenv("COACH_VAR_DIR", str(tmp_path))
    get_settings.cache_clear()


@pytest.mark.usefixtures("credentials_env")
def test_a_100_kb_body_gets_413_on_every_channel_and_the_server_keeps_serving() -> None:
    channels = create_http_input_channels(None, str(CREDENTIALS))
    names = {type(c).name() for c in channels}
    assert {"rest", "webchat", "telegram", "adviser"} <= names
    routes = ["/webhooks/rest/webhook", "/webhooks/webchat/messages", "/webhooks/webchat/session",
              "/webhooks/telegram/webhook", "/webhooks/adviser/reply"]
    big = json.dumps({"sender": "big", "message": "a" * BIG, "id": "big-00001", "text": "a" * BIG}).encode()
    with serving_channels(channels, AnsweringAgent()) as base, httpx.Client(timeout=30) as client:
        for route in routes:
            reply = client.post(base + route, content=big, headers={"Content-Type": "application/json"})
            assert reply.status_code == 413, (route, reply.status_code, reply.text[:200])
            assert reply.json() == {"error": "The request is too large (at most 65,536 bytes)."}
        ok = client.post(base + "/webhooks/rest/webhook", json={"sender": "small", "message": "hello"})
        assert ok.status_code == 200 and ok.json()[0]["text"] == "You asked: hello"
        assert client.post(base + "/webhooks/webchat/session").status_code == 201


def test_the_cap_follows_its_setting_and_a_body_under_it_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    use_env(monkeypatch, RASA_MAX_REQUEST_BYTES="200000")
    with serving_channels([GuardedRestInput(), *[c for c in create_http_input_channels(None, str(CREDENTIALS))
                                                   if type(c).name() == "webchat"]],
                          AnsweringAgent()) as base:
        reply = httpx.post(base + "/webhooks/rest/webhook", json={"sender": "s", "message": "a" * BIG}, timeout=30)
    assert reply.status_code == 200 and "only the first 1,000 characters" in reply.json()[0]["text"]


@pytest.fixture
def rest(clock: ManualClock) -> Iterator[str]:
    """The REST channel (and the web chat, which caps bodies) on Rasa's app, with a frozen clock."""
    channels = [GuardedRestInput(), *[c for c in create_http_input_channels(None, str(CREDENTIALS))
                                      if type(c).name() == "webchat"]]
    with serving_channels(channels, AnsweringAgent()) as base:
        yield base + "/webhooks/rest/webhook"


def say(url: str, sender: str, text: str = "hello", **headers: str) -> httpx.Response:
    return httpx.post(url, json={"sender": sender, "message": text}, headers=headers, timeout=30)


def test_rest_messages_past_a_senders_burst_get_a_polite_429_until_the_bucket_refills(
        rest: str, clock: ManualClock) -> None:
    interval = 60 / REST_MESSAGE_LIMIT.per_minute  # seconds until the next message is allowed
    for n in range(REST_MESSAGE_LIMIT.burst):
        assert say(rest, "fast", f"question {n}").status_code == 200
    refused = say(rest, "fast", "one more")
    assert refused.status_code == 429 and refused.headers["retry-after"] == str(limits.retry_after(interval))
    assert refused.json() == [{"recipient_id": "fast", "text": limits.slow_down(interval)}]
    assert f"wait {limits.seconds_text(interval)}" in refused.json()[0]["text"]
    assert say(rest, "someone-else").status_code == 200  # another learner is not slowed down
    clock.value += interval
    assert say(rest, "fast", "after a pause").json()[0]["text"] == "You asked: after a pause"


def test_rest_messages_past_an_addresss_burst_are_refused_whatever_the_sender(
        monkeypatch: pytest.MonkeyPatch, clock: ManualClock) -> None:
    # The test's socket peer is loopback: it stands for our reverse proxy, which names the client.
    use_env(monkeypatch, CLIENT_MESSAGE_LIMIT="5,60", RASA_TRUSTED_PROXIES="127.0.0.1")
    client = {"X-Forwarded-For": "203.0.113.9"}
    with serving_channels([GuardedRestInput()], AnsweringAgent()) as base:
        url = base + "/webhooks/rest/webhook"
        assert [say(url, f"sender-{n}", **client).status_code for n in range(6)] == [200] * 5 + [429]
        clock.value += 1
        assert say(url, "sender-y", **client).status_code == 200
        clock.value += 4
        assert say(url, "sender-z", "a" * 600, **client).status_code == 429  # a long message takes the whole burst
        clock.value += 1
        assert say(url, "sender-z", "a" * 600, **client).status_code == 200


def test_this_machines_own_clients_have_no_per_address_limit_but_a_per_sender_one(
        monkeypatch: pytest.MonkeyPatch, clock: ManualClock) -> None:
    """Loopback is the operator's tools and tests, or an untrusted local proxy carrying every learner."""
    use_env(monkeypatch, CLIENT_MESSAGE_LIMIT="5,60", REST_MESSAGE_LIMIT="3,60")
    with serving_channels([GuardedRestInput()], AnsweringAgent()) as base:
        url = base + "/webhooks/rest/webhook"
        assert [say(url, f"learner-{n}").status_code for n in range(8)] == [200] * 8
        # X-Forwarded-For from a peer that is not a trusted proxy is the client's own say: ignored.
        assert say(url, "learner-x", **{"X-Forwarded-For": "198.51.100.7"}).status_code == 200
        assert [say(url, "one-learner").status_code for _ in range(4)] == [200, 200, 200, 429]


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_bucket(
        monkeypatch: pytest.MonkeyPatch, clock: ManualClock) -> None:
    use_env(monkeypatch, CLIENT_MESSAGE_LIMIT="2,60", RASA_TRUSTED_PROXIES="127.0.0.1")
    with serving_channels([GuardedRestInput()], AnsweringAgent()) as base:
        url = base + "/webhooks/rest/webhook"
        first = {"X-Forwarded-For": "198.51.100.7"}
        assert [say(url, f"a-{n}", **first).status_code for n in range(3)] == [200, 200, 429]
        assert say(url, "b-0", **{"X-Forwarded-For": "198.51.100.8"}).status_code == 200
