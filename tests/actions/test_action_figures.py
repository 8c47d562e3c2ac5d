"""Across every action: figures only as the YAML states them, a source line, at most 4 buttons."""
from __future__ import annotations

import importlib
import inspect
import pkgutil
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Action
from rasa_sdk.utils import all_subclasses

import actions
from actions.base import KnowledgeAction
from knowledge.content import CONTENT_DIR
from tests.support.action_runs import make_tracker, run_action
from tests.support.content import CAREER_DIR
from tests.support.money import amounts_in_text

# (action, text, intent, entities, slots)
SCENARIOS: list[tuple[str, str, str, Any, dict[str, Any]]] = [
    ("action_tell_role", "what does the job involve", "ask_role", None, {}),
    ("action_tell_teams", "who do they work with", "ask_teams", None, {}),
    ("action_tell_importance", "why does it matter", "ask_importance", None, {}),
    ("action_tell_requirements", "how do I get in", "ask_requirements", None, {}),
    ("action_tell_degree", "do I need a degree", "ask_degree", None, {}),
    ("action_tell_apprenticeships", "apprenticeships?", "ask_apprenticeships", None, {}),
    ("action_tell_alternatives", "alternatives to a-levels", "ask_alternatives", None, {}),
    ("action_tell_certifications", "certifications?", "ask_certifications", None, {}),
    ("action_tell_experience", "how to get experience", "ask_experience", None, {}),
    ("action_tell_skills", "what skills", "ask_skills", None, {}),
    ("action_tell_skills", "technical skills", "ask_skills", {"skill_kind": "technical"}, {}),
    ("action_tell_salary", "pay?", "ask_salary", None, {}),
    ("action_tell_salary", "entry pay", "ask_salary", {"level": "entry"}, {}),
    ("action_tell_salary", "mid pay", "ask_salary", {"level": "mid"}, {}),
    ("action_tell_salary", "senior pay", "ask_salary", {"level": "senior"}, {}),
    ("action_tell_salary", "director pay", "ask_salary", {"level": "director"}, {}),
    ("action_tell_salary", "experienced pay", "ask_salary", {"level": "experienced"}, {}),
    ("action_tell_salary", "specialist pay", "ask_salary", {"role": "ecommerce-specialist"}, {}),
    ("action_tell_pay_factors", "what affects pay", "ask_pay_factors", None, {}),
    ("action_tell_progression", "progression", "ask_progression", None, {}),
    ("action_tell_next_step", "next?", "ask_next_step", {"role": "ecommerce-associate"}, {}),
    ("action_tell_next_step", "next?", "ask_next_step", {"stage": "retail"}, {}),
    ("action_tell_path", "from associate to director", "ask_path", None, {}),
    ("action_tell_specialisations", "specialisms", "ask_specialisations", None, {}),
    ("action_tell_self_employment", "own business", "ask_self_employment", None, {}),
    ("action_tell_networking", "networking", "ask_networking", None, {}),
    ("action_answer_followup", "and a director?", "followup", {"level": "director"},
     {"last_topic": "salary"}),
    ("action_make_plan", "/inform_stage", "inform_stage", None,
     {"plan_stage": "school", "plan_goal": "director-of-ecommerce"}),
    ("action_tell_source", "sources?", "ask_source", None, {}),
    ("action_out_of_scope", "book a flight", "out_of_scope", None, {}),
    ("action_clarify", "hmm", "nlu_fallback", None, {}),
    ("action_request_human", "a human please", "request_human", None, {}),
]
# Replies that state no facts, so they carry no source line.
NO_SOURCE = {"action_tell_source", "action_out_of_scope", "action_clarify",
             "action_request_human"}


def _strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for value in node.values() for s in _strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in _strings(value)]
    return []


def _numbers(node: Any, keys: tuple[str, ...] = ("min", "max")) -> list[int]:
    if isinstance(node, dict):
        found = [v for k, v in node.items() if k in keys and isinstance(v, int)]
        return found + [n for v in node.values() for n in _numbers(v, keys)]
    if isinstance(node, list):
        return [n for v in node for n in _numbers(v, keys)]
    return []


@lru_cache(maxsize=1)
def yaml_figures() -> frozenset[int]:
    """Every money figure the career's YAML states, as a number or inside its text."""
    figures: set[int] = set()
    for path in sorted(Path(CONTENT_DIR, CAREER_DIR).glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        figures.update(n for n in _numbers(data) if n >= 1000)
        for text in _strings(data):
            figures.update(amounts_in_text(text))
    return frozenset(figures)


def actions_by_name() -> dict[str, type[Action]]:
    """Every concrete action in the actions package, by name."""
    for module in pkgutil.iter_modules(actions.__path__):
        importlib.import_module(f"actions.{module.name}")
    return {cls().name(): cls for cls in all_subclasses(Action)
            if cls.__module__.startswith("actions.") and not inspect.isabstract(cls)}


def test_yaml_figures_are_the_ones_the_tests_expect() -> None:
    assert yaml_figures() == {16_000, 25_000, 29_000, 55_000, 52_000, 120_000, 78_000, 142_000,
                              60_000, 20_000}


def test_every_answering_action_has_a_scenario(domain: dict[str, Any]) -> None:
    covered = {s[0] for s in SCENARIOS}
    assert set(domain["actions"]) - covered == {"validate_career_plan_form"}


@pytest.mark.parametrize("name, text, intent, entities, slots", SCENARIOS,
                         ids=[f"{s[0]}-{i}" for i, s in enumerate(SCENARIOS)])
def test_reply_quotes_only_yaml_figures_cites_and_limits_buttons(domain, name, text, intent,
                                                                  entities, slots) -> None:
    action = actions_by_name()[name]()
    result = run_action(action, make_tracker(text, intent, entities, slots=slots), domain)
    assert len(result.messages) == 1
    assert result.text.strip()
    assert set(amounts_in_text(result.text)) <= yaml_figures()
    assert 1 <= len(result.buttons) <= 4
    for button in result.buttons:
        assert button["title"] and button["payload"].startswith("/")
    last_line = result.text.splitlines()[-1]
    if name in NO_SOURCE:
        assert not last_line.startswith("Source")
    else:
        assert last_line.startswith(("Source: E-commerce manager career guide", "Sources: "))
    if isinstance(action, KnowledgeAction):
        assert ("last_topic", action.topic) in [(e["name"], e["value"]) for e in result.events]
