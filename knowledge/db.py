"""Engine and session factories for the knowledge database (SQLAlchemy 1.4, 2.0 style)."""
from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from knowledge.models import Base

logger = logging.getLogger(__name__)


def ensure_sqlite_folder(url: str) -> None:
    """Create the folder of a SQLite database file (no-op for other databases and :memory:)."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


def make_engine(url: str) -> Engine:
    """Create an engine for `url`, creating the folder of a SQLite file when needed."""
    ensure_sqlite_folder(url)
    options: dict[str, object] = {}
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:") and "mode=memory" not in url:
        # SQLAlchemy 1.4 opens a new connection per session for a SQLite file; the action server
        # opens a session per message, so keep a few connections (as SQLAlchemy 2.0 does).
        options = {"poolclass": QueuePool, "connect_args": {"check_same_thread": False}}
    engine = create_engine(url, future=True, **options)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_foreign_keys)
    return engine


def _sqlite_foreign_keys(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    """Make SQLite enforce foreign keys, as other databases do."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def stale_tables(engine: Engine) -> list[str]:
    """The knowledge tables whose columns differ from the models (made by an older version)."""
    inspector = inspect(engine)
    existing = set(inspector.get_table_names())
    return [table.name for table in Base.metadata.sorted_tables if table.name in existing
            and {column["name"] for column in inspector.get_columns(table.name)} != set(table.columns.keys())]


def make_session_factory(url: str, create: bool = True) -> sessionmaker:
    """Return a session factory bound to `url`, creating the tables when `create` is set.

    The knowledge database is derived from the content folder, so tables an older version made
    with other columns are dropped and made again (empty, for `coach knowledge load` to fill)
    instead of failing on the first query.
    """
    engine = make_engine(url)
    if create:
        stale = stale_tables(engine)
        if stale:
            logger.warning("Rebuilding the knowledge database: %s made by an older version.", ", ".join(stale))
            Base.metadata.drop_all(engine)
        Base.metadata.create_all(engine)
    return sessionmaker(bind=engine, future=True, class_=Session)
