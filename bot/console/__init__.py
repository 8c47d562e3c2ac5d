"""The adviser console: reviewing conversations and picking up learners who asked for a human."""
from __future__ import annotations

from flask import Blueprint

from bot.settings import Settings


def create_blueprint(settings: Settings) -> Blueprint:
    """Blueprint mounted at `/console` (issue 6 fills it in)."""
    blueprint = Blueprint("console", __name__)

    @blueprint.get("/")
    def index() -> tuple[str, int]:
        return "The adviser console is not built yet.", 503

    return blueprint
