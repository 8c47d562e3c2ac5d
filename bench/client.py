"""A REST-channel chat client: scripted conversations and concurrent load (one message: harness.rest_client)."""
from __future__ import annotations

import asyncio
import time
from collections.abc import Collection, Sequence
from typing import Any

import aiohttp

from bench.stats import milliseconds, percentile
from harness.rest_client import Turn, new_sender, send

LOAD_TIMEOUT_SECONDS = 600.0


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
