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
def knowledge(shared_loaded_factory: sessionmaker) -> Iterator[sessionmaker]:
    """Point the actions at the loaded knowledge base (they only read it); restore afterwards."""
    use_session_factory(shared_loaded_factory)
    yield shared_loaded_factory
    use_session_factory(None)


Say = Callable[..., ActionResult]
# Most action tests are about one career, the first the content had; a conversation about it is
# one whose `career` slot is set. Tests about choosing a career pass `career=None` (or another).
CAREER = "ecommerce-management"


@pytest.fixture
def say(domain: dict[str, Any]) -> Say:
    """Run an action on one message: `say(ActionClass, text, intent, entities, slots=..., career=...)`."""

    def _say(action_cls: type, text: str, intent: str | None, entities: Any = None,
             career: str | None = CAREER, **tracker_kw: Any) -> ActionResult:
        slots = dict(tracker_kw.pop("slots", None) or {})
        if career is not None:
            slots.setdefault("career", career)
        tracker = make_tracker(text, intent, entities, slots=slots, **tracker_kw)
        return run_action(action_cls(), tracker, domain)

    return _say
