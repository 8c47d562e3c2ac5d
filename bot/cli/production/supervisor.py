"""Start processes in tiers, restart whichever exits or is killed (with backoff), stop them all in order.

Unlike honcho, which stops everything when one process ends, the supervisor keeps the profile
up: a process that exits is started again after 1, 2, 4, … up to 30 seconds (back to 1 second once
it answers again), and every exit and return is logged. Each process runs in a session of its
own with its output appended to <log_dir>/<name>.log, its pid in <pid_dir>/<name>.pid while it
runs, and dies with the supervisor if the supervisor itself is killed. Stopping sends each tier
its stop signal, highest tier first, waits its grace period, then kills what is left.
"""
from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, TextIO

from bot.shared.settings import PROJECT_ROOT

TICK_SECONDS = 0.2
PROBE_SECONDS = 0.5       # how often a process that does not answer yet is asked again
MAX_BACKOFF_SECONDS = 30.0
GIVE_UP_AFTER = 3         # exits in a row without ever answering, before the profile was ever ready
_PR_SET_PDEATHSIG = 1


class StartupError(RuntimeError):
    """A process keeps failing before it ever answered: a configuration problem, not a fault."""


class StoppedError(Exception):
    """A stop was asked for (Ctrl-C, SIGTERM) while waiting."""


@dataclass
class Program:
    """One supervised process: how to start it, when it serves, how to stop it."""

    name: str
    argv: list[str]
    tier: int                          # started tier by tier (see Supervisor.start), stopped in reverse
    probe: Callable[[], bool]          # True once it serves
    env: Optional[Mapping[str, str]] = None
    cwd: Path = PROJECT_ROOT
    popen: Mapping[str, Any] = field(default_factory=dict)  # e.g. user/group for PostgreSQL as root
    stop_signal: int = signal.SIGTERM
    grace: float = 10.0                # seconds between the stop signal and SIGKILL


@dataclass
class _State:
    program: Program
    process: Optional[subprocess.Popen[bytes]] = None
    started: float = 0.0
    ready: bool = False
    ever_ready: bool = False
    failures: int = 0                  # exits since it last answered
    restart_at: Optional[float] = None
    last_probe: float = 0.0


def backoff(failures: int) -> float:
    """Seconds before the next start after `failures` exits in a row: 1, 2, 4, … at most 30."""
    return min(MAX_BACKOFF_SECONDS, 2.0 ** max(0, failures - 1))


def _dies_with(parent: int) -> Optional[Callable[[], None]]:
    """A preexec function making the child die with its parent (Linux), so no server outlives a killed supervisor."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)

    def preexec() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return preexec


def _kill_group(pid: int, sig: int = signal.SIGKILL) -> None:
    """Signal a process's whole session group (it is its leader), ignoring one already gone."""
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def how_it_ended(code: int) -> str:
    """'killed by SIGKILL' or 'exited with code 1'."""
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exited with code {code}"


def log_tail(path: Path, lines: int = 8) -> str:
    """The last lines of a log, indented, for a message about the process that wrote it."""
    try:
        tail = path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
    except OSError:
        return "    (no log)"
    return "\n".join(f"    {line}" for line in tail)


class Supervisor:
    """Runs a set of Programs; `tick` reaps, restarts and probes, `stop_all` ends them."""

    def __init__(self, programs: Iterable[Program], pid_dir: Path, log_dir: Path, out: TextIO = sys.stdout,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.states = {program.name: _State(program) for program in programs}
        self.pid_dir, self.log_dir, self.out, self.clock = pid_dir, log_dir, out, clock
        self.stopping = False
        self.hurry = False              # a second Ctrl-C: kill without waiting
        self.profile_ready = False      # set once everything answered; from then on nothing is given up
        pid_dir.mkdir(parents=True, exist_ok=True)
        log_dir.mkdir(parents=True, exist_ok=True)

    # -- output -------------------------------------------------------------------------------
    def say(self, text: str) -> None:
        """One timestamped line on the supervisor's output."""
        print(f"{time.strftime('%H:%M:%S')} {text}", file=self.out, flush=True)

    def log_path(self, name: str) -> Path:
        """<log_dir>/<name>.log."""
        return self.log_dir / f"{name}.log"

    def pid_path(self, name: str) -> Path:
        """<pid_dir>/<name>.pid, present while the process runs."""
        return self.pid_dir / f"{name}.pid"

    # -- signals ------------------------------------------------------------------------------
    def handle_signals(self) -> None:
        """SIGINT, SIGTERM and SIGHUP ask for a clean stop; a second one kills at once."""
        def stop(signum: int, _frame: Any) -> None:
            if self.stopping:
                self.hurry = True
            self.stopping = True

        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, stop)

    # -- starting -----------------------------------------------------------------------------
    def start(self, tiers: Iterable[int]) -> None:
        """Start every program of these tiers now."""
        wanted = set(tiers)
        for state in self.states.values():
            if state.program.tier in wanted and state.process is None:
                self._spawn(state)

    def _spawn(self, state: _State) -> None:
        program = state.program
        log = self.log_path(program.name)
        with log.open("ab") as out:
            out.write(f"==== {time.strftime('%Y-%m-%d %H:%M:%S')} starting {program.name} ====\n".encode())
            out.flush()
            state.process = subprocess.Popen(  # noqa: S603 - argv built by the profile, no shell
                program.argv, cwd=program.cwd, env=dict(program.env) if program.env is not None else None,
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
                preexec_fn=_dies_with(os.getpid()), **program.popen)
        state.started, state.ready, state.restart_at, state.last_probe = self.clock(), False, None, 0.0
        self._write_pid(program.name, state.process.pid)
        self.say(f"{program.name}: started (pid {state.process.pid}); output in {log}")

    def _write_pid(self, name: str, pid: int) -> None:
        path = self.pid_path(name)
        temporary = path.with_suffix(".pid.tmp")
        temporary.write_text(f"{pid}\n", encoding="utf-8")
        temporary.replace(path)  # readers never see a half-written file

    # -- watching -----------------------------------------------------------------------------
    def tick(self) -> None:
        """Reap processes that ended (scheduling their restart), start those due, probe those not answering."""
        now = self.clock()
        for state in self.states.values():
            process = state.process
            if process is not None and process.poll() is not None:
                self._ended(state, process, now)
            elif process is None and state.restart_at is not None and now >= state.restart_at:
                self._spawn(state)
            elif process is not None and not state.ready and now - state.last_probe >= PROBE_SECONDS:
                state.last_probe = now
                if state.program.probe():
                    again = " again" if state.ever_ready else ""
                    state.ready, state.ever_ready, state.failures = True, True, 0
                    seconds = self.clock() - state.started
                    self.say(f"{state.program.name}: answering{again} ({seconds:.0f} s after start)")

    def _ended(self, state: _State, process: subprocess.Popen[bytes], now: float) -> None:
        name, code = state.program.name, process.returncode
        _kill_group(process.pid)  # children it left behind (e.g. PostgreSQL's backends)
        self.pid_path(name).unlink(missing_ok=True)
        state.process, state.ready = None, False
        state.failures += 1
        log = self.log_path(name)
        tail = "" if code < 0 else f"; last lines of {log}:\n{log_tail(log)}"
        if not self.profile_ready and not state.ever_ready and state.failures >= GIVE_UP_AFTER:
            raise StartupError(f"{name} {how_it_ended(code)} {state.failures} times without ever answering"
                               f"{tail or f'; see {log}'}")
        delay = backoff(state.failures)
        state.restart_at = now + delay
        self.say(f"{name}: {how_it_ended(code)} after {now - state.started:.0f} s; "
                 f"starting it again in {delay:.0f} s{tail}")

    def pending(self, tiers: Optional[Iterable[int]] = None) -> list[str]:
        """Names of the programs (of these tiers) that do not answer yet."""
        wanted = None if tiers is None else set(tiers)
        return [name for name, state in self.states.items()
                if not state.ready and (wanted is None or state.program.tier in wanted)]

    def wait(self, pending: Callable[[], list[str]], out_of_patience: float = 45.0, every: float = 30.0) -> float:
        """Supervise until `pending()` is empty, saying what is still starting after a while; the seconds taken.

        Raises StoppedError when a stop is asked for meanwhile.
        """
        start = self.clock()
        next_note, last_check = start + out_of_patience, -PROBE_SECONDS
        while True:
            if self.stopping:
                raise StoppedError
            self.tick()
            now = self.clock()
            if now - last_check >= PROBE_SECONDS:
                last_check = now
                waiting = pending()
                if not waiting:
                    return now - start
                if now >= next_note:
                    self.say(f"Still starting after {now - start:.0f} s: {', '.join(waiting)}.")
                    next_note = now + every
            time.sleep(TICK_SECONDS)

    def serve_forever(self) -> None:
        """Supervise until a stop is asked for."""
        while not self.stopping:
            self.tick()
            time.sleep(TICK_SECONDS)

    # -- stopping -----------------------------------------------------------------------------
    def stop_all(self) -> None:
        """Stop every process, highest tier first: its stop signal, its grace period, then SIGKILL."""
        self.stopping = True
        for tier in sorted({state.program.tier for state in self.states.values()}, reverse=True):
            group = [s for s in self.states.values() if s.program.tier == tier and s.process is not None]
            for state in group:
                assert state.process is not None
                if state.process.poll() is None:
                    self.say(f"{state.program.name}: stopping")
                    try:
                        state.process.send_signal(state.program.stop_signal)
                    except ProcessLookupError:
                        pass
            for state in group:
                self._wait_or_kill(state)

    def _wait_or_kill(self, state: _State) -> None:
        process, name = state.process, state.program.name
        assert process is not None
        deadline = self.clock() + state.program.grace
        while process.poll() is None and self.clock() < deadline and not self.hurry:
            time.sleep(0.1)
        if process.poll() is None:
            self.say(f"{name}: still running after {state.program.grace:.0f} s; killing it")
            _kill_group(process.pid)
            process.wait()
        _kill_group(process.pid)
        self.pid_path(name).unlink(missing_ok=True)
        state.process = None
        self.say(f"{name}: stopped")
