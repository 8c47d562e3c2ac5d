"""Incremental summary of Rasa's `events` table into the console's conversation and message tables.

Rasa only ever appends events, so the console remembers the highest event id it has read
(`console_sync_state`) and folds newer events into per-conversation summaries. Each batch is one
short transaction, guarded by a compare-and-set on that id, so two web threads (or processes)
never fold the same events twice.
"""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from bot.console.db import has_events_table
from bot.console.tables import conversation_intents, conversations, events, messages, sync_state

LOW_CONFIDENCE = 0.6  # below this a recognised intent counts as a low-confidence guess
FALLBACK_INTENT = "nlu_fallback"
PLAN_SLOTS = ("plan_stage", "plan_subject", "plan_current_role", "plan_goal")
QUALIFICATION_ENTITIES = ("qualification", "certification")
BATCH_EVENTS = 5000
CURSOR = "events"
_lock = threading.Lock()


@dataclass
class Summary:
    """What the console knows about one conversation (a row of console_conversations)."""

    sender_id: str
    first_ts: float
    last_ts: float
    channel: str | None = None
    turns: int = 0
    fallbacks: int = 0
    low_confidence: int = 0
    handoff_requested: bool = False
    handoff_at: float | None = None
    paused: bool = False
    plan_stage: str | None = None
    plan_subject: str | None = None
    plan_current_role: str | None = None
    plan_goal: str | None = None
    qualifications: str | None = None
    last_user_text: str | None = None
    exists: bool = field(default=False, compare=False)

    def row(self) -> dict[str, Any]:
        """Column values for insert/update."""
        values = {name: getattr(self, name) for name in conversations.c.keys()}
        values["b_sender_id"] = values["sender_id"]
        return values


def is_misunderstood(intent: str | None, confidence: float | None) -> bool:
    """A user message the coach did not understand: a fallback or a low-confidence guess."""
    return intent == FALLBACK_INTENT or (confidence is not None and confidence < LOW_CONFIDENCE)


def as_dict(value: Any) -> dict[str, Any]:
    """`value` if it is a dict, else an empty dict (event data written by other code may be odd)."""
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _short(value: Any) -> str | None:
    return str(value)[:255] if value not in (None, "") else None


@dataclass
class Batch:
    """Events folded in memory before one write."""

    summaries: dict[str, Summary] = field(default_factory=dict)
    messages: list[dict[str, Any]] = field(default_factory=list)
    intents: set[tuple[str, str]] = field(default_factory=set)

    def apply(self, row: Any) -> None:
        """Fold one `events` row into the batch."""
        ts = float(row.timestamp or 0.0)
        summary = self.summaries.get(row.sender_id)
        if summary is None:
            summary = self.summaries[row.sender_id] = Summary(row.sender_id, ts, ts)
        summary.first_ts = min(summary.first_ts, ts)
        summary.last_ts = max(summary.last_ts, ts)
        kind = row.type_name
        if kind not in ("user", "bot", "slot", "pause", "resume", "restart"):
            return
        try:
            data = json.loads(row.data or "{}")
        except ValueError:
            data = {}
        if kind == "user":
            self._user(summary, row, data, ts)
        elif kind == "bot":
            text = _text(data.get("text"))
            if text:
                self.messages.append({"event_id": row.id, "sender_id": row.sender_id, "ts": ts,
                                      "role": "bot", "text": text, "intent": None,
                                      "confidence": None, "misunderstood": False})
        elif kind == "slot":
            self._slot(summary, data.get("name"), data.get("value"), ts)
        elif kind == "pause":
            summary.paused = True
        elif kind == "resume":
            summary.paused = False
        else:  # a restart clears every slot and un-pauses (as Rasa's Restarted event does)
            summary.handoff_requested, summary.handoff_at, summary.paused = False, None, False
            for slot in PLAN_SLOTS:
                setattr(summary, slot, None)

    def _user(self, summary: Summary, row: Any, data: dict[str, Any], ts: float) -> None:
        summary.turns += 1
        channel = data.get("input_channel")
        if isinstance(channel, str) and channel:
            summary.channel = channel[:64]
        parse = as_dict(data.get("parse_data"))
        intent_info = as_dict(parse.get("intent"))
        intent = row.intent_name or intent_info.get("name")
        confidence = intent_info.get("confidence")
        confidence = float(confidence) if isinstance(confidence, (int, float)) else None
        missed = is_misunderstood(intent, confidence)
        if intent == FALLBACK_INTENT:
            summary.fallbacks += 1
        elif missed:
            summary.low_confidence += 1
        if intent:
            self.intents.add((intent[:255], row.sender_id))
        _note_qualifications(summary, parse.get("entities"))
        text = _text(data.get("text"))
        if text:
            summary.last_user_text = text[:500]
            self.messages.append({"event_id": row.id, "sender_id": row.sender_id, "ts": ts,
                                  "role": "user", "text": text, "intent": intent,
                                  "confidence": confidence, "misunderstood": missed})

    @staticmethod
    def _slot(summary: Summary, name: Any, value: Any, ts: float) -> None:
        if name == "handoff_requested":
            requested = bool(value)
            if requested and not summary.handoff_requested:
                summary.handoff_at = ts
            summary.handoff_requested = requested
            if not requested:
                summary.handoff_at = None
        elif name in PLAN_SLOTS and value not in (None, ""):
            # The plan action clears these once the plan is shown; the adviser still wants to
            # know what the learner said, so the last value given is kept.
            setattr(summary, name, _short(value))


def _note_qualifications(summary: Summary, entities: Any) -> None:
    """Remember qualifications and certifications the learner mentioned (for the handoff queue)."""
    found = [str(e.get("value")) for e in entities or [] if isinstance(e, dict)
             and e.get("entity") in QUALIFICATION_ENTITIES and e.get("value")]
    if found:
        known = [q for q in (summary.qualifications or "").split(", ") if q]
        merged = known + [q for q in dict.fromkeys(found) if q not in known]
        summary.qualifications = ", ".join(merged)[:255]


def _load_existing(connection: Connection, batch: Batch, senders: Iterable[str]) -> None:
    wanted = list(senders)
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        for row in connection.execute(select(conversations).where(conversations.c.sender_id.in_(chunk))):
            values = dict(row._mapping)
            batch.summaries[row.sender_id] = Summary(**values, exists=True)


def _existing_intents(connection: Connection, pairs: set[tuple[str, str]]) -> set[tuple[str, str]]:
    senders = sorted({sender for _intent, sender in pairs})
    found: set[tuple[str, str]] = set()
    for start in range(0, len(senders), 500):
        query = select(conversation_intents.c.intent, conversation_intents.c.sender_id).where(
            conversation_intents.c.sender_id.in_(senders[start:start + 500]))
        found.update((r.intent, r.sender_id) for r in connection.execute(query))
    return found


def _cursor(connection: Connection) -> int | None:
    return connection.execute(select(sync_state.c.value).where(sync_state.c.name == CURSOR)).scalar()


def sync_batch(engine: Engine, limit: int = BATCH_EVENTS) -> int:
    """Fold up to `limit` new events into the summaries; the number of events read."""
    with engine.begin() as connection:
        last = _cursor(connection)
        rows = connection.execute(select(events).where(events.c.id > (last or 0))
                                  .order_by(events.c.id).limit(limit)).all()
        if not rows:
            return 0
        batch = Batch()
        _load_existing(connection, batch, {r.sender_id for r in rows})
        for row in rows:
            batch.apply(row)
        new_last = rows[-1].id
        # Compare-and-set: if another writer moved the cursor meanwhile, roll back this batch.
        if last is None:
            connection.execute(insert(sync_state).values(name=CURSOR, value=new_last))
        elif connection.execute(update(sync_state).where(sync_state.c.name == CURSOR, sync_state.c.value == last)
                                .values(value=new_last)).rowcount != 1:
            raise _RacedError()
        _write(connection, batch)
        return len(rows)


def _write(connection: Connection, batch: Batch) -> None:
    old = [s.row() for s in batch.summaries.values() if s.exists]
    new = [s.row() for s in batch.summaries.values() if not s.exists]
    if old:
        columns = {name: bindparam(name) for name in conversations.c.keys() if name != "sender_id"}
        connection.execute(update(conversations).where(conversations.c.sender_id == bindparam("b_sender_id"))
                           .values(**columns), old)
    if new:
        connection.execute(insert(conversations), [{k: v for k, v in r.items() if k != "b_sender_id"} for r in new])
    if batch.messages:
        connection.execute(insert(messages), batch.messages)
    pairs = batch.intents - _existing_intents(connection, batch.intents) if batch.intents else set()
    if pairs:
        connection.execute(insert(conversation_intents), [{"intent": i, "sender_id": s} for i, s in pairs])


class _RacedError(Exception):
    """Another writer synced the same events first."""


def sync(engine: Engine, budget_seconds: float = 2.0, limit: int = BATCH_EVENTS) -> int:
    """Catch up with Rasa's events within a time budget; the number of events folded in."""
    if not has_events_table(engine):
        return 0
    total, races = 0, 0
    started = time.monotonic()
    with _lock:
        while True:
            try:
                read = sync_batch(engine, limit)
            except (_RacedError, IntegrityError):
                # Another process folded these events first (its cursor row or messages won);
                # read on from its cursor, but give up for now if that keeps happening.
                races += 1
                if races > 3:
                    return total
                continue
            total += read
            if read < limit or time.monotonic() - started > budget_seconds:
                return total


def is_behind(engine: Engine) -> bool:
    """Whether Rasa has stored events the summaries have not folded in yet."""
    if not has_events_table(engine):
        return False
    with engine.connect() as connection:
        last = _cursor(connection) or 0
        return connection.execute(select(events.c.id).where(events.c.id > last).limit(1)).first() is not None
