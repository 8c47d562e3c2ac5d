"""Each chat's updates handled one at a time inside this server (duplicates and order across servers: inbox.py)."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


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
