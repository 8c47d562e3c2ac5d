"""A web chat client that behaves like the widget (bot/web/widget/static/widget.js), for load and fault tests.

It starts a session, sends each message with a fresh client id, and when a send fails (network
error, timeout, 5xx) sends it again with the SAME id after a growing pause, a bounded number of
times; a 429 waits `retry_after` as the widget does. The reply page must then hold the message and
a bot answer after it; if it does not yet, the client polls the history by cursor, as the widget's
poll does. Every outcome is counted in `ClientStats`.
"""
from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Optional

import requests

from bot.rasa.channels.webchat.sessions import conversation_id

REQUEST_TIMEOUT_SECONDS = 25.0   # the widget's TIMEOUT
MAX_ATTEMPTS = 8                 # a learner tapping "retry" this many times at most
BACKOFF_SECONDS = (0.5, 1.0, 2.0, 4.0, 4.0, 4.0, 4.0)
POLLS = 20                       # history polls for an answer that is not on the reply page yet
POLL_SECONDS = 1.0


@dataclass
class ClientStats:
    """What all clients saw, shared between threads."""

    sent: int = 0
    skipped: int = 0  # messages a client that failed never sent
    retries: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    apologies: int = 0
    apologised_at: list[float] = field(default_factory=list)  # time.monotonic() of each apology
    errors_at: list[float] = field(default_factory=list)  # and of each failed request
    unanswered: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def error(self, kind: str) -> None:
        """Count one failed request by kind (HTTP status or exception name)."""
        with self.lock:
            self.errors[kind] = self.errors.get(kind, 0) + 1
            self.errors_at.append(time.monotonic())

    def add(self, name: str, amount: int = 1) -> None:
        """Add to a counter."""
        with self.lock:
            setattr(self, name, getattr(self, name) + amount)


@dataclass
class Sent:
    """One learner message as the client sent it."""

    client_id: str
    text: str
    seen: bool = False       # the page showed the message as stored
    answered: bool = False   # a bot message followed it
    apology: bool = False    # the channel's apology came as a notice instead
    tries: int = 0


class WidgetClient:
    """One learner's web chat conversation through HAProxy."""

    def __init__(self, base_url: str, origin: str, stats: ClientStats, apology: str) -> None:
        """Talk to `base_url` (HAProxy) as a page on `origin`; count into `stats`."""
        self.url = f"{base_url}/webhooks/webchat"
        self.origin = origin
        self.stats = stats
        self.apology = apology
        self.http = requests.Session()
        self.session = ""
        self.cursor = 0
        self.sent: list[Sent] = []

    @property
    def sender_id(self) -> str:
        """The conversation id the server stores this session under."""
        return conversation_id(self.session)

    def _headers(self) -> dict[str, str]:
        headers = {"Origin": self.origin}
        if self.session:
            headers["X-Webchat-Session"] = self.session
        return headers

    def _request(self, method: str, path: str, body: Optional[dict[str, Any]] = None) -> Optional[requests.Response]:
        """One attempt; the response if it is not an error worth retrying, else None (counted)."""
        try:
            reply = self.http.request(method, f"{self.url}{path}", json=body, headers=self._headers(),
                                      timeout=REQUEST_TIMEOUT_SECONDS)
        except requests.RequestException as exc:
            self.stats.error(type(exc).__name__)
            return None
        if reply.status_code == 429:
            self.stats.error("HTTP 429")
            time.sleep(float(reply.json().get("retry_after") or 1))
            return None
        if reply.status_code >= 500:
            self.stats.error(f"HTTP {reply.status_code}")
            return None
        return reply

    def _with_retries(self, method: str, path: str, body: Optional[dict[str, Any]] = None,
                      sent: Optional[Sent] = None) -> requests.Response:
        for attempt in range(MAX_ATTEMPTS):
            if sent is not None:
                sent.tries += 1
            if attempt:
                self.stats.add("retries")
                time.sleep(BACKOFF_SECONDS[min(attempt - 1, len(BACKOFF_SECONDS) - 1)])
            reply = self._request(method, path, body)
            if reply is not None:
                return reply
        raise RuntimeError(f"{method} {path} failed {MAX_ATTEMPTS} times")

    def start(self) -> None:
        """Open a conversation (POST /session), retried like every request."""
        reply = self._with_retries("POST", "/session")
        assert reply.status_code == 201, reply.text
        self.session = reply.json()["session"]

    def say(self, text: str) -> Sent:
        """Send one message (a new id, the same id on every retry) and wait for the answer to it."""
        sent = Sent(secrets.token_hex(8), text)
        self.sent.append(sent)
        self.stats.add("sent")
        try:
            reply = self._with_retries("POST", "/messages", {"id": sent.client_id, "text": text,
                                                             "after": self.cursor}, sent)
        except RuntimeError as exc:
            self.stats.failed.append(f"{self.sender_id}: {exc}")
            return sent
        if reply.status_code != 200:  # 404 would make the widget start a new conversation: a failure here
            self.stats.failed.append(f"{self.sender_id}: HTTP {reply.status_code} {reply.text[:200]}")
            return sent
        data = reply.json()
        sent.apology = any(n.get("text") == self.apology for n in data.get("notices", []))
        self._read(data, sent)
        for _ in range(POLLS):
            if sent.answered or sent.apology:
                break
            time.sleep(POLL_SECONDS)
            polled = self._request("GET", f"/messages?after={self.cursor}")
            if polled is not None and polled.status_code == 200:
                self._read(polled.json(), sent)
        if sent.apology:
            self.stats.add("apologies")
            with self.stats.lock:
                self.stats.apologised_at.append(time.monotonic())
        elif not sent.answered:
            shown = [(m.get("from"), m.get("client_id"), (m.get("text") or "")[:40])
                     for m in data.get("messages", [])]
            self.stats.unanswered.append(f"{self.sender_id}: {text!r} (id {sent.client_id}, {sent.tries} tries; "
                                         f"reply page {shown}, notices {data.get('notices')})")
        return sent

    def _read(self, page: dict[str, Any], sent: Sent) -> None:
        """Move the cursor over a page; the message is answered once a bot message follows it."""
        for message in page.get("messages", []):
            if message.get("from") == "user" and message.get("client_id") == sent.client_id:
                sent.seen = True
            elif message.get("from") == "bot" and sent.seen:
                sent.answered = True
        self.cursor = max(self.cursor, int(page.get("cursor") or 0))
