"""Dialogue-policy CPU per prediction: RulePolicy with and without the rule-matching patch.

The trained model's RulePolicy is loaded in-process and asked for the next action at every action
of the hand-written test conversations (tests/conversations), once with Rasa's own rule matching
and once with bot/rasa/patches/rule_matching.py: the predictions must agree, and the CPU time of
each is reported per prediction.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from harness.paths import MODEL_PATH, REPO_ROOT

CONVERSATIONS = REPO_ROOT / "tests" / "conversations"
ROUNDS = 20


def _policy_and_domain(model: Path) -> tuple[Any, Any]:
    from rasa.core.agent import Agent
    from rasa.core.policies.rule_policy import RulePolicy

    agent = Agent.load(str(model))
    nodes = agent.processor.graph_runner._instantiated_nodes  # noqa: SLF001 - measurement only
    policies = [n._component for n in nodes.values() if isinstance(getattr(n, "_component", None), RulePolicy)]
    if not policies:
        raise RuntimeError(f"{model} has no RulePolicy-based policy")
    return policies[0], agent.domain


def _prefixes(domain: Any) -> list[Any]:
    """A tracker before every action of every test conversation."""
    from rasa.shared.core.events import ActionExecuted
    from rasa.shared.core.generator import TrainingDataGenerator
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
    from rasa.shared.core.training_data.structures import StoryGraph

    steps = []
    for path in sorted(CONVERSATIONS.glob("*.yml")):
        steps += YAMLStoryReader(domain).read_from_file(path)
    trackers = TrainingDataGenerator(StoryGraph(steps), domain, augmentation_factor=0,
                                     remove_duplicates=False, use_story_concatenation=False).generate()
    prefixes = []
    for tracker in trackers:
        events = list(tracker.events)
        for index, event in enumerate(events):
            if isinstance(event, ActionExecuted) and index:
                prefixes.append(DialogueStateTracker.from_events(tracker.sender_id, events[:index], domain.slots))
    return prefixes


def _timed(policy: Any, domain: Any, prefixes: list[Any]) -> tuple[float, list[Any]]:
    predictions = [policy.predict_action_probabilities(t, domain).probabilities for t in prefixes]
    started = time.process_time()
    for _ in range(ROUNDS):
        for tracker in prefixes:
            policy.predict_action_probabilities(tracker, domain)
    return (time.process_time() - started) / (ROUNDS * len(prefixes)), predictions


def run(model: Path = MODEL_PATH) -> dict[str, Any]:
    """CPU ms per prediction with Rasa's rule matching and with the patch, and whether they agree."""
    from rasa.core.policies.rule_policy import RulePolicy

    from bot.rasa.patches.rule_matching import ORIGINAL_POSSIBLE_KEYS, possible_keys

    policy, domain = _policy_and_domain(model)
    prefixes = _prefixes(domain)
    installed = RulePolicy._get_possible_keys
    try:
        RulePolicy._get_possible_keys = ORIGINAL_POSSIBLE_KEYS  # type: ignore[method-assign]
        plain_s, plain_predictions = _timed(policy, domain, prefixes)
        RulePolicy._get_possible_keys = possible_keys  # type: ignore[method-assign]
        patched_s, patched_predictions = _timed(policy, domain, prefixes)
    finally:
        RulePolicy._get_possible_keys = installed  # type: ignore[method-assign]
    return {"predictions": len(prefixes), "rules": len(policy.lookup.get("rules", {})),
            "rule_policy_ms_per_prediction": round(plain_s * 1000, 3),
            "patched_ms_per_prediction": round(patched_s * 1000, 3),
            "same_predictions": plain_predictions == patched_predictions}


def policy_table(result: dict[str, Any]) -> list[str]:
    """The policy figures as a few printed lines."""
    if "error" in result or not result:
        return [f"policy: {result.get('error', 'not measured')}"]
    return ["", f"Dialogue policy, CPU per prediction ({result['predictions']} predictions, {result['rules']} rules, "
            f"same predictions: {result['same_predictions']})",
            f"  RulePolicy as Rasa ships it           {result['rule_policy_ms_per_prediction']:.3f} ms",
            f"  with bot/rasa/patches/rule_matching   {result['patched_ms_per_prediction']:.3f} ms"]
