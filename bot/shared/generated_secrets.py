"""Secrets shared by the processes: from the environment, or generated once under var/ (mode 0600)."""
from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path


def persistent_secret(path: Path) -> str:
    """Read a generated secret from `path`, creating it (owner-only permissions) on first use."""
    try:
        existing = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        existing = ""
    if existing:
        return existing
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written to a private temporary file, then linked into place: linking fails if another
    # process won the race, and the file it linked is already complete (never read half-written).
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_urlsafe(32) + "\n")
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
    finally:
        os.unlink(temporary)
    return path.read_text(encoding="utf-8").strip()


def console_secret_key(configured: str, var_dir: Path) -> str:
    """CONSOLE_SECRET_KEY, or a generated one persisted in var/console_secret_key."""
    return configured or persistent_secret(var_dir / "console_secret_key")


def api_token(configured: str, var_dir: Path) -> str:
    """COACH_API_TOKEN, or a generated one persisted in var/coach_api_token."""
    return configured or persistent_secret(var_dir / "coach_api_token")
