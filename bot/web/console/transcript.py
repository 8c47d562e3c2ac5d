"""One conversation's events from Rasa's tracker store, shaped for reading: messages, NLU, actions, slots."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from bot.web.console.folding import NEGATIVE_FEEDBACK_INTENT, is_not_covered, storable_tree
from bot.web.console.sync import FALLBACK_INTENT, as_dict, is_misunderstood
from bot.web.console.tables import events

HIDDEN_ACTIONS = {"action_listen", "action_session_start"}
MARKERS = {"pause": "An adviser took over the conversation",
           "resume": "The conversation was handed back to the assistant",
           "restart": "The conversation was restarted",
           "session_started": "New session"}


@dataclass
class Turn:
    """A message (user or bot), a marker, or a compact line of actions and slot changes."""

    kind: str  # "user", "bot", "meta" or "marker"
    event_id: int
    ts: float
    text: str = ""
    intent: str | None = None
    confidence: float | None = None
    entities: list[str] = field(default_factory=list)
    fallback: bool = False
    negative: bool = False  # a learner message giving negative feedback on the answer before it
    not_covered: bool = False  # a learner question the answer said the sources do not cover
    buttons: list[str] = field(default_factory=list)
    adviser: str | None = None
    actions: list[str] = field(default_factory=list)
    slots: list[str] = field(default_factory=list)


def _data(row: Any) -> dict[str, Any]:
    try:
        return as_dict(storable_tree(json.loads(row.data or "{}")))  # no lone surrogate reaches a page
    except (ValueError, RecursionError):
        return {}


def _slot_value(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    return text if len(text) <= 60 else text[:57] + "..."


def _entities(parse: dict[str, Any]) -> list[str]:
    found = []
    for entity in parse.get("entities") or []:
        if isinstance(entity, dict) and entity.get("entity"):
            found.append(f"{entity['entity']}={entity.get('value')}")
    return found


def _mark_not_covered(turns: list[Turn]) -> None:
    """Mark the learner's last question (not a negative-feedback message) as one the sources do not cover."""
    for turn in reversed(turns):
        if turn.kind == "user" and not turn.negative:
            turn.not_covered = True
            return
        if turn.kind == "marker" and turn.text == MARKERS["restart"]:
            return


def load_turns(connection: Connection, sender_id: str) -> list[Turn]:
    """Every event of the conversation, oldest first, as display turns."""
    return read_turns(connection, sender_id)[0]


def read_turns(connection: Connection, sender_id: str, after: int = 0,
               limit: int | None = None) -> tuple[list[Turn], int]:
    """The conversation's events with ids above `after` (the first `limit`) as display turns, and the last id read.

    The last id is `after` when there is nothing newer; asking again with it returns only later events.
    """
    query = select(events).where(events.c.sender_id == sender_id, events.c.id > after).order_by(events.c.id)
    rows = connection.execute(query if limit is None else query.limit(limit)).all()
    return _turns(rows), rows[-1].id if rows else after


def _turns(rows: list[Any]) -> list[Turn]:
    """Events (oldest first) folded into display turns."""
    turns: list[Turn] = []
    for row in rows:
        data, ts = _data(row), float(row.timestamp or 0)
        kind = row.type_name
        if kind == "user":
            parse = as_dict(data.get("parse_data"))
            intent_info = as_dict(parse.get("intent"))
            intent = row.intent_name or intent_info.get("name")
            confidence = intent_info.get("confidence")
            confidence = float(confidence) if isinstance(confidence, (int, float)) else None
            turns.append(Turn("user", row.id, ts, str(data.get("text") or ""), intent, confidence,
                              _entities(parse), is_misunderstood(intent, confidence),
                              negative=intent == NEGATIVE_FEEDBACK_INTENT))
        elif kind == "bot":
            payload = as_dict(data.get("data"))
            buttons = [str(b.get("title")) for b in payload.get("buttons") or [] if isinstance(b, dict)]
            metadata = as_dict(data.get("metadata"))
            turns.append(Turn("bot", row.id, ts, str(data.get("text") or ""), buttons=buttons,
                              adviser=metadata.get("adviser")))
        elif kind in MARKERS:
            turns.append(Turn("marker", row.id, ts, MARKERS[kind]))
        elif kind in ("action", "slot"):
            meta = turns[-1] if turns and turns[-1].kind == "meta" else None
            if meta is None:
                meta = Turn("meta", row.id, ts)
                turns.append(meta)
            if kind == "action":
                name = row.action_name or data.get("name")
                if name and name not in HIDDEN_ACTIONS:
                    meta.actions.append(str(name))
                    meta.fallback = meta.fallback or name in ("action_default_fallback", "action_clarify")
            else:
                meta.slots.append(f"{data.get('name')}={_slot_value(data.get('value'))}")
                if is_not_covered(data.get("name"), data.get("value")):
                    _mark_not_covered(turns)
    return [t for t in turns if t.kind != "meta" or t.actions or t.slots]


__all__ = ["FALLBACK_INTENT", "Turn", "load_turns", "read_turns"]
