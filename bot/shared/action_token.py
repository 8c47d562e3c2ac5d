"""The token the Rasa server sends the action server: ACTION_SERVER_TOKEN, or generated once in var/.

`python -m bot.shared.action_token COMMAND...` runs COMMAND with ACTION_SERVER_TOKEN exported, so that
endpoints.yml's `${ACTION_SERVER_TOKEN}` resolves with no manual step (the Procfile's Rasa line).
Imports nothing from Rasa: the action server uses it too.
"""
from __future__ import annotations

import os
import sys

from bot.shared.generated_secrets import persistent_secret
from bot.shared.settings import Settings, get_settings

ENV_VAR = "ACTION_SERVER_TOKEN"
HEADER = "Authorization"


def action_server_token(settings: Settings) -> str:
    """ACTION_SERVER_TOKEN, or a generated one persisted in var/action_server_token (mode 0600)."""
    return settings.action_server_token or persistent_secret(settings.var_dir / "action_server_token")


def main(argv: list[str] | None = None) -> None:
    """Replace this process with the command, ACTION_SERVER_TOKEN set in its environment."""
    command = list(sys.argv[1:] if argv is None else argv)
    if not command:
        raise SystemExit("usage: python -m bot.shared.action_token COMMAND [ARG...]")
    env = {**os.environ, ENV_VAR: action_server_token(get_settings())}
    os.execvpe(command[0], command, env)


if __name__ == "__main__":
    main()
