"""The token the Rasa server sends the action server: ACTION_SERVER_TOKEN, or generated once in var/.

The Rasa server's launcher (bot/rasa/serve.py) exports it for endpoints.yml; the action server
(actions/serve.py) checks it. Imports nothing from Rasa.
"""
from __future__ import annotations

from bot.shared.generated_secrets import persistent_secret
from bot.shared.settings import Settings

ENV_VAR = "ACTION_SERVER_TOKEN"
HEADER = "Authorization"


def action_server_token(settings: Settings) -> str:
    """ACTION_SERVER_TOKEN, or a generated one persisted in var/action_server_token (mode 0600)."""
    return settings.action_server_token or persistent_secret(settings.var_dir / "action_server_token")
