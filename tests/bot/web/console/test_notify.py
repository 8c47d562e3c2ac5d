"""Handoff notifications: a webhook and an SMTP stand-in on loopback, retries, no contact details, exactly once."""
from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from email import message_from_bytes
from typing import Any

import pytest
from sqlalchemy import create_engine, insert, select
from sqlalchemy.engine import Engine

from bot.shared.settings import ConfigurationError, Settings, load_settings
from bot.web.app import create_app
from bot.web.console import notify
from bot.web.console.notify import RECENT_SECONDS, Email, Notifier, Watcher, Webhook
from bot.web.console.sync import sync
from bot.web.console.tables import handoff_notices, handoffs
from harness import console_events as ev
from harness.notice_stand_ins import SECRET_PATH, SmtpStandIn, WebhookStandIn
from tests.bot.web.console.conftest import NOW

PUBLIC = "https://coach.example.org"
REQUESTED_AT = NOW - 3600 + 31  # when `human-web` of the `conversations` fixture asked for an adviser


@pytest.fixture
def webhook() -> Iterator[WebhookStandIn]:
    server = WebhookStandIn()
    yield server
    server.close()


@pytest.fixture
def smtp() -> Iterator[SmtpStandIn]:
    server = SmtpStandIn()
    yield server
    server.stop()


class Sleeps:
    """A stand-in for time.sleep that records the pauses."""

    def __init__(self) -> None:
        self.pauses: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.pauses.append(seconds)


def notifier(engine: Engine, *targets: Any, clock: float = NOW, sleep: Any = None) -> Notifier:
    return Notifier(engine, targets, PUBLIC, clock=lambda: clock, sleep=sleep or Sleeps())


def outcome(engine: Engine, sender_id: str = "human-web") -> str | None:
    with engine.connect() as connection:
        return connection.execute(select(handoff_notices.c.outcome)
                                  .where(handoff_notices.c.sender_id == sender_id)).scalar()


def test_the_webhook_gets_link_channel_wait_and_masked_question(engine, conversations, webhook, signed_in, app,
                                                                admin) -> None:
    sender = notifier(engine, Webhook(webhook.url))
    assert Watcher(sender).once() == 1  # syncs the events first
    sender.drain()
    [body] = webhook.bodies
    assert set(body) == {"text", "conversation_url", "channel", "waiting_seconds", "last_question"}
    assert body["conversation_url"] == f"{PUBLIC}/console/conversations/human-web"
    assert body["channel"] == "webchat"
    # (the request's time goes through the index as a float: a second either way, never more)
    assert abs(body["waiting_seconds"] - int(NOW - REQUESTED_AT)) <= 1
    assert body["last_question"] == "I want to talk to a person, mail me at [email hidden] or [phone hidden]"
    assert "waiting 59 min" in body["text"] and body["conversation_url"] in body["text"]
    assert "ann@example.com" not in json.dumps(body) and "900123" not in json.dumps(body)
    assert outcome(engine) == "webhook sent"
    # the link opens the conversation in the console
    client, _token = signed_in(admin)
    assert client.get(body["conversation_url"].removeprefix(PUBLIC)).status_code == 200


def test_the_email_reaches_the_recipients_without_contact_details(engine, conversations, smtp) -> None:
    email = Email(f"smtp://127.0.0.1:{smtp.port}", ["advisers@example.org", "lead@example.org"], "coach@example.org")
    sender = notifier(engine, email)
    assert Watcher(sender).once() == 1
    sender.drain()
    [(mailfrom, recipients, data)] = smtp.received
    assert mailfrom == "coach@example.org" and recipients == ["advisers@example.org", "lead@example.org"]
    message = message_from_bytes(data)
    assert message["Subject"] == "A learner is waiting for an adviser (webchat)"
    body = message.get_payload(decode=True).decode()
    assert f"{PUBLIC}/console/conversations/human-web" in body and "[email hidden]" in body
    assert "ann@example.com" not in data.decode() and "900123" not in data.decode()
    assert outcome(engine) == "email sent"


def test_a_first_failure_is_retried_after_a_pause(engine, conversations, caplog) -> None:
    failing = WebhookStandIn(failures=1)
    try:
        sleeps = Sleeps()
        sender = notifier(engine, Webhook(failing.url), sleep=sleeps)
        with caplog.at_level(logging.WARNING, logger=notify.__name__):
            assert Watcher(sender).once() == 1
            sender.drain()
        assert failing.requests == 2 and len(failing.bodies) == 1
        assert sleeps.pauses == [notify.BACKOFF_SECONDS]
        assert outcome(engine) == "webhook sent (attempt 2)"
        assert "failed (attempt 1 of 3)" in caplog.text and "HTTP Error 500" in caplog.text
        assert SECRET_PATH not in caplog.text
    finally:
        failing.close()


def test_failures_are_logged_and_recorded_and_other_channels_still_deliver(engine, conversations, smtp,
                                                                           caplog) -> None:
    failing = WebhookStandIn(failures=99)
    try:
        sleeps = Sleeps()
        email = Email(f"smtp://127.0.0.1:{smtp.port}", ["advisers@example.org"], "coach@example.org")
        sender = notifier(engine, Webhook(failing.url), email, sleep=sleeps)
        with caplog.at_level(logging.WARNING, logger=notify.__name__):
            assert Watcher(sender).once() == 1
            sender.drain()
        assert failing.requests == 3 and sleeps.pauses == [2.0, 4.0]
        assert len(smtp.received) == 1
        recorded = outcome(engine)
        assert recorded is not None and recorded.startswith("webhook failed: HTTPError: HTTP Error 500")
        assert recorded.endswith("; email sent")
        assert "gave up after 3 attempts" in caplog.text and SECRET_PATH not in caplog.text
    finally:
        failing.close()


def test_the_smtp_password_is_never_sent_unencrypted_nor_logged(engine, conversations, smtp, caplog) -> None:
    email = Email(f"smtp://coach%40example.org:pa%24%24-word-123@127.0.0.1:{smtp.port}", ["a@example.org"],
                  "coach@example.org")
    sender = notifier(engine, email)
    with caplog.at_level(logging.WARNING, logger=notify.__name__):
        Watcher(sender).once()
        sender.drain()
    assert smtp.received == []
    recorded = outcome(engine) or ""
    assert "offers no STARTTLS" in recorded and "offers no STARTTLS" in caplog.text
    assert "pa$$-word-123" not in caplog.text + recorded and "pa%24%24" not in caplog.text + recorded


def test_an_unreachable_webhook_never_blocks_the_check(engine, conversations, webhook) -> None:
    webhook.release.clear()  # the stand-in holds every request until released
    sender = notifier(engine, Webhook(webhook.url))
    started = time.monotonic()
    assert Watcher(sender).once() == 1
    assert time.monotonic() - started < 5 and webhook.bodies == []  # queued, delivered in the background
    webhook.release.set()
    sender.drain()
    assert len(webhook.bodies) == 1


def test_each_request_is_notified_once_across_two_processes(engine, conversations, webhook, settings) -> None:
    sync(engine)
    engines = [create_engine(settings.database_url) for _ in range(2)]  # two processes' own connections
    try:
        senders = [notifier(e, Webhook(webhook.url)) for e in engines]
        counts: list[int] = []
        barrier = threading.Barrier(2)

        def check(sender: Notifier) -> None:
            barrier.wait(5)
            counts.append(sender.check())

        threads = [threading.Thread(target=check, args=(s,)) for s in senders]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        for sender in senders:
            sender.drain()
        assert sorted(counts) == [0, 1] and len(webhook.bodies) == 1
        assert [s.check() for s in senders] == [0, 0]  # and never again
        # handed back, then asked again: a new request, notified again
        ev.insert_rows(engine, [ev.slot("human-web", NOW - 60, "handoff_requested", False),
                                ev.slot("human-web", NOW - 30, "handoff_requested", True)])
        sync(engine)
        assert senders[1].check() == 1 and senders[0].check() == 0
        senders[1].drain()
        assert len(webhook.bodies) == 2 and webhook.bodies[1]["waiting_seconds"] == 30
    finally:
        for e in engines:
            e.dispose()


def test_claimed_and_stale_requests_are_not_notified(engine, webhook, admin) -> None:
    from bot.web.console.accounts import add_account

    ev.insert_rows(engine, [
        ev.user("claimed", NOW - 100, "a person please", "request_human"),
        ev.slot("claimed", NOW - 99, "handoff_requested", True),
        ev.user("stale", NOW - RECENT_SECONDS - 100, "a person please", "request_human"),
        ev.slot("stale", NOW - RECENT_SECONDS - 99, "handoff_requested", True),
        ev.user("fresh", NOW - 10, "a person please", "request_human", channel="telegram"),
        ev.slot("fresh", NOW - 9, "handoff_requested", True),
    ])
    adviser = add_account(engine, "cat@example.org", "correct horse battery")
    with engine.begin() as connection:
        connection.execute(insert(handoffs).values(sender_id="claimed", account_id=adviser.id, claimed_at=NOW - 50))
    sender = notifier(engine, Webhook(webhook.url))
    assert Watcher(sender).once() == 1
    sender.drain()
    assert [(b["conversation_url"], b["channel"]) for b in webhook.bodies] == [
        (f"{PUBLIC}/console/conversations/fresh", "telegram")]


def test_no_channel_configured_means_no_watcher(settings: Settings) -> None:
    assert notify.channels(settings) == [] and notify.start_watcher(settings) is None


def test_the_web_process_starts_a_watcher_when_a_webhook_is_configured(engine, conversations, webhook,
                                                                      monkeypatch) -> None:
    monkeypatch.setenv("HANDOFF_WEBHOOK_URL", webhook.url)
    monkeypatch.setenv("CONSOLE_PUBLIC_URL", "https://coach.example.org/")
    settings = load_settings()
    try:
        create_app(settings)
        deadline = time.monotonic() + 20
        while not webhook.bodies and time.monotonic() < deadline:
            time.sleep(0.05)
        [body] = webhook.bodies
        assert body["conversation_url"] == f"{PUBLIC}/console/conversations/human-web"
    finally:
        notify.stop_watchers()


@pytest.mark.parametrize("env, complaint", [
    ({"SMTP_URL": "smtp://mail.example.org"}, "HANDOFF_EMAIL_TO"),
    ({"HANDOFF_EMAIL_TO": "a@example.org"}, "SMTP_URL"),
    ({"SMTP_URL": "http://mail.example.org", "HANDOFF_EMAIL_TO": "a@example.org"}, "SMTP_URL must be"),
    ({"SMTP_URL": "smtp://mail.example.org:port", "HANDOFF_EMAIL_TO": "a@example.org"}, "invalid port"),
    ({"SMTP_URL": "smtp://user:pw@mail.example.org", "HANDOFF_EMAIL_TO": "a@example.org"}, "HANDOFF_EMAIL_FROM"),
    ({"SMTP_URL": "smtp://mail.example.org", "HANDOFF_EMAIL_TO": "advisers"}, "HANDOFF_EMAIL_TO entries"),
    ({"HANDOFF_WEBHOOK_URL": "hooks.slack.com/services/x"}, "HANDOFF_WEBHOOK_URL"),
    ({"CONSOLE_PUBLIC_URL": "coach.example.org"}, "CONSOLE_PUBLIC_URL"),
])
def test_bad_notification_settings_fail_fast(monkeypatch, env: dict[str, str], complaint: str) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError, match=complaint):
        load_settings()


def test_notification_secrets_are_never_described(monkeypatch) -> None:
    monkeypatch.setenv("SMTP_URL", "smtps://coach%40example.org:s3cret-pw@mail.example.org:465")
    monkeypatch.setenv("HANDOFF_EMAIL_TO", "advisers@example.org, lead@example.org")
    monkeypatch.setenv("HANDOFF_WEBHOOK_URL", "https://hooks.slack.com/services/T0/B0/very-secret")
    settings = load_settings()
    assert settings.handoff_email_to == ("advisers@example.org", "lead@example.org")
    assert settings.handoff_email_from == "coach@example.org"  # the SMTP user, an email address
    shown = json.dumps(settings.describe()) + repr(settings)
    assert "s3cret-pw" not in shown and "very-secret" not in shown
    assert settings.describe()["SMTP_URL"] == "smtps://mail.example.org:465 (with login)"
    assert [c.name for c in notify.channels(settings)] == ["email", "webhook"]
