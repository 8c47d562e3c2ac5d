"""Read queries over the console tables: the inbox page, search, the handoff queue, messages to improve on."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, case, column, exists, func, literal_column, not_, or_, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import ColumnElement

from bot.web.console.filters import PAGE_SIZE, Filters
from bot.web.console.tables import (
    accounts,
    assignments,
    conversation_careers,
    conversation_intents,
    conversations,
    handoffs,
    labels,
    messages,
    open_questions,
    reviews,
    tags,
)

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_SEARCH_WORDS = 12
QUEUE_SIZE = 100
OPEN_QUESTIONS_SHOWN = 100  # newest open questions listed per kind on the Improve page


@dataclass
class InboxRow:
    """One conversation as listed in the inbox."""

    summary: dict[str, Any]
    reviewed: bool
    assignee: str | None
    tags: list[str] = field(default_factory=list)
    careers: list[str] = field(default_factory=list)


@dataclass
class InboxPage:
    """A page of the inbox and the total it was cut from."""

    rows: list[InboxRow]
    total: int
    page: int

    @property
    def pages(self) -> int:
        """How many pages the filtered set has (at least 1)."""
        return max(1, -(-self.total // PAGE_SIZE))


def fts_query(q: str) -> str:
    """An FTS5 query matching messages containing every word of `q` (the last as a prefix)."""
    words = _WORD.findall(q)[:MAX_SEARCH_WORDS]
    if not words:
        return ""
    quoted = [f'"{w}"' for w in words]
    quoted[-1] += "*"
    return " ".join(quoted)


def search_condition(connection: Connection, q: str) -> ColumnElement[bool]:
    """Conversations with a message matching the search text (SQLite FTS5 or PostgreSQL full text)."""
    if connection.dialect.name == "sqlite":
        query = fts_query(q)
        if not query:
            return conversations.c.sender_id.is_(None)
        matches = text("SELECT rowid FROM console_messages_fts WHERE console_messages_fts MATCH :fts") \
            .bindparams(fts=query).columns(column("rowid"))
        senders = select(messages.c.sender_id).where(messages.c.event_id.in_(matches))
    elif connection.dialect.name == "postgresql":
        # The configuration is written as a literal so the expression matches the GIN index's.
        english = literal_column("'english'::regconfig")
        vector = func.to_tsvector(english, messages.c.text)
        senders = select(messages.c.sender_id).where(vector.op("@@")(func.plainto_tsquery(english, q)))
    else:
        senders = select(messages.c.sender_id).where(messages.c.text.ilike(f"%{q}%"))
    return conversations.c.sender_id.in_(senders)


def filter_conditions(connection: Connection, filters: Filters, account_id: int) -> list[ColumnElement[bool]]:
    """WHERE conditions on console_conversations for the given filters."""
    conditions: list[ColumnElement[bool]] = []
    if filters.ts_from is not None:
        conditions.append(conversations.c.last_ts >= filters.ts_from)
    if filters.ts_to is not None:
        conditions.append(conversations.c.first_ts < filters.ts_to)
    if filters.channel:
        conditions.append(conversations.c.channel == filters.channel)
    if filters.intent:
        conditions.append(exists().where(and_(conversation_intents.c.intent == filters.intent,
                                              conversation_intents.c.sender_id == conversations.c.sender_id)))
    if filters.fallback:
        conditions.append(or_(conversations.c.fallbacks > 0, conversations.c.low_confidence > 0))
    if filters.negative:
        conditions.append(conversations.c.negative_feedback > 0)
    if filters.handoff:
        conditions.append(conversations.c.handoff_requested.is_(True))
    # Aliases: the inbox query also joins reviews and assignments, which would otherwise be
    # correlated away from these sub-queries.
    review, assignment = reviews.alias("f_review"), assignments.alias("f_assignment")
    reviewed = exists().where(review.c.sender_id == conversations.c.sender_id)
    if filters.review == "reviewed":
        conditions.append(reviewed)
    elif filters.review == "unreviewed":
        conditions.append(not_(reviewed))
    if filters.tag:
        conditions.append(exists().where(and_(tags.c.tag == filters.tag,
                                              tags.c.sender_id == conversations.c.sender_id)))
    if filters.career:
        conditions.append(exists().where(and_(conversation_careers.c.career == filters.career,
                                              conversation_careers.c.sender_id == conversations.c.sender_id)))
    if filters.mine:
        conditions.append(exists().where(and_(assignment.c.account_id == account_id,
                                              assignment.c.sender_id == conversations.c.sender_id)))
    if filters.q:
        conditions.append(search_condition(connection, filters.q))
    return conditions


def filtered_senders(connection: Connection, filters: Filters, account_id: int) -> Select:
    """Sender ids of the filtered set, latest activity first (for exports)."""
    return (select(conversations.c.sender_id)
            .where(*filter_conditions(connection, filters, account_id))
            .order_by(conversations.c.last_ts.desc(), conversations.c.sender_id.desc()))


def inbox_page(connection: Connection, filters: Filters, account_id: int) -> InboxPage:
    """One page of conversations, latest activity first, with review status, assignee and tags."""
    conditions = filter_conditions(connection, filters, account_id)
    total = connection.execute(select(func.count()).select_from(conversations).where(*conditions)).scalar() or 0
    query = (select(conversations, reviews.c.reviewed_at, accounts.c.email.label("assignee"))
             .select_from(conversations.outerjoin(reviews, reviews.c.sender_id == conversations.c.sender_id)
                          .outerjoin(assignments, assignments.c.sender_id == conversations.c.sender_id)
                          .outerjoin(accounts, accounts.c.id == assignments.c.account_id))
             .where(*conditions)
             .order_by(conversations.c.last_ts.desc(), conversations.c.sender_id.desc())
             .limit(PAGE_SIZE).offset((filters.page - 1) * PAGE_SIZE))
    rows = []
    for row in connection.execute(query):
        values = dict(row._mapping)
        reviewed_at, assignee = values.pop("reviewed_at"), values.pop("assignee")
        rows.append(InboxRow(values, reviewed_at is not None, assignee))
    senders = [r.summary["sender_id"] for r in rows]
    tag_map, career_map = tags_for(connection, senders), careers_for(connection, senders)
    for row in rows:
        row.tags = tag_map.get(row.summary["sender_id"], [])
        row.careers = career_map.get(row.summary["sender_id"], [])
    return InboxPage(rows, int(total), filters.page)


def tags_for(connection: Connection, senders: list[str]) -> dict[str, list[str]]:
    """Tags of each listed conversation, alphabetical."""
    if not senders:
        return {}
    found: dict[str, list[str]] = {}
    for row in connection.execute(select(tags.c.sender_id, tags.c.tag).where(tags.c.sender_id.in_(senders))
                                  .order_by(tags.c.tag)):
        found.setdefault(row.sender_id, []).append(row.tag)
    return found


def careers_for(connection: Connection, senders: list[str]) -> dict[str, list[str]]:
    """The careers each listed conversation has been about, in the order they came up."""
    found: dict[str, list[str]] = {}
    for start in range(0, len(senders), 500):
        query = (select(conversation_careers.c.sender_id, conversation_careers.c.career)
                 .where(conversation_careers.c.sender_id.in_(senders[start:start + 500]))
                 .order_by(conversation_careers.c.first_ts, conversation_careers.c.career))
        for row in connection.execute(query):
            found.setdefault(row.sender_id, []).append(row.career)
    return found


def careers_seen(connection: Connection) -> list[str]:
    """Every career some conversation has been about (for the filter menu)."""
    query = select(conversation_careers.c.career).distinct().order_by(conversation_careers.c.career)
    return [r[0] for r in connection.execute(query)]


def channels(connection: Connection) -> list[str]:
    """Channels seen so far (for the filter menu)."""
    query = select(conversations.c.channel).where(conversations.c.channel.is_not(None)).distinct()
    return sorted(r[0] for r in connection.execute(query))


def all_tags(connection: Connection) -> list[str]:
    """Every tag in use (for the filter menu)."""
    return [r[0] for r in connection.execute(select(tags.c.tag).distinct().order_by(tags.c.tag))]


def summary(connection: Connection, sender_id: str) -> dict[str, Any] | None:
    """The summary row of one conversation, or None when unknown."""
    row = connection.execute(select(conversations).where(conversations.c.sender_id == sender_id)).first()
    return dict(row._mapping) if row else None


def handoff_queue(connection: Connection, limit: int = QUEUE_SIZE) -> list[dict[str, Any]]:
    """Learners waiting for (or talking to) an adviser, oldest request first (the first `limit`)."""
    query = (select(conversations, handoffs.c.claimed_at, accounts.c.email.label("claimed_by"))
             .select_from(conversations.outerjoin(handoffs, handoffs.c.sender_id == conversations.c.sender_id)
                          .outerjoin(accounts, accounts.c.id == handoffs.c.account_id))
             # Both terms are indexed, so the database answers this OR from two index lookups.
             .where(or_(conversations.c.handoff_requested.is_(True),
                        conversations.c.sender_id.in_(select(handoffs.c.sender_id))))
             .order_by(func.coalesce(conversations.c.handoff_at, handoffs.c.claimed_at).asc())
             .limit(limit))
    return [dict(r._mapping) for r in connection.execute(query)]


def waiting_count(connection: Connection) -> int:
    """How many learners have asked for an adviser and not been handed back yet."""
    return handoff_counts(connection)[0]


def handoff_counts(connection: Connection) -> tuple[int, int]:
    """(learners who asked for an adviser and were not handed back, those of them nobody has claimed)."""
    claimed = conversations.c.sender_id.in_(select(handoffs.c.sender_id))
    asked, unclaimed = connection.execute(
        select(func.count(), func.sum(case((claimed, 0), else_=1))).select_from(conversations)
        .where(conversations.c.handoff_requested.is_(True))).one()
    return int(asked or 0), int(unclaimed or 0)


def misunderstood(connection: Connection, page: int, unlabelled_only: bool) -> tuple[list[dict[str, Any]], int]:
    """User messages the coach misunderstood, newest first, with any label an adviser gave."""
    condition = [messages.c.misunderstood.is_(True)]
    if unlabelled_only:
        condition.append(labels.c.event_id.is_(None))
    joined = messages.outerjoin(labels, labels.c.event_id == messages.c.event_id)
    total = connection.execute(select(func.count()).select_from(joined).where(*condition)).scalar() or 0
    query = (select(messages, labels.c.intent.label("label")).select_from(joined).where(*condition)
             .order_by(messages.c.event_id.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE))
    return [dict(r._mapping) for r in connection.execute(query)], int(total)


def open_questions_of(connection: Connection, kind: str, limit: int | None = None) -> tuple[list[dict[str, Any]], int]:
    """The newest `limit` (OPEN_QUESTIONS_SHOWN) open questions of a kind and how many there are in all.

    Each row also has `asked` (how many open questions of the kind have the same normalised text)
    and `careers` (the careers its conversation has been about).
    """
    of_kind = open_questions.c.kind == kind
    total = connection.execute(select(func.count()).select_from(open_questions).where(of_kind)).scalar() or 0
    query = (select(open_questions).where(of_kind)
             .order_by(open_questions.c.ts.desc(), open_questions.c.event_id.desc())
             .limit(OPEN_QUESTIONS_SHOWN if limit is None else limit))
    rows = [dict(r._mapping) for r in connection.execute(query)]
    texts = sorted({r["normalised"] for r in rows if r["normalised"]})
    asked: dict[str, int] = {}
    for start in range(0, len(texts), 500):
        query = (select(open_questions.c.normalised, func.count()).where(
            of_kind, open_questions.c.normalised.in_(texts[start:start + 500])).group_by(open_questions.c.normalised))
        asked.update((normal, int(count)) for normal, count in connection.execute(query))
    careers = careers_for(connection, sorted({r["sender_id"] for r in rows}))
    for row in rows:
        row["asked"] = asked.get(row["normalised"], 1)
        row["careers"] = careers.get(row["sender_id"], [])
    return rows, int(total)
