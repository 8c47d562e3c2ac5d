"""Check that every benchmark message reached Rasa's SQL tracker store (SQLite)."""
from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def user_event_counts(db_path: Path, senders: Sequence[str]) -> dict[str, int]:
    """Number of stored `user` events per sender (0 for senders with none)."""
    counts = dict.fromkeys(senders, 0)
    if not db_path.exists():
        return counts
    marks = ",".join("?" * len(senders))
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30) as db:
        rows = db.execute(f"SELECT sender_id, COUNT(*) FROM events WHERE type_name = 'user' "
                          f"AND sender_id IN ({marks}) GROUP BY sender_id", list(senders))
        counts.update({sender: count for sender, count in rows})
    return counts


def verify_stored(db_path: Path, senders: Sequence[str], expected: int) -> dict[str, Any]:
    """Whether each sender has exactly `expected` user events stored, with the shortfalls."""
    counts = user_event_counts(db_path, senders)
    wrong = {sender: n for sender, n in counts.items() if n != expected}
    return {"all_stored": not wrong, "stored_user_events": sum(counts.values()),
            "expected_user_events": expected * len(senders), "mismatched_senders": wrong}
