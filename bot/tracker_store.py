"""Rasa's SQL tracker store, configured from DATABASE_URL instead of YAML (no secrets in files)."""
from __future__ import annotations

from typing import Any, Optional

from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore, TrackerStore
from sqlalchemy import event

from bot.settings import get_settings
from knowledge.db import ensure_sqlite_folder


class EnvSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore whose database URL comes from DATABASE_URL (default SQLite in var/)."""

    def __init__(self, host: Optional[str] = None, **kwargs: Any) -> None:
        """Connect to DATABASE_URL unless a full URL was given in endpoints.yml."""
        url = host if host and "://" in host else get_settings().database_url
        ensure_sqlite_folder(url)
        super().__init__(host=url, **kwargs)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_write_ahead_log)
            self.engine.dispose()  # reconnect so every pooled connection gets the pragmas


def _sqlite_write_ahead_log(dbapi_connection: Any, _record: Any) -> None:
    """Use a WAL journal with NORMAL sync, so commits skip the full fsync.

    Readers (the adviser console) then do not block the assistant's writes. Committed turns
    survive a crash of the process; only a power cut can lose the last moments.
    """
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _stores(store: TrackerStore) -> list[TrackerStore]:
    """The store and every store it wraps (Rasa wraps the configured one, e.g. in a fail-safe)."""
    found = [store]
    for attribute in ("_tracker_store", "_fallback_tracker_store"):
        inner = getattr(store, attribute, None)
        if isinstance(inner, TrackerStore):
            found += _stores(inner)
    return found


def delete_conversation(store: TrackerStore, sender_id: str) -> int:
    """Delete every stored event of one conversation (Rasa 3.6 has no delete); rows removed.

    Callers hold the conversation's lock (agent.lock_store.lock(sender_id)) so that no turn
    in progress writes the conversation back.
    """
    deleted = 0
    supported = False
    for each in _stores(store):
        if isinstance(each, SQLTrackerStore):
            supported = True
            with each.session_scope() as session:
                deleted += session.query(each.SQLEvent).filter(
                    each.SQLEvent.sender_id == sender_id).delete(synchronize_session=False)
                session.commit()
        elif isinstance(each, InMemoryTrackerStore):
            supported = True
            deleted += 1 if each.store.pop(sender_id, None) is not None else 0
    if not supported:
        raise NotImplementedError(f"Deleting conversations is not supported for {type(store).__name__}.")
    return deleted
