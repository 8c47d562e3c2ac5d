"""Table definitions: Rasa's `events` (read, never created here) and the console's own tables.

The console keeps a summary of each conversation (`console_conversations`) and of each message
(`console_messages`, full-text indexed) that it builds incrementally from `events`, so that the
inbox and search stay fast with 100,000 conversations. Everything an adviser adds (reviews, tags,
assignments, notes, labels, handoff claims) and the audit log refer to a conversation by its
Rasa `sender_id`.
"""
from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)

# Rasa 3.6's SQLTrackerStore schema (rasa/core/tracker_store.py, SQLEvent); Rasa creates it (the
# console creates it only in tests), with ids never reused on SQLite (bot/shared/events_table.py).
rasa_metadata = MetaData()
events = Table(
    "events", rasa_metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
    sqlite_autoincrement=True,
)

metadata = MetaData()
SENDER = 255
CAREER = 100  # a career's slug (knowledge/models.py allows 100 characters)
NORMALISED = 255  # a question's normalised text, as compared with others (indexed)

accounts = Table(
    "console_accounts", metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(255), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("is_admin", Boolean, nullable=False, default=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", Float),
    Column("created_at", Float, nullable=False),
    Column("last_login_at", Float),
)

# One row per console sign-in; the cookie holds a random token, this table only its SHA-256.
# Logout deletes the row; a password change or disabling the account deletes all of them.
console_sessions = Table(
    "console_sessions", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("account_id", Integer, ForeignKey("console_accounts.id"), nullable=False),
    Column("created_at", Float, nullable=False),
    Index("ix_console_sessions_account", "account_id"),
)

conversations = Table(
    "console_conversations", metadata,
    Column("sender_id", String(SENDER), primary_key=True),
    Column("channel", String(64)),
    Column("first_ts", Float, nullable=False),
    Column("last_ts", Float, nullable=False),
    Column("turns", Integer, nullable=False, default=0),
    Column("fallbacks", Integer, nullable=False, default=0),
    Column("low_confidence", Integer, nullable=False, default=0),
    Column("negative_feedback", Integer, nullable=False, default=0, server_default=text("0")),
    Column("handoff_requested", Boolean, nullable=False, default=False),
    Column("handoff_at", Float),
    Column("paused", Boolean, nullable=False, default=False),
    Column("plan_stage", String(255)),
    Column("plan_subject", String(255)),
    Column("plan_current_role", String(255)),
    Column("plan_goal", String(255)),
    Column("qualifications", String(255)),
    Column("last_user_text", Text),
    Index("ix_console_conversations_last_ts", "last_ts"),
    Index("ix_console_conversations_channel_last_ts", "channel", "last_ts"),
    Index("ix_console_conversations_handoff", "handoff_requested", "handoff_at"),
    Index("ix_console_conversations_negative", "negative_feedback"),
)

messages = Table(
    "console_messages", metadata,
    Column("event_id", Integer, primary_key=True, autoincrement=False),
    Column("sender_id", String(SENDER), nullable=False),
    Column("ts", Float, nullable=False),
    Column("role", String(8), nullable=False),
    Column("text", Text, nullable=False),
    Column("intent", String(255)),
    Column("confidence", Float),
    Column("misunderstood", Boolean, nullable=False, default=False),
    Index("ix_console_messages_sender", "sender_id", "event_id"),
    Index("ix_console_messages_misunderstood", "misunderstood", "event_id"),
    Index("ix_console_messages_intent_ts", "intent", "ts"),
)

conversation_intents = Table(
    "console_conversation_intents", metadata,
    Column("intent", String(255), primary_key=True),
    Column("sender_id", String(SENDER), primary_key=True),
    Index("ix_console_conversation_intents_sender", "sender_id"),
)

# The careers each conversation has been about: every value its `career` slot took, with the time
# it first did (a restart keeps them: the adviser still sees what the learner asked about).
conversation_careers = Table(
    "console_conversation_careers", metadata,
    Column("career", String(CAREER), primary_key=True),
    Column("sender_id", String(SENDER), primary_key=True),
    Column("first_ts", Float, nullable=False),
    Index("ix_console_conversation_careers_sender", "sender_id", "first_ts"),
    Index("ix_console_conversation_careers_first_ts", "first_ts"),
)

# Questions advisers can add content for, found by the sync: a learner question the answer said the
# sources do not cover (`last_topic` set to "not_covered" in its turn), and a question whose answer got
# negative feedback (the learner's message with intent `feedback_negative` right after it, with an
# excerpt of that answer). `event_id` is the event that flagged it; the question is the learner's last
# message before it, kept as text (and normalised, to count how often the same question was asked).
open_questions = Table(
    "console_open_questions", metadata,
    Column("event_id", Integer, primary_key=True, autoincrement=False),
    Column("sender_id", String(SENDER), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("ts", Float, nullable=False),
    Column("question_event_id", Integer),
    Column("question", Text),
    Column("normalised", String(NORMALISED)),
    Column("reply", Text),
    Index("ix_console_open_questions_kind_ts", "kind", "ts"),
    Index("ix_console_open_questions_kind_normalised", "kind", "normalised"),
    Index("ix_console_open_questions_sender", "sender_id", "question_event_id"),
)

sync_state = Table(
    "console_sync_state", metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Integer, nullable=False),
)

# Event ids missing when a sync read past them (a transaction still open, on PostgreSQL): read
# again on later syncs for a while, then given up (bot/web/console/sync.py).
sync_gaps = Table(
    "console_sync_gaps", metadata,
    Column("event_id", Integer, primary_key=True, autoincrement=False),
    Column("seen_at", Float, nullable=False),
)

# Events the sync could not index (logged; counted on the inbox page).
sync_skipped = Table(
    "console_sync_skipped", metadata,
    Column("event_id", Integer, primary_key=True, autoincrement=False),
    Column("skipped_at", Float, nullable=False),
    Column("reason", String(255), nullable=False),
)

reviews = Table(
    "console_reviews", metadata,
    Column("sender_id", String(SENDER), primary_key=True),
    Column("account_id", Integer, ForeignKey("console_accounts.id"), nullable=False),
    Column("reviewed_at", Float, nullable=False),
)

tags = Table(
    "console_tags", metadata,
    Column("sender_id", String(SENDER), primary_key=True),
    Column("tag", String(64), primary_key=True),
    Column("account_id", Integer, ForeignKey("console_accounts.id"), nullable=False),
    Column("created_at", Float, nullable=False),
    Index("ix_console_tags_tag", "tag", "sender_id"),
)

assignments = Table(
    "console_assignments", metadata,
    Column("sender_id", String(SENDER), primary_key=True),
    Column("account_id", Integer, ForeignKey("console_accounts.id"), nullable=False),
    Column("assigned_by", Integer, ForeignKey("console_accounts.id"), nullable=False),
    Column("assigned_at", Float, nullable=False),
    Index("ix_console_assignments_account", "account_id"),
)

notes = Table(
    "console_notes", metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(SENDER), nullable=False),
    Column("event_id", Integer),
    Column("account_id", Integer, ForeignKey("console_accounts.id"), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Index("ix_console_notes_sender", "sender_id"),
)

handoffs = Table(
    "console_handoffs", metadata,
    Column("sender_id", String(SENDER), primary_key=True),
    Column("account_id", Integer, ForeignKey("console_accounts.id"), nullable=False),
    Column("claimed_at", Float, nullable=False),
)

# Handoff requests advisers were notified of (bot/web/console/notify.py): a row is claimed (inserted)
# before sending, so each request (a conversation's `handoff_at`) is notified once by one web process.
handoff_notices = Table(
    "console_handoff_notices", metadata,
    Column("sender_id", String(SENDER), primary_key=True),
    Column("requested_at", Float, primary_key=True),
    Column("queued_at", Float, nullable=False),
    Column("finished_at", Float),
    Column("outcome", String(255)),
)

labels = Table(
    "console_labels", metadata,
    Column("event_id", Integer, primary_key=True, autoincrement=False),
    Column("sender_id", String(SENDER), nullable=False),
    Column("intent", String(255), nullable=False),
    Column("account_id", Integer, ForeignKey("console_accounts.id"), nullable=False),
    Column("labelled_at", Float, nullable=False),
    Index("ix_console_labels_sender", "sender_id"),
)

audit_log = Table(
    "console_audit_log", metadata,
    Column("id", Integer, primary_key=True),
    Column("at", Float, nullable=False),
    Column("actor", String(255), nullable=False),
    Column("action", String(32), nullable=False),
    Column("sender_id", String(SENDER)),
    Column("detail", Text),
    Index("ix_console_audit_log_at", "at"),
)
