"""One timed message to a local Rasa server's REST channel, and whether its reply is an answer."""
from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Optional

import aiohttp

REQUEST_TIMEOUT_SECONDS = 30.0


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
