"""Request size cap and rate limits for the Rasa server's learner channels (buckets here or in Redis).

- **Size**: every request body to the Rasa app is capped at RASA_MAX_REQUEST_BYTES (64 KB).
  Sanic reads `REQUEST_MAX_SIZE` when it accepts a connection and refuses a larger body from its
  Content-Length (or while reading a chunked one) before the handler runs: 413 with a short JSON
  error, and the connection is closed. The cap is set by a `before_server_start` listener that a
  channel blueprint registers (`install_body_cap`), so it holds for every channel and route.
- **Rate**: token buckets (a burst, then a steady rate) per web chat session, per REST sender,
  per client address for new web chat sessions, and per client address for messages on REST and
  web chat together, where a long message costs more (one token per `CHARS_PER_TOKEN` started
  characters of what the assistant reads, at most COACH_MAX_MESSAGE_CHARS). A refused request
  gets 429 with Retry-After and a polite "slow down" text.
- **Client address**: the socket's peer address, unless that peer is one of
  RASA_TRUSTED_PROXIES; only then is X-Forwarded-For read (from the right, skipping trusted hops).
- **Memory**: a bucket idle long enough to be full again is dropped; at most `MAX_KEYS` buckets
  per limit are kept in a process (the least recently used go first). In Redis each bucket
  expires when it would be full again.

Where the buckets live: with REDIS_URL set, in Redis (bot/rasa/channels/shared_limits.py), so
every Rasa server behind the load balancer spends one budget and Redis's clock refills it. When
Redis does not answer, the request is counted in this process's own buckets instead (fail open:
a Redis failure never causes a 500 or a refusal) and a warning is logged at most once a minute;
meanwhile the limits hold per server. Without REDIS_URL the buckets are this process's only (one
set per Sanic app), as in the embedded profile with its single Rasa server.
"""
from __future__ import annotations

import logging
import math
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network
from typing import Any, Optional, Union

from sanic import Blueprint, Sanic, response
from sanic.exceptions import PayloadTooLarge
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.rasa.channels.shared_limits import SharedBuckets, SharedLimitsUnavailableError
from bot.shared.redis_url import parse_redis_url
from bot.shared.settings import RateLimit, Settings, get_settings

logger = logging.getLogger(__name__)

MAX_KEYS = 50_000
CHARS_PER_TOKEN = 50
SLOW_DOWN = ("You're sending messages faster than I can answer. Please wait {seconds} "
             "before sending the next one.")
TOO_MANY_SESSIONS = ("Too many new conversations have been started from your network. "
                     "Please try again in {seconds}.")
TOO_LARGE = "The request is too large (at most {limit:,} bytes)."
FALLBACK_WARNING_SECONDS = 60.0  # how often "Redis does not answer" is logged while it lasts

Network = Union[IPv4Network, IPv6Network]


def now() -> float:
    """The limiter's clock (monotonic seconds); tests replace it."""
    return time.monotonic()


class RateLimiter:
    """Token buckets by key: `burst` requests at once, then `per_minute` more each minute."""

    def __init__(self, limit: RateLimit, max_keys: int = MAX_KEYS, name: str = "",
                 shared: Optional[SharedBuckets] = None) -> None:
        """A limit with burst 0 admits everything; with `shared`, its buckets are `name`'s in Redis."""
        self.burst = limit.burst
        self.per_second = limit.per_minute / 60.0
        self.max_keys = max_keys
        self.name = name
        self.shared = shared
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (tokens, at)

    @property
    def enabled(self) -> bool:
        """False when this limit is switched off."""
        return self.burst > 0 and self.per_second > 0

    def __len__(self) -> int:
        """How many buckets are held (bounded by `max_keys`)."""
        return len(self._buckets)

    def _tokens(self, key: str, at: float) -> float:
        entry = self._buckets.get(key)
        if entry is None:
            return float(self.burst)
        tokens, stamp = entry
        return min(float(self.burst), tokens + max(at - stamp, 0.0) * self.per_second)

    def wait(self, key: str, at: float, cost: float = 1.0) -> float:
        """Seconds until `key` may make a request costing `cost` tokens; 0 when it may now."""
        if not self.enabled:
            return 0.0
        cost, tokens = min(cost, self.burst), self._tokens(key, at)
        return 0.0 if tokens >= cost else (cost - tokens) / self.per_second

    def take(self, key: str, at: float, cost: float = 1.0) -> None:
        """Spend `cost` of `key`'s tokens (call after `wait` said 0)."""
        if not self.enabled:
            return
        self._buckets[key] = (self._tokens(key, at) - min(cost, self.burst), at)
        self._buckets.move_to_end(key)
        self._evict(at)

    def _evict(self, at: float) -> None:
        """Drop buckets that are full again (same as absent) and the oldest beyond `max_keys`."""
        refilled_after = self.burst / self.per_second
        while self._buckets:
            _key, (_tokens, stamp) = next(iter(self._buckets.items()))
            if len(self._buckets) <= self.max_keys and at - stamp < refilled_after:
                break
            self._buckets.popitem(last=False)


class _FallbackWarning:
    """Says at most once a minute that Redis does not answer, and how many requests were counted here."""

    def __init__(self) -> None:
        self.said_at: Optional[float] = None
        self.unsaid = 0

    def note(self, problem: SharedLimitsUnavailableError) -> None:
        self.unsaid += 1
        stamp = time.monotonic()
        if self.said_at is not None and stamp - self.said_at < FALLBACK_WARNING_SECONDS:
            return
        logger.warning("Rate limits are not shared (%s): %d request(s) counted in this Rasa process "
                       "only, so each server allows the full limits until Redis answers.",
                       problem, self.unsaid)
        self.said_at, self.unsaid = stamp, 0


_fallback_warning = _FallbackWarning()


async def admit(checks: Sequence[tuple[RateLimiter, Optional[str], float]]) -> float:
    """Take the cost from every (limiter, key, cost) if all have it; else take none. Seconds to wait.

    A check whose key is None does not apply (a per-address limit for this machine's own clients).
    Shared limiters are asked of Redis in one atomic step; if Redis does not answer, they are
    counted in this process's buckets for this request.
    """
    applying = [(limiter, key, cost) for limiter, key, cost in checks
                if key is not None and limiter.enabled]
    stores = {limiter.shared for limiter, _key, _cost in applying}
    store = stores.pop() if len(stores) == 1 else None  # one Redis for all, as from_settings makes them
    if store is not None:
        try:
            return await store.admit([(limiter.name, key, limiter.burst, limiter.per_second, cost)
                                      for limiter, key, cost in applying])
        except SharedLimitsUnavailableError as problem:
            _fallback_warning.note(problem)
    return _admit_here(applying)


def _admit_here(applying: Sequence[tuple[RateLimiter, str, float]]) -> float:
    """`admit` on this process's own buckets."""
    at = now()
    wait = max((limiter.wait(key, at, cost) for limiter, key, cost in applying), default=0.0)
    if wait > 0:
        return wait
    for limiter, key, cost in applying:
        limiter.take(key, at, cost)
    return 0.0


def text_cost(text: object) -> float:
    """Tokens a message costs its client address: one per `CHARS_PER_TOKEN` characters read.

    The assistant reads at most COACH_MAX_MESSAGE_CHARS; reading 1,000 characters costs it
    about 40 times what a short question does (measured by `python -m bench --only abuse`).
    """
    length = min(len(text), get_settings().max_message_chars) if isinstance(text, str) else 0
    return float(max(1, math.ceil(length / CHARS_PER_TOKEN)))


@dataclass
class Limits:
    """Every rate limiter of one Rasa server process (their buckets here or in the shared Redis)."""

    webchat_messages: RateLimiter
    webchat_sessions: RateLimiter
    rest_messages: RateLimiter
    client_messages: RateLimiter
    trusted_proxies: tuple[Network, ...]

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        """Limiters with the configured numbers, their buckets in Redis when REDIS_URL is set."""
        shared = SharedBuckets(parse_redis_url(settings.redis_url)) if settings.redis_url else None

        def limiter(name: str, limit: RateLimit) -> RateLimiter:
            return RateLimiter(limit, name=name, shared=shared)

        return cls(limiter("webchat_messages", settings.webchat_message_limit),
                   limiter("webchat_sessions", settings.webchat_session_limit),
                   limiter("rest_messages", settings.rest_message_limit),
                   limiter("client_messages", settings.client_message_limit),
                   tuple(ip_network(p) for p in settings.trusted_proxies))


def for_app(app: Sanic) -> Limits:
    """The limiters of this Sanic app, made on first use (one set per app and process)."""
    limits = getattr(app.ctx, "coach_limits", None)
    if limits is None:
        limits = Limits.from_settings(get_settings())
        app.ctx.coach_limits = limits
    return limits


def _address(raw: str) -> Optional[str]:
    try:
        return str(ip_address(raw.strip().strip("[]")))
    except ValueError:
        return None


def _trusted(address: Optional[str], proxies: Sequence[Network]) -> bool:
    return address is not None and any(ip_address(address) in network for network in proxies)


def client_address(request: Request, proxies: Sequence[Network]) -> str:
    """The client's IP address: the socket peer, or X-Forwarded-For when the peer is trusted."""
    peer = _address(request.ip or "")
    if peer is None:
        return request.ip or "unknown"
    if not _trusted(peer, proxies):
        return peer
    hops = [hop for header in request.headers.getall("x-forwarded-for", [])
            for hop in header.split(",") if hop.strip()]
    for hop in reversed(hops):  # the nearest hop was added by our own proxy; the left is the client's
        address = _address(hop)
        if address is None:
            return peer  # a malformed entry: the chain cannot be trusted beyond our proxy
        if not _trusted(address, proxies):
            return address
    first = _address(hops[0]) if hops else None
    return first or peer  # every hop is one of our proxies


def limited_address(request: Request, proxies: Sequence[Network]) -> Optional[str]:
    """The client address per-address limits count, or None for this machine's own clients.

    Loopback clients are the operator's tools and tests, or a reverse proxy on this machine that
    is not listed in RASA_TRUSTED_PROXIES; counting them as one client would make every learner
    behind such a proxy share one allowance. Per-session and per-sender limits still apply.
    """
    address = client_address(request, proxies)
    parsed = _address(address)
    return None if parsed is not None and ip_address(parsed).is_loopback else address


def seconds_text(seconds: float) -> str:
    """'1 second', '12 seconds', '3 minutes' for a wait, rounded up."""
    whole = max(1, math.ceil(seconds))
    if whole < 120:
        return f"{whole} second{'s' if whole != 1 else ''}"
    return f"{math.ceil(whole / 60)} minutes"


def retry_after(seconds: float) -> int:
    """The Retry-After value (whole seconds, at least 1) for a wait."""
    return max(1, math.ceil(seconds))


def slow_down(seconds: float) -> str:
    """The polite text for a learner who sends too fast."""
    return SLOW_DOWN.format(seconds=seconds_text(seconds))


async def rest_check(request: Request, sender: str) -> Optional[HTTPResponse]:
    """None if this REST message may go on; else 429 with the slow-down text as a reply list."""
    limits = for_app(request.app)
    body = request.json  # already parsed by the channel
    cost = text_cost(body.get("message") if isinstance(body, dict) else None)
    wait = await admit([(limits.client_messages, limited_address(request, limits.trusted_proxies), cost),
                        (limits.rest_messages, sender, 1.0)])
    if not wait:
        return None
    return response.json([{"recipient_id": sender, "text": slow_down(wait)}], status=429,
                         headers={"Retry-After": str(retry_after(wait))})


# -- request size ---------------------------------------------------------------------------------
def _too_large(request: Request, _exception: Exception) -> HTTPResponse:
    limit = int(request.app.config.REQUEST_MAX_SIZE)
    return response.json({"error": TOO_LARGE.format(limit=limit)}, status=413,
                         headers={"Connection": "close"})


def apply_body_cap(app: Sanic, limit: Optional[int] = None) -> None:
    """Cap request bodies on `app` (connections accepted from now on) and answer 413 as JSON."""
    app.config.REQUEST_MAX_SIZE = limit or get_settings().max_request_bytes
    app.error_handler.add(PayloadTooLarge, _too_large)


def install_body_cap(blueprint: Blueprint) -> None:
    """Have `blueprint` cap request bodies on whichever app serves it, before it takes requests."""

    @blueprint.listener("before_server_start")
    async def cap_request_bodies(app: Sanic, _loop: Any) -> None:
        apply_body_cap(app)
