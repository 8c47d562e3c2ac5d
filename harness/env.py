"""The environment every subprocess of a test or benchmark gets: offline, quiet, unbuffered."""
from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Optional


def subprocess_env(extra: Optional[Mapping[str, str]] = None) -> dict[str, str]:
    """The current environment with no telemetry, quiet TensorFlow and SQLAlchemy, plus `extra`."""
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env["RASA_TELEMETRY_ENABLED"] = "false"
    env["PYTHONUNBUFFERED"] = "1"
    env["SQLALCHEMY_SILENCE_UBER_WARNING"] = "1"
    env.update(extra or {})
    return env
