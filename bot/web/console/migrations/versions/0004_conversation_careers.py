"""The careers each conversation has been about (its `career` slot), filled from the events already indexed."""
from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from bot.web.console.folding import CAREER_SLOT, career_value

revision = "0004_conversation_careers"
down_revision = "0003_console_sessions"
branch_labels = None
depends_on = None
CHUNK = 5000


def upgrade() -> None:
    """Create console_conversation_careers and fill it from the `career` slot events read so far."""
    op.create_table(
        "console_conversation_careers",
        sa.Column("career", sa.String(100), primary_key=True),
        sa.Column("sender_id", sa.String(255), primary_key=True),
        sa.Column("first_ts", sa.Float, nullable=False))
    op.create_index("ix_console_conversation_careers_sender", "console_conversation_careers",
                    ["sender_id", "first_ts"])
    op.create_index("ix_console_conversation_careers_first_ts", "console_conversation_careers", ["first_ts"])
    _fill_from_events(op.get_bind())


def _fill_from_events(connection: sa.engine.Connection) -> None:
    """Events up to the sync cursor were folded before this table existed; later ones the sync folds."""
    if not sa.inspect(connection).has_table("events"):
        return
    cursor = connection.execute(sa.text("SELECT value FROM console_sync_state WHERE name = 'events'")).scalar() or 0
    query = sa.text("SELECT id, sender_id, timestamp, data FROM events WHERE type_name = 'slot' AND id > :after "
                    "AND id <= :cursor AND data LIKE :career ORDER BY id LIMIT :chunk")
    first: dict[tuple[str, str], float] = {}
    after = 0
    while True:
        rows = connection.execute(query, {"after": after, "cursor": cursor, "chunk": CHUNK,
                                          "career": f'%"{CAREER_SLOT}"%'}).all()
        for row in rows:
            try:
                data = json.loads(row.data or "{}")
            except (TypeError, ValueError, RecursionError):
                continue
            career = career_value(data.get("value")) if isinstance(data, dict) and \
                data.get("name") == CAREER_SLOT else None
            if career:
                key = (career, row.sender_id)
                first[key] = min(first.get(key, float(row.timestamp or 0)), float(row.timestamp or 0))
        if len(rows) < CHUNK:
            break
        after = rows[-1].id
    table = sa.table("console_conversation_careers", sa.column("career"), sa.column("sender_id"),
                     sa.column("first_ts"))
    pairs = [{"career": c, "sender_id": s, "first_ts": ts} for (c, s), ts in first.items()]
    for start in range(0, len(pairs), CHUNK):
        connection.execute(table.insert(), pairs[start:start + CHUNK])


def downgrade() -> None:
    """Drop console_conversation_careers."""
    op.drop_index("ix_console_conversation_careers_first_ts", table_name="console_conversation_careers")
    op.drop_index("ix_console_conversation_careers_sender", table_name="console_conversation_careers")
    op.drop_table("console_conversation_careers")
