"""Alembic migrations of the console's own tables (run by `bot.web.console.db.upgrade`)."""
