"""Log files of the servers and commands tests and benchmarks start, in var/logs."""
from __future__ import annotations

from pathlib import Path

from harness.paths import REPO_ROOT

LOG_DIR = REPO_ROOT / "var" / "logs"


def log_path(name: str) -> Path:
    """The log file of one subprocess, var/logs/<name>.log (the folder is created on demand)."""
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    return LOG_DIR / f"{name}.log"


def log_tail(path: Path, lines: int = 15) -> str:
    """The last lines of a log file, for error messages."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
