"""Alembic environment: runs on the connection `bot.web.console.db.upgrade` passes in."""
from __future__ import annotations

from alembic import context

from bot.web.console.db import VERSION_TABLE
from bot.web.console.tables import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, version_table=VERSION_TABLE,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
