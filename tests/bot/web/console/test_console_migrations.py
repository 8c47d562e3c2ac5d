"""Console migrations: upgrade from an empty SQLite database, match the table definitions, downgrade."""
from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from bot.web.console.db import VERSION_TABLE, current_revision, dispose_engines, get_engine, head_revision, upgrade
from bot.web.console.tables import metadata
from tests.support.databases import sqlite_url


def test_upgrade_from_empty_creates_every_table_and_the_search_index(tmp_path: Path):
    engine = get_engine(sqlite_url(tmp_path / "empty.db"))
    try:
        assert current_revision(engine) is None
        upgrade(engine)
        names = set(inspect(engine).get_table_names())
        assert set(metadata.tables) <= names
        assert "console_messages_fts" in names and VERSION_TABLE in names
        assert "events" not in names  # Rasa's table is Rasa's to create
        assert current_revision(engine) == head_revision()
        upgrade(engine)  # idempotent
        assert current_revision(engine) == head_revision()
    finally:
        dispose_engines()


def test_migrated_schema_matches_the_table_definitions(tmp_path: Path):
    engine = get_engine(sqlite_url(tmp_path / "compare.db"))
    try:
        upgrade(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
            own = ("console_messages_fts", "console_alembic")  # FTS5 and Alembic tables are not in the metadata
            differences = [d for d in compare_metadata(context, metadata)
                           if not (d[0] == "remove_table" and d[1].name.startswith(own))]
        assert differences == []
    finally:
        dispose_engines()


def test_downgrade_removes_the_console_tables_and_upgrade_restores_them(tmp_path: Path):
    from alembic import command

    from bot.web.console.db import alembic_config

    engine = get_engine(sqlite_url(tmp_path / "down.db"))
    try:
        upgrade(engine)
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
        assert not [n for n in inspect(engine).get_table_names() if n.startswith("console_") and n != VERSION_TABLE]
        upgrade(engine)
        assert set(metadata.tables) <= set(inspect(engine).get_table_names())
    finally:
        dispose_engines()


def test_the_migration_rebuilds_an_events_table_that_reuses_ids(tmp_path: Path):
    """Migrating a database whose newest events were deleted: new ids lie beyond every id read before."""
    from bot.web.console.sync import sync
    from bot.web.console.tables import events
    from harness import console_events as ev

    engine = get_engine(sqlite_url(tmp_path / "old.db"))
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "CREATE TABLE events (id INTEGER NOT NULL, sender_id VARCHAR(255) NOT NULL, type_name VARCHAR(255) "
                "NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT, "
                "PRIMARY KEY (id))")
            connection.exec_driver_sql("CREATE INDEX ix_events_sender_id ON events (sender_id)")
        upgrade(engine, "0001")
        ev.insert_rows(engine, [ev.user("a", 1.0, "hi", "greet"), ev.user("b", 2.0, "hello", "greet")])
        with engine.begin() as connection:  # the console had read both; then the newest row was erased
            connection.exec_driver_sql("INSERT INTO console_sync_state (name, value) VALUES ('events', 2)")
            connection.execute(events.delete().where(events.c.sender_id == "b"))
        upgrade(engine)
        with engine.connect() as connection:
            assert "AUTOINCREMENT" in connection.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE name = 'events'").scalar()
        ev.insert_rows(engine, [ev.user("c", 3.0, "anyone?", "greet")])
        with engine.connect() as connection:
            assert connection.execute(events.select().where(events.c.sender_id == "c")).one().id == 3
        assert sync(engine) == 1
    finally:
        dispose_engines()
