"""Rasa `events` rows for the console: builders for tests and a generator of many conversations."""
from __future__ import annotations

import json
import random
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Engine

from bot.web.console.tables import events

Row = dict[str, Any]
CHANNELS = ("webchat", "telegram", "rest")
QUESTIONS = {
    "ask_salary": ["how much does a {role} earn?", "what is the salary of a {role}", "{role} pay in london?"],
    "ask_requirements": ["what do I need to become a {role}?", "qualifications for {role}?"],
    "ask_skills": ["what skills does a {role} need", "which soft skills matter for a {role}?"],
    "ask_progression": ["what comes after {role}?", "how do I get promoted from {role}"],
    "ask_apprenticeships": ["are there apprenticeships for {role}?", "can I do an apprenticeship instead of a degree"],
    "ask_degree": ["do I need a degree to be a {role}?", "which degree is best for ecommerce"],
    "request_plan": ["plan my route to {role}", "help me plan my career"],
    "ask_role": ["what does a {role} do all day?", "what is ecommerce management"],
    "greet": ["hi", "hello there", "good morning"],
    "thank": ["thanks!", "thank you, that helps"],
}
FALLBACK_TEXTS = ["asdfgh", "can you book my train", "what about the thing", "is it worth it lol",
                  "hmm not sure what to ask", "blorp marketing?"]
ROLES = ["director", "e-commerce manager", "assistant", "executive", "senior manager", "marketing assistant"]
ANSWER = "Here is what the knowledge base says about that (source: National Careers Service)."


def _row(sender: str, ts: float, kind: str, data: dict[str, Any], intent: str | None = None,
         action: str | None = None) -> Row:
    return {"sender_id": sender, "type_name": kind, "timestamp": ts, "intent_name": intent,
            "action_name": action, "data": json.dumps({"event": kind, "timestamp": ts, **data})}


def user(sender: str, ts: float, text: str, intent: str | None, confidence: float = 0.95,
         channel: str = "webchat", entities: Iterable[tuple[str, str]] = ()) -> Row:
    """A `user` event as Rasa's SQLTrackerStore stores it."""
    parse = {"text": text, "intent": {"name": intent, "confidence": confidence} if intent else {},
             "entities": [{"entity": e, "value": v} for e, v in entities]}
    return _row(sender, ts, "user", {"text": text, "parse_data": parse, "input_channel": channel}, intent=intent)


def bot(sender: str, ts: float, text: str, adviser: str | None = None, buttons: Iterable[str] = ()) -> Row:
    """A `bot` event (an adviser's reply when `adviser` is given)."""
    data = {"text": text, "data": {"buttons": [{"title": b, "payload": "/x"} for b in buttons]},
            "metadata": {"adviser": adviser} if adviser else {}}
    return _row(sender, ts, "bot", data)


def action(sender: str, ts: float, name: str) -> Row:
    """An `action` event."""
    return _row(sender, ts, "action", {"name": name}, action=name)


def slot(sender: str, ts: float, name: str, value: Any) -> Row:
    """A `slot` event."""
    return _row(sender, ts, "slot", {"name": name, "value": value})


def marker(sender: str, ts: float, kind: str) -> Row:
    """A `pause`, `resume` or `restart` event."""
    return _row(sender, ts, kind, {})


def insert_rows(engine: Engine, rows: Iterable[Row], batch: int = 20_000) -> int:
    """Append rows to `events` in large transactions; how many were written."""
    total, pending = 0, []
    for row in rows:
        pending.append(row)
        if len(pending) >= batch:
            with engine.begin() as connection:
                connection.execute(insert(events), pending)
            total, pending = total + len(pending), []
    if pending:
        with engine.begin() as connection:
            connection.execute(insert(events), pending)
        total += len(pending)
    return total


def conversation(rng: random.Random, sender: str, start: float) -> list[Row]:
    """One plausible conversation: 1-8 questions, some misunderstood, sometimes a handoff request."""
    channel = rng.choice(CHANNELS)
    ts = start
    rows = [action(sender, ts, "action_session_start")]
    for _ in range(rng.randint(1, 8)):
        ts += rng.uniform(5, 90)
        role = rng.choice(ROLES)
        if rng.random() < 0.08:
            rows.append(user(sender, ts, rng.choice(FALLBACK_TEXTS), "nlu_fallback", 0.3, channel))
            rows += [action(sender, ts + 0.1, "action_clarify"),
                     bot(sender, ts + 0.2, "I'm not sure I understood. Did you mean one of these?")]
            continue
        intent = rng.choice(list(QUESTIONS))
        text = rng.choice(QUESTIONS[intent]).format(role=role)
        confidence = rng.uniform(0.45, 0.6) if rng.random() < 0.05 else rng.uniform(0.7, 0.99)
        rows.append(user(sender, ts, text, intent, confidence, channel, [("role", role)]))
        rows += [action(sender, ts + 0.1, f"action_{intent}"), bot(sender, ts + 0.2, ANSWER),
                 action(sender, ts + 0.3, "action_listen")]
    if rng.random() < 0.03:
        ts += 30
        rows += [user(sender, ts, "can I talk to a real person?", "request_human", 0.97, channel),
                 action(sender, ts + 0.1, "action_request_human"), slot(sender, ts + 0.1, "handoff_requested", True),
                 slot(sender, ts + 0.1, "plan_goal", "director"),
                 bot(sender, ts + 0.2, "I've passed your request to our careers advisers.")]
    return rows


def generate(count: int, now: float, days: int = 90, seed: int = 7) -> Iterator[Row]:
    """`count` conversations spread over the last `days` days, in time order like a live store."""
    rng = random.Random(seed)
    starts = sorted(now - rng.uniform(0, days * 86400) for _ in range(count))
    for n, start in enumerate(starts):
        yield from conversation(rng, f"gen-{n:06d}", start)
