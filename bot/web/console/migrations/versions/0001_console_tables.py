"""Console tables: accounts, conversation summaries, messages with full-text search, adviser work."""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SENDER = 255


def _account_fk() -> sa.ForeignKey:
    return sa.ForeignKey("console_accounts.id")


def upgrade() -> None:
    """Create every console table and the full-text index of messages."""
    op.create_table(
        "console_accounts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(255), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("is_admin", sa.Boolean, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("failed_logins", sa.Integer, nullable=False),
        sa.Column("locked_until", sa.Float),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("last_login_at", sa.Float))
    op.create_table(
        "console_conversations",
        sa.Column("sender_id", sa.String(SENDER), primary_key=True),
        sa.Column("channel", sa.String(64)),
        sa.Column("first_ts", sa.Float, nullable=False),
        sa.Column("last_ts", sa.Float, nullable=False),
        sa.Column("turns", sa.Integer, nullable=False),
        sa.Column("fallbacks", sa.Integer, nullable=False),
        sa.Column("low_confidence", sa.Integer, nullable=False),
        sa.Column("handoff_requested", sa.Boolean, nullable=False),
        sa.Column("handoff_at", sa.Float),
        sa.Column("paused", sa.Boolean, nullable=False),
        sa.Column("plan_stage", sa.String(255)),
        sa.Column("plan_subject", sa.String(255)),
        sa.Column("plan_current_role", sa.String(255)),
        sa.Column("plan_goal", sa.String(255)),
        sa.Column("qualifications", sa.String(255)),
        sa.Column("last_user_text", sa.Text))
    op.create_index("ix_console_conversations_last_ts", "console_conversations", ["last_ts"])
    op.create_index("ix_console_conversations_channel_last_ts", "console_conversations",
                    ["channel", "last_ts"])
    op.create_index("ix_console_conversations_handoff", "console_conversations",
                    ["handoff_requested", "handoff_at"])
    op.create_table(
        "console_messages",
        sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("sender_id", sa.String(SENDER), nullable=False),
        sa.Column("ts", sa.Float, nullable=False),
        sa.Column("role", sa.String(8), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("intent", sa.String(255)),
        sa.Column("confidence", sa.Float),
        sa.Column("misunderstood", sa.Boolean, nullable=False))
    op.create_index("ix_console_messages_sender", "console_messages", ["sender_id", "event_id"])
    op.create_index("ix_console_messages_misunderstood", "console_messages", ["misunderstood", "event_id"])
    op.create_index("ix_console_messages_intent_ts", "console_messages", ["intent", "ts"])
    op.create_table(
        "console_conversation_intents",
        sa.Column("intent", sa.String(255), primary_key=True),
        sa.Column("sender_id", sa.String(SENDER), primary_key=True))
    op.create_index("ix_console_conversation_intents_sender", "console_conversation_intents", ["sender_id"])
    op.create_table(
        "console_sync_state",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.Integer, nullable=False))
    op.create_table(
        "console_reviews",
        sa.Column("sender_id", sa.String(SENDER), primary_key=True),
        sa.Column("account_id", sa.Integer, _account_fk(), nullable=False),
        sa.Column("reviewed_at", sa.Float, nullable=False))
    op.create_table(
        "console_tags",
        sa.Column("sender_id", sa.String(SENDER), primary_key=True),
        sa.Column("tag", sa.String(64), primary_key=True),
        sa.Column("account_id", sa.Integer, _account_fk(), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False))
    op.create_index("ix_console_tags_tag", "console_tags", ["tag", "sender_id"])
    op.create_table(
        "console_assignments",
        sa.Column("sender_id", sa.String(SENDER), primary_key=True),
        sa.Column("account_id", sa.Integer, _account_fk(), nullable=False),
        sa.Column("assigned_by", sa.Integer, _account_fk(), nullable=False),
        sa.Column("assigned_at", sa.Float, nullable=False))
    op.create_index("ix_console_assignments_account", "console_assignments", ["account_id"])
    op.create_table(
        "console_notes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sender_id", sa.String(SENDER), nullable=False),
        sa.Column("event_id", sa.Integer),
        sa.Column("account_id", sa.Integer, _account_fk(), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False))
    op.create_index("ix_console_notes_sender", "console_notes", ["sender_id"])
    op.create_table(
        "console_handoffs",
        sa.Column("sender_id", sa.String(SENDER), primary_key=True),
        sa.Column("account_id", sa.Integer, _account_fk(), nullable=False),
        sa.Column("claimed_at", sa.Float, nullable=False))
    op.create_table(
        "console_labels",
        sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("sender_id", sa.String(SENDER), nullable=False),
        sa.Column("intent", sa.String(255), nullable=False),
        sa.Column("account_id", sa.Integer, _account_fk(), nullable=False),
        sa.Column("labelled_at", sa.Float, nullable=False))
    op.create_index("ix_console_labels_sender", "console_labels", ["sender_id"])
    op.create_table(
        "console_audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("sender_id", sa.String(SENDER)),
        sa.Column("detail", sa.Text))
    op.create_index("ix_console_audit_log_at", "console_audit_log", ["at"])
    _create_full_text_index()


def _create_full_text_index() -> None:
    """SQLite: an FTS5 table kept in step by triggers; PostgreSQL: a GIN index on a tsvector."""
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("CREATE VIRTUAL TABLE console_messages_fts USING fts5("
                   "text, content='console_messages', content_rowid='event_id', "
                   "tokenize='porter unicode61')")
        op.execute("CREATE TRIGGER console_messages_fts_insert AFTER INSERT ON console_messages BEGIN "
                   "INSERT INTO console_messages_fts(rowid, text) VALUES (new.event_id, new.text); END")
        op.execute("CREATE TRIGGER console_messages_fts_delete AFTER DELETE ON console_messages BEGIN "
                   "INSERT INTO console_messages_fts(console_messages_fts, rowid, text) "
                   "VALUES ('delete', old.event_id, old.text); END")
    elif dialect == "postgresql":
        op.execute("CREATE INDEX ix_console_messages_fts ON console_messages "
                   "USING gin (to_tsvector('english', text))")


def downgrade() -> None:
    """Drop every console table."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS console_messages_fts")
    for table in ("console_audit_log", "console_labels", "console_handoffs", "console_notes",
                  "console_assignments", "console_tags", "console_reviews", "console_sync_state",
                  "console_conversation_intents", "console_messages", "console_conversations",
                  "console_accounts"):
        op.drop_table(table)
