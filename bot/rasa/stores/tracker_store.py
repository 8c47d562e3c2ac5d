"""Rasa's SQL tracker store, configured from DATABASE_URL instead of YAML (no secrets in files).

The reads, saves and error handling that replace Rasa's are in bot/rasa/patches/sql_tracker_store.py.
Database errors reach the caller as ordinary exceptions; the PostgreSQL schema is checked once,
at start-up, and only a missing schema is fatal. SQLite connections are pooled, in WAL mode.
"""
from __future__ import annotations

import json
import logging
from typing import Any, Optional

import sqlalchemy as sa
from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore, TrackerStore, ensure_schema_exists
from sqlalchemy import event
from sqlalchemy.pool import QueuePool

from bot.rasa.patches.sql_tracker_store import FastSQLTrackerStore, wrapped_stores
from bot.shared.erasure import erase_conversations
from bot.shared.events_table import ensure_ids_never_reused
from bot.shared.settings import ConfigurationError, get_settings
from knowledge.db import ensure_sqlite_folder

logger = logging.getLogger(__name__)


class EnvSQLTrackerStore(FastSQLTrackerStore):
    """SQLTrackerStore whose database URL comes from DATABASE_URL (default SQLite in var/)."""

    engine: sa.engine.Engine

    def __init__(self, host: Optional[str] = None, **kwargs: Any) -> None:
        """Connect to DATABASE_URL unless a full URL was given in endpoints.yml."""
        url = host if host and "://" in host else get_settings().database_url
        ensure_sqlite_folder(url)
        super().__init__(host=url, **kwargs)
        if self.engine.dialect.name == "sqlite":
            self._pool_sqlite_connections()
            self._ensure_ids_never_reused()
        self._check_schema()

    def _check_schema(self) -> None:
        """Fail at start-up, not on a later request, if POSTGRESQL_SCHEMA names a missing schema."""
        session = self.sessionmaker()
        try:
            ensure_schema_exists(session)
        except ValueError as missing:
            raise ConfigurationError(
                f"The PostgreSQL schema {missing} (POSTGRESQL_SCHEMA) does not exist: create it "
                "or unset POSTGRESQL_SCHEMA to use the default schema.") from None
        finally:
            session.close()

    def _ensure_ids_never_reused(self) -> None:
        """Rebuild an `events` table created before AUTOINCREMENT (once; the console's migration does too)."""
        try:
            ensure_ids_never_reused(self.engine)
        except sa.exc.OperationalError:  # e.g. the web process is rebuilding it right now
            logger.warning("Could not check the events table for AUTOINCREMENT now; it is checked at the "
                           "next start (and by `coach console migrate`).", exc_info=True)

    def _pool_sqlite_connections(self) -> None:
        """Keep SQLite connections open between turns, in WAL mode.

        SQLAlchemy 1.4 opens and closes a file-based SQLite connection for every session, and
        closing the last connection checkpoints the WAL: measured, that was a tenth of the Rasa
        server's CPU per message. All access happens on the server's event-loop thread.
        """
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, poolclass=QueuePool, pool_size=4, max_overflow=4,
                                       connect_args={"check_same_thread": False},
                                       json_serializer=json.dumps)
        event.listen(self.engine, "connect", _sqlite_write_ahead_log)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

def _sqlite_write_ahead_log(dbapi_connection: Any, _record: Any) -> None:
    """Use a WAL journal with NORMAL sync, so commits skip the full fsync.

    Readers (the adviser console) then do not block the assistant's writes. Committed turns
    survive a crash of the process; only a power cut can lose the last moments.
    """
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def delete_conversation(store: TrackerStore, sender_id: str, actor: Optional[str] = None) -> int:
    """Erase one conversation everywhere (bot/shared/erasure.py: events and the console's copy); events removed.

    Also forgets the tracker kept in memory for reuse. Callers hold the conversation's lock
    (agent.lock_store.lock(sender_id)) so that no turn in progress writes the conversation back.
    With `actor`, the console's audit log records the erasure (under a pseudonym).
    """
    deleted = 0
    supported = False
    for each in wrapped_stores(store):
        if isinstance(each, SQLTrackerStore):
            supported = True
            deleted += erase_conversations(each.engine, [sender_id], actor, "erased at the learner's request")
            if isinstance(each, FastSQLTrackerStore):
                each.forget(sender_id)
        elif isinstance(each, InMemoryTrackerStore):
            supported = True
            deleted += 1 if each.store.pop(sender_id, None) is not None else 0
    if not supported:
        raise NotImplementedError(f"Deleting conversations is not supported for {type(store).__name__}.")
    return deleted
