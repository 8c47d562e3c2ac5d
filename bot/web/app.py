"""Flask application factory that mounts the webchat and console blueprints."""
from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from bot.shared.settings import Settings, get_settings


def create_app(settings: Settings | None = None) -> Flask:
    """Build the web application: `/` demo page and `/widget.js`, `/console` adviser console."""
    from bot.web.console import create_blueprint as console_blueprint
    from bot.web.widget import create_blueprint as webchat_blueprint

    settings = settings or get_settings()
    app = Flask(__name__, static_folder=None)
    app.config["COACH_SETTINGS"] = settings
    app.register_blueprint(webchat_blueprint(settings))
    app.register_blueprint(console_blueprint(settings), url_prefix="/console")
    if settings.console_trusted_proxies:
        # Behind N reverse proxies: the client address and scheme come from their X-Forwarded-*
        # headers (the sign-in throttle and Secure cookies need them); with 0 they are ignored.
        hops = settings.console_trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
