"""Sync integrity: remembered gaps, skipped events, a cursor row, and `events` ids never reused on SQLite."""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.shared.events_table import rebuild_with_autoincrement

revision = "0002_sync_integrity"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the gap and skipped-event tables, the cursor row, and rebuild SQLite's `events` if needed."""
    op.create_table(
        "console_sync_gaps",
        sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("seen_at", sa.Float, nullable=False))
    op.create_table(
        "console_sync_skipped",
        sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("skipped_at", sa.Float, nullable=False),
        sa.Column("reason", sa.String(255), nullable=False))
    # The cursor row always exists, so a sync and an erasure can lock it (PostgreSQL).
    op.execute("INSERT INTO console_sync_state (name, value) SELECT 'events', 0 WHERE NOT EXISTS "
               "(SELECT 1 FROM console_sync_state WHERE name = 'events')")
    rebuild_with_autoincrement(op.get_bind())


def downgrade() -> None:
    """Drop the gap and skipped-event tables (`events` keeps AUTOINCREMENT: it does no harm)."""
    op.drop_table("console_sync_skipped")
    op.drop_table("console_sync_gaps")
