"""The running Rasa server's agent, found through the names Rasa 3.6 gives its Sanic app."""
from __future__ import annotations

from typing import Any

from sanic import Sanic
from sanic.exceptions import SanicException

from bot.rasa.patches import require_applied

# `rasa run` names its app "rasa_server" (with the HTTP API) or "rasa_core_no_api" (--no-api...).
RASA_APP_NAMES = ("rasa_server", "rasa_core_no_api")


def agent_of_running_server() -> Any:
    """The Rasa agent of this process's Sanic app (for code that has no request at hand)."""
    require_applied("Finding the running Rasa server")
    for name in RASA_APP_NAMES:
        try:
            return Sanic.get_app(name).ctx.agent
        except (SanicException, AttributeError):
            continue
    return None
