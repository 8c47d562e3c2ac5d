"""What the console's live-update script polls: the waiting count, the handoff queue, a conversation's new turns."""
from __future__ import annotations

import hashlib
import time
from typing import Any

from flask import session, url_for
from sqlalchemy import select
from sqlalchemy.engine import Connection

from bot.web.console import queries
from bot.web.console.formatting import ago, clock, percent, shown, when
from bot.web.console.tables import accounts, handoffs
from bot.web.console.transcript import Turn, read_turns

TURNS_PER_POLL = 200  # events read per poll of an open conversation; the rest come on the next poll
OPENED_REMEMBERED = 20  # conversations a session may poll: the ones it opened last (each opening audited)
OPENED_KEY = "live_opened"


def _opened_key(sender_id: str) -> str:
    """A short digest of the conversation id: the cookie lists which were opened without naming them."""
    return hashlib.sha256(sender_id.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def remember_opened(sender_id: str) -> None:
    """Note in the session that the adviser opened this conversation's page (so it may be polled)."""
    key = _opened_key(sender_id)
    opened = [k for k in session.get(OPENED_KEY, []) if k != key][-(OPENED_REMEMBERED - 1):]
    session[OPENED_KEY] = [*opened, key]


def was_opened(sender_id: str) -> bool:
    """Whether this session opened the conversation's page recently."""
    return _opened_key(sender_id) in session.get(OPENED_KEY, [])


def adviser_name(email: str | None) -> str | None:
    """An adviser as the pages name them: the part of the email before the @."""
    return email.split("@")[0] if email else None


def queue_item(row: dict[str, Any], now: float) -> dict[str, Any]:
    """One queue entry as JSON: what the Handoffs page shows of it, learner text masked as there."""
    asked = row["handoff_at"]
    return {
        "sender_id": row["sender_id"],
        "url": url_for("console.conversation", sender_id=row["sender_id"]),
        "channel": row["channel"],
        "claimed_by": adviser_name(row["claimed_by"]),
        "waited_seconds": max(0, int(now - asked)) if asked else None,
        "waited": ago(asked, now),
        "asked": when(asked),
        "stage": row["plan_stage"],
        "subject": row["plan_subject"],
        "current_role": row["plan_current_role"],
        "goal": row["plan_goal"],
        "qualifications": row["qualifications"],
        "last_message": shown(row["last_user_text"], row["sender_id"]),
    }


def turn_item(turn: Turn, sender_id: str) -> dict[str, Any]:
    """One transcript turn as JSON, as the conversation page shows it (learner text masked as there)."""
    item: dict[str, Any] = {"id": turn.event_id, "kind": turn.kind, "time": clock(turn.ts)}
    if turn.kind == "user":
        item.update(text=shown(turn.text, sender_id), intent=turn.intent,
                    confidence=percent(turn.confidence) if turn.confidence is not None else None,
                    entities=turn.entities, fallback=turn.fallback, negative=turn.negative,
                    not_covered=turn.not_covered)
    elif turn.kind == "bot":
        item.update(text=turn.text, adviser=turn.adviser, buttons=turn.buttons)
    elif turn.kind == "meta":
        item.update(actions=turn.actions, slots=turn.slots, fallback=turn.fallback)
    else:
        item.update(text=turn.text)
    return item


def queue_status(connection: Connection, now: float | None = None) -> dict[str, Any]:
    """The waiting count (unclaimed requests), all open requests and the queue, oldest request first."""
    now = time.time() if now is None else now
    requested, waiting = queries.handoff_counts(connection)
    queue = queries.handoff_queue(connection)
    return {"waiting": waiting, "requested": requested, "queue_limit": queries.QUEUE_SIZE,
            "queue": [queue_item(row, now) for row in queue]}


def conversation_status(connection: Connection, sender_id: str, after: int) -> dict[str, Any] | None:
    """Turns newer than event `after`, the last event id read and who holds the conversation; None when unknown."""
    summary = queries.summary(connection, sender_id)
    if summary is None:
        return None
    holder = connection.execute(select(handoffs.c.account_id, accounts.c.email)
                                .select_from(handoffs.join(accounts, accounts.c.id == handoffs.c.account_id))
                                .where(handoffs.c.sender_id == sender_id)).first()
    turns, last = read_turns(connection, sender_id, after, TURNS_PER_POLL)
    return {"sender_id": sender_id, "after": last, "turns": [turn_item(t, sender_id) for t in turns],
            "handoff_requested": bool(summary["handoff_requested"]),
            "claimed_by": adviser_name(holder.email) if holder else None,
            "claimant_id": holder.account_id if holder else None}
