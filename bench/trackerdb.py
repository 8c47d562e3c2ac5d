"""Read Rasa's SQL tracker store (SQLite) after a benchmark: messages stored, and each conversation's last turn."""
from __future__ import annotations

import json
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


def latest_turns(db_path: Path, senders: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """Each sender's stored events from its last `user` event on, oldest first ([] when it has none)."""
    events: dict[str, list[dict[str, Any]]] = {sender: [] for sender in senders}
    if not db_path.exists():
        return events
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30) as db:
        for start in range(0, len(senders), _BATCH):
            batch = list(senders[start:start + _BATCH])
            marks = ",".join("?" * len(batch))
            rows = db.execute(f"SELECT sender_id, data FROM events WHERE sender_id IN ({marks}) ORDER BY id", batch)
            for sender, data in rows:
                events[sender].append(json.loads(data))
    return {sender: _from_last_user(stored) for sender, stored in events.items()}


def _from_last_user(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    starts = [n for n, event in enumerate(events) if event.get("event") == "user"]
    return events[starts[-1]:] if starts else []


_BATCH = 500  # senders per query, well under SQLite's limit on bound parameters
