"""Map button payloads to Telegram callback data (at most 64 bytes) and back.

Payloads that fit are sent as they are. Longer ones (e.g. `/ask_next_step{"role": "..."}`) are
sent as `#` plus a hash of the payload. The hash is looked up first in a bounded in-process
memory and, failing that, among the buttons of the conversation's stored bot messages: the
tracker store already keeps every payload it sent, so a button still works after a restart or
when another Rasa process (behind a load balancer) receives the press. No extra table is needed;
a button stops working only when its conversation is deleted (/forget) or its session expires.
"""
from __future__ import annotations

import base64
import hashlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Optional

MAX_CALLBACK_BYTES = 64
HASH_PREFIX = "#"
_HASH_CHARS = 22  # 132 bits of SHA-256: collisions between one chat's buttons are out of reach
REMEMBERED = 4096

# Loads the bot events of a conversation: (sender_id) -> the events' dicts, newest last.
EventLoader = Callable[[str], Awaitable[Iterable[dict[str, Any]]]]


def callback_data(payload: str) -> str:
    """The callback data for a payload: the payload itself if it fits, else `#` + its hash."""
    if len(payload.encode("utf-8")) <= MAX_CALLBACK_BYTES and not payload.startswith(HASH_PREFIX):
        return payload
    digest = hashlib.sha256(payload.encode("utf-8")).digest()
    return HASH_PREFIX + base64.urlsafe_b64encode(digest).decode("ascii")[:_HASH_CHARS]


def payloads_in(events: Iterable[dict[str, Any]]) -> Iterable[str]:
    """Every button payload of the bot messages among `events`, newest first."""
    for event in reversed(list(events)):
        if event.get("event") != "bot":
            continue
        data = event.get("data") or {}
        for button in (data.get("buttons") or []) + (data.get("quick_replies") or []):
            payload = button.get("payload") if isinstance(button, dict) else None
            if isinstance(payload, str):
                yield payload.strip()


class CallbackPayloads:
    """Encodes payloads for buttons and resolves pressed buttons' data back to payloads."""

    def __init__(self, capacity: int = REMEMBERED) -> None:
        """Remember up to `capacity` long payloads in memory (oldest forgotten first)."""
        self._recent: OrderedDict[str, str] = OrderedDict()
        self._capacity = capacity

    def encode(self, payload: str) -> str:
        """Callback data for `payload`, remembering long payloads for a quick lookup."""
        data = callback_data(payload)
        if data != payload:
            self._recent[data] = payload
            self._recent.move_to_end(data)
            while len(self._recent) > self._capacity:
                self._recent.popitem(last=False)
        return data

    async def resolve(self, data: str, sender_id: str, load_events: Optional[EventLoader]) -> Optional[str]:
        """The payload behind pressed button data, or None if it is unknown (e.g. forgotten)."""
        if not data.startswith(HASH_PREFIX):
            return data
        if data in self._recent:
            return self._recent[data]
        if load_events is None:
            return None
        for payload in payloads_in(await load_events(sender_id)):
            if callback_data(payload) == data:
                self._recent[data] = payload
                return payload
        return None
