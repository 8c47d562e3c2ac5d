"""Run Rasa command-line tools as bounded subprocesses with a quiet, offline environment."""
from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Optional

from bench.paths import REPO_ROOT, log_path, rasa_executable


class CommandError(RuntimeError):
    """A benchmark subprocess exited with an error or ran past its time limit."""


def bench_env(extra: Optional[Mapping[str, str]] = None) -> dict[str, str]:
    """The environment for every subprocess: no telemetry, quiet TensorFlow, plus `extra`."""
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env["RASA_TELEMETRY_ENABLED"] = "false"
    env["PYTHONUNBUFFERED"] = "1"
    env["SQLALCHEMY_SILENCE_UBER_WARNING"] = "1"
    env.update(extra or {})
    return env


def log_tail(path: Path, lines: int = 15) -> str:
    """The last lines of a log file, for error messages."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def run_rasa(args: Sequence[str], log_name: str, timeout: float,
             cwd: Path = REPO_ROOT, seed: Optional[int] = None) -> None:
    """Run `rasa <args>` to completion, output to var/bench/logs/<log_name>.log.

    With `seed`, numpy's global generator is seeded first (see bench/seeded_rasa.py).
    """
    log = log_path(log_name)
    command = [rasa_executable()] if seed is None else [sys.executable, "-m", "bench.seeded_rasa", str(seed)]
    with log.open("w") as out:
        try:
            result = subprocess.run([*command, *args], cwd=cwd, env=bench_env(),
                                    stdout=out, stderr=subprocess.STDOUT, timeout=timeout,
                                    check=False)
        except subprocess.TimeoutExpired as exc:
            raise CommandError(f"rasa {args[0]} ran over {timeout:.0f}s; see {log}") from exc
    if result.returncode != 0:
        raise CommandError(f"rasa {' '.join(args[:2])} failed ({result.returncode}); "
                            f"see {log}:\n{log_tail(log)}")
