"""Engine and session factories for the knowledge database (SQLAlchemy 1.4, 2.0 style)."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from knowledge.models import Base


def ensure_sqlite_folder(url: str) -> None:
    """Create the folder of a SQLite database file (no-op for other databases and :memory:)."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


def make_engine(url: str) -> Engine:
    """Create an engine for `url`, creating the folder of a SQLite file when needed."""
    ensure_sqlite_folder(url)
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_foreign_keys)
    return engine


def _sqlite_foreign_keys(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    """Make SQLite enforce foreign keys, as other databases do."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_session_factory(url: str, create: bool = True) -> sessionmaker:
    """Return a session factory bound to `url`, creating the tables when `create` is set."""
    engine = make_engine(url)
    if create:
        Base.metadata.create_all(engine)
    return sessionmaker(bind=engine, future=True, class_=Session)
