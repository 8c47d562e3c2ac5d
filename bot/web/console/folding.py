"""Folding Rasa's `events` rows into conversation summaries and message rows, in memory.

Event data is written by other code and may hold anything JSON can: every value is checked for
its type, and every string is made storable (no lone surrogates, NUL or control characters) and
cut to its column's length before it reaches a console table.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from bot.web.console.tables import CAREER, NORMALISED, conversations

LOW_CONFIDENCE = 0.6  # below this a recognised intent counts as a low-confidence guess
FALLBACK_INTENT = "nlu_fallback"
NEGATIVE_FEEDBACK_INTENT = "feedback_negative"  # "that was no use", or the widget's thumbs-down
TOPIC_SLOT = "last_topic"  # every answer sets it to its topic in the same turn
NOT_COVERED = "not_covered"  # TOPIC_SLOT's value when the answer said the sources do not cover the question
# Kinds of console_open_questions rows: a question the sources did not cover, an answer the learner rejected.
NOT_COVERED_KIND, NEGATIVE_KIND = "not_covered", "negative_feedback"
REPLY_CHARS = 500  # how much of the coach's answer an open question keeps
PLAN_SLOTS = ("plan_stage", "plan_subject", "plan_current_role", "plan_goal")
CAREER_SLOT = "career"  # its values (careers' slugs) are kept per conversation, for the inbox and insights
QUALIFICATION_ENTITIES = ("qualification", "certification")
PAUSE_ENDS = ("resume", "restart")  # events after which the assistant answers again
# Characters no console column should hold: C0/C1 controls but tab and newline, and lone surrogates
# (which cannot be encoded for SQLite or PostgreSQL). NUL is among them (PostgreSQL refuses it).
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
REPLACEMENT = "\ufffd"
_WORDS = re.compile(r"[^\W_]+")


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
    negative_feedback: int = 0
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


def storable(value: str) -> str:
    """The string with characters a database column cannot (or should not) hold replaced by U+FFFD."""
    return _UNSTORABLE.sub(REPLACEMENT, value)


def _text(value: Any) -> str | None:
    return storable(value) if isinstance(value, str) and value.strip() else None


def storable_tree(value: Any) -> Any:
    """Parsed JSON with every string (keys too) made storable, for showing event data as it is."""
    if isinstance(value, str):
        return storable(value)
    if isinstance(value, list):
        return [storable_tree(item) for item in value]
    if isinstance(value, dict):
        return {storable_tree(k): storable_tree(v) for k, v in value.items()}
    return value


def indexed_text(raw_data: str | None) -> str | None:
    """The message text the console indexes for a `user` or `bot` event's data, if any."""
    try:
        return _text(as_dict(json.loads(raw_data or "{}")).get("text"))
    except (TypeError, ValueError, RecursionError):
        return None


def _name(value: Any, length: int = 255) -> str | None:
    """An identifier-like string (intent, channel) or None."""
    return storable(value)[:length] if isinstance(value, str) and value else None


def career_value(value: Any) -> str | None:
    """A `career` slot value as the console keeps it (a career's slug), or None when unset or odd."""
    return storable(value.strip())[:CAREER] if isinstance(value, str) and value.strip() else None


def _short(value: Any) -> str | None:
    return storable(str(value))[:255] if value not in (None, "") else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def normalised(text: str | None) -> str | None:
    """A question as it is compared with others: lower case, words only, single spaces (None when empty)."""
    words = _WORDS.findall(text.casefold()) if text else []
    return " ".join(words)[:NORMALISED] or None


def excerpt(texts: list[str], limit: int = REPLY_CHARS) -> str | None:
    """The coach's messages of a turn as one excerpt of at most `limit` characters (None without any)."""
    joined = " ".join(" ".join(texts).split())
    return (joined if len(joined) <= limit else joined[:limit - 1] + "\u2026") or None


def is_not_covered(name: Any, value: Any) -> bool:
    """Whether a `slot` event says its answer found nothing in the sources for the question."""
    return name == TOPIC_SLOT and value == NOT_COVERED


def _timestamp(value: Any) -> float:
    try:
        number = float(value or 0.0)
    except (TypeError, ValueError):
        return 0.0
    return number if math.isfinite(number) else 0.0


@dataclass
class LastQuestion:
    """A conversation's latest learner question in this batch, and what the coach has said since."""

    question_id: int | None = None  # None: no question since a restart, or one in an earlier batch
    question: str | None = None
    replies: list[str] = field(default_factory=list)
    known: bool = True  # False: the question is in an earlier batch, so the sync looks it up
    flagged: set[str] = field(default_factory=set)  # open-question kinds already recorded for it

    def row(self, kind: str, sender_id: str, event_id: int, ts: float) -> dict[str, Any]:
        """A console_open_questions row flagging this turn (`event_id`: the event that flagged it)."""
        return {"event_id": event_id, "sender_id": sender_id, "kind": kind, "ts": ts,
                "question_event_id": self.question_id, "question": self.question,
                "normalised": normalised(self.question), "reply": excerpt(self.replies)}


@dataclass
class Batch:
    """Events folded in memory before one write."""

    summaries: dict[str, Summary] = field(default_factory=dict)
    messages: list[dict[str, Any]] = field(default_factory=list)
    intents: set[tuple[str, str]] = field(default_factory=set)
    # conversation → time of its last resume or restart in this batch (a claim made before it ends)
    pause_ended: dict[str, float] = field(default_factory=dict)
    # (career, conversation) → when the conversation's `career` slot first took that value
    careers: dict[tuple[str, str], float] = field(default_factory=dict)
    # conversation → its latest question seen in this batch (absent: none seen yet in this batch)
    turns: dict[str, LastQuestion] = field(default_factory=dict)
    open_questions: list[dict[str, Any]] = field(default_factory=list)
    # open questions whose question came in an earlier batch: the sync looks it up in console_messages
    unresolved: list[dict[str, Any]] = field(default_factory=list)

    def apply(self, row: Any) -> None:
        """Fold one `events` row into the batch."""
        ts = _timestamp(row.timestamp)
        summary = self.summaries.get(row.sender_id)
        if summary is None:
            summary = self.summaries[row.sender_id] = Summary(row.sender_id, ts, ts)
        summary.first_ts = min(summary.first_ts, ts)
        summary.last_ts = max(summary.last_ts, ts)
        kind = row.type_name
        if kind not in ("user", "bot", "slot", "pause", "resume", "restart"):
            return
        try:
            data = as_dict(json.loads(row.data or "{}"))
        except (TypeError, ValueError, RecursionError):
            data = {}
        if kind == "user":
            self._user(summary, row, data, ts)
        elif kind == "bot":
            text = _text(data.get("text"))
            if text:
                self.messages.append({"event_id": row.id, "sender_id": row.sender_id, "ts": ts,
                                      "role": "bot", "text": text, "intent": None,
                                      "confidence": None, "misunderstood": False})
                turn = self.turns.get(row.sender_id)
                if turn is not None and turn.known and NEGATIVE_KIND not in turn.flagged:
                    turn.replies.append(text)
        elif kind == "slot":
            self._slot(summary, data.get("name"), data.get("value"), ts)
            if is_not_covered(data.get("name"), data.get("value")):
                self._flag(NOT_COVERED_KIND, row.sender_id, row.id, ts)
            career = career_value(data.get("value")) if data.get("name") == CAREER_SLOT else None
            if career:
                key = (career, row.sender_id)
                self.careers[key] = min(self.careers.get(key, ts), ts)
        elif kind == "pause":
            summary.paused = True
        elif kind == "resume":
            summary.paused = False
        else:  # a restart clears every slot and un-pauses (as Rasa's Restarted event does)
            summary.handoff_requested, summary.handoff_at, summary.paused = False, None, False
            for slot in PLAN_SLOTS:
                setattr(summary, slot, None)
            self.turns[row.sender_id] = LastQuestion()  # no question asked since
        if kind in PAUSE_ENDS:
            self.pause_ended[row.sender_id] = ts
        elif kind == "pause":
            self.pause_ended.pop(row.sender_id, None)

    def _user(self, summary: Summary, row: Any, data: dict[str, Any], ts: float) -> None:
        summary.turns += 1
        channel = _name(data.get("input_channel"), 64)
        if channel:
            summary.channel = channel
        parse = as_dict(data.get("parse_data"))
        intent_info = as_dict(parse.get("intent"))
        intent = _name(row.intent_name) or _name(intent_info.get("name"))
        confidence = _number(intent_info.get("confidence"))
        missed = is_misunderstood(intent, confidence)
        if intent == FALLBACK_INTENT:
            summary.fallbacks += 1
        elif missed:
            summary.low_confidence += 1
        if intent:
            self.intents.add((intent, row.sender_id))
        _note_qualifications(summary, parse.get("entities"))
        text = _text(data.get("text"))
        if intent == NEGATIVE_FEEDBACK_INTENT:
            summary.negative_feedback += 1
            self._flag(NEGATIVE_KIND, row.sender_id, row.id, ts)  # about the question before it
        else:
            self.turns[row.sender_id] = LastQuestion(row.id, text)
        if text:
            summary.last_user_text = text[:500]
            self.messages.append({"event_id": row.id, "sender_id": row.sender_id, "ts": ts,
                                  "role": "user", "text": text, "intent": intent,
                                  "confidence": confidence, "misunderstood": missed})

    def _flag(self, kind: str, sender_id: str, event_id: int, ts: float) -> None:
        """Record the conversation's latest question as an open question of `kind` (once per question)."""
        turn = self.turns.setdefault(sender_id, LastQuestion(known=False))
        if kind in turn.flagged:
            return
        turn.flagged.add(kind)
        if not turn.known:
            self.unresolved.append(turn.row(kind, sender_id, event_id, ts))
        elif turn.question is not None:  # after a restart, or a message without text: nothing to show
            self.open_questions.append(turn.row(kind, sender_id, event_id, ts))

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
    if not isinstance(entities, list):
        return
    found = [storable(str(e.get("value")))[:255] for e in entities if isinstance(e, dict)
             and e.get("entity") in QUALIFICATION_ENTITIES and e.get("value")]
    if found:
        known = [q for q in (summary.qualifications or "").split(", ") if q]
        merged = known + [q for q in dict.fromkeys(found) if q not in known]
        summary.qualifications = ", ".join(merged)[:255]
