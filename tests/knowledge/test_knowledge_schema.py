"""A knowledge database made by an older version is rebuilt at load, not left to fail on a query."""
from __future__ import annotations

import sqlalchemy as sa

from knowledge import queries
from knowledge.db import make_session_factory, stale_tables
from knowledge.loader import load_knowledge
from tests.support.databases import sqlite_url


def test_tables_with_other_columns_are_rebuilt_and_the_content_loads(tmp_path):
    path = tmp_path / "knowledge.db"
    old = sa.create_engine(sqlite_url(path))
    with old.begin() as connection:  # `sources` as an older version made it: fewer columns
        connection.exec_driver_sql("CREATE TABLE sources (id INTEGER PRIMARY KEY, slug VARCHAR(100))")
        connection.exec_driver_sql("INSERT INTO sources (slug) VALUES ('old')")
    assert stale_tables(old) == ["sources"]
    old.dispose()

    factory = make_session_factory(sqlite_url(path))
    load_knowledge(factory)

    assert stale_tables(factory.kw["bind"]) == []
    with factory() as session:
        assert [s.slug for s in queries.sources(session)] != ["old"] and queries.sources(session)
    factory.kw["bind"].dispose()


def test_a_database_with_the_current_tables_keeps_its_rows(tmp_path):
    url = sqlite_url(tmp_path / "knowledge.db")
    first = make_session_factory(url)
    load_knowledge(first)
    with first() as session:
        before = [s.slug for s in queries.sources(session)]
    first.kw["bind"].dispose()

    again = make_session_factory(url)
    with again() as session:  # nothing reloaded: the rows are still there
        assert [s.slug for s in queries.sources(session)] == before and before
    again.kw["bind"].dispose()
