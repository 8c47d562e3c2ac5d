"""Rasa's `events` table on SQLite: ids never reused (AUTOINCREMENT), also for tables created before.

Rasa declares `events.id` as a plain INTEGER PRIMARY KEY, so SQLite hands out the ids of the newest
rows again once they are deleted (an erasure). Readers that remember the last id they read, like the
console's index, would then never see the new rows. With AUTOINCREMENT an id is never used twice.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

EVENTS = "events"
_REBUILT = "events_autoincrement"
# The console's read position (bot/web/console/sync.py): new ids must also lie beyond it.
_READERS_CURSOR = "SELECT value FROM console_sync_state WHERE name = 'events'"


def never_reuse_ids(table: sa.Table) -> None:
    """Make `CREATE TABLE` for this table use AUTOINCREMENT on SQLite (no effect elsewhere)."""
    table.dialect_options["sqlite"]["autoincrement"] = True


def needs_rebuild(connection: Connection) -> bool:
    """Whether this is SQLite and `events` exists without AUTOINCREMENT."""
    if connection.dialect.name != "sqlite":
        return False
    sql = connection.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (EVENTS,)).scalar()
    return sql is not None and "AUTOINCREMENT" not in sql.upper()


def begin_write(connection: Connection) -> None:
    """On SQLite, take the write lock now (BEGIN IMMEDIATE) so the DDL that follows is transactional."""
    if connection.dialect.name != "sqlite":
        return
    raw: Any = connection.connection.dbapi_connection
    if not raw.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def rebuild_with_autoincrement(connection: Connection) -> bool:
    """Rebuild `events` with AUTOINCREMENT in the caller's transaction; whether a rebuild was needed.

    Rows, ids, columns and indexes are kept. The id sequence starts beyond both the highest id
    stored and the console's read position, so ids already handed out are never given again.
    """
    begin_write(connection)
    if not needs_rebuild(connection):
        return False
    old = sa.Table(EVENTS, sa.MetaData(), autoload_with=connection)
    indexes = sa.inspect(connection).get_indexes(EVENTS)
    new = sa.Table(_REBUILT, sa.MetaData(),
                   *[sa.Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable) for c in old.columns],
                   sqlite_autoincrement=True)
    new.create(connection)
    columns = ", ".join(f'"{c.name}"' for c in old.columns)
    connection.exec_driver_sql(f'INSERT INTO "{_REBUILT}" ({columns}) SELECT {columns} FROM "{EVENTS}"')
    connection.exec_driver_sql(f'DROP TABLE "{EVENTS}"')
    connection.exec_driver_sql(f'ALTER TABLE "{_REBUILT}" RENAME TO "{EVENTS}"')
    for index in indexes:
        names = ", ".join(f'"{name}"' for name in index["column_names"])
        unique = "UNIQUE " if index.get("unique") else ""
        connection.exec_driver_sql(f'CREATE {unique}INDEX "{index["name"]}" ON "{EVENTS}" ({names})')
    floor = max(connection.exec_driver_sql(f'SELECT COALESCE(MAX(id), 0) FROM "{EVENTS}"').scalar() or 0,
                _readers_cursor(connection))
    connection.exec_driver_sql("DELETE FROM sqlite_sequence WHERE name = ?", (EVENTS,))
    connection.exec_driver_sql("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (EVENTS, floor))
    return True


def ensure_ids_never_reused(engine: Engine) -> bool:
    """Rebuild `events` with AUTOINCREMENT once if it lacks it (SQLite only); whether it did."""
    if engine.dialect.name != "sqlite":
        return False
    with engine.connect() as connection:
        if not needs_rebuild(connection):
            return False
    with engine.begin() as connection:
        return rebuild_with_autoincrement(connection)


def _readers_cursor(connection: Connection) -> int:
    if not sa.inspect(connection).has_table("console_sync_state"):
        return 0
    return int(connection.exec_driver_sql(_READERS_CURSOR).scalar() or 0)
