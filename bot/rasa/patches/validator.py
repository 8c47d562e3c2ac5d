"""Rasa's data validator counts the responses Rasa sends by itself as used: a form's questions, default actions'.

Rasa 3.6's `Validator.verify_utterances_in_stories` (run by `rasa train` and `rasa data validate`)
warns "The utterance '…' is not used in any story or rule" for every response that no story or
rule names, including those Rasa sends without one: the questions a form asks
(`utter_ask_<form>_<slot>`, `utter_ask_<slot>`) and the responses of its default actions
(`utter_default` from action_default_fallback, `utter_restart` from action_restart, ...), a
known false positive (RasaHQ/rasa#4417). Here those count as used; every other response that
nothing names still warns, and everything else the check does is Rasa's own code.

Likewise `Validator.verify_intents` warns for every domain intent without NLU examples, including
the `EXTERNAL_...` intents that reminders and external events trigger (Rasa's naming convention for
them): those never have examples, since no learner types them, and are left out of that check.
"""
from __future__ import annotations

from typing import Any

from rasa.core.actions.action import default_actions
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted
from rasa.validator import Validator

ORIGINAL_VERIFY_UTTERANCES = Validator.verify_utterances_in_stories
ORIGINAL_VERIFY_INTENTS = Validator.verify_intents
EXTERNAL_PREFIX = "EXTERNAL_"  # intents triggered by reminders or external events, never typed


def sent_by_rasa(domain: Domain) -> set[str]:
    """Responses Rasa sends with no story or rule naming them: form questions, default actions' responses."""
    sent = {name for name in (getattr(action, "utter_action", None) for action in default_actions()) if name}
    if domain.form_names:  # a form may ask for any slot (its validation action can add slots)
        slots = [slot.name for slot in domain.slots]
        sent |= {f"utter_ask_{slot}" for slot in slots}
        sent |= {f"utter_ask_{form}_{slot}" for form in domain.form_names for slot in slots}
    return sent


def verify_utterances_in_stories(self: Validator, ignore_warnings: bool = True) -> bool:
    """Rasa's check, with the responses Rasa sends itself (and no story names) left out of "unused"."""
    named = {event.action_name for step in self.story_graph.story_steps for event in step.events
             if isinstance(event, ActionExecuted) and event.action_name}
    implicit = sent_by_rasa(self.domain) - named
    gather: Any = self._gather_utterance_actions
    self._gather_utterance_actions = lambda: gather() - implicit  # type: ignore[method-assign]
    try:
        return ORIGINAL_VERIFY_UTTERANCES(self, ignore_warnings)
    finally:
        del self._gather_utterance_actions


def verify_intents(self: Validator, ignore_warnings: bool = True) -> bool:
    """Rasa's check, with the `EXTERNAL_` intents (no NLU examples by design) left out."""
    typed: Any = self._non_default_intents
    self._non_default_intents = lambda: [i for i in typed() if not i.startswith(EXTERNAL_PREFIX)]  # type: ignore[method-assign]
    try:
        return ORIGINAL_VERIFY_INTENTS(self, ignore_warnings)
    finally:
        del self._non_default_intents


def install() -> None:
    """Make Rasa's Validator use these checks (idempotent)."""
    Validator.verify_utterances_in_stories = verify_utterances_in_stories  # type: ignore[method-assign]
    Validator.verify_intents = verify_intents  # type: ignore[method-assign]
