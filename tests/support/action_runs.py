"""Run a rasa_sdk custom action in-process on a made-up tracker, and read what it did."""
from __future__ import annotations

import asyncio
import concurrent.futures
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

# The career most action tests talk about (the first the content had); a conversation about it is
# one whose `career` slot is set. Tests about choosing a career pass `career=None` (or another).
CAREER = "ecommerce-management"


def make_tracker(text: str, intent: str | None,
                 entities: list[dict[str, Any]] | dict[str, str] | None = None,
                 slots: dict[str, Any] | None = None, events: list[dict[str, Any]] | None = None,
                 active_loop: dict[str, Any] | None = None,
                 intent_ranking: list[dict[str, Any]] | None = None,
                 sender_id: str = "test-user", metadata: dict[str, Any] | None = None,
                 confidence: float = 0.9) -> Tracker:
    """A rasa_sdk Tracker whose latest message is `text`, classified as `intent`.

    `entities` is either Rasa's list form ([{"entity": "level", "value": "director"}]) or a plain
    {name: value} mapping. The latest user message is also appended to the events, as Rasa does.
    """
    if isinstance(entities, dict):
        entities = [{"entity": name, "value": value} for name, value in entities.items()]
    parse = {"text": text,
             "intent": {"name": intent, "confidence": confidence} if intent else {},
             "entities": list(entities or []),
             "intent_ranking": intent_ranking if intent_ranking is not None else (
                 [{"name": intent, "confidence": confidence}] if intent else [])}
    history = list(events or [])
    history.append({"event": "user", "text": text, "parse_data": parse, "metadata": dict(metadata or {})})
    return Tracker(sender_id, dict(slots or {}), parse, history, False, None,
                   dict(active_loop or {}), "action_listen")


class ActionResult:
    """What one custom action did: the messages it sent and the events it returned."""

    def __init__(self, messages: list[dict[str, Any]], events: list[dict[str, Any]]) -> None:
        self.messages = messages
        self.events = events

    @property
    def text(self) -> str:
        """All message texts, joined by blank lines."""
        return "\n\n".join(m.get("text") or "" for m in self.messages)

    @property
    def buttons(self) -> list[dict[str, str]]:
        """Every button of every message, in order."""
        return [b for m in self.messages for b in (m.get("buttons") or [])]

    @property
    def titles(self) -> list[str]:
        """Button titles, in order."""
        return [b["title"] for b in self.buttons]

    @property
    def slot_events(self) -> list[tuple[str, Any]]:
        """(name, value) of each SlotSet event, in order."""
        return [(e["name"], e["value"]) for e in self.events if e.get("event") == "slot"]

    @property
    def slots(self) -> dict[str, Any]:
        """The final value of each slot the action set."""
        return dict(self.slot_events)


def run_action(action: Any, tracker: Tracker, domain: dict[str, Any]) -> ActionResult:
    """Run a rasa_sdk action to completion with a CollectingDispatcher."""
    dispatcher = CollectingDispatcher()
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        events = asyncio.run(action.run(dispatcher, tracker, domain))
    else:  # a loop already runs in this thread (a browser test's): run the action in another one
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            events = pool.submit(asyncio.run, action.run(dispatcher, tracker, domain)).result()
    return ActionResult(dispatcher.messages, list(events or []))
