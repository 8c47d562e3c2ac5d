"""The adviser console: reviewing conversations and picking up learners who asked for a human."""
from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from flask import Blueprint, g, render_template, request
from flask.blueprints import BlueprintSetupState
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from bot.shared.generated_secrets import console_secret_key
from bot.shared.settings import Settings
from bot.web.console import formatting, notify, security
from bot.web.console.context import Console
from bot.web.console.db import upgrade
from bot.web.console.sync import sync

logger = logging.getLogger(__name__)
SYNC_BUDGET_SECONDS = 1.0
LIVE_SYNC_BUDGET_SECONDS = 0.3  # the live-update script polls every few seconds: each poll folds in a little


def _configure_app(state: BlueprintSetupState, console: Console) -> None:
    """Session cookie settings (the console is the only part of the web app that signs in)."""
    app, settings = state.app, console.settings
    app.secret_key = console_secret_key(settings.console_secret_key, settings.var_dir)
    # The cookie's own expiry; the server-side session record enforces the absolute lifetime.
    app.config.update(SESSION_COOKIE_NAME="coach_console", SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Lax",
                      PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.console_session_hours),
                      MAX_CONTENT_LENGTH=1_000_000)
    app.session_interface = security.SessionInterface(  # type: ignore[attr-defined]
        settings.console_cookie_secure)
    upgrade(console.engine)
    notify.start_watcher(settings)  # only when an email or webhook notification is configured


def create_blueprint(settings: Settings) -> Blueprint:
    """Blueprint mounted at `/console`: every page requires a signed-in adviser."""
    from bot.web.console.views import register_all

    console = Console(settings)
    blueprint = Blueprint("console", __name__, template_folder="templates", static_folder="static",
                          static_url_path="/static")
    blueprint.record_once(lambda state: _configure_app(state, console))

    @blueprint.before_request
    def before() -> None:
        """Load the adviser, check the CSRF token and fold in new conversation events."""
        g.console = console
        g.account = security.load_account(console)
        security.check_csrf()
        if g.account is not None and request.method == "GET" and request.endpoint != "console.static":
            live = request.endpoint == "console.live_status"
            try:
                sync(console.engine, budget_seconds=LIVE_SYNC_BUDGET_SECONDS if live else SYNC_BUDGET_SECONDS)
            except OperationalError:
                # The database was too busy (e.g. a long write by Rasa): show what is indexed
                # so far; the next request catches up.
                logger.warning("Could not index new conversation events this time.", exc_info=True)
            except Exception:  # noqa: BLE001 - whatever went wrong, the page shows what is indexed
                logger.exception("Indexing new conversation events failed; serving what is indexed.")

    @blueprint.after_request
    def headers(response: Any) -> Any:
        """Security headers on every console response."""
        # Pages show learners' words: never cached, never framed, no scripts from anywhere else.
        response.headers.setdefault("Cache-Control", "no-store")
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'")
        return response

    @blueprint.app_template_global()
    def csrf_token() -> str:
        """The session CSRF token for forms."""
        return security.csrf_token()

    formatting.register(blueprint)

    @blueprint.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        """HTTP errors as a console page with the reason (never a traceback)."""
        return render_template("console/error.html", code=error.code, title=error.name,
                               message=error.description), error.code or 500

    @blueprint.errorhandler(Exception)
    def unexpected(error: Exception) -> tuple[str, int]:
        """Log unexpected errors and show a plain 500 page."""
        logger.exception("Console error on %s %s", request.method, request.path)
        return render_template("console/error.html", code=500, title="Something went wrong",
                               message="The console hit an unexpected error; it has been logged."), 500

    register_all(blueprint, console)
    return blueprint
