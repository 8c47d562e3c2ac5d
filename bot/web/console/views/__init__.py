"""Console pages, one module per area; `register_all` adds their routes to the blueprint."""
from __future__ import annotations

from flask import Blueprint, abort, request

from bot.web.console.context import Console
from bot.web.console.filters import FilterError, parse_page


def requested_page() -> int:
    """The `?page=` of the current request; a malformed one is a 400."""
    try:
        return parse_page(request.args.get("page"))
    except FilterError as exc:
        abort(400, description=str(exc))


def register_all(blueprint: Blueprint, console: Console) -> None:
    """Add every console route."""
    from bot.web.console.views import admin, auth, conversation, handoff, improve, inbox, insights, live

    for module in (auth, inbox, conversation, handoff, improve, insights, admin, live):
        module.register(blueprint, console)
