"""What the widget shows of a stored conversation: pages of user and bot messages after a cursor."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Optional

from rasa.shared.core.events import BotUttered, Event, Restarted, UserUttered

# Metadata key under which the web chat keeps its own details on stored events.
META_KEY = "webchat"
CLOSED = "closed"
PAGE_SIZE = 50
# Metadata key of the career the embedding page is about (the widget's `data-career`), read by
# the actions (actions/base.py `context_career`); a slug or a main role's slug.
CAREER_KEY = "career"


@dataclass(frozen=True)
class Page:
    """Messages of one page, oldest first, and where the neighbouring pages start."""

    messages: list[dict[str, Any]]
    cursor: int  # position after this page: where the next page starts
    more: bool  # messages are stored after `cursor`


def user_metadata(client_id: str, title: Optional[str], career: Optional[str] = None) -> dict[str, Any]:
    """Metadata stored with a learner's message: the widget's id, the quick-reply title shown, the page's career."""
    details: dict[str, Any] = {"client_id": client_id}
    if title:
        details["title"] = title
    metadata: dict[str, Any] = {META_KEY: details}
    if career:
        metadata[CAREER_KEY] = career
    return metadata


def closed_marker() -> Restarted:
    """The event that ends a web chat conversation when the learner starts over."""
    return Restarted(metadata={META_KEY: CLOSED})


def is_closed(events: Sequence[Event]) -> bool:
    """True once the learner started over: the old token no longer opens the conversation."""
    return any(isinstance(e, Restarted) and (e.metadata or {}).get(META_KEY) == CLOSED for e in events)


def is_idle(events: Sequence[Event], now: float, idle_seconds: float) -> bool:
    """True when the conversation's newest event is older than `idle_seconds` (its token expired)."""
    return bool(events) and now - events[-1].timestamp > idle_seconds


def has_message(events: Sequence[Event], message_id: str) -> bool:
    """True if a learner message with this Rasa message id is already stored (a retry)."""
    return any(isinstance(e, UserUttered) and e.message_id == message_id for e in events)


def stored_unanswered(events: Sequence[Event], message_id: str) -> bool:
    """True if the learner message is stored but no bot message follows it before the next learner message.

    That is a turn whose handling failed after Rasa stored the message (an action server that did
    not answer, for instance): the learner was shown an apology, which is not stored.
    """
    found = False
    for event in events:
        if isinstance(event, UserUttered):
            if found:
                return True
            found = event.message_id == message_id
        elif found and isinstance(event, BotUttered):
            return False
    return found


def _buttons(data: dict[str, Any]) -> list[dict[str, str]]:
    buttons = data.get("buttons") or []
    return [{"title": b["title"], "payload": b["payload"]} for b in buttons
            if isinstance(b, dict) and isinstance(b.get("title"), str) and isinstance(b.get("payload"), str)]


def _as_message(index: int, event: Event) -> Optional[dict[str, Any]]:
    if isinstance(event, UserUttered):
        details = (event.metadata or {}).get(META_KEY)
        details = details if isinstance(details, dict) else {}
        return {"id": f"e{index}", "from": "user", "time": event.timestamp,
                "text": details.get("title") or event.text or "",
                "client_id": details.get("client_id")}
    if isinstance(event, BotUttered):
        buttons = _buttons(event.data or {})
        if not event.text and not buttons:
            return None  # custom payloads the widget cannot show
        message: dict[str, Any] = {"id": f"e{index}", "from": "bot", "time": event.timestamp,
                                   "text": event.text or "", "buttons": buttons}
        adviser = (event.metadata or {}).get("adviser")
        if isinstance(adviser, str) and adviser:
            message["adviser"] = adviser
        return message
    return None


def _first_message(events: Sequence[Event], positions: range) -> Optional[int]:
    return next((i for i in positions if _as_message(i, events[i]) is not None), None)


def messages_after(events: Sequence[Event], cursor: int) -> list[dict[str, Any]]:
    """Every learner and bot message stored after position `cursor`, oldest first (no page limit).

    Events are only ever appended to a conversation, so a position is a stable cursor; messages
    appended by others (an adviser's replies) are included like any other bot message.
    """
    found = (_as_message(i, events[i]) for i in range(max(cursor, 0), len(events)))
    return [m for m in found if m is not None]


def page_after(events: Sequence[Event], cursor: int, size: int = PAGE_SIZE) -> Page:
    """At most `size` messages after position `cursor`, oldest first; `more` if others follow."""
    found: list[dict[str, Any]] = []
    index = max(cursor, 0)
    while index < len(events) and len(found) < size:
        message = _as_message(index, events[index])
        if message is not None:
            found.append(message)
        index += 1
    more = _first_message(events, range(index, len(events))) is not None
    return Page(found, index if more else len(events), more)
