"""`python -m bot.rasa.serve ARGS...`: Rasa's command line with the patches applied and the action server token set.

This is how the Rasa server starts (the Procfile's `rasa` line: `python -m bot.rasa.serve run ...`).
Before Rasa reads its configuration it silences other packages' deprecation warnings
(bot/shared/quiet.py), checks the installed Rasa version and installs every patch
in bot/rasa/patches (refusing to start on another version), and exports ACTION_SERVER_TOKEN (from
the environment, or generated once in var/) so that endpoints.yml's `${ACTION_SERVER_TOKEN}`
resolves with no manual step.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import Optional

from bot.shared.action_token import ENV_VAR, action_server_token
from bot.shared.quiet import quiet_third_party_warnings
from bot.shared.settings import get_settings


def unsafe_workers(env: Mapping[str, str], redis_url: str) -> Optional[str]:
    """Why SANIC_WORKERS cannot be used as set, if so: workers beyond one need the shared Redis lock store.

    (Rasa allows several workers for any custom lock store, ours included, even when it falls back
    to locks in memory, one set per worker, which would let a conversation's messages overlap.)
    """
    raw = env.get("SANIC_WORKERS", "1").strip() or "1"
    if not raw.isdigit():
        return f"SANIC_WORKERS must be a whole number, got {raw!r}."
    if int(raw) > 1 and not redis_url:
        return f"SANIC_WORKERS={raw} needs REDIS_URL: without Redis each worker would keep its own conversation locks."
    return None


def prepare() -> None:
    """Quiet other packages' deprecations, apply the patches (exit on an unsupported Rasa), export the token."""
    quiet_third_party_warnings()  # before Rasa and Sanic are imported
    refused = unsafe_workers(os.environ, get_settings().redis_url)
    if refused:
        raise SystemExit(refused)
    from bot.rasa import patches

    try:
        patches.apply()
    except patches.PatchError as unsupported:
        raise SystemExit(str(unsupported)) from None
    os.environ[ENV_VAR] = action_server_token(get_settings())


def main(argv: Optional[list[str]] = None) -> None:
    """Prepare, then run `rasa ARGS...` in this process."""
    prepare()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *(sys.argv[1:] if argv is None else argv)]
    rasa_main()


if __name__ == "__main__":
    main()
