"""Cross-origin policy of the web chat routes: only WEBCHAT_ALLOWED_ORIGINS may use them.

Preflights and responses there name only the allowed origins, whatever `rasa run --cors` says
(the rule goes in front of Rasa's own: bot/rasa/patches/sanic_cors.py). The routes also refuse
requests from other origins outright (403), so the policy holds even for requests a browser
sends without a preflight.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Optional

from sanic import Sanic

from bot.rasa.patches.sanic_cors import put_rule_first

SESSION_HEADER = "X-Webchat-Session"
PREFLIGHT_CACHE_SECONDS = 600


def origin_allowed(origin: Optional[str], allowed: Sequence[str]) -> bool:
    """True when a request may proceed: no Origin header (not a browser page) or an allowed one."""
    if origin is None:
        return True
    return "*" in allowed or origin.rstrip("/").lower() in {a.lower() for a in allowed}


def cors_options(allowed: Sequence[str]) -> dict[str, Any]:
    """Sanic-CORS options for the web chat routes."""
    return {
        "origins": ["*"] if "*" in allowed else list(allowed),
        "methods": ["GET", "POST", "DELETE", "OPTIONS"],
        "allow_headers": ["Content-Type", SESSION_HEADER],
        "expose_headers": ["Retry-After"],  # the widget waits as long as a 429 asks
        "supports_credentials": False,  # the session travels in a header, never in a cookie
        "send_wildcard": "*" in allowed,
        "always_send": False,
        "max_age": PREFLIGHT_CACHE_SECONDS,
        "vary_header": True,
        "automatic_options": True,
    }


def install_cors_rule(app: Sanic, url_prefix: str, allowed: Sequence[str]) -> bool:
    """Put the web chat's CORS rule first in Rasa's CORS rules; False if the server has none."""
    return put_rule_first(app, url_prefix, cors_options(allowed))
