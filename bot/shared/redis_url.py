"""REDIS_URL (`redis://[user:password@]host[:port][/db]`, or rediss:// for TLS) parsed once for every Redis user."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional
from urllib.parse import unquote, urlsplit

from bot.shared.settings import ConfigurationError

DEFAULT_PORT = 6379
DEFAULT_DB = 1  # the project's database number when the URL names none


@dataclass(frozen=True)
class RedisAddress:
    """Where a Redis server is and how to sign in; `str()` never shows the password."""

    host: str
    port: int = DEFAULT_PORT
    db: int = DEFAULT_DB
    username: Optional[str] = None
    password: Optional[str] = None
    ssl: bool = False

    def client_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for `redis.Redis` / `redis.asyncio.Redis`."""
        return {"host": self.host, "port": self.port, "db": self.db, "username": self.username,
                "password": self.password, "ssl": self.ssl}

    def __str__(self) -> str:
        """`host:port/db`, safe to log."""
        return f"{self.host}:{self.port}/{self.db}"


def parse_redis_url(url: str) -> RedisAddress:
    """The address in a REDIS_URL; ConfigurationError when it is not a redis:// or rediss:// URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise ConfigurationError(f"REDIS_URL must look like redis://host:6379/1, got {parts.scheme}://…")
    db = parts.path.lstrip("/")
    if db and not db.isdigit():
        raise ConfigurationError("REDIS_URL's path must be a database number, like redis://host:6379/1")
    try:
        port = parts.port or DEFAULT_PORT
    except ValueError:
        raise ConfigurationError("REDIS_URL's port must be a number, like redis://host:6379/1") from None
    # percent-encoded so a password may hold ':' '@' '/' (as in every redis:// client)
    return RedisAddress(host=parts.hostname, port=port, db=int(db or DEFAULT_DB),
                        username=unquote(parts.username) if parts.username else None,
                        password=unquote(parts.password) if parts.password else None,
                        ssl=parts.scheme == "rediss")
