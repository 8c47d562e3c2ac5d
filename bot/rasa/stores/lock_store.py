"""Rasa lock store chosen from REDIS_URL: Redis when set (several Rasa processes), else in memory."""
from __future__ import annotations

from typing import Any, Optional

from rasa.core.lock_store import InMemoryLockStore, LockStore

from bot.rasa.stores.atomic_redis_lock import AtomicRedisLockStore
from bot.shared.redis_url import parse_redis_url
from bot.shared.settings import get_settings


def redis_lock_store(url: str) -> AtomicRedisLockStore:
    """The atomic Redis lock store for a REDIS_URL; ConfigurationError when the URL is malformed."""
    return AtomicRedisLockStore(parse_redis_url(url))


class EnvLockStore:
    """Factory Rasa instantiates from endpoints.yml; returns the lock store REDIS_URL asks for."""

    def __new__(cls, endpoint_config: Optional[Any] = None) -> LockStore:  # type: ignore[misc]
        """Build the atomic Redis lock store when REDIS_URL is set, otherwise an in-memory one."""
        url = get_settings().redis_url
        return redis_lock_store(url) if url else InMemoryLockStore()
