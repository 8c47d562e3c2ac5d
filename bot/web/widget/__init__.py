"""The embeddable web chat widget and the demo careers page (no build step, no third-party code)."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from flask import Blueprint, Response, render_template, request

from bot.shared.settings import Settings

STATIC = Path(__file__).resolve().parent / "static"
ASSETS = {"widget.js": "text/javascript", "widget.css": "text/css", "demo.css": "text/css"}
RASA_PORT = 5005


def widget_server_url(settings: Settings, page_url: str) -> str:
    """The Rasa server URL the demo page gives the widget: WEBCHAT_SERVER_URL, else the page's host on 5005."""
    if settings.webchat_server_url:
        return settings.webchat_server_url
    parts = urlsplit(page_url)
    host = parts.hostname or "localhost"
    host = f"[{host}]" if ":" in host else host  # an IPv6 literal needs its brackets back
    return f"{parts.scheme or 'http'}://{host}:{RASA_PORT}"


def _asset(name: str) -> Response:
    """A widget or page asset with its type, a short cache lifetime and no content sniffing."""
    reply = Response((STATIC / name).read_bytes(), mimetype=ASSETS[name])
    reply.headers["Cache-Control"] = "public, max-age=300"
    reply.headers["X-Content-Type-Options"] = "nosniff"
    reply.headers["Access-Control-Allow-Origin"] = "*"  # public files; lets sites preload them
    return reply


def create_blueprint(settings: Settings) -> Blueprint:
    """Blueprint serving the demo page at `/`, the widget at `/widget.js` and its `/widget.css`."""
    blueprint = Blueprint("webchat", __name__, template_folder="templates")

    @blueprint.get("/")
    def demo_page() -> Response:
        server = widget_server_url(settings, request.url_root)
        page = Response(render_template("demo.html", server=server))
        # The demo page runs under a strict policy, showing the widget needs nothing inline.
        page.headers["Content-Security-Policy"] = (
            f"default-src 'self'; connect-src 'self' {server}; img-src 'self' data:; "
            "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
        page.headers["X-Content-Type-Options"] = "nosniff"
        page.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        return page

    @blueprint.get("/widget.js")
    def widget_js() -> Response:
        return _asset("widget.js")

    @blueprint.get("/widget.css")
    def widget_css() -> Response:
        return _asset("widget.css")

    @blueprint.get("/demo.css")
    def demo_css() -> Response:
        return _asset("demo.css")

    return blueprint
