"""Cross-origin rules for the web chat routes: only WEBCHAT_ALLOWED_ORIGINS may use them.

Rasa answers every CORS preflight itself (Sanic-CORS with one rule for `/*`, taken from
`rasa run --cors`, which the Procfile sets to "*" for the REST API). A rule for the web chat
routes is put in front of it, so preflights and responses there name only the allowed origins,
whatever `--cors` says. The routes also refuse requests from other origins outright (403), so
the rule holds even for requests a browser sends without a preflight.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any, Optional

from sanic import Sanic

logger = logging.getLogger(__name__)

SESSION_HEADER = "X-Webchat-Session"
PREFLIGHT_CACHE_SECONDS = 600


def origin_allowed(origin: Optional[str], allowed: Sequence[str]) -> bool:
    """True when a request may proceed: no Origin header (not a browser page) or an allowed one."""
    if origin is None:
        return True
    return "*" in allowed or origin.rstrip("/").lower() in {a.lower() for a in allowed}


def _rule_options(app: Sanic, allowed: Sequence[str]) -> dict[str, Any]:
    from sanic_cors.core import get_cors_options

    return get_cors_options(app, {
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
    })


def install_cors_rule(app: Sanic, url_prefix: str, allowed: Sequence[str]) -> bool:
    """Put the web chat's CORS rule first in Rasa's Sanic-CORS rules; False if there are none."""
    context = getattr(app.ctx, "sanic_cors", None)
    resources = getattr(context, "resources", None)
    if not isinstance(resources, list):
        logger.warning("Sanic-CORS is not configured on this server; web chat preflights will fail.")
        return False
    pattern = re.compile("^" + re.escape(url_prefix.rstrip("/")) + "(/|$)")
    if any(getattr(p, "pattern", None) == pattern.pattern for p, _ in resources):
        return True
    resources.insert(0, (pattern, _rule_options(app, allowed)))
    return True
