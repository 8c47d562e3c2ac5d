"""RulePolicy tests only the rules whose last turn can match the conversation's: same predictions, less CPU.

RulePolicy tests every rule against the current turn, then the survivors against each earlier
turn, to the start of the conversation. A rule whose last turn names a user intent can only
match when the learner said that intent, so rules are grouped by that intent and only the group
of the current intent (plus rules naming none) is tested; the walk back stops once no rule is
left or every remaining rule is shorter than the distance walked. Measured with
`python -m bench --only policy` (docs/performance.md): about half the CPU per prediction.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Optional

from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.constants import PREVIOUS_ACTION, SHOULD_NOT_BE_SET
from rasa.shared.core.domain import State
from rasa.shared.nlu.constants import INTENT

USER = "user"
ORIGINAL_POSSIBLE_KEYS = RulePolicy._get_possible_keys
_GROUPS = "_coach_rule_groups"  # per policy instance: {id(lookup): (lookup, groups)}


def _rule_groups(policy: RulePolicy, lookup: dict[str, str]) -> dict[Optional[str], list[str]]:
    cache = policy.__dict__.setdefault(_GROUPS, {})
    groups = cache.get(id(lookup))
    if groups is None or groups[0] is not lookup:
        by_intent: dict[Optional[str], list[str]] = defaultdict(list)
        for key in lookup:
            last_turn = policy._rule_key_to_state(key)[-1]
            intent = last_turn.get(USER, {}).get(INTENT)
            by_intent[intent if intent and intent != SHOULD_NOT_BE_SET else None].append(key)
        groups = cache[id(lookup)] = (lookup, dict(by_intent))
    return groups[1]


def possible_keys(policy: RulePolicy, lookup: dict[str, str], states: list[State]) -> set[str]:
    """The rules applicable to `states`, exactly as RulePolicy._get_possible_keys finds them."""
    if not states or not states[-1].get(PREVIOUS_ACTION):
        # a conversation-start state matches rules regardless of intent: no shortcut
        return ORIGINAL_POSSIBLE_KEYS(policy, lookup, states)
    groups = _rule_groups(policy, lookup)
    intent = states[-1].get(USER, {}).get(INTENT)
    possible = set(groups.get(None, []))
    if intent:
        possible.update(groups.get(intent, []))
    for distance, state in enumerate(reversed(states)):
        if not possible or distance >= max(len(policy._rule_key_to_state(k)) for k in possible):
            break  # RulePolicy would keep every remaining rule from here on
        possible = {k for k in possible if policy._is_rule_applicable(k, distance, state)}
    return possible


def install() -> None:
    """Make every RulePolicy find its applicable rules this way (idempotent)."""
    RulePolicy._get_possible_keys = possible_keys  # type: ignore[method-assign]
