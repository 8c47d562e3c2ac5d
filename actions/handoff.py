"""Human handoff from the learner's side: asking for an adviser, where they stand while waiting, withdrawing."""
from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, ReminderScheduled, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import Button
from actions.queue_place import place_in_queue
from bot.shared.contact_details import has_contact_details
from bot.shared.office_hours import learner_status_line
from bot.shared.settings import get_settings

REQUESTED = "handoff_requested"
# The intent Rasa's reminder triggers once a learner has waited ADVISER_WAIT_MINUTES.
WAIT_LIMIT_INTENT = "EXTERNAL_handoff_wait_limit"
_CANCEL = Button("Cancel my request", "cancel_handoff")
_KEEP_ASKING = Button("What can you do?", "ask_capabilities")


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


# The clock the replies read office hours by (tests replace it).
clock: Callable[[], datetime] = _utc_now


def advisers_line() -> str:
    """Whether advisers have been told now or when they are back (ADVISER_HOURS), in one sentence."""
    return learner_status_line(clock(), get_settings())


def is_waiting(tracker: Tracker) -> bool:
    """Whether the learner has asked for an adviser and not been handed back or withdrawn."""
    return bool(tracker.get_slot(REQUESTED))


def requested_at(tracker: Tracker) -> Optional[float]:
    """When the learner asked for the adviser they are waiting for (epoch seconds), if it is known."""
    for event in reversed(tracker.events):
        if event.get("event") == "slot" and event.get("name") == REQUESTED:
            stamp = event.get("timestamp")
            return float(stamp) if event.get("value") and isinstance(stamp, (int, float)) else None
    return None


def _minutes(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 1:
        return "less than a minute ago"
    if minutes < 60:
        return f"{minutes} minute{'s' if minutes != 1 else ''} ago"
    hours = minutes // 60
    return f"about {hours} hour{'s' if hours != 1 else ''} ago"


def wait_limit_seconds() -> float:
    """How long a learner waits before being offered to carry on or leave contact details."""
    return get_settings().adviser_wait_minutes * 60.0


def over_limit_line() -> str:
    """For a learner who has waited past the limit: carry on with the coach, or leave contact details."""
    return ("Sorry, no adviser has been able to pick this up yet. You can carry on with me while your "
            "request stays in the queue, or type an email address or phone number and an adviser will "
            "contact you; advisers see it masked until they need it, and it is erased with this "
            "conversation if you ask.")


def _place_sentence(place: Optional[int]) -> str:
    if place is None:
        return ""
    return "You're next in the queue." if place == 1 else f"You're number {place} in the queue."


def status_line(since: Optional[float], now: float, place: Optional[int] = None) -> str:
    """Where a waiting learner stands: still waiting, since when, their place, and what happens next."""
    waited = max(0.0, now - since) if since is not None else None
    asked = f": you asked {_minutes(waited)}" if waited is not None else ""
    if waited is not None and waited >= wait_limit_seconds():
        rest = [over_limit_line()]
    else:
        rest = [advisers_line(),
                "Meanwhile I can answer questions, or say \"cancel\" if you no longer need an adviser."]
    sentences = [f"You're still in the queue for a careers adviser{asked}.", _place_sentence(place), *rest]
    return " ".join(s for s in sentences if s)


def utter_status(dispatcher: CollectingDispatcher, tracker: Tracker, now: Optional[float] = None) -> list[EventType]:
    """Send the waiting learner their status with the cancel button; no events."""
    if has_contact_details(tracker.latest_message.get("text")):
        dispatcher.utter_message(text="Thank you: an adviser will use those details to contact you. They are "
                                      "shown masked to advisers until needed and erased with this conversation "
                                      "if you ask. You can keep chatting with me meanwhile.",
                                 buttons=[_KEEP_ASKING.as_dict()])
        return []
    since = requested_at(tracker)
    place = place_in_queue(tracker.sender_id, since) if since is not None else None
    dispatcher.utter_message(text=status_line(since, time.time() if now is None else now, place),
                             buttons=[_CANCEL.as_dict(), _KEEP_ASKING.as_dict()])
    return []


class ActionRequestHuman(Action):
    """Record a handoff request the adviser console can find, and say what happens next."""

    def name(self) -> str:
        """Action name."""
        return "action_request_human"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        """Set `handoff_requested` and explain the next step, or give the status when already waiting."""
        if is_waiting(tracker):
            return utter_status(dispatcher, tracker)
        text = (f"I've passed your request to our careers advisers. {advisers_line()} They'll see what "
                "we've talked about, so you won't need to repeat yourself. Meanwhile you can keep asking "
                "me questions.")
        dispatcher.utter_message(text=text, buttons=[Button("Plan my route", "request_plan").as_dict(),
                                                     Button("Pay", "ask_salary").as_dict()])
        remind_at = clock() + timedelta(seconds=wait_limit_seconds())
        return [SlotSet(REQUESTED, True),
                ReminderScheduled(WAIT_LIMIT_INTENT, remind_at, name="handoff_wait_limit", kill_on_user_message=False)]


class ActionHandoffStatus(Action):
    """"Is anyone there?", "how long?": where the learner stands with their adviser request."""

    def name(self) -> str:
        """Action name."""
        return "action_handoff_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        """The waiting status, or (not waiting) that this is the automated coach and an adviser offer."""
        if is_waiting(tracker):
            return utter_status(dispatcher, tracker)
        dispatcher.utter_message(
            text="I'm here: I'm Career Coach, an automated assistant. You're not waiting for an adviser "
                 "at the moment. Ask me about a career, or ask for a careers adviser if you'd like a person.",
            buttons=[Button("Talk to an adviser", "request_human").as_dict(), _KEEP_ASKING.as_dict()])
        return []


class ActionCancelHandoff(Action):
    """"Never mind, cancel the adviser": withdraw the request."""

    def name(self) -> str:
        """Action name."""
        return "action_cancel_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        """Clear `handoff_requested` (the console's queue drops it) and say so."""
        if not is_waiting(tracker):
            dispatcher.utter_message(text="You haven't asked for an adviser, so there's nothing to cancel. "
                                          "What would you like to know?", buttons=[_KEEP_ASKING.as_dict()])
            return []
        dispatcher.utter_message(text="Done: I've withdrawn your request for a careers adviser. You can ask "
                                      "for one again at any time. What else can I help with?",
                                 buttons=[_KEEP_ASKING.as_dict(), Button("Plan my route", "request_plan").as_dict()])
        return [SlotSet(REQUESTED, False)]


class ActionHandoffWaitLimit(Action):
    """Rasa's reminder at the wait limit: a learner still waiting is offered to carry on or leave contact details."""

    def name(self) -> str:
        """Action name."""
        return "action_handoff_wait_limit"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        """Tell a learner still waiting (nothing when the request was claimed, withdrawn or handed back)."""
        if is_waiting(tracker) and not tracker.is_paused():
            dispatcher.utter_message(text=over_limit_line(), buttons=[_KEEP_ASKING.as_dict(), _CANCEL.as_dict()])
        return []


def status_instead(dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[list[EventType]]:
    """For a message not understood while the learner waits: the status (its events), else None."""
    return utter_status(dispatcher, tracker) if is_waiting(tracker) else None
