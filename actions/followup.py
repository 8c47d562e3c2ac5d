"""Context follow-ups ("and a director?", "what about the soft ones", "and after that?")."""
from __future__ import annotations

from typing import Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

# The topic actions register as KnowledgeAction subclasses when their modules are imported;
# import them here so every topic is reachable however this module was loaded.
from actions import careers, entry, progression, role, salary, scope, skills  # noqa: F401
from actions.base import Ask, Button, KnowledgeAction, Reply, read_ask, send, session_factory, slot_text
from knowledge import queries

# Which kinds of detail each topic can take; a follow-up naming another kind changes topic.
_TAKES: dict[str, set[str]] = {
    "salary": {"role", "level"},
    "next_step": {"role"},
    "path": {"role"},
    "role": {"role"},
    "skills": {"skill", "skill_kind"},
    "specialisations": {"role"},
}
_NEXT_WORDS = ("after that", "then what", "what then", "and then", "next", "after this")


def choose_topic(last_topic: Optional[str], ask: Ask, names_specialism: bool = False) -> Optional[str]:
    """The topic a follow-up continues: the last one if it fits what was named, else the best fit.

    `names_specialism`: the message names a specialism by its focus ("and the data one?").
    """
    if names_specialism and last_topic == "specialisations":
        return last_topic
    named = {kind for kind, present in (
        ("role", ask.role_from_message), ("level", ask.level_from_message),
        ("skill", ask.skill is not None), ("skill_kind", ask.skill_kind is not None)) if present}
    switched = ask.career_from_message and ask.career != ask.previous_career
    if switched and last_topic and not named - {"role"}:
        return last_topic  # "and in <another career>?": the same question there
    text = ask.text.lower()
    if any(word in text for word in _NEXT_WORDS) and not named:
        return "next_step"
    if last_topic and (not named or named & _TAKES.get(last_topic, set())):
        return last_topic
    if "level" in named:
        return "salary"
    if named & {"skill", "skill_kind"}:
        return "skills"
    if "role" in named:
        return "salary" if last_topic in (None, "salary", "pay_factors") else "role"
    return last_topic


class ActionAnswerFollowup(Action):
    """Answer a short follow-up by re-using the topic of the conversation."""

    def name(self) -> str:
        """Action name."""
        return "action_answer_followup"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        """Find the topic, then let that topic's action build the answer."""
        with session_factory()() as session:
            ask = read_ask(tracker, session)
            last_topic = slot_text(tracker, "last_topic")
            names_specialism = bool(ask.career) and last_topic == "specialisations" and \
                progression.specialism_in_text(queries.list_roles(session, ask.career_slug, "specialisation"),
                                               ask.text) is not None
            topic = choose_topic(last_topic, ask, names_specialism)
            action = KnowledgeAction.for_topic(topic) if topic else None
            if action is None:
                reply = Reply(["Could you say a bit more? For example: 'how much does a director earn?'"],
                              [], [Button("Pay", "ask_salary"), Button("Skills", "ask_skills"),
                                   Button("Career ladder", "ask_progression")])
                return send(dispatcher, reply, None)
            return send(dispatcher, action.answer(session, ask), action.topic)
