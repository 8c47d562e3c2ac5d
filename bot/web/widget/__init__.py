"""The embeddable web chat widget and the demo careers site (no build step, no third-party code).

The site is generated from the knowledge base: `/` lists the careers, `/careers/<slug>` shows
one (overview, pay by level, ways in) with the widget told which career the page is about.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, render_template, request

from bot.shared.career_slug import career_slug
from bot.shared.settings import Settings
from bot.web.knowledge import read_knowledge
from bot.web.widget.careers import career_page
from knowledge import queries

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


def _site_page(settings: Settings, template: str, status: int = 200, **values: Any) -> Response:
    """A page of the demo site, embedding the widget, under the strict policy the site runs with."""
    server = widget_server_url(settings, request.url_root)
    page = Response(render_template(template, server=server, **values), status=status)
    # The demo site runs under a strict policy, showing the widget needs nothing inline.
    page.headers["Content-Security-Policy"] = (
        f"default-src 'self'; connect-src 'self' {server}; img-src 'self' data:; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
    page.headers["X-Content-Type-Options"] = "nosniff"
    page.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    return page


def create_blueprint(settings: Settings) -> Blueprint:
    """Blueprint serving the demo site (`/`, `/careers/<slug>`), the widget at `/widget.js` and its CSS."""
    blueprint = Blueprint("webchat", __name__, template_folder="templates")
    knowledge_url = settings.knowledge_database_url

    def careers() -> list[queries.CareerInfo]:
        return read_knowledge(knowledge_url, queries.list_careers, [])

    @blueprint.get("/")
    def demo_page() -> Response:
        return _site_page(settings, "demo.html", careers=careers())

    @blueprint.get("/careers/<slug>", endpoint="career_page")
    def career_page_view(slug: str) -> Response:
        guide = read_knowledge(knowledge_url, lambda session: career_page(session, slug), None) \
            if career_slug(slug) else None
        if guide is None:
            return _site_page(settings, "missing.html", 404, careers=careers())
        return _site_page(settings, "career.html", guide=guide, career=guide.career, page_career=guide.career.slug)

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
