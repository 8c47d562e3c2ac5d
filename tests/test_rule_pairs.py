"""Every answer rule has its twin inside the route-plan form, so a question mid-form is answered.

`data/rules/answers.yml` maps each intent to its answer; `data/rules/plan.yml` repeats each of
those for the open form (answer, then ask the form's pending question again). Nothing else
keeps the two in step, so this test does.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

RULES = Path(__file__).resolve().parents[1] / "data" / "rules"
FORM = "career_plan_form"
# Intents the open form handles its own way, with the reason (see data/rules/plan.yml).
HANDLED_BY_THE_FORM = {"deny": "a 'no' during the plan pauses it"}


def _rules(name: str) -> list[dict[str, Any]]:
    return list(yaml.safe_load((RULES / name).read_text(encoding="utf-8"))["rules"])


def _answers() -> dict[str, str]:
    """Each one-step answer rule as intent -> answer action."""
    found = {}
    for rule in _rules("answers.yml"):
        steps = rule["steps"]
        assert not rule.get("condition") and len(steps) == 2, f"not a one-step answer: {rule['rule']}"
        found[steps[0]["intent"]] = steps[1]["action"]
    return found


def _in_form_twins() -> dict[str, str]:
    """Each rule that answers inside the form and then resumes it, as intent -> answer action."""
    found = {}
    for rule in _rules("plan.yml"):
        steps, condition = rule["steps"], rule.get("condition") or []
        if ({"active_loop": FORM} in condition and len(steps) == 4 and "intent" in steps[0]
                and steps[2:] == [{"action": FORM}, {"active_loop": FORM}]):
            found[steps[0]["intent"]] = steps[1]["action"]
    return found


def test_every_answer_rule_has_an_in_form_twin_with_the_same_answer() -> None:
    answers, twins = _answers(), _in_form_twins()
    missing = {intent: action for intent, action in answers.items()
               if intent not in HANDLED_BY_THE_FORM and twins.get(intent) != action}
    assert not missing, f"answer rules without an in-form twin in data/rules/plan.yml: {missing}"


def test_no_in_form_answer_is_left_without_its_answer_rule() -> None:
    answers, twins = _answers(), _in_form_twins()
    orphans = {intent: action for intent, action in twins.items() if answers.get(intent) != action}
    assert not orphans, f"in-form answers with no matching rule in data/rules/answers.yml: {orphans}"
