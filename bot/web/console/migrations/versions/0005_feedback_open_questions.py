"""Negative feedback per conversation and open questions (not covered, answers rejected), filled from events read."""
from __future__ import annotations

import json
from collections import Counter
from typing import Any

import sqlalchemy as sa
from alembic import op

from bot.web.console.folding import (
    NEGATIVE_FEEDBACK_INTENT,
    NEGATIVE_KIND,
    NOT_COVERED,
    NOT_COVERED_KIND,
    as_dict,
    is_not_covered,
)
from bot.web.console.open_questions import resolve

revision = "0005_feedback_open_questions"
down_revision = "0004_conversation_careers"
branch_labels = None
depends_on = None
CHUNK = 5000


def upgrade() -> None:
    """Add console_conversations.negative_feedback and console_open_questions, filled from the events read so far."""
    op.add_column("console_conversations",
                  sa.Column("negative_feedback", sa.Integer, nullable=False, server_default=sa.text("0")))
    op.create_index("ix_console_conversations_negative", "console_conversations", ["negative_feedback"])
    op.create_table(
        "console_open_questions",
        sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("ts", sa.Float, nullable=False),
        sa.Column("question_event_id", sa.Integer),
        sa.Column("question", sa.Text),
        sa.Column("normalised", sa.String(255)),
        sa.Column("reply", sa.Text))
    op.create_index("ix_console_open_questions_kind_ts", "console_open_questions", ["kind", "ts"])
    op.create_index("ix_console_open_questions_kind_normalised", "console_open_questions", ["kind", "normalised"])
    op.create_index("ix_console_open_questions_sender", "console_open_questions", ["sender_id", "question_event_id"])
    _fill_from_events(op.get_bind())


def _flagging_events(connection: sa.engine.Connection, cursor: int) -> list[dict[str, Any]]:
    """Negative-feedback messages and `not_covered` answers among the events up to the sync cursor."""
    query = sa.text("SELECT id, sender_id, type_name, timestamp, intent_name, data FROM events "
                    "WHERE id > :after AND id <= :cursor AND ((type_name = 'user' AND (intent_name = :intent "
                    "OR data LIKE :intent_like)) OR (type_name = 'slot' AND data LIKE :topic_like)) "
                    "ORDER BY id LIMIT :chunk")
    found: list[dict[str, Any]] = []
    after = 0
    while True:
        rows = connection.execute(query, {"after": after, "cursor": cursor, "chunk": CHUNK,
                                          "intent": NEGATIVE_FEEDBACK_INTENT,
                                          "intent_like": f"%{NEGATIVE_FEEDBACK_INTENT}%",
                                          "topic_like": f"%{NOT_COVERED}%"}).all()
        for row in rows:
            try:
                data = as_dict(json.loads(row.data or "{}"))
            except (TypeError, ValueError, RecursionError):
                continue
            intent = row.intent_name or as_dict(as_dict(data.get("parse_data")).get("intent")).get("name")
            if row.type_name == "user" and intent == NEGATIVE_FEEDBACK_INTENT:
                kind = NEGATIVE_KIND
            elif row.type_name == "slot" and is_not_covered(data.get("name"), data.get("value")):
                kind = NOT_COVERED_KIND
            else:
                continue
            found.append({"event_id": row.id, "sender_id": row.sender_id, "kind": kind,
                          "ts": float(row.timestamp or 0.0)})
        if len(rows) < CHUNK:
            return found
        after = rows[-1].id


def _fill_from_events(connection: sa.engine.Connection) -> None:
    """Events up to the sync cursor were folded before these existed; later ones the sync folds."""
    if not sa.inspect(connection).has_table("events"):
        return
    cursor = connection.execute(sa.text("SELECT value FROM console_sync_state WHERE name = 'events'")).scalar() or 0
    flagging = _flagging_events(connection, cursor)
    counts = Counter(row["sender_id"] for row in flagging if row["kind"] == NEGATIVE_KIND)
    update = sa.text("UPDATE console_conversations SET negative_feedback = :count WHERE sender_id = :sender")
    pairs = [{"count": count, "sender": sender} for sender, count in counts.items()]
    for start in range(0, len(pairs), CHUNK):
        connection.execute(update, pairs[start:start + CHUNK])
    table = sa.table("console_open_questions", *[sa.column(name) for name in (
        "event_id", "sender_id", "kind", "ts", "question_event_id", "question", "normalised", "reply")])
    rows = resolve(connection, [{**row, "question_event_id": None, "question": None, "normalised": None,
                                 "reply": None} for row in flagging])
    for start in range(0, len(rows), CHUNK):
        connection.execute(table.insert(), rows[start:start + CHUNK])


def downgrade() -> None:
    """Drop console_open_questions and console_conversations.negative_feedback."""
    op.drop_index("ix_console_open_questions_sender", table_name="console_open_questions")
    op.drop_index("ix_console_open_questions_kind_normalised", table_name="console_open_questions")
    op.drop_index("ix_console_open_questions_kind_ts", table_name="console_open_questions")
    op.drop_table("console_open_questions")
    op.drop_index("ix_console_conversations_negative", table_name="console_conversations")
    with op.batch_alter_table("console_conversations") as batch:
        batch.drop_column("negative_feedback")
