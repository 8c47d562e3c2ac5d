"""Telling advisers about new handoff requests: email over SMTP and a JSON webhook, each optional.

A watcher thread in the web process folds new events in (bot/web/console/sync.py) every few
seconds and looks for handoff requests (`console_conversations.handoff_at`) not yet claimed by an
adviser nor notified. Each is claimed by inserting its row in `console_handoff_notices` (the
primary key lets one web process win), then delivered from a background queue: every channel is
tried up to ATTEMPTS times with a growing pause, failures are logged and recorded, and nothing
here ever reaches a learner's reply or a console page. Notices carry the conversation's link, its
channel, how long the learner has waited and their last message with contact details masked —
never the contact details themselves. Secrets (the SMTP password, the webhook URL) are never logged.
"""
from __future__ import annotations

import json
import logging
import queue
import smtplib
import ssl
import threading
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Optional, Protocol
from urllib.parse import quote, unquote, urlsplit

from sqlalchemy import and_, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.shared.contact_details import mask
from bot.shared.settings import Settings
from bot.web.console.db import get_engine
from bot.web.console.formatting import ago
from bot.web.console.sync import sync
from bot.web.console.tables import conversations, handoff_notices, handoffs

logger = logging.getLogger(__name__)
ATTEMPTS = 3
BACKOFF_SECONDS = 2.0  # the pause after the first failure; doubled after each further one
TIMEOUT_SECONDS = 10.0
WATCH_SECONDS = 5.0
SYNC_BUDGET_SECONDS = 2.0
RECENT_SECONDS = 86400.0  # older requests seen for the first time (notifications just switched on) are not sent
QUESTION_CHARS = 300
SUBJECT = "A learner is waiting for an adviser"


class DeliveryError(RuntimeError):
    """A notification could not be delivered; the message holds no secret."""


@dataclass(frozen=True)
class Notice:
    """One handoff request, as advisers are told about it (no contact details)."""

    sender_id: str
    requested_at: float
    channel: str
    waiting_seconds: int
    last_question: str
    conversation_url: str

    def text(self) -> str:
        """The one-paragraph message (Slack and Teams show it as it is)."""
        waited = ago(self.requested_at, self.requested_at + self.waiting_seconds)
        question = f" Their last message: \u201c{self.last_question}\u201d" if self.last_question else ""
        return f"{SUBJECT} ({self.channel}, waiting {waited}).{question} Open it: {self.conversation_url}"

    def payload(self) -> dict[str, Any]:
        """The webhook's JSON body."""
        return {"text": self.text(), "conversation_url": self.conversation_url, "channel": self.channel,
                "waiting_seconds": self.waiting_seconds, "last_question": self.last_question}


class Channel(Protocol):
    """A way of telling advisers."""

    name: str

    def send(self, notice: Notice) -> None:
        """Deliver the notice or raise."""


class Webhook:
    """A JSON POST to HANDOFF_WEBHOOK_URL (e.g. a Slack or Teams incoming webhook)."""

    name = "webhook"

    def __init__(self, url: str, timeout: float = TIMEOUT_SECONDS) -> None:
        self._url, self._timeout = url, timeout

    def send(self, notice: Notice) -> None:
        """POST the payload; any answer but 2xx is a failure."""
        request = urllib.request.Request(self._url, data=json.dumps(notice.payload()).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:  # noqa: S310 - configured URL
                status = response.status
        except OSError as exc:  # HTTPError and URLError too; their text never holds the URL
            raise DeliveryError(f"{type(exc).__name__}: {exc}") from None
        if not 200 <= status < 300:
            raise DeliveryError(f"the webhook answered HTTP {status}")


class Email:
    """An email over SMTP_URL to HANDOFF_EMAIL_TO (smtps: TLS; smtp: STARTTLS when the server offers it)."""

    name = "email"

    def __init__(self, url: str, recipients: Sequence[str], sender: str, timeout: float = TIMEOUT_SECONDS) -> None:
        parts = urlsplit(url)
        self._tls = parts.scheme == "smtps"
        self._host = parts.hostname or ""
        self._port = parts.port or (465 if self._tls else 25)
        self._user = unquote(parts.username or "")
        self._password = unquote(parts.password or "")
        self._recipients, self._sender, self._timeout = tuple(recipients), sender, timeout

    def message(self, notice: Notice) -> EmailMessage:
        """The email for a notice."""
        message = EmailMessage()
        message["Subject"] = f"{SUBJECT} ({notice.channel})"
        message["From"] = self._sender
        message["To"] = ", ".join(self._recipients)
        message.set_content(notice.text() + "\n")
        return message

    def send(self, notice: Notice) -> None:
        """Connect, log in when a user is given (only over TLS), send."""
        try:
            self._send(self.message(notice))
        except (OSError, smtplib.SMTPException) as exc:  # their text holds the server's answer, not the password
            raise DeliveryError(f"SMTP {self._host}:{self._port}: {type(exc).__name__}: {exc}") from None

    def _send(self, message: EmailMessage) -> None:
        context = ssl.create_default_context()
        client: smtplib.SMTP
        if self._tls:
            client = smtplib.SMTP_SSL(self._host, self._port, timeout=self._timeout, context=context)
        else:
            client = smtplib.SMTP(self._host, self._port, timeout=self._timeout)
        with client:
            client.ehlo()
            encrypted = self._tls
            if not encrypted and client.has_extn("starttls"):
                client.starttls(context=context)
                client.ehlo()
                encrypted = True
            if self._user:
                if not encrypted:
                    raise DeliveryError(f"SMTP {self._host}:{self._port} offers no STARTTLS: the password is not "
                                        "sent unencrypted (use smtps://)")
                client.login(self._user, self._password)
            client.send_message(message)


def channels(settings: Settings) -> list[Channel]:
    """The configured channels (none: notifications off)."""
    found: list[Channel] = []
    if settings.smtp_url and settings.handoff_email_to:
        found.append(Email(settings.smtp_url, settings.handoff_email_to, settings.handoff_email_from))
    if settings.handoff_webhook_url:
        found.append(Webhook(settings.handoff_webhook_url))
    return found


def conversation_url(public_url: str, sender_id: str) -> str:
    """The conversation's page in the console."""
    return f"{public_url.rstrip('/')}/console/conversations/{quote(sender_id, safe='')}"


def _question(text: Optional[str]) -> str:
    """The learner's last message with contact details masked, on one line and cut short."""
    flat = " ".join(mask(text).split())
    return flat if len(flat) <= QUESTION_CHARS else flat[:QUESTION_CHARS - 1] + "\u2026"


def claim_new(engine: Engine, public_url: str, now: float) -> list[Notice]:
    """Recent handoff requests no adviser has claimed and no process has notified, claimed for this one."""
    notice = handoff_notices
    query = (select(conversations.c.sender_id, conversations.c.handoff_at, conversations.c.channel,
                    conversations.c.last_user_text)
             .outerjoin(notice, and_(notice.c.sender_id == conversations.c.sender_id,
                                     notice.c.requested_at == conversations.c.handoff_at))
             .outerjoin(handoffs, handoffs.c.sender_id == conversations.c.sender_id)
             .where(conversations.c.handoff_requested.is_(True), conversations.c.handoff_at.is_not(None),
                    conversations.c.handoff_at >= now - RECENT_SECONDS,
                    notice.c.sender_id.is_(None), handoffs.c.sender_id.is_(None))
             .order_by(conversations.c.handoff_at))
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    claimed = []
    for row in rows:
        try:
            with engine.begin() as connection:  # one transaction each: a lost race costs only its own row
                connection.execute(insert(notice).values(sender_id=row.sender_id, requested_at=row.handoff_at,
                                                         queued_at=now))
        except IntegrityError:
            continue  # another web process claimed it first
        claimed.append(Notice(row.sender_id, row.handoff_at, row.channel or "unknown channel",
                              max(0, int(now - row.handoff_at)), _question(row.last_user_text),
                              conversation_url(public_url, row.sender_id)))
    return claimed


class Notifier:
    """Claims new handoff requests and delivers them from a background thread, with retries."""

    def __init__(self, engine: Engine, targets: Sequence[Channel], public_url: str,
                 clock: Callable[[], float] = time.time, sleep: Callable[[float], None] = time.sleep,
                 attempts: int = ATTEMPTS, backoff: float = BACKOFF_SECONDS) -> None:
        self.engine, self.targets, self.public_url = engine, tuple(targets), public_url
        self._clock, self._sleep, self._attempts, self._backoff = clock, sleep, attempts, backoff
        self._queue: queue.Queue[Notice] = queue.Queue()
        self._worker: Optional[threading.Thread] = None

    def check(self) -> int:
        """Claim new requests and queue them for delivery; how many were queued."""
        found = claim_new(self.engine, self.public_url, self._clock())
        if found and self._worker is None:
            self._worker = threading.Thread(target=self._work, name="handoff-notify", daemon=True)
            self._worker.start()
        for notice in found:
            self._queue.put(notice)
        return len(found)

    def drain(self, timeout: float = 30.0) -> None:
        """Wait until every queued notice has been delivered or given up (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.01)

    def _work(self) -> None:
        while True:
            notice = self._queue.get()
            try:
                self.deliver(notice)
            except Exception:  # noqa: BLE001 - the worker must outlive any one notice
                logger.exception("Handoff notification failed unexpectedly.")
            finally:
                self._queue.task_done()

    def deliver(self, notice: Notice) -> str:
        """Send the notice on every channel (each retried on its own) and record the outcome."""
        results = [f"{target.name} {self._send(target, notice)}" for target in self.targets]
        outcome = "; ".join(results)[:255]
        with self.engine.begin() as connection:
            connection.execute(update(handoff_notices)
                               .where(handoff_notices.c.sender_id == notice.sender_id,
                                      handoff_notices.c.requested_at == notice.requested_at)
                               .values(finished_at=self._clock(), outcome=outcome))
        return outcome

    def _send(self, target: Channel, notice: Notice) -> str:
        for attempt in range(1, self._attempts + 1):
            try:
                target.send(notice)
                return "sent" if attempt == 1 else f"sent (attempt {attempt})"
            except Exception as exc:  # noqa: BLE001 - any failure is retried, then logged
                error = str(exc) if isinstance(exc, DeliveryError) else type(exc).__name__
                if attempt == self._attempts:
                    logger.error("Handoff %s notification gave up after %d attempts: %s", target.name, attempt,
                                 error)
                    return f"failed: {error}"
                logger.warning("Handoff %s notification failed (attempt %d of %d), retrying: %s", target.name,
                               attempt, self._attempts, error)
                self._sleep(self._backoff * 2 ** (attempt - 1))
        return "not tried"


class Watcher:
    """A daemon thread: sync the index and notify new handoff requests every WATCH_SECONDS."""

    def __init__(self, notifier: Notifier, interval: float = WATCH_SECONDS) -> None:
        self.notifier, self._interval = notifier, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="handoff-watch", daemon=True)

    def start(self) -> Watcher:
        """Start watching."""
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the current round."""
        self._stop.set()
        self._thread.join(timeout)

    def once(self) -> int:
        """One round: fold in new events, then claim and queue new requests; how many were queued."""
        sync(self.notifier.engine, budget_seconds=SYNC_BUDGET_SECONDS)
        return self.notifier.check()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.once()
            except Exception as exc:  # noqa: BLE001 - a busy or unreachable database: try next round
                logger.warning("Handoff watcher could not check for new requests: %s: %s", type(exc).__name__, exc)
            self._stop.wait(self._interval)


_watchers: dict[str, Watcher] = {}
_watchers_lock = threading.Lock()


def start_watcher(settings: Settings) -> Optional[Watcher]:
    """Start this process's watcher for the settings' database, when a notification channel is configured."""
    targets = channels(settings)
    if not targets:
        return None
    with _watchers_lock:
        if settings.database_url not in _watchers:
            notifier = Notifier(get_engine(settings.database_url), targets, settings.console_public_url)
            _watchers[settings.database_url] = Watcher(notifier).start()
            logger.info("Handoff notifications on: %s", ", ".join(target.name for target in targets))
        return _watchers[settings.database_url]


def stop_watchers() -> None:
    """Stop every watcher this process started (tests)."""
    with _watchers_lock:
        for watcher in _watchers.values():
            watcher.stop()
        _watchers.clear()
