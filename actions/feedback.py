"""A learner saying an answer did not help: an apology, a way to rephrase, and the adviser offer."""
from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import Button, Reply, context_career, lower_first, send, session_factory
from knowledge import queries


class ActionFeedbackNegative(Action):
    """Apologise, show how to ask in another way, and offer a careers adviser."""

    def name(self) -> str:
        """Action name."""
        return "action_feedback_negative"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        """The apology and the ways on; the conversation's topic and career are kept."""
        with session_factory()() as session:
            career, _how = context_career(tracker, session)
            main = queries.get_role(session, career.main_role) if career and career.main_role else None
        example = (f"\"what skills does a {lower_first(main.title)} need?\"" if main
                   else "\"what skills do I need?\" together with the job you mean")
        lines = ["Sorry, that answer didn't help.",
                 f"You could ask in another way, naming the job and what you want to know, for example {example}.",
                 "Or I can pass you to a careers adviser, who will see this conversation."]
        buttons = [Button("Talk to an adviser", "request_human"), Button("What can you do?", "ask_capabilities")]
        return send(dispatcher, Reply(lines, [], buttons), None)
