"""Checking the console's index against Rasa's tracker store: every conversation, every message."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import exists, func, select
from sqlalchemy.engine import Engine

from bot.web.console.db import has_events_table
from bot.web.console.folding import indexed_text
from bot.web.console.sync import CURSOR
from bot.web.console.tables import conversations, events, messages, sync_gaps, sync_skipped, sync_state

SHOWN = 20  # ids listed in a report; the counts are complete


@dataclass
class Report:
    """What the console's index lacks compared with Rasa's events."""

    missing_conversations: list[str] = field(default_factory=list)
    unindexed_events: list[int] = field(default_factory=list)
    unread_events: int = 0
    skipped_events: int = 0

    @property
    def ok(self) -> bool:
        """Whether every stored conversation and message is in the console (skipped ones are reported)."""
        return not (self.missing_conversations or self.unindexed_events or self.unread_events)

    def lines(self) -> list[str]:
        """The report as lines of text for the command line."""
        found = [f"{len(self.missing_conversations)} conversation(s) in the tracker store missing from the "
                 f"console: {', '.join(self.missing_conversations[:SHOWN])}" if self.missing_conversations else "",
                 f"{len(self.unindexed_events)} message event(s) not indexed: "
                 f"{', '.join(map(str, self.unindexed_events[:SHOWN]))}" if self.unindexed_events else "",
                 f"{self.unread_events} event(s) not read yet" if self.unread_events else "",
                 f"{self.skipped_events} event(s) skipped as unreadable (see the log)" if self.skipped_events else ""]
        return [line for line in found if line] or ["Every stored conversation and message is in the console."]


def check(engine: Engine) -> Report:
    """Compare the console's tables with Rasa's `events` (run a sync first to leave only real problems)."""
    report = Report()
    if not has_events_table(engine):
        return report
    with engine.connect() as connection:
        cursor = connection.execute(select(sync_state.c.value).where(sync_state.c.name == CURSOR)).scalar() or 0
        read = events.c.id <= cursor
        report.missing_conversations = list(connection.execute(
            select(events.c.sender_id).where(read).distinct()
            .where(~exists().where(conversations.c.sender_id == events.c.sender_id))
            .order_by(events.c.sender_id)).scalars())
        candidates = connection.execute(
            select(events.c.id, events.c.data).where(read, events.c.type_name.in_(("user", "bot")))
            # the same id, conversation and time: a row left by an earlier event at a reused id is no match
            .where(~exists().where(messages.c.event_id == events.c.id, messages.c.sender_id == events.c.sender_id,
                                   messages.c.ts == events.c.timestamp))
            .where(~exists().where(sync_skipped.c.event_id == events.c.id))
            .where(~exists().where(sync_gaps.c.event_id == events.c.id))
            .order_by(events.c.id))
        report.unindexed_events = [row.id for row in candidates if indexed_text(row.data)]
        report.unread_events = int(connection.execute(
            select(func.count()).select_from(events).where(events.c.id > cursor)).scalar() or 0)
        report.skipped_events = int(connection.execute(
            select(func.count()).select_from(sync_skipped)).scalar() or 0)
    return report
