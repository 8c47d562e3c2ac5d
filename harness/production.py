"""The production profile (`python -m bot.cli.production`) on free 127.0.0.1 ports, for tests and benchmarks.

`production_profile()` starts the launcher as `make run-production` does, in a throw-away state
folder (local PostgreSQL and Redis unless `env` gives DATABASE_URL / REDIS_URL), waits for its
ready block, and always stops it (SIGTERM, then SIGKILL) and removes the folder afterwards. The
servers' logs stay in var/logs/production-profile/ for reading after a failure.
"""
from __future__ import annotations

import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from bot.cli.production.haproxy import ServerState, server_states
from bot.cli.production.layout import Layout
from harness.logs import LOG_DIR, log_tail
from harness.processes import Server, ServerError, ensure_alive, free_ports, serving, stop

READY_LINE = "Career Coach is ready"
READY_TIMEOUT_SECONDS = 420.0   # two Rasa servers load side by side on two cores
STOP_TIMEOUT_SECONDS = 120.0    # the launcher waits up to 20 s per Rasa server, 30 s for PostgreSQL
PROFILE_LOG_DIR = LOG_DIR / "production-profile"


@dataclass
class Profile:
    """A running production profile: its layout, its launcher, and ways to reach and hurt its processes."""

    layout: Layout
    launcher: Server

    def output(self) -> str:
        """Everything the launcher printed so far."""
        return self.launcher.log.read_text(encoding="utf-8", errors="replace")

    def pid(self, name: str) -> Optional[int]:
        """The pid of process `name` (rasa-1, actions-2, postgres, redis, web, haproxy) while it runs."""
        try:
            return int((self.layout.pid_dir / f"{name}.pid").read_text().strip())
        except (OSError, ValueError):
            return None

    def kill(self, name: str, sig: int = signal.SIGKILL) -> int:
        """Send `sig` to process `name` (SIGKILL by default); its pid."""
        pid = self.pid(name)
        if pid is None:
            raise ServerError(f"{name} has no pid file: is it running?")
        os.kill(pid, sig)
        return pid

    def states(self) -> dict[str, ServerState]:
        """HAProxy's view of every Rasa and action server, by name."""
        return server_states(self.layout.stats_url)

    def wait_for(self, condition: Callable[[], bool], timeout: float, what: str, every: float = 0.2) -> float:
        """Poll `condition` until it holds; the seconds taken (ServerError on timeout or if the launcher died)."""
        started = time.monotonic()
        while not condition():
            ensure_alive(self.launcher)
            if time.monotonic() - started > timeout:
                said = log_tail(self.launcher.log, 30)
                raise ServerError(f"not within {timeout:.0f} s: {what}; the launcher said:\n{said}")
            time.sleep(every)
        return time.monotonic() - started

    def stop(self) -> Optional[int]:
        """Stop the launcher (it stops every process) and return its exit code."""
        stop(self.launcher, grace=STOP_TIMEOUT_SECONDS)
        return self.launcher.process.returncode


def profile_layout(servers: int, state_dir: Path) -> Layout:
    """A layout with every port free right now on 127.0.0.1."""
    ports = free_ports(8 + 2 * servers)
    fixed, rasa, actions = ports[:8], ports[8:8 + servers], ports[8 + servers:]
    return Layout(rasa_ports=tuple(rasa), action_ports=tuple(actions), balancer_port=fixed[0],
                  actions_port=fixed[1], web_port=fixed[2], stats_port=fixed[3], postgres_port=fixed[4],
                  redis_port=fixed[5], state_dir=state_dir, log_dir=PROFILE_LOG_DIR)


def launcher_args(layout: Layout) -> list[str]:
    """`python -m bot.cli.production` with every port and folder of `layout`."""
    return [sys.executable, "-m", "bot.cli.production", "--port", str(layout.balancer_port),
            "--actions-port", str(layout.actions_port), "--web-port", str(layout.web_port),
            "--stats-port", str(layout.stats_port), "--postgres-port", str(layout.postgres_port),
            "--redis-port", str(layout.redis_port),
            "--rasa-ports", ",".join(map(str, layout.rasa_ports)),
            "--action-ports", ",".join(map(str, layout.action_ports)),
            "--state-dir", str(layout.state_dir), "--log-dir", str(layout.log_dir)]


@contextmanager
def production_profile(servers: int = 2, env: Optional[Mapping[str, str]] = None,
                       timeout: float = READY_TIMEOUT_SECONDS) -> Iterator[Profile]:
    """The profile with `servers` Rasa servers until the block ends; ready once its ready block is printed."""
    # Under /tmp rather than pytest's private folder: PostgreSQL's user must be able to reach it.
    state_dir = Path(tempfile.mkdtemp(prefix="coach-production-"))
    state_dir.chmod(0o755)
    shutil.rmtree(PROFILE_LOG_DIR, ignore_errors=True)
    layout = profile_layout(servers, state_dir)
    # Local stores unless the caller gives them; one BLAS thread per process (as the Makefile sets).
    settings = {"DATABASE_URL": "", "REDIS_URL": "", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
                **(env or {})}
    try:
        with serving("production-profile", launcher_args(layout), layout.balancer_port, settings) as launcher:
            profile = Profile(layout, launcher)
            try:
                profile.wait_for(lambda: READY_LINE in profile.output(), timeout, "the profile's ready block", 1.0)
                yield profile
            finally:
                stop(launcher, grace=STOP_TIMEOUT_SECONDS)
    finally:
        shutil.rmtree(state_dir, ignore_errors=True)  # as root, PostgreSQL's files (user postgres) too
