"""Server-side console sessions: a sign-in is valid only while its row exists."""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_console_sessions"
down_revision = "0002_sync_integrity"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create console_sessions (existing cookies carry no session token, so they sign in again)."""
    op.create_table(
        "console_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("account_id", sa.Integer, sa.ForeignKey("console_accounts.id"), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False))
    op.create_index("ix_console_sessions_account", "console_sessions", ["account_id"])


def downgrade() -> None:
    """Drop console_sessions."""
    op.drop_index("ix_console_sessions_account", table_name="console_sessions")
    op.drop_table("console_sessions")
