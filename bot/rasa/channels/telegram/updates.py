"""Update bookkeeping: drop Telegram's retried duplicates; handle each chat's updates in order."""
from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

REMEMBERED_UPDATES = 10_000


class RecentUpdates:
    """The last N update ids seen, so a redelivered update is processed only once."""

    def __init__(self, capacity: int = REMEMBERED_UPDATES) -> None:
        """Remember at most `capacity` ids (about 1 MB at the default)."""
        self._seen: OrderedDict[int, None] = OrderedDict()
        self._capacity = capacity

    def first_time(self, update_id: int) -> bool:
        """True the first time an id is offered; False for a repeat still remembered."""
        if update_id in self._seen:
            return False
        self._seen[update_id] = None
        while len(self._seen) > self._capacity:
            self._seen.popitem(last=False)
        return True


class ChatTurns:
    """One update at a time per chat, in arrival order; different chats run concurrently."""

    def __init__(self) -> None:
        """No chat is busy yet."""
        self._locks: dict[str, asyncio.Lock] = {}
        self._waiting: dict[str, int] = {}

    @asynccontextmanager
    async def turn(self, chat_id: str) -> AsyncIterator[None]:
        """Wait for the chat's earlier updates (asyncio locks are fair: first come, first served)."""
        lock = self._locks.setdefault(chat_id, asyncio.Lock())
        self._waiting[chat_id] = self._waiting.get(chat_id, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._waiting[chat_id] -= 1
            if not self._waiting[chat_id]:  # nobody else queued: free the memory for this chat
                del self._waiting[chat_id]
                del self._locks[chat_id]

    def busy_chats(self) -> int:
        """How many chats have an update in progress or queued."""
        return len(self._locks)
