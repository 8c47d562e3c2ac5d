"""Handoff requests advisers were notified of by email or webhook (each once, by one web process)."""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_handoff_notices"
down_revision = "0005_feedback_open_questions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create console_handoff_notices (requests made before it are notified only if recent, see notify.py)."""
    op.create_table(
        "console_handoff_notices",
        sa.Column("sender_id", sa.String(255), primary_key=True),
        sa.Column("requested_at", sa.Float, primary_key=True),
        sa.Column("queued_at", sa.Float, nullable=False),
        sa.Column("finished_at", sa.Float),
        sa.Column("outcome", sa.String(255)))


def downgrade() -> None:
    """Drop console_handoff_notices."""
    op.drop_table("console_handoff_notices")
