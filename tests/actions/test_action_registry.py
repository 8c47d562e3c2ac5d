"""Every action the domain names is served by exactly one concrete class in the actions package."""
from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections import Counter
from typing import Any

from rasa_sdk import Action
from rasa_sdk.executor import ActionExecutor
from rasa_sdk.utils import all_subclasses

import actions
from actions.base import KnowledgeAction
from actions.scope import INTENT_LABELS


def _import_all_action_modules() -> list[str]:
    names = [f"actions.{m.name}" for m in pkgutil.iter_modules(actions.__path__)]
    for name in names:
        importlib.import_module(name)
    return names


def _concrete_actions() -> list[type[Action]]:
    _import_all_action_modules()
    return [cls for cls in all_subclasses(Action)
            if cls.__module__.startswith("actions.") and not inspect.isabstract(cls)]


def test_every_module_under_actions_imports() -> None:
    modules = _import_all_action_modules()
    assert {"actions.base", "actions.salary", "actions.plan", "actions.scope"} <= set(modules)


def test_each_domain_action_has_exactly_one_concrete_class(domain: dict[str, Any]) -> None:
    counts = Counter(cls().name() for cls in _concrete_actions())
    domain_actions = domain["actions"]
    assert len(domain_actions) == len(set(domain_actions)), "duplicate names under actions:"
    assert {name: counts[name] for name in domain_actions} == {name: 1 for name in domain_actions}
    # ... and no concrete action that the domain does not list.
    assert set(counts) == set(domain_actions)


def test_rasa_sdk_discovery_registers_exactly_the_domain_actions(domain: dict[str, Any]) -> None:
    executor = ActionExecutor()
    executor.register_package("actions")
    assert set(executor.actions) == set(domain["actions"])


def test_abstract_knowledge_action_is_not_registered() -> None:
    executor = ActionExecutor()
    executor.register_package("actions")
    assert inspect.isabstract(KnowledgeAction)
    assert KnowledgeAction not in executor._loaded
    registered = {type(fn.__self__) for fn in executor.actions.values()}
    assert KnowledgeAction not in registered
    assert all(not inspect.isabstract(cls) for cls in registered)


def test_knowledge_actions_have_unique_topics() -> None:
    topics = Counter(cls.topic for cls in _concrete_actions() if issubclass(cls, KnowledgeAction))
    assert topics and all(n == 1 for n in topics.values()), topics
    for topic in topics:
        found = KnowledgeAction.for_topic(topic)
        assert found is not None and found.topic == topic
    assert KnowledgeAction.for_topic("no-such-topic") is None


def test_clarify_labels_only_name_domain_intents(domain: dict[str, Any]) -> None:
    assert set(INTENT_LABELS) <= set(domain["intents"])
