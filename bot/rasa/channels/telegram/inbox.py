"""The durable inbox of Telegram updates, in the conversations database, shared by every Rasa server.

The webhook stores an update (a repeated update_id is dropped: the database decides, for all
servers) and only then answers 200. A server handles an update only after claiming it: an atomic
UPDATE that succeeds for one server, sets a lease the server renews while it works, and is refused
while an earlier update of the same chat is unfinished, so each chat's updates run in order
across servers. Updates whose server died (lease lapsed) or that nobody claimed are claimed again
by any server's sweeper (worker.py). The table itself: bot/shared/telegram_updates.py.

The methods block (SQLAlchemy 1.4, no asyncio driver): the channel calls them in a thread.
"""
from __future__ import annotations

import json
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any, Optional

import sqlalchemy as sa
from rasa.core.tracker_store import create_engine_kwargs, is_postgresql_url
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import QueuePool, StaticPool

from bot.rasa.stores.tracker_store import _sqlite_write_ahead_log
from bot.shared.telegram_updates import (
    DONE,
    FAILED,
    FINISHED,
    PENDING,
    PROCESSING,
    UNFINISHED,
    create_table,
    telegram_updates,
)
from knowledge.db import ensure_sqlite_folder

LEASE_SECONDS = 30.0  # a claim lapses this long after its last renewal (the server is presumed dead)
UNCLAIMED_GRACE_SECONDS = 5.0  # the receiving server claims at once; after this anyone may
RETENTION_SECONDS = 24 * 3600.0  # handled rows (ids only) are kept this long to drop late redeliveries
PRUNE_BATCH = 1000
MAX_ATTEMPTS = 5  # claims before an update that keeps killing its server is given up
POSTGRESQL_CONNECT_TIMEOUT = 5  # seconds: an unreachable database answers Telegram 503 promptly

Clock = Callable[[], float]
_table = telegram_updates


def instance_id() -> str:
    """A name for this server in `claimed_by`: host, process and a random part (pids repeat)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"[:100]


def inbox_engine(url: str) -> Engine:
    """An engine on the conversations database (DATABASE_URL), set up as the tracker store's is.

    SQLite: pooled connections in WAL mode (one shared connection for an in-memory database);
    PostgreSQL: Rasa's own engine options (POSTGRESQL_SCHEMA, pool sizes), connections checked
    before use so a restarted database costs no failed update.
    """
    if not url:
        raise ValueError("The Telegram update inbox needs a database URL (DATABASE_URL).")
    ensure_sqlite_folder(url)
    if url.startswith("sqlite"):
        in_memory = url in ("sqlite://", "sqlite:///:memory:") or "mode=memory" in url
        engine = sa.create_engine(url, future=True, poolclass=StaticPool if in_memory else QueuePool,
                                  connect_args={"check_same_thread": False})
        if not in_memory:
            sa.event.listen(engine, "connect", _sqlite_write_ahead_log)
        return engine
    options = create_engine_kwargs(url)
    if is_postgresql_url(url):
        options["connect_args"] = {**options.get("connect_args", {}),
                                   "connect_timeout": POSTGRESQL_CONNECT_TIMEOUT}
    return sa.create_engine(url, future=True, pool_pre_ping=True, **options)


@dataclass(frozen=True)
class Claimed:
    """An update this server has claimed and must now handle."""

    update_id: int
    chat_id: Optional[int]
    payload: dict[str, Any]
    received_at: float
    attempts: int


@dataclass(frozen=True)
class StoredUpdate:
    """One row of the inbox, as an operator or a test sees it."""

    update_id: int
    chat_id: Optional[int]
    state: str
    claimed_by: Optional[str]
    attempts: int
    received_at: float
    has_payload: bool


class Inbox:
    """Stores, claims and completes Telegram updates for one Rasa server (one `instance`)."""

    def __init__(self, url_or_engine: str | Engine, instance: Optional[str] = None, clock: Clock = time.time,
                 lease_seconds: float = LEASE_SECONDS, grace_seconds: float = UNCLAIMED_GRACE_SECONDS,
                 retention_seconds: float = RETENTION_SECONDS, max_attempts: int = MAX_ATTEMPTS) -> None:
        """Use the database at `url_or_engine` (nothing connects until first use)."""
        self.engine = url_or_engine if isinstance(url_or_engine, Engine) else inbox_engine(url_or_engine)
        self.instance = instance or instance_id()
        self.lease_seconds = lease_seconds
        self.grace_seconds = grace_seconds
        self.retention_seconds = retention_seconds
        self.max_attempts = max_attempts
        self._clock = clock
        self._ready = False
        # SQLite has one writer at a time anyway; queueing this server's threads here avoids
        # "database is locked" among them (and shares the one connection of an in-memory database).
        self._serial: AbstractContextManager[Any] = (
            threading.Lock() if self.engine.dialect.name == "sqlite" else nullcontext())

    def now(self) -> float:
        """The time on this inbox's clock (Unix seconds)."""
        return self._clock()

    @property
    def dialect(self) -> str:
        """The database's dialect name (sqlite, postgresql)."""
        return self.engine.dialect.name

    def prepare(self) -> None:
        """Create the table if it is missing (once per server; retried on the next call if it fails)."""
        if not self._ready:
            with self._serial:
                create_table(self.engine)
            self._ready = True

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        self.prepare()
        with self._serial, self.engine.begin() as connection:
            yield connection

    # -- receiving ------------------------------------------------------------------------------
    def store(self, update_id: int, chat_id: Optional[int], payload: dict[str, Any]) -> bool:
        """Store a new update, committed when this returns; False if the update_id was already stored."""
        row = {"update_id": update_id, "chat_id": chat_id, "received_at": self._clock(), "state": PENDING,
               "payload": json.dumps(payload, ensure_ascii=False, separators=(",", ":")), "attempts": 0}
        with self._transaction() as connection:
            if self.dialect in ("sqlite", "postgresql"):
                insert = (sqlite_insert if self.dialect == "sqlite" else postgresql_insert)(_table)
                return connection.execute(insert.values(row).on_conflict_do_nothing(
                    index_elements=["update_id"])).rowcount == 1
            exists = connection.execute(sa.select(_table.c.update_id).where(_table.c.update_id == update_id))
            if exists.first() is not None:
                return False
            connection.execute(sa.insert(_table).values(row))
            return True

    # -- claiming -------------------------------------------------------------------------------
    def _free(self, now: float) -> Any:
        """Pending, or claimed by a server whose lease has lapsed."""
        return sa.or_(_table.c.state == PENDING,
                      sa.and_(_table.c.state == PROCESSING, _table.c.lease_until < now))

    @staticmethod
    def _first_of_its_chat() -> Any:
        """No earlier update of the same chat is unfinished (the chat's order, across servers)."""
        earlier = _table.alias("earlier")
        return ~sa.exists().where(earlier.c.chat_id == _table.c.chat_id, earlier.c.update_id < _table.c.update_id,
                                  earlier.c.state.in_(UNFINISHED))

    def _claim(self, connection: Connection, update_id: int, now: float) -> Optional[Claimed]:
        claimed = connection.execute(
            sa.update(_table)
            .where(_table.c.update_id == update_id, self._free(now), _table.c.attempts < self.max_attempts,
                   self._first_of_its_chat())
            .values(state=PROCESSING, claimed_by=self.instance, lease_until=now + self.lease_seconds,
                    attempts=_table.c.attempts + 1))
        if claimed.rowcount != 1:
            return None
        row = connection.execute(sa.select(_table).where(_table.c.update_id == update_id)).one()
        return Claimed(row.update_id, row.chat_id, json.loads(row.payload or "{}"), row.received_at, row.attempts)

    def claim(self, update_id: int) -> Optional[Claimed]:
        """Claim one update for this server; None if another has it, it is done, or its chat is busy."""
        with self._transaction() as connection:
            return self._claim(connection, update_id, self._clock())

    def claim_next(self, chat_id: Optional[int]) -> Optional[Claimed]:
        """Claim the chat's earliest unfinished update, if it is free (called after finishing one)."""
        if chat_id is None:
            return None
        with self._transaction() as connection:
            first = connection.execute(sa.select(sa.func.min(_table.c.update_id))
                                       .where(_table.c.chat_id == chat_id, _table.c.state.in_(UNFINISHED))).scalar()
            return None if first is None else self._claim(connection, first, self._clock())

    def renew(self, update_id: int) -> bool:
        """Extend this server's lease on an update; False if the claim was lost (it lapsed and was taken)."""
        with self._transaction() as connection:
            return connection.execute(
                sa.update(_table)
                .where(_table.c.update_id == update_id, _table.c.claimed_by == self.instance,
                       _table.c.state == PROCESSING)
                .values(lease_until=self._clock() + self.lease_seconds)).rowcount == 1

    def finish(self, update_id: int) -> None:
        """Mark an update handled; its payload (the message's text) is dropped, its id kept for duplicates."""
        with self._transaction() as connection:
            connection.execute(sa.update(_table).where(_table.c.update_id == update_id)
                               .values(state=DONE, payload=None, lease_until=None))

    def release_mine(self) -> int:
        """Hand back this server's unfinished claims (on shutdown), for another server to take at once."""
        with self._transaction() as connection:
            return connection.execute(
                sa.update(_table)
                .where(_table.c.claimed_by == self.instance, _table.c.state == PROCESSING)
                .values(state=PENDING, lease_until=None)).rowcount or 0

    # -- recovery -------------------------------------------------------------------------------
    def recover(self, limit: int) -> tuple[list[Claimed], list[int]]:
        """Claim up to `limit` abandoned updates, oldest first, the first of each chat only.

        Abandoned: unclaimed for longer than the grace period, or claimed by a server whose lease
        lapsed. Returns (claimed, given up): an update claimed MAX_ATTEMPTS times is marked failed
        instead, so that its chat is not blocked for ever.
        """
        now = self._clock()
        abandoned = sa.or_(sa.and_(_table.c.state == PENDING, _table.c.received_at <= now - self.grace_seconds),
                           sa.and_(_table.c.state == PROCESSING, _table.c.lease_until < now))
        claimed: list[Claimed] = []
        given_up: list[int] = []
        with self._transaction() as connection:
            heads = connection.execute(sa.select(_table.c.update_id, _table.c.attempts)
                                       .where(abandoned, self._first_of_its_chat())
                                       .order_by(_table.c.update_id).limit(limit)).all()
            for update_id, attempts in heads:
                if attempts >= self.max_attempts:
                    if connection.execute(sa.update(_table)
                                          .where(_table.c.update_id == update_id, self._free(now))
                                          .values(state=FAILED, payload=None, lease_until=None)).rowcount:
                        given_up.append(update_id)
                elif (claim := self._claim(connection, update_id, now)) is not None:
                    claimed.append(claim)
        return claimed, given_up

    def prune(self, batch: int = PRUNE_BATCH) -> int:
        """Delete up to `batch` finished rows older than the retention period; how many."""
        old = _table.alias("old")
        expired = (sa.select(old.c.update_id)
                   .where(old.c.state.in_(FINISHED), old.c.received_at < self._clock() - self.retention_seconds)
                   .order_by(old.c.update_id).limit(batch))
        with self._transaction() as connection:
            return connection.execute(sa.delete(_table).where(_table.c.update_id.in_(expired))).rowcount or 0

    # -- inspection (operators, tests) ------------------------------------------------------------
    def stored(self) -> list[StoredUpdate]:
        """Every stored update, by update_id."""
        with self._transaction() as connection:
            rows = connection.execute(sa.select(_table).order_by(_table.c.update_id)).all()
        return [StoredUpdate(r.update_id, r.chat_id, r.state, r.claimed_by, r.attempts, r.received_at,
                             r.payload is not None) for r in rows]

    def counts(self) -> dict[str, int]:
        """How many stored updates are in each state."""
        with self._transaction() as connection:
            rows = connection.execute(sa.select(_table.c.state, sa.func.count()).group_by(_table.c.state)).all()
        return {state: int(count) for state, count in rows}

    def close(self) -> None:
        """Close the database connections."""
        self.engine.dispose()
