"""The embeddable web chat widget and the demo careers page (no build step, no third-party code)."""
from __future__ import annotations

from flask import Blueprint

from bot.settings import Settings


def create_blueprint(settings: Settings) -> Blueprint:
    """Blueprint serving the demo page at `/` and the widget at `/widget.js` (issue 4 fills it in)."""
    blueprint = Blueprint("webchat", __name__)

    @blueprint.get("/")
    def demo_page() -> tuple[str, int]:
        return "The web chat widget is not built yet.", 503

    return blueprint
