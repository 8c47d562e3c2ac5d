"""`GET /` on the Rasa server answers "The server is up." instead of Rasa's greeting, which names its version."""
from __future__ import annotations

from typing import Optional

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.rasa.patches import require_applied

SERVER_UP = "The server is up."


def hide_server_version(app: Sanic) -> None:
    """Answer `GET /` with only "The server is up." instead of Rasa's greeting, which names its version.

    Rasa registers its own `/` route; a request middleware answers before it runs (Sanic 21.12
    reads the middleware list on every request, so it can be added when the server starts).
    """
    require_applied("Hiding the Rasa version")
    if getattr(app.ctx, "coach_plain_root", False):
        return
    app.ctx.coach_plain_root = True

    async def plain_root(request: Request) -> Optional[HTTPResponse]:
        if request.path == "/" and request.method in ("GET", "HEAD"):
            return response.text(SERVER_UP)
        return None

    app.register_middleware(plain_root, "request")
