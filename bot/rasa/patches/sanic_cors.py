"""A CORS rule for some routes goes first in the list of rules Sanic-CORS keeps for Rasa's app.

Rasa answers every CORS preflight itself (Sanic-CORS 2.0, with one rule for `/*` taken from
`rasa run --cors`). A rule put in front of it in Sanic-CORS's private list of resources decides
for the routes it matches, whatever `--cors` says.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from sanic import Sanic

from bot.rasa.patches import require_applied

logger = logging.getLogger(__name__)


def put_rule_first(app: Sanic, url_prefix: str, options: Mapping[str, Any]) -> bool:
    """Make `options` (Sanic-CORS options) the first rule for routes under `url_prefix`; False if CORS is off."""
    require_applied("A CORS rule for the web chat")
    from sanic_cors.core import get_cors_options

    context = getattr(app.ctx, "sanic_cors", None)
    resources = getattr(context, "resources", None)
    if not isinstance(resources, list):
        logger.warning("Sanic-CORS is not configured on this server; preflights for %s will fail.", url_prefix)
        return False
    pattern = re.compile("^" + re.escape(url_prefix.rstrip("/")) + "(/|$)")
    if any(getattr(p, "pattern", None) == pattern.pattern for p, _ in resources):
        return True
    resources.insert(0, (pattern, get_cors_options(app, dict(options))))
    return True
