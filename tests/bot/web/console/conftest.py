"""Console fixtures: a private conversations database, the web app on it, signed-in test clients."""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from bot.shared.settings import Settings, load_settings
from bot.web.app import create_app
from bot.web.console import stats
from bot.web.console.accounts import add_account
from bot.web.console.db import dispose_engines, get_engine, upgrade
from bot.web.console.tables import rasa_metadata
from harness import console_events as ev
from harness.processes import free_ports
from tests.support.console import CONSOLE_PASSWORD as PASSWORD
from tests.support.console import console_sign_in as sign_in
from tests.support.databases import sqlite_url

NOW = time.time()


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings on a private SQLite file and var folder, pointing at no running assistant."""
    monkeypatch.setenv("RASA_URL", f"http://127.0.0.1:{free_ports(1)[0]}")
    monkeypatch.setenv("DATABASE_URL", sqlite_url(tmp_path / "conversations.db"))
    monkeypatch.setenv("COACH_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("CONSOLE_SECRET_KEY", "test-secret")
    monkeypatch.setenv("COACH_API_TOKEN", "test-token")
    return load_settings()


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    """The conversations database with Rasa's events table and the console tables."""
    engine = get_engine(settings.database_url)
    rasa_metadata.create_all(engine)
    upgrade(engine)
    stats.clear_cache()
    yield engine
    dispose_engines()


@pytest.fixture
def conversations(engine: Engine) -> dict[str, str]:
    """Four conversations with known properties; returns a name → sender id map."""
    t = NOW - 3600
    rows = [
        ev.user("salary-web", t, "how much does a director earn?", "ask_salary", 0.93, "webchat",
                [("level", "director")]),
        ev.action("salary-web", t + 1, "action_tell_salary"),
        ev.bot("salary-web", t + 2, "A director earns up to £100,000.", buttons=["Skills"]),
        ev.user("confused-tg", t + 10, "blorp wibble", "nlu_fallback", 0.3, "telegram"),
        ev.action("confused-tg", t + 11, "action_clarify"),
        ev.user("lowconf-rest", t + 20, "apprenticeship maybe", "ask_apprenticeships", 0.5, "rest"),
        ev.user("human-web", t + 30, "I want to talk to a person, mail me at ann@example.com or 07700 900123",
                "request_human", 0.97, "webchat"),
        ev.slot("human-web", t + 31, "handoff_requested", True),
        ev.slot("human-web", t + 31, "plan_stage", "university"),
        ev.slot("human-web", t + 31, "plan_goal", "director"),
        ev.user("old-tg", NOW - 120 * 86400, "hello from long ago", "greet", 0.99, "telegram"),
    ]
    ev.insert_rows(engine, rows)
    return {"salary": "salary-web", "confused": "confused-tg", "lowconf": "lowconf-rest", "human": "human-web",
            "old": "old-tg"}


@pytest.fixture
def app(settings: Settings, engine: Engine) -> Flask:
    """The whole web application (webchat + console) on the private database."""
    app = create_app(settings)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def admin(engine: Engine) -> str:
    """An admin account's email."""
    return add_account(engine, "ada@example.org", PASSWORD, is_admin=True).email


@pytest.fixture
def adviser(engine: Engine) -> str:
    """A non-admin adviser's email."""
    return add_account(engine, "bob@example.org", PASSWORD).email


@pytest.fixture
def signed_in(app: Flask) -> Callable[[str], tuple[FlaskClient, str]]:
    """Make a client signed in as the given email: (client, csrf token)."""
    def make(email: str) -> tuple[FlaskClient, str]:
        client = app.test_client()
        return client, sign_in(client, email)
    return make
