"""Run Rasa command-line tools as bounded subprocesses with a quiet, offline environment."""
from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Optional

from harness.env import subprocess_env
from harness.logs import log_path, log_tail
from harness.paths import REPO_ROOT
from harness.rasa import rasa_command


class CommandError(RuntimeError):
    """A benchmark subprocess exited with an error or ran past its time limit."""


def run_rasa(args: Sequence[str], log_name: str, timeout: float,
             cwd: Path = REPO_ROOT, seed: Optional[int] = None, stock: bool = False) -> None:
    """Run `rasa <args>` to completion, output to var/logs/<log_name>.log.

    With `seed`, numpy's global generator is seeded first (see bench/seeded_rasa.py); with
    `stock`, Rasa's own script runs it (the stock reference, without this project's patches).
    """
    log = log_path(log_name)
    command = rasa_command(stock) if seed is None else [sys.executable, "-m", "bench.seeded_rasa", str(seed)]
    with log.open("w") as out:
        try:
            result = subprocess.run([*command, *args], cwd=cwd, env=subprocess_env(),
                                    stdout=out, stderr=subprocess.STDOUT, timeout=timeout,
                                    check=False)
        except subprocess.TimeoutExpired as exc:
            raise CommandError(f"rasa {args[0]} ran over {timeout:.0f}s; see {log}") from exc
    if result.returncode != 0:
        raise CommandError(f"rasa {' '.join(args[:2])} failed ({result.returncode}); "
                            f"see {log}:\n{log_tail(log)}")
