"""A waiting learner's place in the queue, from the console's index: earlier unclaimed requests count."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, insert

from actions.queue_place import place_in_queue
from bot.web.console.tables import accounts, conversations, handoffs, metadata


def test_only_earlier_unclaimed_requests_are_ahead(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'conversations.db'}"
    engine = create_engine(url)
    metadata.create_all(engine)
    rows = [("early", True, 100.0), ("claimed", True, 150.0), ("me", True, 200.0), ("later", True, 300.0),
            ("handed-back", False, 50.0)]
    with engine.begin() as connection:
        connection.execute(insert(accounts), [{"id": 1, "email": "ada@example.org", "password_hash": "x",
                                                "is_admin": False, "active": True, "created_at": 0.0}])
        connection.execute(insert(conversations), [
            {"sender_id": s, "handoff_requested": asked, "handoff_at": at, "first_ts": at, "last_ts": at}
            for s, asked, at in rows])
        connection.execute(insert(handoffs), [{"sender_id": "claimed", "account_id": 1, "claimed_at": 160.0}])
    assert place_in_queue("me", 200.0, url) == 2
    assert place_in_queue("early", 100.0, url) == 1


def test_without_the_consoles_tables_the_place_is_not_told(tmp_path: Path) -> None:
    assert place_in_queue("me", 200.0, f"sqlite:///{tmp_path / 'empty.db'}") is None
