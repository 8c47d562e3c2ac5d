"""Alembic migrations of the console's own tables (run by `bot.console.db.upgrade`)."""
