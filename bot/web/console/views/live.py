"""Live updates: the JSON the console's script polls, and the waiting count every page's navigation shows."""
from __future__ import annotations

import logging

from flask import Blueprint, g, jsonify, request
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from bot.web.console import live, queries
from bot.web.console.context import Console

logger = logging.getLogger(__name__)


def _json(body: dict[str, object], status: int = 200) -> Response:
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def _after() -> int | None:
    """`?after=` as an event id (0 when absent), None when malformed."""
    raw = request.args.get("after", "0")
    return int(raw) if raw.isdigit() and len(raw) <= 18 else None


def register(blueprint: Blueprint, console: Console) -> None:
    """Routes: GET /live/status; the `learners_waiting()` template global."""

    @blueprint.get("/live/status")
    def live_status() -> Response:
        """The waiting count and queue, and with `?conversation=<id>&after=<event id>` that conversation's new turns."""
        if g.get("account") is None:
            return _json({"error": "Your session has ended: sign in again."}, 401)
        sender_id = request.args.get("conversation")
        after = _after()
        if after is None:
            return _json({"error": "'after' must be an event id (a whole number)."}, 400)
        with console.engine.connect() as connection:
            body = live.queue_status(connection)
            if sender_id is not None:
                # Transcripts only of conversations this session opened: the opening was audited.
                if not live.was_opened(sender_id):
                    return _json({"error": "Open the conversation's page first."}, 403)
                found = live.conversation_status(connection, sender_id, after)
                if found is None:
                    return _json({"error": "There is no conversation with this id (it may have been erased)."},
                                 404)
                body["conversation"] = found
        return _json(body)

    @blueprint.app_template_global()
    def learners_waiting() -> int | None:
        """How many learners wait for an adviser nobody has claimed (None when it cannot be read)."""
        if g.get("account") is None:
            return None
        try:
            with console.engine.connect() as connection:
                return queries.handoff_counts(connection)[1]
        except SQLAlchemyError:  # an error page must still render
            logger.warning("Could not count the learners waiting.", exc_info=True)
            return None
