"""The real servers for end-to-end tests: Rasa, action and web processes on free 127.0.0.1 ports."""
from __future__ import annotations

import json
import sqlite3
from contextlib import AbstractContextManager, ExitStack
from pathlib import Path
from typing import Any

import requests
from rasa.shared.core.events import BotUttered

from bot.rasa.channels.guard import TROUBLE_REPLY
from harness.action_server import action_endpoint, action_server, new_action_token
from harness.paths import CREDENTIALS_PATH
from harness.processes import Server, free_ports, python_server, stop
from harness.rasa import rasa_server, rasa_server_args, wait_until_answering, write_endpoints
from tests.support.databases import sqlite_url

READY_QUESTION = "how much does a director of e-commerce earn?"


class Stack:
    """Running servers plus what a test needs to reach, stop and restart them."""

    def __init__(self, tmp: Path, knowledge_db: Path, model: Path) -> None:
        self.action_port, self.rasa_port, self.web_port = free_ports(3)
        self.conversations_db = tmp / "conversations.db"
        self.env = {"DATABASE_URL": sqlite_url(self.conversations_db),
                    # Shared by the action server and the Rasa server (endpoints.yml sends it).
                    **new_action_token(),
                    "KNOWLEDGE_DATABASE_URL": sqlite_url(knowledge_db),
                    # The adviser console (web process) hands conversations over through this Rasa server.
                    "RASA_URL": self.url,
                    # The demo page (web process) talks to this Rasa server, which allows its origin.
                    "WEBCHAT_ALLOWED_ORIGINS": f"{self.web_url},http://localhost:{self.web_port}",
                    "WEBCHAT_SERVER_URL": self.url,
                    # The end-to-end tests are about the channels: their questions name no career, so
                    # the stack answers for one, as a deployment that sets a default career does.
                    "DEFAULT_CAREER": "ecommerce-management"}
        self.endpoints = write_endpoints(tmp / "endpoints.yml", {
            "action_endpoint": action_endpoint(self.action_port),
            "tracker_store": {"type": "bot.rasa.stores.tracker_store.EnvSQLTrackerStore"}})
        self.model = model
        self.rasa_env: dict[str, str] = {}  # extra environment for the Rasa server only
        self._stack = ExitStack()
        self.actions: Server | None = None
        self.rasa: Server | None = None
        self.web: Server | None = None

    @property
    def url(self) -> str:
        """Base URL of the Rasa server."""
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def web_url(self) -> str:
        """Base URL of the web process (demo page and widget), without a trailing slash."""
        return f"http://127.0.0.1:{self.web_port}"

    def start_actions(self) -> None:
        """Start the action server as the Procfile does (127.0.0.1, token from the environment)."""
        self.actions = self._stack.enter_context(action_server("e2e-actions", self.action_port, self.env))

    def start_rasa(self, extra_env: dict[str, str] | None = None) -> None:
        """Start the Rasa server and wait until it answers a real question.

        `extra_env` (e.g. Telegram settings) is kept for later restarts.
        """
        self.rasa_env.update(extra_env or {})
        # No `--cors`, as in the Procfile: the web chat installs its own CORS rule.
        self.rasa = self._stack.enter_context(rasa_server(
            "e2e-rasa", rasa_server_args(self.model, self.rasa_port, CREDENTIALS_PATH, self.endpoints),
            self.rasa_port, {**self.env, **self.rasa_env}))
        wait_until_answering(self.rasa, READY_QUESTION, apologies=[TROUBLE_REPLY])

    def start_web(self) -> None:
        """Start the web process (demo page + widget) once; its widget talks to this Rasa server."""
        if self.web is None:
            self.web = self._stack.enter_context(web_process(self.web_port, self.env))

    def stop_actions(self) -> None:
        """Stop the action server (SIGTERM, then SIGKILL after a grace period)."""
        if self.actions is not None:
            stop(self.actions)

    def stop_rasa(self) -> None:
        """Stop the Rasa server."""
        if self.rasa is not None:
            stop(self.rasa)

    def close(self) -> None:
        """Stop everything still running."""
        self._stack.close()


def web_process(port: int, env: dict[str, str], timeout: float = 60.0) -> AbstractContextManager[Server]:
    """`python -m bot.web.serve --port PORT` until the block ends, ready once /healthz answers."""
    return python_server("e2e-web", ["bot.web.serve", "--port", str(port)], port, env, "/healthz", timeout)


def learner_says(stack: Stack, sender: str, text: str) -> list[dict[str, Any]]:
    """Send one learner message through the REST channel as `sender`; the replies.

    The conversation is stored as `rest-<sender>` (bot/shared/conversation_ids.rest_conversation).
    """
    response = requests.post(f"{stack.url}/webhooks/rest/webhook", json={"sender": sender, "message": text},
                             timeout=30)
    assert response.status_code == 200
    return response.json()


def append_adviser_message(conversations_db: Path, sender_id: str, text: str, adviser: str) -> None:
    """Store a bot message as the adviser console does: appended to the conversation by another process."""
    event = BotUttered(text, metadata={"adviser": adviser})
    with sqlite3.connect(conversations_db) as db:
        db.execute("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (?, ?, ?, ?)",
                   (sender_id, event.type_name, event.timestamp, json.dumps(event.as_dict())))
