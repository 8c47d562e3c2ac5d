"""Console pages, one module per area; `register_all` adds their routes to the blueprint."""
from __future__ import annotations

from flask import Blueprint

from bot.console.context import Console


def register_all(blueprint: Blueprint, console: Console) -> None:
    """Add every console route."""
    from bot.console.views import admin, auth, conversation, handoff, improve, inbox, insights

    for module in (auth, inbox, conversation, handoff, improve, insights, admin):
        module.register(blueprint, console)
