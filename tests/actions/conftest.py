"""Fixtures for the custom-action tests.

A loaded knowledge base injected into the actions, the parsed domain, the careers the content
holds, and a one-call way to run an action on a message.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.orm import sessionmaker

from actions.base import use_session_factory
from bot.shared.settings import get_settings
from knowledge.content import CONTENT_DIR
from tests.support.action_runs import CAREER, ActionResult, make_tracker, run_action

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


@pytest.fixture(autouse=True)
def no_default_career(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No DEFAULT_CAREER from the environment: with no career anywhere the actions ask which one."""
    monkeypatch.delenv("DEFAULT_CAREER", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _career_files() -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Each career folder's career.yml `career` and roles.yml `roles`, in the order they load."""
    found = []
    for folder in sorted(p for p in (CONTENT_DIR / "careers").iterdir() if p.is_dir()):
        career = yaml.safe_load((folder / "career.yml").read_text(encoding="utf-8"))["career"]
        roles = yaml.safe_load((folder / "roles.yml").read_text(encoding="utf-8"))["roles"]
        found.append((career, roles))
    return found


@pytest.fixture(scope="session")
def careers() -> dict[str, str]:
    """Every career's name by slug, from the content, in the order the knowledge base lists them."""
    return {career["slug"]: career["name"] for career, _ in _career_files()}


@pytest.fixture(scope="session")
def careers_titled() -> Callable[[str], list[str]]:
    """The slugs of the careers with a role the content gives this generic title ("manager")."""

    def _titled(title: str) -> list[str]:
        return [career["slug"] for career, roles in _career_files()
                if any(title in (role.get("generic_titles") or []) for role in roles)]

    return _titled


Say = Callable[..., ActionResult]


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
