"""SQLite URLs for test databases, and a snapshot of every row to compare database states."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.orm import sessionmaker

from knowledge.models import Base


def sqlite_url(path: Path) -> str:
    """SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{path}"


def snapshot(factory: sessionmaker) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every knowledge table, in primary-key order, to compare database states."""
    engine = factory.kw["bind"]
    with engine.connect() as connection:
        return {table.name: [tuple(row) for row in connection.execute(
                    table.select().order_by(*table.primary_key.columns))]
                for table in Base.metadata.sorted_tables}
