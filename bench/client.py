"""A REST-channel chat client: timed messages, scripted conversations and concurrent load."""
from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, Optional

import aiohttp

from bench.stats import milliseconds, percentile

REQUEST_TIMEOUT_SECONDS = 30.0
LOAD_TIMEOUT_SECONDS = 600.0


@dataclass(frozen=True)
class Turn:
    """One message sent and what came back: status, replies, time taken, and any error."""

    sender: str
    text: str
    status: int
    seconds: float
    replies: list[dict[str, Any]]
    error: Optional[str] = None


def webhook_url(port: int) -> str:
    """The REST channel's webhook on a local Rasa server."""
    return f"http://127.0.0.1:{port}/webhooks/rest/webhook"


def new_sender(prefix: str) -> str:
    """A fresh sender id, so every conversation starts a new tracker."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def problem(status: int, replies: Any, apologies: Collection[str]) -> Optional[str]:
    """Why a reply is an error: non-200, empty, or only a canned apology; None if it is fine."""
    if status != 200:
        return f"HTTP {status}"
    if not isinstance(replies, list) or not replies:
        return "empty reply"
    if apologies and all(isinstance(r, dict) and r.get("text") in apologies for r in replies):
        return "apology instead of an answer"
    return None


async def send(session: aiohttp.ClientSession, url: str, sender: str, text: str,
               apologies: Collection[str] = ()) -> Turn:
    """POST one message and time the full round trip (request to parsed JSON reply)."""
    started = time.perf_counter()
    status, error = 0, None
    replies: Any = []
    try:
        timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS)
        async with session.post(url, json={"sender": sender, "message": text},
                                timeout=timeout) as response:
            status = response.status
            replies = await response.json(content_type=None) if status == 200 else []
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
        error = f"{type(exc).__name__}: {exc}"
    seconds = time.perf_counter() - started
    return Turn(sender, text, status, seconds, replies if isinstance(replies, list) else [],
                error or problem(status, replies, apologies))


async def converse(session: aiohttp.ClientSession, url: str, sender: str,
                   messages: Sequence[str], apologies: Collection[str] = ()) -> list[Turn]:
    """Send a scripted conversation one message at a time, each after the previous reply."""
    return [await send(session, url, sender, text, apologies) for text in messages]


def transcript(turns: Sequence[Turn], width: int = 90) -> list[dict[str, str]]:
    """What was said and the start of each answer, to check the script was understood."""
    return [{"user": t.text, "bot": " | ".join(str(r.get("text", "")) for r in t.replies)[:width]}
            for t in turns]


def summarise(turns: Sequence[Turn], wall_seconds: float) -> dict[str, Any]:
    """Throughput (answered messages per second), median/p95 reply time and errors."""
    times = [t.seconds for t in turns]
    errors = [t for t in turns if t.error]
    answered = len(turns) - len(errors)
    return {"messages": len(turns), "wall_seconds": round(wall_seconds, 2),
            "msgs_per_s": round(answered / wall_seconds, 2) if wall_seconds else None,
            "p50_ms": milliseconds(percentile(times, 50)),
            "p95_ms": milliseconds(percentile(times, 95)),
            "max_ms": milliseconds(max(times)) if times else None,
            "errors": len(errors),
            "error_examples": [f"{t.text!r}: {t.error}" for t in errors[:5]]}


async def _sequential(url: str, messages: Sequence[str], repeats: int, prefix: str,
                      apologies: Collection[str]) -> tuple[list[Turn], float]:
    async with aiohttp.ClientSession() as session:
        started = time.perf_counter()
        turns = []
        for _ in range(repeats):
            turns += await converse(session, url, new_sender(prefix), messages, apologies)
        return turns, time.perf_counter() - started


async def _concurrent(url: str, messages: Sequence[str], conversations: int, prefix: str,
                      apologies: Collection[str]) -> tuple[list[list[Turn]], float]:
    connector = aiohttp.TCPConnector(limit=conversations)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        runs = await asyncio.gather(*(converse(session, url, new_sender(prefix), messages,
                                               apologies) for _ in range(conversations)))
        return list(runs), time.perf_counter() - started


def sequential_load(url: str, messages: Sequence[str], repeats: int, prefix: str,
                    apologies: Collection[str] = ()) -> dict[str, Any]:
    """One conversation at a time, `repeats` times with fresh senders; reply-time summary."""
    turns, wall = asyncio.run(asyncio.wait_for(
        _sequential(url, messages, repeats, prefix, apologies), LOAD_TIMEOUT_SECONDS))
    return {"conversations": repeats, **summarise(turns, wall),
            "transcript": transcript(turns[:len(messages)])}


def concurrent_load(url: str, messages: Sequence[str], conversations: int, prefix: str,
                    apologies: Collection[str] = ()) -> tuple[dict[str, Any], list[str]]:
    """`conversations` scripted conversations at once; summary and the sender ids used."""
    runs, wall = asyncio.run(asyncio.wait_for(
        _concurrent(url, messages, conversations, prefix, apologies), LOAD_TIMEOUT_SECONDS))
    turns = [turn for run in runs for turn in run]
    return {"conversations": conversations, **summarise(turns, wall)}, [r[0].sender for r in runs]
