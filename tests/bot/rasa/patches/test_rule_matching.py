"""The rule-matching patch finds exactly the rules RulePolicy finds, on many random conversations."""
from __future__ import annotations

import json
import random
from typing import Any

import pytest
from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.constants import SHOULD_NOT_BE_SET

from bot.rasa.patches.rule_matching import ORIGINAL_POSSIBLE_KEYS, possible_keys

INTENTS = ["greet", "ask_salary", "ask_skills", "deny", "affirm"]
ACTIONS = ["action_listen", "action_tell_salary", "career_plan_form", "utter_greet"]


def _state(rng: random.Random, start: bool = False) -> dict[str, Any]:
    state: dict[str, Any] = {}
    if not start:
        state["prev_action"] = {"action_name": rng.choice(ACTIONS)}
    roll = rng.random()
    if roll < 0.6:
        state["user"] = {"intent": rng.choice(INTENTS)}
    elif roll < 0.7:
        state["user"] = {"intent": SHOULD_NOT_BE_SET}
    elif roll < 0.8:
        state["user"] = {"text": "hello"}
    if rng.random() < 0.3:
        state["slots"] = {"role": (1.0,) if rng.random() < 0.5 else SHOULD_NOT_BE_SET}
    if rng.random() < 0.2:
        state["active_loop"] = {"name": rng.choice(["career_plan_form", SHOULD_NOT_BE_SET])}
    return state


def _rules(rng: random.Random, count: int) -> dict[str, str]:
    lookup = {}
    for _ in range(count):
        length = rng.randint(1, 4)
        states = [_state(rng, start=(i == 0 and rng.random() < 0.2)) for i in range(length)]
        lookup[json.dumps(states)] = rng.choice(ACTIONS)
    return lookup


def _policy() -> Any:
    return RulePolicy.__new__(RulePolicy)  # only the matching methods are used; they need no training


@pytest.mark.parametrize("seed", range(5))
def test_indexed_matching_equals_rule_policy_matching(seed: int) -> None:
    rng = random.Random(seed)
    lookup = _rules(rng, 120)
    policy = _policy()
    matched = 0
    for _ in range(400):
        length = rng.randint(1, 12)
        states = [_state(rng, start=(i == 0 and rng.random() < 0.5)) for i in range(length)]
        expected = ORIGINAL_POSSIBLE_KEYS(policy, lookup, states)
        assert possible_keys(policy, lookup, states) == expected
        matched += bool(expected)
    assert matched > 20  # the random cases do exercise rules that match


def test_rules_are_regrouped_when_the_lookup_changes() -> None:
    rng = random.Random(7)
    first, second = _rules(rng, 30), _rules(rng, 30)
    policy = _policy()
    states = [_state(rng) for _ in range(3)]
    for lookup in (first, second, first):
        assert possible_keys(policy, lookup, states) == ORIGINAL_POSSIBLE_KEYS(policy, lookup, states)


def test_applying_the_patches_makes_rule_policy_use_it() -> None:
    from bot.rasa import patches

    patches.apply()
    assert RulePolicy._get_possible_keys is possible_keys
