"""Rasa's SQL tracker store, configured from DATABASE_URL instead of YAML (no secrets in files)."""
from __future__ import annotations

import json
from typing import Any, Optional

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from sqlalchemy import event
from sqlalchemy.pool import QueuePool

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
            self._pool_sqlite_connections()

    def _pool_sqlite_connections(self) -> None:
        """Keep SQLite connections open between turns, in WAL mode.

        SQLAlchemy 1.4 opens and closes a file-based SQLite connection for every session, and
        closing the last connection checkpoints the WAL: measured, that was a tenth of the Rasa
        server's CPU per message. All access happens on the server's event-loop thread.
        """
        old: sa.engine.Engine = self.engine  # type: ignore[has-type]
        url = old.url
        old.dispose()
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
