"""Rasa lock store chosen from REDIS_URL: Redis when set (several Rasa processes), else in memory."""
from __future__ import annotations

from typing import Any, Optional
from urllib.parse import urlsplit

from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore

from bot.shared.settings import ConfigurationError, get_settings


def redis_lock_store(url: str) -> RedisLockStore:
    """A RedisLockStore for a `redis://[user:password@]host[:port][/db]` (or rediss://) URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise ConfigurationError(f"REDIS_URL must look like redis://host:6379/1, got {parts.scheme}://…")
    db = int(parts.path.lstrip("/") or 1)
    return RedisLockStore(host=parts.hostname, port=parts.port or 6379, db=db,
                          username=parts.username or None, password=parts.password or None,
                          use_ssl=parts.scheme == "rediss", key_prefix="career_coach")


class EnvLockStore:
    """Factory Rasa instantiates from endpoints.yml; returns the lock store REDIS_URL asks for."""

    def __new__(cls, endpoint_config: Optional[Any] = None) -> LockStore:  # type: ignore[misc]
        """Build a Redis lock store when REDIS_URL is set, otherwise an in-memory one."""
        url = get_settings().redis_url
        return redis_lock_store(url) if url else InMemoryLockStore()
