"""Fixtures for the custom-action tests.

A loaded knowledge base injected into the actions, the parsed domain, and a one-call way to run an
action on a message.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.orm import sessionmaker

from actions.base import use_session_factory
from tests.support.action_runs import ActionResult, make_tracker, run_action

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    """domain.yml, parsed once."""
    return yaml.safe_load((REPO_ROOT / "domain.yml").read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def knowledge(loaded_factory: sessionmaker) -> Iterator[sessionmaker]:
    """Point the actions at a private copy of the loaded knowledge base; restore afterwards."""
    use_session_factory(loaded_factory)
    yield loaded_factory
    use_session_factory(None)


Say = Callable[..., ActionResult]


@pytest.fixture
def say(domain: dict[str, Any]) -> Say:
    """Run an action on one message: `say(ActionClass, text, intent, entities, slots=...)`."""

    def _say(action_cls: type, text: str, intent: str | None, entities: Any = None,
             **tracker_kw: Any) -> ActionResult:
        return run_action(action_cls(), make_tracker(text, intent, entities, **tracker_kw), domain)

    return _say
