"""Other learners' reply times with and without one abusive client, against real servers.

The Rasa server runs as behind a reverse proxy (RASA_TRUSTED_PROXIES=127.0.0.1), and every client
here names its own address in X-Forwarded-For, as the proxy would: a few learners chat on the
web chat and REST at a human pace, first alone, then while one client floods one web chat
session and REST with large, rapid messages (rotating REST senders), then while it also sends
1 MB bodies and asks for new sessions as fast as it can. Reports the learners' p50/p95 (an
apology after the reply timeout counts as an error), the Rasa server's CPU seconds in each phase,
and how the abusive requests fared. The load generator shares this machine's cores.

The phases run twice: straight at the Rasa server (its own limits only), then through nginx
with the per-client limits docs/security.md recommends (bench/proxy.py), when nginx is installed.
"""
from __future__ import annotations

import asyncio
import json
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp

from bench.conversations import CAREER_CONVERSATION, CAREER_READINESS_QUESTION
from bench.load import APOLOGIES, career_endpoints
from bench.proxy import available as nginx_available
from bench.proxy import nginx_in_front
from bench.report import table
from bench.resources import cpu_seconds
from bench.stats import milliseconds, percentile
from bot.rasa.channels.guard import TROUBLE_REPLY
from harness.action_server import action_server, new_action_token
from harness.paths import CREDENTIALS_PATH, MODEL_PATH
from harness.processes import Server, free_ports
from harness.rasa import rasa_server, rasa_server_args, wait_until_answering, write_endpoints

WEBCHAT_LEARNERS = 4
REST_LEARNERS = 2
TURNS = 4  # per learner and phase, at a human pace
THINK_SECONDS = 1.0
ABUSER = "203.0.113.66"
FLOOD_TASKS = 4  # concurrent loops per kind of flood
LARGE_TEXT = "salary " * 8000  # 56 KB: just under the request cap
HUGE_BODY = b'{"sender": "huge", "message": "' + b"x" * 1_000_000 + b'"}'
TIMEOUT = aiohttp.ClientTimeout(total=30)


def _learner_address(n: int) -> str:
    return f"198.51.100.{n + 1}"


async def _post(session: aiohttp.ClientSession, url: str, address: str, headers: dict[str, str] | None = None,
                **kwargs: Any) -> tuple[int, Any]:
    async with session.post(url, headers={"X-Forwarded-For": address, **(headers or {})},
                            timeout=TIMEOUT, **kwargs) as reply:
        text = await reply.text()
        try:  # a proxy's own refusals (429, 413) are HTML pages
            return reply.status, json.loads(text)
        except ValueError:
            return reply.status, None


async def _webchat_learner(session: aiohttp.ClientSession, base: str, n: int, times: list[float],
                           errors: Counter[str]) -> None:
    address = _learner_address(n)
    status, body = await _post(session, f"{base}/webhooks/webchat/session", address)
    if status != 201:
        errors[f"webchat session {status}"] += 1
        return
    header, cursor = {"X-Webchat-Session": body["session"]}, 0
    for text in CAREER_CONVERSATION[1:TURNS + 1]:
        started = time.perf_counter()
        status, body = await _post(session, f"{base}/webhooks/webchat/messages", address, header,
                                   json={"id": uuid.uuid4().hex, "text": text, "after": cursor})
        times.append(time.perf_counter() - started)
        if status != 200:
            errors[f"webchat {status}"] += 1
            continue
        cursor = body["cursor"]
        if any(n.get("text") == TROUBLE_REPLY for n in body.get("notices", [])):
            errors["webchat apology"] += 1
        await asyncio.sleep(THINK_SECONDS)


async def _rest_learner(session: aiohttp.ClientSession, base: str, n: int, times: list[float],
                        errors: Counter[str]) -> None:
    address, sender = _learner_address(WEBCHAT_LEARNERS + n), f"bench-learner-{uuid.uuid4().hex[:8]}"
    for text in CAREER_CONVERSATION[1:TURNS + 1]:
        started = time.perf_counter()
        status, body = await _post(session, f"{base}/webhooks/rest/webhook", address,
                                   json={"sender": sender, "message": text})
        times.append(time.perf_counter() - started)
        if status != 200:
            errors[f"rest {status}"] += 1
        elif any(r.get("text") == TROUBLE_REPLY for r in body):
            errors["rest apology"] += 1
        await asyncio.sleep(THINK_SECONDS)


async def _learners(base: str) -> dict[str, Any]:
    times: list[float] = []
    errors: Counter[str] = Counter()
    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(_webchat_learner(session, base, n, times, errors) for n in range(WEBCHAT_LEARNERS)),
                             *(_rest_learner(session, base, n, times, errors) for n in range(REST_LEARNERS)))
    return {"messages": len(times), "p50_ms": milliseconds(percentile(times, 50)),
            "p95_ms": milliseconds(percentile(times, 95)), "max_ms": milliseconds(max(times, default=0.0)),
            "errors": dict(errors)}


async def _flood(make: Callable[[aiohttp.ClientSession, int], Awaitable[int]], stop: asyncio.Event,
                 outcomes: Counter[str], kind: str) -> None:
    async with aiohttp.ClientSession() as session:
        async def loop(task: int) -> None:
            count = 0
            while not stop.is_set():
                try:
                    status = await make(session, task * 1_000_000 + count)
                except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
                    status = 0  # the server closed the connection (an oversized body)
                outcomes[f"{kind} {status or 'closed'}"] += 1
                count += 1
        await asyncio.gather(*(loop(task) for task in range(FLOOD_TASKS)))


async def _abusers_session(base: str, seconds: float = 15.0) -> str:
    """A web chat session for the abuser, once its allowance (drained by a previous phase) lets it."""
    deadline = time.monotonic() + seconds
    async with aiohttp.ClientSession() as session:
        while True:
            status, body = await _post(session, f"{base}/webhooks/webchat/session", ABUSER)
            if status == 201 and isinstance(body, dict):
                return str(body["session"])
            if time.monotonic() > deadline:
                return "x" * 43  # a well-formed token nobody was given: its messages are refused too
            await asyncio.sleep(0.5)


async def _abuse(base: str, everything: bool, stop: asyncio.Event, outcomes: Counter[str]) -> None:
    header = {"X-Webchat-Session": await _abusers_session(base)}

    async def webchat_message(s: aiohttp.ClientSession, n: int) -> int:
        return (await _post(s, f"{base}/webhooks/webchat/messages", ABUSER, header,
                            json={"id": f"flood-{n:012d}", "text": LARGE_TEXT}))[0]

    async def rest_message(s: aiohttp.ClientSession, n: int) -> int:
        return (await _post(s, f"{base}/webhooks/rest/webhook", ABUSER,
                            json={"sender": f"flood-{n}", "message": LARGE_TEXT}))[0]

    async def huge_body(s: aiohttp.ClientSession, _n: int) -> int:
        return (await _post(s, f"{base}/webhooks/rest/webhook", ABUSER, {"Content-Type": "application/json"},
                            data=HUGE_BODY))[0]

    async def new_session(s: aiohttp.ClientSession, _n: int) -> int:
        return (await _post(s, f"{base}/webhooks/webchat/session", ABUSER))[0]

    floods = [_flood(webchat_message, stop, outcomes, "webchat message"),
              _flood(rest_message, stop, outcomes, "rest message")]
    if everything:
        floods += [_flood(huge_body, stop, outcomes, "rest 1 MB body"),
                   _flood(new_session, stop, outcomes, "webchat session")]
    await asyncio.gather(*floods)


async def _phase(base: str, rasa: Server, abuse: str | None) -> dict[str, Any]:
    """The learners' turns, alongside one abusive client when `abuse` names its floods."""
    cpu_before, started = cpu_seconds(rasa.process.pid), time.perf_counter()
    stop, outcomes = asyncio.Event(), Counter[str]()
    abuser = asyncio.ensure_future(_abuse(base, abuse == "everything", stop, outcomes)) if abuse else None
    if abuser:
        await asyncio.sleep(1.0)  # the flood is under way before the learners start
    learners = await _learners(base)
    stop.set()
    if abuser:
        await abuser
    refused = sum(count for outcome, count in outcomes.items() if not outcome.endswith((" 200", " 201")))
    return {**learners, "seconds": round(time.perf_counter() - started, 1),
            "rasa_cpu_seconds": round(cpu_seconds(rasa.process.pid) - cpu_before, 1),
            "abusive_requests": sum(outcomes.values()), "abusive_refused": refused,
            "abusive_outcomes": dict(sorted(outcomes.items()))}


PHASES = {"alone": None, "rapid large messages": "messages", "plus 1 MB bodies and new sessions": "everything"}


async def _measure(base: str, rasa: Server) -> dict[str, Any]:
    return {name: await _phase(base, rasa, abuse) for name, abuse in PHASES.items()}


def run() -> dict[str, Any]:
    """Start the Rasa and action servers on free ports and measure both phases."""
    if not MODEL_PATH.exists():
        raise FileNotFoundError(f"{MODEL_PATH} is missing: run `make train` first")
    with tempfile.TemporaryDirectory(prefix="bench-abuse-") as tmp:
        env = {"DATABASE_URL": f"sqlite:///{Path(tmp) / 'conversations.db'}", "SANIC_HOST": "127.0.0.1",
               "RASA_TRUSTED_PROXIES": "127.0.0.1", **new_action_token()}
        action_port, rasa_port = free_ports(2)
        endpoints = write_endpoints(Path(tmp) / "endpoints.yml", career_endpoints(action_port))
        with rasa_server("abuse-rasa", rasa_server_args(MODEL_PATH, rasa_port, CREDENTIALS_PATH, endpoints),
                         rasa_port, env) as rasa, \
             action_server("abuse-actions", action_port, env):
            wait_until_answering(rasa, CAREER_READINESS_QUESTION, APOLOGIES)
            results: dict[str, Any] = {"phases": asyncio.run(_measure(f"http://127.0.0.1:{rasa_port}", rasa))}
            if not nginx_available():
                results["proxied"] = "nginx is not installed (apt-get install nginx-light): phases behind it skipped"
                return results
            with nginx_in_front(rasa_port, Path(tmp) / "nginx") as proxied:
                results["proxied_phases"] = asyncio.run(_measure(proxied, rasa))
            return results


def abuse_tables(results: dict[str, Any]) -> list[str]:
    """The learners' reply times in each phase and what became of the abusive requests."""
    part = results.get("abuse") or {}
    if not isinstance(part.get("phases"), dict):
        return []
    phases = dict(part["phases"])
    phases.update({f"via nginx: {name}": p for name, p in (part.get("proxied_phases") or {}).items()})
    rows = [(name, p["messages"], p["p50_ms"], p["p95_ms"], p["max_ms"], sum(p["errors"].values()),
             p["rasa_cpu_seconds"], p["seconds"], f"{p['abusive_refused']} of {p['abusive_requests']}")
            for name, p in phases.items()]
    outcomes = [(name, outcome, count) for name, p in phases.items()
                for outcome, count in p["abusive_outcomes"].items()]
    if isinstance(part.get("proxied"), str):
        rows.append((part["proxied"], "", "", "", "", "", "", "", ""))
    return [table(f"Other learners' reply times ({WEBCHAT_LEARNERS} web chat + {REST_LEARNERS} REST, "
                  f"{TURNS} turns each) beside one abusive client",
                  ["phase", "messages", "p50 ms", "p95 ms", "max ms", "errors", "Rasa CPU s", "seconds",
                   "abusive refused"], rows),
            table("Abusive requests", ["phase", "request -> status", "count"], outcomes)]
