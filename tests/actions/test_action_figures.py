"""Every action for every career: only that career's YAML figures, a source line, a few buttons."""
from __future__ import annotations

import importlib
import inspect
import pkgutil
from functools import cache, lru_cache
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
    ("action_tell_salary", "that role's pay", "ask_salary", {"role": "{second_rung}"}, {}),
    ("action_tell_pay_factors", "what affects pay", "ask_pay_factors", None, {}),
    ("action_tell_progression", "progression", "ask_progression", None, {}),
    ("action_tell_next_step", "next?", "ask_next_step", {"role": "{first_rung}"}, {}),
    ("action_tell_next_step", "next?", "ask_next_step", {"stage": "retail"}, {}),
    ("action_tell_path", "how do I get there", "ask_path", {"role": "{top_rung}"}, {}),
    ("action_tell_specialisations", "specialisms", "ask_specialisations", None, {}),
    ("action_tell_self_employment", "own business", "ask_self_employment", None, {}),
    ("action_tell_networking", "networking", "ask_networking", None, {}),
    ("action_answer_followup", "and a director?", "followup", {"level": "director"},
     {"last_topic": "salary"}),
    ("action_make_plan", "/inform_stage", "inform_stage", None,
     {"plan_stage": "school", "plan_goal": "{top_rung}"}),
    ("action_make_plan", "/inform_stage", "inform_stage", None,
     {"plan_stage": "retail", "plan_goal": "{main_role}"}),
    ("action_tell_conditions", "what are the hours like", "ask_conditions", None, {}),
    ("action_tell_related", "what similar careers are there", "ask_related", None, {}),
    ("action_compare_careers", "how does it compare", "ask_compare", {"career": "{other_career}"}, {}),
    ("action_list_careers", "which careers do you cover", "ask_careers", None, {}),
    ("action_ask_plan_stage", "plan my route", "request_plan", None, {}),
    ("action_ask_plan_subject", "plan my route", "request_plan", None, {"plan_stage": "university"}),
    ("action_ask_plan_current_role", "plan my route", "request_plan", None, {"plan_stage": "in-career"}),
    ("action_ask_plan_goal", "plan my route", "request_plan", None, {"plan_stage": "retail"}),
    ("action_tell_source", "sources?", "ask_source", None, {}),
    ("action_out_of_scope", "book a flight", "out_of_scope", None, {}),
    ("action_clarify", "hmm", "nlu_fallback", None, {}),
    ("action_request_human", "a human please", "request_human", None, {}),
    ("action_handoff_status", "is anyone there?", "ask_handoff_status", None, {"handoff_requested": True}),
    ("action_cancel_handoff", "cancel the adviser", "cancel_handoff", None, {"handoff_requested": True}),
    ("action_handoff_wait_limit", "", "EXTERNAL_handoff_wait_limit", None, {"handoff_requested": True}),
    ("action_answer_open", "what tools and software do people in this job use day to day?", "nlu_fallback",
     None, {}),
    ("action_answer_open", "will this job still exist in twenty years?", "ask_uncovered", None, {}),
    ("action_feedback_negative", "that was no help", "feedback_negative", None, {}),
]
# Replies that state no facts, so they carry no source line.
NO_SOURCE = {"action_tell_source", "action_out_of_scope", "action_clarify", "action_feedback_negative",
             "action_request_human", "action_handoff_status", "action_cancel_handoff", "action_list_careers",
             "action_handoff_wait_limit",
             "action_ask_plan_stage",
             "action_ask_plan_subject", "action_ask_plan_current_role", "action_ask_plan_goal"}
# Replies that offer a choice among the careers (or the plan's stages) may show more buttons.
MANY_BUTTONS = {"action_list_careers", "action_ask_plan_stage", "action_ask_plan_goal",
                "action_ask_plan_subject", "action_ask_plan_current_role"}


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


@cache
def yaml_figures(career_dir: Path = CAREER_DIR) -> frozenset[int]:
    """Every money figure a career's YAML states, as a number or inside its text."""
    figures: set[int] = set()
    for path in sorted(Path(CONTENT_DIR, career_dir).glob("*.yml")):
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


@lru_cache(maxsize=1)
def _career_folders() -> dict[str, Path]:
    """Career slug → its content folder (relative to the content root)."""
    found = {}
    for folder in sorted(Path(CONTENT_DIR, "careers").iterdir()):
        career = yaml.safe_load((folder / "career.yml").read_text(encoding="utf-8"))["career"]
        found[career["slug"]] = folder.relative_to(CONTENT_DIR)
    return found


def _fill(value: Any, names: dict[str, str]) -> Any:
    """A scenario's entities or slots with the career's role slugs put in."""
    if isinstance(value, dict):
        return {k: _fill(v, names) for k, v in value.items()}
    return value.format(**names) if isinstance(value, str) else value


def _names(session, career: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    from knowledge import queries

    ladder = queries.ladder(session, career)
    others = [c.slug for c in queries.list_careers(session) if c.slug != career]
    return {"first_rung": ladder[0].slug, "second_rung": ladder[min(1, len(ladder) - 1)].slug,
            "top_rung": ladder[-1].slug, "main_role": queries.get_career(session, career).main_role,
            "other_career": others[0],
            "related": " ".join(r.slug for r in queries.related_careers(session, career) if r.slug)}


@pytest.mark.parametrize("career", sorted(_career_folders()))
@pytest.mark.parametrize("name, text, intent, entities, slots", SCENARIOS,
                         ids=[f"{s[0]}-{i}" for i, s in enumerate(SCENARIOS)])
def test_reply_quotes_only_yaml_figures_cites_and_limits_buttons(domain, knowledge, career, name, text,
                                                                  intent, entities, slots) -> None:
    with knowledge() as session:
        names = _names(session, career)
    action = actions_by_name()[name]()
    slots = {"career": career, **_fill(slots, names)}
    result = run_action(action, make_tracker(text, intent, _fill(entities, names), slots=slots), domain)
    assert len(result.messages) == 1
    assert result.text.strip()
    figures = yaml_figures(_career_folders()[career])
    if name == "action_compare_careers":
        figures |= yaml_figures(_career_folders()[names["other_career"]])
    for linked in names["related"].split():  # answers about moving on also show related careers' pay
        figures |= yaml_figures(_career_folders()[linked])
    assert set(amounts_in_text(result.text)) <= figures
    assert 1 <= len(result.buttons) <= (9 if name in MANY_BUTTONS else 4)
    for button in result.buttons:
        assert button["title"] and button["payload"].startswith("/")
    last_line = result.text.splitlines()[-1]
    if name in NO_SOURCE:
        assert not last_line.startswith("Source")
    elif "My sources" not in result.text:
        assert last_line.startswith(("Source: ", "Sources: ")), result.text
    if isinstance(action, KnowledgeAction):
        assert ("last_topic", action.topic) in [(e["name"], e["value"]) for e in result.events]
