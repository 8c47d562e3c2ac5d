"""Live handoff: how soon a learner's request for an adviser shows in the console and reaches a webhook.

Starts the Rasa server, its action server and the web process (console, with HANDOFF_WEBHOOK_URL
pointing to a local stand-in) on a temporary conversations database, signs in as an adviser created
for the run, then `repeats` times: a new REST conversation asks for an adviser, and from the moment
the message is sent it times (a) until `GET /console/live/status` (polled every 50 ms) shows the
waiting count increased and (b) until the webhook arrives. The console page itself polls every
5 s and the notification watcher looks every 5 s (bot/web/console/notify.py), so (a) is the
server side of the live count, before the page's own polling delay, and (b) is end to end.
Each request waits a random 0-5 s first (seeded), so requests fall at any point of the watcher's
cycle instead of just after the tick that delivered the previous webhook.
"""
from __future__ import annotations

import random
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from bench.conversations import CAREER_READINESS_QUESTION
from bench.load import APOLOGIES, career_endpoints
from bench.stats import milliseconds, percentile
from bot.shared.conversation_ids import rest_conversation
from bot.web.console.notify import WATCH_SECONDS
from harness.action_server import action_server, new_action_token
from harness.console_client import console_session
from harness.notice_stand_ins import WebhookStandIn
from harness.paths import CREDENTIALS_PATH, MODEL_PATH
from harness.processes import free_ports, python_server
from harness.rasa import rasa_server, rasa_server_args, wait_until_answering, write_endpoints
from harness.rest_client import webhook_url

REPEATS = 20
REQUEST = "could I speak to a real person, a careers adviser?"
WAIT_SECONDS = 30.0
POLL_SECONDS = 0.05
ADVISER, PASSWORD = "bench-adviser@example.org", "bench adviser password"


def _until(condition: Callable[[], bool], what: str) -> float:
    """Poll `condition` until it holds (at most WAIT_SECONDS); time.monotonic() when it did."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"no {what} within {WAIT_SECONDS:.0f} s")
        time.sleep(POLL_SECONDS)
    return time.monotonic()


def _summary(seconds: list[float]) -> dict[str, float]:
    """Median and p95 in milliseconds."""
    return {"median_ms": milliseconds(percentile(seconds, 50)), "p95_ms": milliseconds(percentile(seconds, 95))}


def _ask_once(rasa_port: int, console: str, session: requests.Session, webhook: WebhookStandIn,
              sender: str) -> tuple[float, float, float]:
    """One new conversation asks for an adviser: seconds until the reply, the count going up, the webhook."""
    link = f"{console}/console/conversations/{rest_conversation(sender)}"

    def waiting() -> int:
        reply = session.get(f"{console}/console/live/status", timeout=10)
        reply.raise_for_status()
        return int(reply.json()["waiting"])

    def about(body: dict[str, Any]) -> bool:
        return body.get("conversation_url") == link

    before = waiting()
    sent = time.monotonic()
    answer = requests.post(webhook_url(rasa_port), json={"sender": sender, "message": REQUEST}, timeout=WAIT_SECONDS)
    answer.raise_for_status()
    replied = time.monotonic()
    counted = _until(lambda: waiting() > before, "increased waiting count")
    _until(lambda: webhook.arrival(about) is not None, "webhook")
    return replied - sent, counted - sent, (webhook.arrival(about) or sent) - sent


def measure(rasa_port: int, console: str, webhook: WebhookStandIn, repeats: int = REPEATS) -> dict[str, Any]:
    """Ask for an adviser `repeats` times against running servers; the timings."""
    session, _csrf = console_session(console, ADVISER, PASSWORD)
    pauses = random.Random(0)
    timings = []
    for n in range(repeats):
        # Requests then fall at any point of the watcher's cycle, not just after the tick that sent the last one.
        time.sleep(pauses.uniform(0, WATCH_SECONDS))
        timings.append(_ask_once(rasa_port, console, session, webhook, f"bench-handoff-{n}-{uuid.uuid4().hex[:8]}"))
    replies, live, notified = (list(column) for column in zip(*timings, strict=True))
    return {"repeats": repeats, "reply": _summary(replies), "live_status": _summary(live),
            "webhook": _summary(notified), "webhooks_received": len(webhook.bodies)}


def run(repeats: int = REPEATS) -> dict[str, Any]:
    """Serve models/careers.tar.gz with its action server and the web process, and time `repeats` requests."""
    from bot.web.console.accounts import add_account
    from bot.web.console.db import dispose_engines, get_engine

    if not MODEL_PATH.exists():
        raise FileNotFoundError(f"{MODEL_PATH} is missing: run `make train` first")
    webhook = WebhookStandIn()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-handoff-") as tmp:
            database = f"sqlite:///{Path(tmp) / 'conversations.db'}"
            action_port, rasa_port, web_port = free_ports(3)
            console = f"http://127.0.0.1:{web_port}"
            env = {"DATABASE_URL": database, "SANIC_HOST": "127.0.0.1", **new_action_token(),
                   "RASA_URL": f"http://127.0.0.1:{rasa_port}", "HANDOFF_WEBHOOK_URL": webhook.url,
                   "CONSOLE_PUBLIC_URL": console}
            endpoints = write_endpoints(Path(tmp) / "endpoints.yml", career_endpoints(action_port))
            with rasa_server("handoff-rasa", rasa_server_args(MODEL_PATH, rasa_port, CREDENTIALS_PATH, endpoints),
                             rasa_port, env) as rasa, \
                 action_server("handoff-actions", action_port, env), \
                 python_server("handoff-web", ["bot.web.serve", "--port", str(web_port)], web_port, env, "/healthz"):
                wait_until_answering(rasa, CAREER_READINESS_QUESTION, APOLOGIES)
                add_account(get_engine(database), ADVISER, PASSWORD)  # the web process ran the migrations
                dispose_engines()
                return measure(rasa_port, console, webhook, repeats)
    finally:
        webhook.close()


def handoff_tables(results: dict[str, Any]) -> list[str]:
    """The handoff figures as a text table."""
    from bench.report import table

    part = results.get("handoff")
    if not isinstance(part, dict):
        return []
    if "error" in part:
        return [f"Handoff benchmark failed: {part['error']}\n"]
    rows = [["coach's reply to the request", part["reply"]["median_ms"], part["reply"]["p95_ms"]],
            ["waiting count up in /console/live/status", part["live_status"]["median_ms"],
             part["live_status"]["p95_ms"]],
            ["webhook received", part["webhook"]["median_ms"], part["webhook"]["p95_ms"]]]
    return [table(f"Live handoff: {part['repeats']} requests for an adviser, from the learner's message",
                  ["until", "median ms", "p95 ms"], rows)]
