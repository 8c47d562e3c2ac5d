"""Open questions: each dev-set question answered by the right intent, from the right source, or honestly not covered.

Serves models/careers.tar.gz with its action server as bench/load.py does (a temporary tracker
database), and sends every case of bench/open_cases.py as a fresh conversation with its career
as page context. The cases go through the web chat channel's REST API (`POST /session`, then
`POST /messages` with `career`, as the widget sends `data-career`): the REST channel ignores
client metadata on purpose (bot/rasa/channels/rest.py), so the page's career could not reach
the actions through it. One case at a time, so the figures do not depend on load.

For each turn it reads, from the tracker store's events table, the `last_topic` slot the turn
set ("retrieved" for retrieved passages, "not_covered" when the sources don't cover it, else
the answering action's topic) and the page career stored with the message, and from the reply
its "Source:"/"Sources:" line; bench/open_scoring.py turns them into verdicts and shares.
"""
from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Optional

import aiohttp

from bench.conversations import CAREER_READINESS_QUESTION
from bench.load import APOLOGIES, career_endpoints
from bench.open_cases import OPEN_CASES, OpenCase
from bench.open_scoring import Outcome, read_turn, score
from bench.trackerdb import latest_turns
from bot.rasa.channels.guard import TROUBLE_REPLY
from bot.rasa.channels.webchat.cors import SESSION_HEADER
from bot.rasa.channels.webchat.sessions import conversation_id
from harness.action_server import action_server, new_action_token
from harness.paths import CREDENTIALS_PATH, MODEL_PATH
from harness.processes import free_ports
from harness.rasa import rasa_server, rasa_server_args, wait_until_answering, write_endpoints

TIMEOUT = aiohttp.ClientTimeout(total=30)


async def _post(session: aiohttp.ClientSession, url: str, headers: Optional[dict[str, str]] = None,
                body: Optional[dict[str, Any]] = None) -> tuple[int, Any]:
    async with session.post(url, headers=headers or {}, json=body, timeout=TIMEOUT) as reply:
        try:
            return reply.status, await reply.json(content_type=None)
        except ValueError:
            return reply.status, None


async def ask(session: aiohttp.ClientSession, base: str, case: OpenCase) -> tuple[str, list[str], Optional[str]]:
    """Ask one case in a new web chat session: its conversation id, the bot's texts, and any error."""
    status, body = await _post(session, f"{base}/webhooks/webchat/session")
    if status != 201 or not isinstance(body, dict):
        return "", [], f"new session: HTTP {status}"
    token = str(body["session"])
    message = {"id": uuid.uuid4().hex, "text": case.text, "after": 0, "career": case.career}
    status, body = await _post(session, f"{base}/webhooks/webchat/messages", {SESSION_HEADER: token}, message)
    sender = conversation_id(token)
    if status != 200 or not isinstance(body, dict):
        return sender, [], f"message: HTTP {status}"
    texts = [str(m.get("text") or "") for m in body.get("messages", []) if m.get("from") == "bot"]
    notices = [str(n.get("text") or "") for n in body.get("notices", [])]
    if TROUBLE_REPLY in notices:
        return sender, texts, "apology instead of an answer"
    return sender, texts, None if texts else "no reply"


async def _ask_all(base: str, cases: Sequence[OpenCase]) -> tuple[list[tuple[str, list[str], Optional[str]]],
                                                                   list[float]]:
    answers, seconds = [], []
    async with aiohttp.ClientSession() as session:
        for case in cases:
            started = time.perf_counter()
            try:
                answers.append(await ask(session, base, case))
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                answers.append(("", [], f"{type(exc).__name__}: {exc}"))
            seconds.append(time.perf_counter() - started)
    return answers, seconds


def measure(base: str, tracker_db: Path, cases: Sequence[OpenCase] = OPEN_CASES) -> dict[str, Any]:
    """Ask every case against a running server and score the turns stored in `tracker_db`."""
    answers, seconds = asyncio.run(_ask_all(base, cases))
    turns = latest_turns(tracker_db, [sender for sender, _texts, _error in answers if sender])
    outcomes: list[Outcome] = [read_turn(case, turns.get(sender, []), texts, error)
                               for case, (sender, texts, error) in zip(cases, answers, strict=True)]
    return {**score(outcomes), "median_reply_ms": round(statistics.median(seconds) * 1000, 1) if seconds else None}


def run() -> dict[str, Any]:
    """Serve models/careers.tar.gz with its action server and ask the whole development set."""
    if not MODEL_PATH.exists():
        raise FileNotFoundError(f"{MODEL_PATH} is missing: run `make train` first")
    with tempfile.TemporaryDirectory(prefix="bench-open-") as tmp:
        tracker_db = Path(tmp) / "conversations.db"
        # Every conversation comes from 127.0.0.1, which the per-address session limit leaves alone.
        env = {"DATABASE_URL": f"sqlite:///{tracker_db}", "SANIC_HOST": "127.0.0.1", **new_action_token()}
        action_port, rasa_port = free_ports(2)
        endpoints = write_endpoints(Path(tmp) / "endpoints.yml", career_endpoints(action_port))
        with rasa_server("open-rasa", rasa_server_args(MODEL_PATH, rasa_port, CREDENTIALS_PATH, endpoints),
                         rasa_port, env) as rasa, \
             action_server("open-actions", action_port, env):
            wait_until_answering(rasa, CAREER_READINESS_QUESTION, APOLOGIES)
            return measure(f"http://127.0.0.1:{rasa_port}", tracker_db)
