"""The action server: rasa_sdk's app on 127.0.0.1, behind a shared token, with generic error bodies.

`python -m actions.serve [--host H] [--port P]` replaces `rasa run actions`, which listens on
0.0.0.0, accepts any caller and echoes the request body in its 500 answers. The Rasa server sends
the token as `Authorization: Bearer $ACTION_SERVER_TOKEN` (endpoints.yml `headers:`).
"""
from __future__ import annotations

import argparse
import logging
from typing import TYPE_CHECKING

from bot.shared.action_token import HEADER, action_server_token
from bot.shared.bearer import bearer_verdict
from bot.shared.quiet import quiet_third_party_warnings
from bot.shared.settings import get_settings

if TYPE_CHECKING:  # imported where used, so that main() can quiet their import-time warnings first
    from sanic import Sanic
    from sanic.request import Request
    from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)
OPEN_PATHS = frozenset({"/health"})  # a liveness probe says nothing about conversations


def authorised(request: Request, token: str) -> bool | None:
    """True for the right token, False for a wrong one, None when none was sent."""
    return bearer_verdict(request.headers.get(HEADER), token)


def create_app(token: str, package: str = "actions") -> Sanic:
    """rasa_sdk's action app (no CORS: only the Rasa server calls it) with the token check added."""
    from rasa_sdk.endpoint import create_app as sdk_app
    from sanic import response
    from sanic.exceptions import SanicException

    if not token:
        raise ValueError("the action server needs a token")
    app = sdk_app(package, cors_origins=None)

    @app.middleware("request")
    async def require_token(request: Request) -> HTTPResponse | None:
        """401 without a token, 403 with a wrong one (every route but /health)."""
        if request.path in OPEN_PATHS:
            return None
        verdict = authorised(request, token)
        if verdict:
            return None
        return response.json({"error": "Missing action server token." if verdict is None
                              else "Wrong action server token."}, status=401 if verdict is None else 403)

    @app.exception(Exception)  # replaces rasa_sdk's handler, which echoes the request body
    async def generic_error(request: Request, exception: Exception) -> HTTPResponse:
        """The status of an HTTP error, 500 for anything else; never the request's content."""
        if isinstance(exception, SanicException):
            status = int(exception.status_code or 500)
            return response.json({"error": "The request was not understood." if status < 500
                                  else "The action server could not answer."}, status=status)
        logger.error("Action server error on %s %s", request.method, request.path, exc_info=exception)
        return response.json({"error": "The action server could not answer."}, status=500)

    return app


def main(argv: list[str] | None = None) -> None:
    """Run the action server until stopped."""
    quiet_third_party_warnings()
    from rasa_sdk import utils
    from rasa_sdk.constants import DEFAULT_SERVER_PORT
    from rasa_sdk.plugin import plugin_manager

    settings = get_settings()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=settings.action_server_host,
                        help="interface to listen on (default ACTION_SERVER_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_SERVER_PORT)
    parser.add_argument("--actions", default="actions", help="package of custom actions")
    args = parser.parse_args(argv)
    utils.configure_colored_logging("INFO")
    utils.update_sanic_log_level()
    logging.getLogger("rasa_sdk.executor").setLevel(logging.WARNING)  # not one line per registered action
    app = create_app(action_server_token(settings), args.actions)
    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    logger.info("Action server listening on http://%s:%s", args.host, args.port)
    app.run(args.host, args.port, workers=utils.number_of_sanic_workers(), access_log=False)


if __name__ == "__main__":
    main()
