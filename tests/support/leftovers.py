"""Search every table of a database (found in its catalogue, not listed by hand) for given strings."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.engine import Engine


def table_names(engine: Engine) -> list[str]:
    """Every table, including SQLite's FTS5 shadow tables and sqlite_sequence."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            query = "SELECT name FROM sqlite_master WHERE type = 'table'"
        else:
            query = ("SELECT table_name FROM information_schema.tables "
                     "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'")
        return sorted(connection.execute(text(query)).scalars())


def _as_bytes(value: object) -> bytes:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    return str(value).encode("utf-8", "surrogatepass")


def leftovers(engine: Engine, needles: Iterable[str]) -> list[tuple[str, str]]:
    """(table, needle) for every table where some value (text or raw bytes) contains a needle."""
    wanted = [n.lower().encode() for n in needles]
    found = []
    with engine.connect() as connection:
        for name in table_names(engine):
            for row in connection.execute(text(f'SELECT * FROM "{name}"')):
                values = b"\x00".join(_as_bytes(v).lower() for v in row if v is not None)
                found += [(name, n.decode()) for n in wanted if n in values and (name, n.decode()) not in found]
    return found
