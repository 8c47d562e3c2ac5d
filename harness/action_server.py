"""The action server as the Procfile starts it, behind the token the Rasa server under test sends."""
from __future__ import annotations

import secrets
from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import Any

import yaml

from bot.shared.action_token import ENV_VAR
from harness.paths import ENDPOINTS_PATH
from harness.processes import Server, python_server


def action_server_args(port: int) -> list[str]:
    """`python -m` arguments of the Procfile's action server line, listening on `port`."""
    return ["actions.serve", "--actions", "actions", "--port", str(port)]


def new_action_token() -> dict[str, str]:
    """A fresh ACTION_SERVER_TOKEN, as environment to give both the action server and the Rasa server."""
    return {ENV_VAR: secrets.token_urlsafe(16)}


def action_endpoint(port: int) -> dict[str, Any]:
    """endpoints.yml's `action_endpoint` moved to `port`: the Rasa server sends $ACTION_SERVER_TOKEN."""
    project = yaml.safe_load(ENDPOINTS_PATH.read_text(encoding="utf-8"))
    return {**project["action_endpoint"], "url": f"http://127.0.0.1:{port}/webhook"}


def action_server(name: str, port: int, env: Mapping[str, str]) -> AbstractContextManager[Server]:
    """The action server on 127.0.0.1:port until the block ends, ready once /health answers.

    `env` must hold the ACTION_SERVER_TOKEN the Rasa server gets (see new_action_token).
    """
    if not env.get(ENV_VAR):
        raise ValueError(f"the action server needs {ENV_VAR} in its environment, shared with the Rasa server")
    return python_server(name, action_server_args(port), port, env, "/health")
