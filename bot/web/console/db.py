"""The console's database engine (DATABASE_URL, shared with Rasa's tracker store) and migrations."""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Engine

from knowledge.db import ensure_sqlite_folder

VERSION_TABLE = "console_alembic_version"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def get_engine(url: str) -> Engine:
    """One engine per database URL for the whole process (pooled connections are reused)."""
    with _engines_lock:
        if url not in _engines:
            ensure_sqlite_folder(url)
            engine = create_engine(url, future=True, pool_pre_ping=True)
            if engine.dialect.name == "sqlite":
                event.listen(engine, "connect", _sqlite_pragmas)
            _engines[url] = engine
        return _engines[url]


def dispose_engines() -> None:
    """Close every pooled connection (tests and the CLI call this when done)."""
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL like the tracker store (readers never block Rasa), and wait for locks instead of failing."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def alembic_config() -> Config:
    """Alembic configuration pointing at bot/web/console/migrations (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the console tables up to `revision` (idempotent)."""
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def head_revision() -> str:
    """The newest console migration (what `upgrade` brings a database to)."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The applied console migration, or None on an empty database."""
    with engine.connect() as connection:
        if not inspect(connection).has_table(VERSION_TABLE):
            return None
        return connection.exec_driver_sql(f"SELECT version_num FROM {VERSION_TABLE}").scalar()


def has_events_table(engine: Engine) -> bool:
    """Whether Rasa has created its `events` table yet (it does so when the Rasa server starts)."""
    with engine.connect() as connection:
        return inspect(connection).has_table("events")
