"""Rasa's `events` table is created with AUTOINCREMENT on SQLite, so erased rows' ids are never handed out again."""
from __future__ import annotations

from rasa.core.tracker_store import SQLTrackerStore

from bot.shared.events_table import never_reuse_ids


def install() -> None:
    """Mark Rasa's `events` table AUTOINCREMENT before any tracker store creates it (idempotent)."""
    never_reuse_ids(SQLTrackerStore.SQLEvent.__table__)
