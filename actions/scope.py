"""Scope and honesty: sources, out-of-scope requests, clarifying unclear input, human handoff."""
from __future__ import annotations

import re
from typing import Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.orm import Session

from actions.base import Ask, Button, KnowledgeAction, Reply, join_names, message_entities
from actions.handoff import status_instead
from knowledge import queries

# How each intent is offered back to a learner when we are unsure what they meant.
INTENT_LABELS: dict[str, str] = {
    "ask_role": "What the job involves", "ask_teams": "Teams it works with",
    "ask_importance": "Why the role matters", "ask_requirements": "How to get in",
    "ask_degree": "Do I need a degree?", "ask_apprenticeships": "Apprenticeships",
    "ask_alternatives": "Alternatives to A-levels", "ask_certifications": "Certifications",
    "ask_experience": "Getting experience", "ask_skills": "Skills", "ask_salary": "Pay",
    "ask_pay_factors": "What affects pay", "ask_progression": "Career ladder",
    "ask_next_step": "My next step", "ask_path": "Path between roles",
    "ask_specialisations": "Specialisms", "ask_self_employment": "Working for yourself",
    "ask_conditions": "Hours and working life", "ask_related": "Related careers",
    "ask_compare": "Compare careers", "ask_careers": "Careers covered",
    "ask_networking": "Networking and mentoring", "ask_source": "Where this comes from",
    "request_plan": "Plan my route", "request_human": "Talk to an adviser",
    "ask_capabilities": "What can you do?",
}


class ActionTellSource(KnowledgeAction):
    """Where the information comes from."""

    topic = "source"
    action_name = "action_tell_source"
    needs_career = False

    def build(self, session: Session, ask: Ask) -> Reply:
        """The source documents behind the knowledge base: the career's, or a count of them all."""
        docs = queries.sources(session, ask.career_slug) if ask.career else queries.sources(session)
        publishers = sorted({d.publisher or d.short_title for d in docs})
        where = f" for {ask.career.name.lower()}" if ask.career else ""
        lines = [f"Everything I tell you{where} comes from a structured knowledge base built from "
                 f"{len(docs)} source{'s' if len(docs) != 1 else ''}, including:"]
        lines += [f"- {d.title}" + (f" ({d.publisher}, {d.year})" if d.publisher and d.year else "")
                  for d in docs[:6]]
        if len(publishers) > 1:
            lines.append("Publishers include " + ", ".join(publishers[:8]) + ".")
        lines.append("Each answer ends with a line naming its source. Figures are quoted exactly as "
                     "the source gives them; where sources disagree, I show each with its source and "
                     "say when a figure is old.")
        return Reply(lines, [], [Button("Pay", "ask_salary"), Button("Talk to an adviser", "request_human")])


class ActionOutOfScope(KnowledgeAction):
    """Say honestly what is covered, without inventing anything."""

    topic = "out_of_scope"
    action_name = "action_out_of_scope"
    needs_career = False

    def build(self, session: Session, ask: Ask) -> Reply:
        """List the careers covered and offer the main topics."""
        unreadable = unreadable_reason(ask.text)
        if unreadable:
            return Reply([unreadable], [], [Button("What can you do?", "ask_capabilities"),
                                            Button("Pay", "ask_salary")])
        careers = join_names([c.name.lower() for c in queries.list_careers(session)])
        return Reply([f"Sorry, I can't help with that: I only cover these careers: {careers}. I can't "
                      "book things, check the weather or advise on other careers.",
                      "Ask me about the job, how to get in, skills, pay or progression."], [],
                     [Button("Careers I cover", "ask_careers"), Button("What can you do?", "ask_capabilities"),
                      Button("Talk to an adviser", "request_human")])


class ActionClarify(Action):
    """Two-stage fallback: first offer the likeliest topics, then rephrasing or an adviser."""

    def name(self) -> str:
        """Action name."""
        return "action_clarify"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        """Ask a clarifying question with buttons built from the intent ranking (the status while waiting)."""
        text = tracker.latest_message.get("text") or ""
        waiting = status_instead(dispatcher, tracker) if not unreadable_reason(text) else None
        if waiting is not None:
            return waiting
        unreadable = unreadable_reason(text)
        if unreadable:
            dispatcher.utter_message(text=unreadable, buttons=[
                Button("What can you do?", "ask_capabilities").as_dict(),
                Button("Pay", "ask_salary").as_dict(), Button("Skills", "ask_skills").as_dict()])
            return []
        if consecutive_fallbacks(tracker) >= 2:
            dispatcher.utter_message(
                text="Sorry, I still didn't understand. Could you put it another way? You can "
                     "also pick a topic, or ask for a careers adviser.",
                buttons=[Button("What can you do?", "ask_capabilities").as_dict(),
                         Button("Plan my route", "request_plan").as_dict(),
                         Button("Talk to an adviser", "request_human").as_dict()])
            return []
        entities = {k: v[0] for k, v in message_entities(tracker).items()}
        ranking = tracker.latest_message.get("intent_ranking") or []
        guesses = [r["name"] for r in ranking if r.get("name") in INTENT_LABELS][:3]
        buttons = [Button(INTENT_LABELS[g], g, entities).as_dict() for g in guesses]
        buttons.append(Button("Something else", "ask_capabilities").as_dict())
        dispatcher.utter_message(text="I'm not sure I understood. Did you mean one of these?",
                                 buttons=buttons)
        return []


def unreadable_reason(text: str) -> Optional[str]:
    """A polite explanation when a message has no English words to work with, else None."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return ("I can only read words, not emoji, numbers or symbols on their own. What would you "
                "like to know about a career?")
    foreign = sum(1 for ch in letters if ord(ch) > 127)
    if foreign and (foreign / len(letters) > 0.3 or not _ASCII_WORD.search(text)
                    or any(ch in text for ch in "¿¡")) or _looks_foreign(text):
        return ("Sorry, I can only understand English at the moment. Could you ask in English? "
                "For example: \"What does the job involve?\"")
    return None


_ASCII_WORD = re.compile(r"\b[a-zA-Z]{3,}\b")
# Very common words of other languages that rarely occur in English questions.
_FOREIGN_WORDS = {"quanto", "cuánto", "cuanto", "gana", "comment", "devenir", "wie", "viel",
                  "verdient", "qué", "que", "como", "cómo", "pour", "est", "und", "der", "die",
                  "das", "een", "het", "ist", "para", "por", "quel", "quelle", "salaire", "sueldo",
                  "gerente", "comercio", "electrónico", "ganha", "wieviel", "ich", "je"}


def _looks_foreign(text: str) -> bool:
    words = re.findall(r"[^\W\d_]+", text.lower())
    hits = sum(1 for w in words if w in _FOREIGN_WORDS)
    return len(words) >= 2 and hits / len(words) >= 0.3


def consecutive_fallbacks(tracker: Tracker) -> int:
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        if (event.get("parse_data", {}).get("intent") or {}).get("name") == "nlu_fallback":
            count += 1
        else:
            break
    return count


