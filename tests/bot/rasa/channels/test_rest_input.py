"""The REST channel on Rasa's own Sanic app with a stand-in agent: what it accepts and where it writes.

Sender ids outside the documented character set and non-string messages are refused with 400
before Rasa sees them; callers write only into `rest-<sender>`; client metadata is ignored; a
database error fails one request (an apology), never the server; the channel can be switched off
or put behind a bearer token; `GET /` does not name the Rasa version.
"""
from __future__ import annotations

import json
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from rasa.shared.core.events import UserUttered

import bot.rasa.patches.sql_tracker_store
from bot.rasa.channels.guard import EMPTY_REPLY, TROUBLE_REPLY
from bot.rasa.channels.rest import GuardedRestInput
from bot.rasa.patches.server_root import SERVER_UP
from bot.rasa.stores.tracker_store import EnvSQLTrackerStore
from bot.shared.settings import get_settings
from harness.loops import run_to_completion
from tests.support.channel_server import FakeAgent, FakeProcessor, serving_channels
from tests.support.databases import sqlite_url

PROCFILE = Path(__file__).resolve().parents[4] / "Procfile"


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Environment changes seen by the channel (settings are read again); restored afterwards."""
    monkeypatch.delenv("REST_CHANNEL", raising=False)
    monkeypatch.delenv("REST_CHANNEL_TOKEN", raising=False)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def _agent(tmp_path: Path) -> FakeAgent:
    """The stand-in agent on the project's SQL tracker store (SQLite), as in production."""
    agent = FakeAgent()
    agent.tracker_store = EnvSQLTrackerStore(domain=agent.domain, host=sqlite_url(tmp_path / "conversations.db"))
    agent.processor = FakeProcessor(agent.tracker_store)
    return agent


@pytest.fixture
def rest(tmp_path: Path, settings_env: pytest.MonkeyPatch) -> Iterator[tuple[str, FakeAgent]]:
    """(base URL, agent) of a server with the REST channel."""
    agent = _agent(tmp_path)
    with serving_channels([GuardedRestInput()], agent) as base:
        yield base, agent


def post(base: str, body: Any, **headers: str) -> httpx.Response:
    """POST a JSON body to the REST webhook (ASCII JSON, so lone surrogates travel as escapes)."""
    return httpx.post(f"{base}/webhooks/rest/webhook", content=json.dumps(body).encode(),
                      headers={"Content-Type": "application/json", **headers}, timeout=30)


def senders(agent: FakeAgent) -> list[str]:
    """Every stored conversation id."""
    return list(run_to_completion(agent.tracker_store.keys()))


@pytest.mark.parametrize("sender", ["x\ud800", "x\x00", "a b", "x" * 129, "", "ü", None, True, ["a"], {"a": 1}])
def test_a_sender_that_cannot_be_stored_is_refused_and_the_server_goes_on(
        rest: tuple[str, FakeAgent], sender: Any) -> None:
    base, agent = rest
    refused = post(base, {"sender": sender, "message": "hi"})
    assert refused.status_code == 400 and "sender" in refused.json()["error"]
    assert agent.processor.handled == [] and senders(agent) == []
    answered = post(base, {"sender": "learner-1", "message": "hi"})
    assert answered.status_code == 200 and answered.json()[0]["text"] == "You asked: hi"


@pytest.mark.parametrize("message", [True, 5, 1.5, ["hi"], {"text": "hi"}])
def test_a_message_that_is_not_a_string_is_refused(rest: tuple[str, FakeAgent], message: Any) -> None:
    base, agent = rest
    refused = post(base, {"sender": "learner-1", "message": message})
    assert refused.status_code == 400 and "message" in refused.json()["error"]
    assert agent.processor.handled == []


@pytest.mark.parametrize("body", [{"sender": "learner-1"}, {"sender": "learner-1", "message": None}])
def test_a_missing_message_still_gets_the_empty_text_prompt(rest: tuple[str, FakeAgent], body: Any) -> None:
    base, _agent = rest
    reply = post(base, body)
    assert reply.status_code == 200 and reply.json() == [{"recipient_id": "learner-1", "text": EMPTY_REPLY}]


def test_a_surrogate_in_a_payload_entity_is_not_stored(rest: tuple[str, FakeAgent]) -> None:
    base, agent = rest
    reply = post(base, {"sender": "learner-1", "message": '/ask_salary{"level":"\\ud800"}'})
    assert reply.status_code == 200
    assert agent.processor.handled == ["/ask_salary"]  # the empty value is dropped, and with it the braces


def test_a_rest_caller_writes_only_into_its_own_namespace(rest: tuple[str, FakeAgent]) -> None:
    base, agent = rest
    victim = "webchat-" + "ab" * 16
    reply = post(base, {"sender": victim, "message": "/restart",
                        "metadata": {"webchat": {"title": "I want to be forgotten"}}})
    assert reply.status_code == 200
    assert {r["recipient_id"] for r in reply.json()} == {victim}  # the caller's own sender
    assert senders(agent) == [f"rest-{victim}"]
    tracker = run_to_completion(agent.tracker_store.retrieve(f"rest-{victim}"))
    [said] = [e for e in tracker.events if isinstance(e, UserUttered)]
    assert said.input_channel == "rest" and not said.metadata  # client metadata is ignored


@pytest.mark.parametrize("error", [ValueError("not encodable"),
                                   sa.exc.OperationalError("INSERT", {}, Exception("disk I/O error"))],
                         ids=["ValueError", "OperationalError"])
def test_a_database_error_fails_one_request_with_an_apology_and_the_next_is_answered(
        rest: tuple[str, FakeAgent], monkeypatch: pytest.MonkeyPatch, error: Exception) -> None:
    """Rasa's own session_scope turned any ValueError into "schema not found" and exited."""
    base, _agent = rest
    real = bot.rasa.patches.sql_tracker_store._event_row
    failures = [error]

    def failing_once(*args: Any) -> Any:
        if failures:
            raise failures.pop()
        return real(*args)

    monkeypatch.setattr(bot.rasa.patches.sql_tracker_store, "_event_row", failing_once)
    failed = post(base, {"sender": "learner-1", "message": "hi"})
    assert failed.status_code == 200 and [r["text"] for r in failed.json()] == [TROUBLE_REPLY]
    answered = post(base, {"sender": "learner-2", "message": "hello"})
    assert answered.status_code == 200 and answered.json()[0]["text"] == "You asked: hello"


def test_the_root_says_only_that_the_server_is_up(rest: tuple[str, FakeAgent]) -> None:
    base, _agent = rest
    reply = httpx.get(f"{base}/", timeout=30)
    assert reply.status_code == 200 and reply.text == SERVER_UP
    assert "rasa" not in reply.text.lower()


def test_the_channel_can_be_switched_off(tmp_path: Path, settings_env: pytest.MonkeyPatch) -> None:
    settings_env.setenv("REST_CHANNEL", "off")
    get_settings.cache_clear()
    agent = _agent(tmp_path)
    with serving_channels([GuardedRestInput()], agent) as base:
        assert post(base, {"sender": "learner-1", "message": "hi"}).status_code == 404
    assert agent.processor.handled == []


def test_the_channel_can_require_a_bearer_token(tmp_path: Path, settings_env: pytest.MonkeyPatch) -> None:
    settings_env.setenv("REST_CHANNEL_TOKEN", "s3cret-token")
    get_settings.cache_clear()
    agent = _agent(tmp_path)
    body = {"sender": "learner-1", "message": "hi"}
    with serving_channels([GuardedRestInput()], agent) as base:
        assert post(base, body).status_code == 401
        assert post(base, body, Authorization="Bearer wrong").status_code == 401
        assert post(base, body, Authorization="Bearer s3cret-token").status_code == 200
    assert agent.processor.handled == ["hi"]


def _procfile_cors() -> str:
    """The `--cors` value the Procfile gives the Rasa server ("" when none)."""
    rasa_line = next(line for line in PROCFILE.read_text().splitlines() if line.startswith("rasa:"))
    words = shlex.split(rasa_line)
    return words[words.index("--cors") + 1] if "--cors" in words else ""


def test_rest_routes_do_not_allow_other_origins_as_the_procfile_runs_them(
        tmp_path: Path, settings_env: pytest.MonkeyPatch) -> None:
    """Rasa's `--cors "*"` reflected any origin, with credentials, on REST and adviser routes."""
    with serving_channels([GuardedRestInput()], _agent(tmp_path), cors=_procfile_cors()) as base:
        _no_cross_origin_access(base)


def _no_cross_origin_access(base: str) -> None:
    preflight = httpx.options(f"{base}/webhooks/rest/webhook", timeout=30, headers={
        "Origin": "http://evil.example", "Access-Control-Request-Method": "POST"})
    assert preflight.headers.get("access-control-allow-origin") in (None, "")
    reply = httpx.post(f"{base}/webhooks/rest/webhook", json={"sender": "a", "message": "hi"},
                       headers={"Origin": "http://evil.example"}, timeout=30)
    assert "access-control-allow-origin" not in reply.headers
