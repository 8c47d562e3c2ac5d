"""Kill-to-reroute: `kill -9` one Rasa server of the production profile under a steady web chat load.

A few web chat conversations (through HAProxy, as the widget talks) send one message after another,
each with the widget's message id; a message that fails (connection error, non-200, no bot answer on
the page that comes back) is sent again with the same id, as the widget's retry does, so the server
recognises a second delivery. Meanwhile rasa-1 is killed with SIGKILL, and HAProxy's statistics are
polled: seconds until it is marked DOWN, until the supervisor has started it again, until it is UP
again and until it gets traffic again. At the end every conversation's history is read back and
every message sent must have a bot answer after it: the ones without are lost.
"""
from __future__ import annotations

import asyncio
import csv
import io
import threading
import time
import urllib.request
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

import aiohttp

from bench.conversations import CAREER_CONVERSATION
from bench.stats import milliseconds, percentile
from bot.cli.production.haproxy import RASA_BACKEND, ServerState
from bot.rasa.channels.guard import TROUBLE_REPLY
from harness.production import Profile

CONVERSATIONS = 5
TURNS_PER_SESSION = 10       # a fresh web chat session after this many messages (each session has its own budget)
PAUSE_SECONDS = 0.5          # between one answer and the next message of a conversation
RETRY_PAUSE_SECONDS = 0.5
ATTEMPTS = 6                 # per message: the first try and five retries with the same id
WARM_SECONDS = 5.0           # steady load before the kill
AFTER_SECONDS = 3.0          # steady load after the killed server has traffic again
DOWN_TIMEOUT = 15.0
BACK_TIMEOUT = 300.0         # the supervisor's backoff plus a model load on busy cores
POLL_SECONDS = 0.1
TIMEOUT = aiohttp.ClientTimeout(total=30)
VICTIM = "rasa-1"


@dataclass
class Sent:
    """One learner message: its id, the attempts it took, what went wrong, its final reply time."""

    session: str
    message_id: str
    text: str
    sent_at: float
    attempts: int = 0
    problems: list[str] = field(default_factory=list)
    seconds: Optional[float] = None   # of the attempt that got an answer
    apology: bool = False


def answered_ids(messages: Sequence[dict[str, Any]]) -> dict[str, bool]:
    """Each learner message's client id in a web chat history: True when a bot message follows it.

    A bot message counts for the nearest learner message before it; a learner message followed
    directly by another learner message (or by nothing) has no answer.
    """
    answers: dict[str, bool] = {}
    current: Optional[str] = None
    for message in messages:
        if message.get("from") == "bot":
            if current is not None:
                answers[current] = True
        else:
            current = message.get("client_id")
            if current is not None:
                answers.setdefault(current, False)
    return answers


def only_apology(messages: Sequence[dict[str, Any]], message_id: str) -> bool:
    """True when the bot's answer to `message_id` on this page is only the channel's apology."""
    ours = [i for i, m in enumerate(messages) if m.get("client_id") == message_id]
    answer = []
    for message in messages[ours[0] + 1:] if ours else []:
        if message.get("from") != "bot":
            break
        answer.append(message)
    return bool(answer) and all(m.get("text") == TROUBLE_REPLY for m in answer)


class SteadyChat:
    """A few web chat conversations through HAProxy, on a thread of their own, until `stop()`."""

    def __init__(self, profile: Profile, conversations: int = CONVERSATIONS) -> None:
        """Remember where to talk; nothing is sent before `start()`."""
        self.base = f"{profile.layout.balancer_url}/webhooks/webchat"
        self.origin = f"http://127.0.0.1:{profile.layout.web_port}"
        self.conversations = conversations
        self.sent: list[Sent] = []
        self.sessions: list[str] = []
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), name="steady-chat", daemon=True)

    def start(self) -> None:
        """Start talking."""
        self._thread.start()

    def stop(self) -> None:
        """Finish the messages in flight (with their retries) and stop."""
        self._stop.set()
        self._thread.join(timeout=ATTEMPTS * (TIMEOUT.total or 30) + 30)

    def _headers(self, session: Optional[str] = None) -> dict[str, str]:
        return {"Origin": self.origin, **({"X-Webchat-Session": session} if session else {})}

    async def _main(self) -> None:
        async with aiohttp.ClientSession(timeout=TIMEOUT) as http:
            await asyncio.gather(*(self._conversation(http, n) for n in range(self.conversations)))

    async def _new_session(self, http: aiohttp.ClientSession) -> Optional[str]:
        for _ in range(ATTEMPTS):
            try:
                async with http.post(f"{self.base}/session", headers=self._headers()) as reply:
                    if reply.status == 201:
                        token = (await reply.json())["session"]
                        self.sessions.append(token)
                        return token
                    problem = f"HTTP {reply.status}"
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
                problem = type(exc).__name__
            self.failures.append(f"new session: {problem}")
            await asyncio.sleep(RETRY_PAUSE_SECONDS)
        return None

    async def _conversation(self, http: aiohttp.ClientSession, n: int) -> None:
        turns = 0
        while not self._stop.is_set():
            session = await self._new_session(http)
            if session is None:
                return
            cursor = 0
            for _ in range(TURNS_PER_SESSION):
                if self._stop.is_set():
                    break
                text = CAREER_CONVERSATION[(turns + n) % len(CAREER_CONVERSATION)]
                sent = Sent(session, uuid.uuid4().hex[:16], text, time.monotonic())
                self.sent.append(sent)
                cursor = await self._deliver(http, sent, cursor)
                turns += 1
                await asyncio.sleep(PAUSE_SECONDS)

    async def _deliver(self, http: aiohttp.ClientSession, sent: Sent, cursor: int) -> int:
        """Send `sent` until its answer comes back (same id every time); the cursor after it."""
        while sent.attempts < ATTEMPTS:
            sent.attempts += 1
            started = time.perf_counter()
            try:
                async with http.post(f"{self.base}/messages", headers=self._headers(sent.session),
                                     json={"id": sent.message_id, "text": sent.text, "after": cursor}) as reply:
                    body = await reply.json(content_type=None) if reply.status == 200 else None
                    problem = None if body is not None else f"HTTP {reply.status}"
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
                body, problem = None, type(exc).__name__
            if body is not None:
                messages = body.get("messages") or []
                if answered_ids(messages).get(sent.message_id):
                    sent.seconds = time.perf_counter() - started
                    sent.apology = only_apology(messages, sent.message_id)
                    return int(body.get("cursor") or cursor)
                problem = "no answer on the page"
            sent.problems.append(problem or "?")
            await asyncio.sleep(RETRY_PAUSE_SECONDS)
        return cursor

    async def history(self) -> dict[str, dict[str, bool]]:
        """Every session's learner messages and whether each has an answer, read back page by page."""
        found: dict[str, dict[str, bool]] = {}
        async with aiohttp.ClientSession(timeout=TIMEOUT) as http:
            for session in self.sessions:
                messages: list[dict[str, Any]] = []
                cursor, more = 0, True
                while more:
                    async with http.get(f"{self.base}/messages", params={"after": str(cursor)},
                                        headers=self._headers(session)) as reply:
                        reply.raise_for_status()
                        page = await reply.json()
                    messages += page["messages"]
                    more = bool(page.get("more")) and int(page["cursor"]) > cursor
                    cursor = int(page["cursor"])
                found[session] = answered_ids(messages)
        return found


def backend_retries(stats_csv: str, backend: str = RASA_BACKEND) -> dict[str, int]:
    """HAProxy's count of requests it sent again (`wretr`) and to another server (`wredis`) for `backend`."""
    rows = csv.DictReader(io.StringIO(stats_csv.lstrip("# ")))
    for row in rows:
        if row.get("pxname") == backend and row.get("svname") == "BACKEND":
            return {"retries": int(row.get("wretr") or 0), "redispatches": int(row.get("wredis") or 0)}
    return {"retries": 0, "redispatches": 0}


def _retries(profile: Profile) -> dict[str, int]:
    with urllib.request.urlopen(f"{profile.layout.stats_url};csv", timeout=2) as reply:  # noqa: S310 - local URL
        return backend_retries(reply.read().decode("utf-8"))


def _victim(profile: Profile) -> Optional[ServerState]:
    try:
        return profile.states().get(VICTIM)
    except (OSError, ValueError, KeyError):
        return None


def watch_recovery(profile: Profile, old_pid: int, killed: float) -> dict[str, float]:
    """Poll HAProxy and the pid file from the kill on; seconds until each step was first seen.

    Steps: `down_s` (HAProxy marks the server DOWN), `restarted_s` (the supervisor wrote a new pid),
    `up_s` (UP again after being DOWN) and `traffic_again_s` (HAProxy sent it a request after that).
    """
    seen: dict[str, float] = {}
    served_when_up = 0
    while "traffic_again_s" not in seen:
        now = time.monotonic() - killed
        if now > BACK_TIMEOUT or ("down_s" not in seen and now > DOWN_TIMEOUT):
            raise TimeoutError(f"{VICTIM} not back within {BACK_TIMEOUT:.0f} s; seen so far: {seen}")
        state = _victim(profile)
        if "restarted_s" not in seen and profile.pid(VICTIM) not in (None, old_pid):
            seen["restarted_s"] = now
        if state is not None:
            if "down_s" not in seen and state.status.startswith("DOWN"):
                seen["down_s"] = now
            elif "down_s" in seen and "up_s" not in seen and state.up:
                seen["up_s"], served_when_up = now, state.sessions
            elif "up_s" in seen and state.sessions > served_when_up:
                seen["traffic_again_s"] = now
        time.sleep(POLL_SECONDS)
    return {key: round(value, 2) for key, value in seen.items()}


def reroute_summary(sent: Sequence[Sent], history: dict[str, dict[str, bool]], killed_at: float) -> dict[str, Any]:
    """What the learners saw: messages sent, with an error, retried, apologised for, lost; reply times."""
    lost = [s for s in sent if not history.get(s.session, {}).get(s.message_id)]
    times = [s.seconds for s in sent if s.seconds is not None]
    after_kill = [s.seconds for s in sent if s.seconds is not None and s.sent_at >= killed_at]
    return {"messages": len(sent),
            "with_error": sum(1 for s in sent if s.problems),
            "retried": sum(1 for s in sent if s.attempts > 1),
            "unanswered_after_retries": sum(1 for s in sent if s.seconds is None),
            "apologies": sum(1 for s in sent if s.apology),
            "lost": len(lost),
            "problems": sorted({p for s in sent for p in s.problems}),
            "p50_ms": milliseconds(percentile(times, 50)),
            "p95_ms": milliseconds(percentile(times, 95)),
            "max_ms_after_kill": milliseconds(max(after_kill)) if after_kill else None}


def measure_reroute(profile: Profile, conversations: int = CONVERSATIONS) -> dict[str, Any]:
    """Kill rasa-1 under a steady web chat load; the times HAProxy and the supervisor took, and what was lost."""
    chat = SteadyChat(profile, conversations)
    retries_before = _retries(profile)
    chat.start()
    try:
        time.sleep(WARM_SECONDS)
        old_pid = profile.kill(VICTIM)
        killed = time.monotonic()
        steps = watch_recovery(profile, old_pid, killed)
        time.sleep(AFTER_SECONDS)
    finally:
        chat.stop()
    retries = {key: value - retries_before[key] for key, value in _retries(profile).items()}
    history = asyncio.run(chat.history())
    return {"conversations": conversations, "killed": VICTIM, **steps,
            "haproxy_retries": retries["retries"], "haproxy_redispatches": retries["redispatches"],
            "session_failures": len(chat.failures), **reroute_summary(chat.sent, history, killed)}
