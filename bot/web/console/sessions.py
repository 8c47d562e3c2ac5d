"""Server-side console sessions: checked on every request, ended by logout, password change or disable."""
from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection, Engine

from bot.web.console.tables import console_sessions

# The clock every session check reads; tests replace it to step past the lifetime.
clock: Callable[[], float] = time.time


def _digest(token: str) -> str:
    """What the table stores: a database copy alone cannot be turned back into a cookie."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start(engine: Engine, account_id: int, lifetime_seconds: float) -> str:
    """Record a new sign-in; the random token for the session cookie (expired rows are dropped)."""
    token = secrets.token_urlsafe(32)
    now = clock()
    with engine.begin() as connection:
        connection.execute(delete(console_sessions).where(console_sessions.c.created_at <= now - lifetime_seconds))
        connection.execute(insert(console_sessions).values(token_hash=_digest(token), account_id=account_id,
                                                           created_at=now))
    return token


def account_of(engine: Engine, token: str, lifetime_seconds: float) -> int | None:
    """The account id of a live session, or None (unknown, ended or older than the lifetime)."""
    with engine.connect() as connection:
        row = connection.execute(select(console_sessions).where(
            console_sessions.c.token_hash == _digest(token))).first()
    if row is None or row.created_at <= clock() - lifetime_seconds:
        return None
    return int(row.account_id)


def end(engine: Engine, token: str) -> None:
    """End one session (logout)."""
    with engine.begin() as connection:
        connection.execute(delete(console_sessions).where(console_sessions.c.token_hash == _digest(token)))


def end_all(connection: Connection, account_id: int) -> None:
    """End every session of an account (password change, disable), inside the caller's transaction."""
    connection.execute(delete(console_sessions).where(console_sessions.c.account_id == account_id))
