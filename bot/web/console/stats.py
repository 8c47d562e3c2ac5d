"""Figures for the insights page, from the summary tables (cached for a minute)."""
from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlalchemy import Integer, cast, func, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.elements import ColumnElement

from bot.web.console.filters import days_back
from bot.web.console.folding import NEGATIVE_FEEDBACK_INTENT, NOT_COVERED_KIND
from bot.web.console.sync import FALLBACK_INTENT
from bot.web.console.tables import conversation_careers, conversations, messages, open_questions

CACHE_SECONDS = 60.0
HANDOFF_INTENT = "request_human"
TOP = 10
# Intents grouped into the topics advisers talk about.
TOPICS = {
    "Pay": ("ask_salary", "ask_pay_factors"),
    "Getting in": ("ask_requirements", "ask_degree", "ask_apprenticeships", "ask_alternatives",
                   "ask_experience", "ask_certifications"),
    "Skills": ("ask_skills",),
    "Progression": ("ask_progression", "ask_next_step", "ask_path", "ask_specialisations"),
    "Route plan": ("request_plan", "inform_stage"),
    "The job": ("ask_role", "ask_teams", "ask_importance"),
    "Self-employment": ("ask_self_employment",),
    "Networking": ("ask_networking",),
    "Talk to an adviser": ("request_human",),
    "Sources": ("ask_source",),
}
_TOPIC_OF = {intent: topic for topic, intents in TOPICS.items() for intent in intents}


@dataclass
class Insights:
    """Everything the insights page draws."""

    days: int
    conversations_per_day: list[tuple[date, int]]
    fallback_rate: list[tuple[date, float]]
    handoffs_per_day: list[tuple[date, int]]
    negative_per_day: list[tuple[date, int]]  # learner messages giving negative feedback
    not_covered_per_day: list[tuple[date, int]]  # questions answered "the sources do not cover this"
    top_intents: list[tuple[str, int]]
    topics: list[tuple[str, int]]
    # conversations per career (the `career` slot's values, slugs), by when the career first came up
    careers: list[tuple[str, int]]
    total_conversations: int
    total_messages: int
    total_handoffs: int
    total_negative: int
    total_not_covered: int


def _day(connection: Connection, column: ColumnElement[float]) -> ColumnElement[int]:
    """Whole days since 1970 (UTC) of a Unix time column, in SQL."""
    if connection.dialect.name == "sqlite":
        return cast(column / 86400, Integer)  # CAST truncates towards zero in SQLite
    return cast(func.floor(column / 86400), Integer)


def compute(engine: Engine, days: int, today: date | None = None) -> Insights:
    """Count conversations, messages, fallbacks, handoffs, feedback, intents and careers over the last `days` days."""
    calendar = days_back(days, today)
    start = datetime.combine(calendar[0], datetime.min.time(), tzinfo=timezone.utc).timestamp()
    with engine.connect() as connection:
        day = _day(connection, conversations.c.first_ts)
        per_day = dict(connection.execute(select(day, func.count()).where(conversations.c.first_ts >= start)
                                          .group_by(day)).all())
        mday = _day(connection, messages.c.ts)
        rows = connection.execute(
            select(mday, messages.c.intent, func.count(), func.sum(cast(messages.c.misunderstood, Integer)))
            .where(messages.c.ts >= start, messages.c.role == "user").group_by(mday, messages.c.intent)).all()
        careers = connection.execute(
            select(conversation_careers.c.career, func.count()).where(conversation_careers.c.first_ts >= start)
            .group_by(conversation_careers.c.career)).all()
        qday = _day(connection, open_questions.c.ts)
        not_covered = dict(connection.execute(
            select(qday, func.count()).where(open_questions.c.kind == NOT_COVERED_KIND, open_questions.c.ts >= start)
            .group_by(qday)).all())
    intents: Counter[str] = Counter()
    per_day_messages: Counter[int] = Counter()
    per_day_missed: Counter[int] = Counter()
    handoffs: Counter[int] = Counter()  # requests, even those an adviser has since dealt with
    negative: Counter[int] = Counter()
    for day_number, intent, count, missed in rows:
        per_day_messages[day_number] += count
        if intent == HANDOFF_INTENT:
            handoffs[day_number] += count
        elif intent == NEGATIVE_FEEDBACK_INTENT:
            negative[day_number] += count
        per_day_missed[day_number] += missed or 0
        if intent and intent != FALLBACK_INTENT:
            intents[intent] += count
    topics: Counter[str] = Counter()
    for intent, count in intents.items():
        if intent in _TOPIC_OF:
            topics[_TOPIC_OF[intent]] += count
    numbers = {d: int((datetime.combine(d, datetime.min.time(), tzinfo=timezone.utc).timestamp()) // 86400)
               for d in calendar}
    return Insights(
        days=days,
        conversations_per_day=[(d, int(per_day.get(numbers[d], 0))) for d in calendar],
        fallback_rate=[(d, per_day_missed[numbers[d]] / per_day_messages[numbers[d]]
                        if per_day_messages[numbers[d]] else 0.0) for d in calendar],
        handoffs_per_day=[(d, int(handoffs.get(numbers[d], 0))) for d in calendar],
        negative_per_day=[(d, int(negative.get(numbers[d], 0))) for d in calendar],
        not_covered_per_day=[(d, int(not_covered.get(numbers[d], 0))) for d in calendar],
        top_intents=intents.most_common(TOP), topics=topics.most_common(TOP),
        careers=sorted(((career, int(count)) for career, count in careers), key=lambda c: (-c[1], c[0])),
        total_conversations=sum(per_day.values()), total_messages=sum(per_day_messages.values()),
        total_handoffs=sum(handoffs.values()), total_negative=sum(negative.values()),
        total_not_covered=sum(not_covered.values()))


_cache: dict[tuple[str, int], tuple[float, Insights]] = {}
_cache_lock = threading.Lock()


def insights(engine: Engine, days: int) -> Insights:
    """`compute`, remembered for a minute per database and period."""
    key = (str(engine.url), days)
    with _cache_lock:
        hit = _cache.get(key)
        if hit and time.monotonic() - hit[0] < CACHE_SECONDS:
            return hit[1]
    result = compute(engine, days)
    with _cache_lock:
        _cache[key] = (time.monotonic(), result)
    return result


def clear_cache() -> None:
    """Forget cached figures (tests, and after an erasure)."""
    with _cache_lock:
        _cache.clear()
