"""Shared base of the knowledge-answering actions: session handling, replies, context."""
from __future__ import annotations

import abc
import inspect
import json
from dataclasses import dataclass, field
from typing import Any, ClassVar, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.orm import Session, sessionmaker

from bot.shared.text import is_clean
from knowledge import queries
from knowledge.matching import normalise
from knowledge.queries import CareerInfo, Citation, RoleInfo, SkillInfo
from knowledge.words import stems

_session_factory: Optional[sessionmaker] = None


def use_session_factory(factory: Optional[sessionmaker]) -> None:
    """Inject the knowledge session factory (tests); None restores the lazy default."""
    global _session_factory
    _session_factory = factory


def session_factory() -> sessionmaker:
    """The knowledge session factory, built from settings on first use (no I/O at import)."""
    global _session_factory
    if _session_factory is None:
        from bot.shared.settings import get_settings
        from knowledge.db import make_session_factory

        _session_factory = make_session_factory(get_settings().knowledge_database_url, create=False)
    return _session_factory


@dataclass(frozen=True)
class Button:
    """A quick reply: what the learner sees and the payload Rasa receives."""

    title: str
    intent: str
    entities: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, str]:
        """The button in Rasa's `{"title", "payload"}` form."""
        payload = f"/{self.intent}"
        if self.entities:
            payload += json.dumps(self.entities, separators=(",", ":"))
        return {"title": self.title, "payload": payload}


@dataclass
class Reply:
    """One answer: a few lines of text, its sources, buttons and slots to remember."""

    lines: list[str]
    citations: list[Citation] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)
    slots: dict[str, Any] = field(default_factory=dict)
    max_buttons: int = 4

    def text(self) -> str:
        """The message text with one line naming the source(s)."""
        body = "\n".join(self.lines)
        unique: list[Citation] = []
        for citation in self.citations:
            if citation.source not in [c.source for c in unique]:
                unique.append(citation)
        if not unique:
            return body
        sections = [c.section for c in self.citations if c.section]
        first = unique[0]
        if len(unique) == 1:
            section = sections[0] if len(set(sections)) == 1 else None
            return f"{body}\n\n{Citation(first.source, section).line()}"
        return f"{body}\n\nSources: " + "; ".join(c.source for c in unique)


@dataclass(frozen=True)
class Ask:
    """What the learner's latest message is about, after reading entities, text and context."""

    text: str
    intent: Optional[str]
    role: Optional[RoleInfo] = None
    role_from_message: bool = False
    level: Optional[str] = None
    level_from_message: bool = False
    skill: Optional[SkillInfo] = None
    skill_kind: Optional[str] = None
    entities: dict[str, list[str]] = field(default_factory=dict)
    career: Optional[CareerInfo] = None
    career_from_message: bool = False
    # How the career was chosen when nothing in the conversation named it: "page" or "default".
    career_assumed: Optional[str] = None
    # A title many careers share ("manager") that the career could not settle, and its careers.
    generic_title: Optional[str] = None
    career_choices: tuple[CareerInfo, ...] = ()
    careers_named: tuple[CareerInfo, ...] = ()
    # The career the conversation (or page) was about before this message, and the slot's value.
    previous_career: Optional[CareerInfo] = None
    career_slot: Optional[str] = None
    # The message's own words for the role, when an entity named it.
    role_words: Optional[str] = None

    @property
    def career_slug(self) -> Optional[str]:
        """The career's slug, for queries (None when no career is settled)."""
        return self.career.slug if self.career else None


def lower_first(text: str) -> str:
    """The text with its first letter lower-cased, unless it starts an acronym ("IT skills")."""
    letters = [c for c in text.split(" ", 1)[0] if c.isalpha()]
    acronym = len(letters) > 1 and all(c.isupper() for c in letters)
    return text if acronym else text[:1].lower() + text[1:]


def join_names(names: list[str]) -> str:
    """"a, b and c" for a list of names."""
    return ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else "".join(names)


def known_text(value: Any) -> Optional[str]:
    """A slot or entity value as text if it is a clean short string (or a number); else None (unknown)."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    text = str(value)
    return text if is_clean(text) else None


def slot_text(tracker: Tracker, name: str) -> Optional[str]:
    """A slot's value as text, None when it is unset or not a clean short string."""
    return known_text(tracker.get_slot(name))


def message_entities(tracker: Tracker) -> dict[str, list[str]]:
    """Entity values of the latest message, by entity name, in order of appearance (clean ones only)."""
    found: dict[str, list[str]] = {}
    for entity in tracker.latest_message.get("entities") or []:
        if not isinstance(entity, dict):
            continue
        name, value = entity.get("entity"), known_text(entity.get("value"))
        if isinstance(name, str) and value is not None:
            found.setdefault(name, []).append(value)
    return found


def user_metadata(tracker: Tracker, back: int = 0) -> dict[str, Any]:
    """The metadata the channel sent with a user message: the latest (`back` 0) or an earlier one."""
    seen = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen == back:
                metadata = event.get("metadata")
                return metadata if isinstance(metadata, dict) else {}
            seen += 1
    return {}


def latest_metadata(tracker: Tracker) -> dict[str, Any]:
    """The metadata the channel sent with the latest message (the page's career, ...)."""
    return user_metadata(tracker)


def careers_named_in(tracker: Tracker, session: Session, text: str, entities: dict[str, list[str]],
                     in_conversation: bool = False, context: Optional[CareerInfo] = None) -> list[CareerInfo]:
    """Careers the latest message names, by entity or in its words, in order.

    Once a conversation has a career, a word the NLU read as the learner's stage ("I work in
    <field>") says where they are, not which career they now ask about. A qualification named in
    words that fit one of the `context` career's own ("a <field> apprenticeship" on a page whose
    career has a "<field>er degree apprenticeship") keeps that career.
    """
    named: list[CareerInfo] = []
    for value in entities.get("career", []):
        career = queries.find_career_by_key(session, value)
        if career and career not in named:
            named.append(career)
    if not named and not text.startswith("/"):
        hidden = _OTHER_NAMES | ({"stage"} if in_conversation else set())
        career = queries.find_career_in_text(session, _without_entities(tracker, text, hidden))
        if career:
            named.append(career)
    for kind in _SETTLE_CAREER:  # a named qualification belongs to its career
        for value, words in entity_spans(tracker, kind) if not named else []:
            if len(queries.careers_naming(session, kind, words)) > 1:
                continue  # a name several careers' qualifications share ("degree apprenticeship")
            if context is not None and fits_own_item(session, kind, words, context.slug):
                continue
            owner = queries.career_of(session, kind, value)
            if owner and owner not in named:
                named.append(owner)
    return named


def fits_own_item(session: Session, kind: str, words: str, career: str) -> bool:
    """Whether every distinctive word of `words` is in a name of one of the career's items of `kind`."""
    wanted = stems(words)
    return bool(wanted) and any(wanted <= stems(name) for name in queries.names_of_kind(session, kind, career))


# The intents answering a topic are named "ask_<topic>" (the `topic` of the action answering them).
_ASK = "ask_"


# Entities whose value belongs to one career, so naming it settles the career.
_SETTLE_CAREER = ("qualification", "certification")


# Entities whose words name something else than a career (a qualification, a skill, ...).
_OTHER_NAMES = {"qualification", "certification", "skill", "entry_route"}


def other_name(words: str, title: str) -> bool:
    """Whether the learner named a role by another job word than its title's ("lead" for "manager")."""
    def job_word(text: str) -> str:  # the head noun: "head" of "head of <field>", "lead" of "<field> lead"
        found = normalise(text.split("(")[0]).split(" of ")[0].split()
        return found[-1].removesuffix("s") if found else ""
    return bool(job_word(words)) and job_word(words) != job_word(title)


def entity_spans(tracker: Tracker, kind: str) -> list[tuple[str, str]]:
    """(value, the message's words for it) of each clean `kind` entity in the latest message."""
    text = tracker.latest_message.get("text") or ""
    found = []
    for entity in tracker.latest_message.get("entities") or []:
        if not isinstance(entity, dict) or entity.get("entity") != kind:
            continue
        value, start, end = known_text(entity.get("value")), entity.get("start"), entity.get("end")
        if value is not None:
            spans = isinstance(start, int) and isinstance(end, int)
            found.append((value, text[start:end] if spans else value))
    return found


def _without_entities(tracker: Tracker, text: str, kinds: set[str]) -> str:
    """The text with the words the NLU read as entities of `kinds` blanked."""
    spans = [(e.get("start"), e.get("end")) for e in tracker.latest_message.get("entities") or []
             if isinstance(e, dict) and e.get("entity") in kinds]
    for start, end in sorted((s, e) for s, e in spans if isinstance(s, int) and isinstance(e, int))[::-1]:
        text = text[:start] + " " * (end - start) + text[end:]
    return text


def context_career(tracker: Tracker, session: Session) -> tuple[Optional[CareerInfo], Optional[str]]:
    """The conversation's career, else the page's, the deployment's default or the only one loaded.

    Also says how it was chosen: None (the conversation), "page" or "default".
    """
    slot = slot_text(tracker, "career")
    page = known_text(latest_metadata(tracker).get("career"))
    # A learner who opens another career's page means that career, whatever came before.
    moved = page is not None and page != known_text(user_metadata(tracker, 1).get("career"))
    if slot and not moved and (career := queries.find_career_by_key(session, slot)):
        return career, None
    if page and (career := queries.find_career_by_key(session, page)):
        return career, "page"
    from bot.shared.settings import get_settings

    default = get_settings().default_career
    if default and (career := queries.find_career_by_key(session, default)):
        return career, "default"
    careers = queries.list_careers(session)
    return (careers[0], None) if len(careers) == 1 else (None, None)


def read_ask(tracker: Tracker, session: Session) -> Ask:
    """Work out career, role, level and skill from the latest message, falling back to the context.

    A role named outright settles its career; a title many careers share ("manager") means the
    role of the career the message, the conversation or the page is about, and when none is,
    the careers it could mean are kept so the action can ask.
    """
    text = tracker.latest_message.get("text") or ""
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    entities = message_entities(tracker)
    previous, how = context_career(tracker, session)
    role, role_now = None, False
    for value in entities.get("role", []):
        role = queries.get_role(session, value) or queries.find_role(session, value)
        if role:
            role_now = True
            break
    if role is None and not text.startswith("/"):
        role = queries.find_role_in_text(session, text, previous.slug if previous else None)
        role_now = role is not None
    named = careers_named_in(tracker, session, text, entities, previous is not None and how is None, previous)
    career_now = bool(named) or role_now
    assumed: Optional[str] = None
    if role_now and role is not None:
        career: Optional[CareerInfo] = queries.get_career(session, role.career)
    elif named:
        career = named[0]
    else:
        career, assumed = previous, how
    generic: Optional[str] = None
    choices: tuple[CareerInfo, ...] = ()
    if role is None and not text.startswith("/"):
        generic = queries.find_generic_title_in_text(session, text)
        if generic and career is not None:
            role = queries.find_role(session, generic, career.slug)
            role_now = role is not None
        elif generic:
            holders = queries.roles_with_title(session, generic)
            if len(holders) == 1:
                role, role_now = holders[0], True
                career, career_now = queries.get_career(session, role.career), True
            choices = tuple(queries.get_career(session, r.career) for r in holders) if len(holders) > 1 else ()
    if role is None and slot_text(tracker, "role"):
        remembered = queries.get_role(session, slot_text(tracker, "role") or "")
        role = remembered if remembered and career and remembered.career == career.slug else None
    level, level_now = None, False
    if entities.get("level"):
        level, level_now = entities["level"][0], True
    else:
        level = slot_text(tracker, "level")
    skill = None
    for value in entities.get("skill", []):
        skill = queries.get_skill(session, value) or queries.find_skill(session, value)
        if skill:
            break
    kind = entities.get("skill_kind", [None])[0]
    # (An entity without a span gives its value back as its words: no words of the learner's.)
    words = next((w for value, w in entity_spans(tracker, "role") if role and value == role.slug and w != value),
                 None)
    return Ask(text, intent, role, role_now, level, level_now, skill, kind, entities, career,
               career_now, assumed, generic, choices, tuple(named), previous, slot_text(tracker, "career"),
               words)


class KnowledgeAction(Action, abc.ABC):
    """Answers one topic from the knowledge base; subclasses implement `build`."""

    topic: ClassVar[str]
    action_name: ClassVar[str]
    # Whether the answer is about one career (most are; "where do your facts come from" is not).
    needs_career: ClassVar[bool] = True

    def name(self) -> str:
        """The action name in domain.yml."""
        return self.action_name

    @abc.abstractmethod
    def build(self, session: Session, ask: Ask) -> Reply:
        """Compose the reply for this topic."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        """Read the question, build the answer inside a session, send it, remember the topic."""
        from actions.open import second_opinion  # here: actions.open builds on this module

        with session_factory()() as session:
            ask = read_ask(tracker, session)
            reply = self.answer(session, ask)
            instead = second_opinion(session, ask, tracker, self.action_intent(ask), reply)
            if instead is not None:
                return send(dispatcher, *instead)
        return send(dispatcher, reply, self.topic)

    def answer(self, session: Session, ask: Ask) -> Reply:
        """The reply for this topic, or a question asking which career when none is settled."""
        if not self.needs_career:
            return self.build(session, ask)
        if ask.career is None:
            return which_career(session, ask, self.action_intent(ask))
        reply = self.build(session, ask)
        if ask.role_from_message and ask.role and ask.role_words and other_name(ask.role_words, ask.role.title):
            reply.lines.insert(0, f"My sources usually call this role \"{ask.role.title}\".")
        if (ask.generic_title and ask.role is None and not ask.career_choices
                and ask.generic_title.lower() not in reply.text().lower()):
            reply.lines.insert(0, f"My {ask.career.name.lower()} sources don't use the title "
                                  f"\"{ask.generic_title}\"; here is what they do say.")
        if ask.career.slug != ask.career_slot:
            reply.slots.setdefault("career", ask.career.slug)
        if ask.career_assumed:
            where = {"page": "the career this page is about", "default": "the career I cover by default",
                     "figure": "the only career whose sources mention that"}[ask.career_assumed]
            reply.lines.append(f"(That's for {ask.career.name.lower()}, {where}: "
                               "name another career to ask about it.)")
        return reply

    def action_intent(self, ask: Ask) -> str:
        """The intent to repeat once the learner picks a career (the one they asked with, else this action's)."""
        return ask.intent if ask.intent and ask.intent not in ("nlu_fallback", "inform") else f"{_ASK}{self.topic}"

    @classmethod
    def for_intent(cls, intent: str) -> Optional[KnowledgeAction]:
        """The concrete action answering an "ask_<topic>" intent, if any."""
        return cls.for_topic(intent.removeprefix(_ASK)) if intent.startswith(_ASK) else None

    @classmethod
    def for_topic(cls, topic: str) -> Optional[KnowledgeAction]:
        """The concrete action that answers `topic`, if any."""
        pending: list[type[KnowledgeAction]] = list(cls.__subclasses__())
        while pending:
            candidate = pending.pop()
            pending.extend(candidate.__subclasses__())
            if getattr(candidate, "topic", None) == topic and not inspect.isabstract(candidate):
                return candidate()
        return None


def which_career(session: Session, ask: Ask, intent: str) -> Reply:
    """Ask which career the learner means, each possible career a button that repeats the question."""
    careers = list(ask.career_choices) or queries.list_careers(session)
    keep = {k: v[0] for k, v in ask.entities.items() if k in ("level", "skill_kind", "stage")}
    if ask.generic_title and ask.career_choices:
        question = f"\"{ask.generic_title.capitalize()}\" is a job title in several careers. Which one do you mean?"
    else:
        question = "Which career do you mean? I can answer for each of these:"
    holders = {r.career: r.slug for r in queries.roles_with_title(session, ask.generic_title)} \
        if ask.generic_title else {}
    buttons = [Button(c.name, intent, {**keep, "career": c.slug,
                                       **({"role": holders[c.slug]} if c.slug in holders else {})})
               for c in careers]
    return Reply([question], [], buttons, max_buttons=len(buttons))


def send(dispatcher: CollectingDispatcher, reply: Reply, topic: Optional[str]) -> list[EventType]:
    """Utter the reply and return the slot events that keep the conversation's context."""
    dispatcher.utter_message(text=reply.text(), buttons=[b.as_dict() for b in reply.buttons[:reply.max_buttons]])
    events: list[EventType] = [SlotSet(name, value) for name, value in reply.slots.items()]
    if topic:
        events.append(SlotSet("last_topic", topic))
    return events
