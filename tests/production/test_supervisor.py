"""The production profile's supervisor: restarts what exits or is killed, gives up on what never starts."""
from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.cli.production.supervisor import Program, StartupError, Supervisor, backoff


class FakeClock:
    """A clock the test moves, so that backoff delays pass at once."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def python(code: str) -> list[str]:
    return [sys.executable, "-c", textwrap.dedent(code)]


def supervisor(tmp_path: Path, *programs: Program, clock: Callable[[], float] = time.monotonic) -> Supervisor:
    return Supervisor(programs, tmp_path / "pids", tmp_path / "logs", io.StringIO(), clock)


def output(sup: Supervisor) -> str:
    assert isinstance(sup.out, io.StringIO)
    return sup.out.getvalue()


def pid_of(sup: Supervisor, name: str) -> int | None:
    try:
        return int(sup.pid_path(name).read_text())
    except FileNotFoundError:
        return None


def until(condition: Callable[[], bool], sup: Supervisor, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, output(sup)
        sup.tick()
        time.sleep(0.05)


def gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def test_backoff_doubles_from_one_second_up_to_thirty() -> None:
    assert [backoff(n) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]


def test_a_killed_process_is_started_again_with_its_new_pid_on_file(tmp_path: Path) -> None:
    sup = supervisor(tmp_path, Program("sleeper", ["sleep", "60"], 0, lambda: True))
    try:
        sup.start([0])
        until(lambda: "sleeper: answering (" in output(sup), sup)
        first = pid_of(sup, "sleeper")
        assert first is not None
        os.kill(first, signal.SIGKILL)
        until(lambda: pid_of(sup, "sleeper") not in (None, first), sup)
        assert "sleeper: killed by SIGKILL after " in output(sup)
        assert "; starting it again in 1 s" in output(sup)
        until(lambda: "sleeper: answering again" in output(sup), sup)
    finally:
        sup.stop_all()
    assert pid_of(sup, "sleeper") is None


def test_a_process_that_exits_is_started_again_and_its_log_tail_is_shown(tmp_path: Path) -> None:
    clock = FakeClock()
    sup = supervisor(tmp_path, Program("brief", python("print('brief says bye'); raise SystemExit(3)"), 0,
                                       lambda: False), clock=clock)
    sup.profile_ready = True  # after start-up, nothing is ever given up
    try:
        sup.start([0])
        for exits in range(1, 6):
            state = sup.states["brief"]
            assert state.process is not None
            state.process.wait(timeout=10)
            sup.tick()  # reaps it and schedules the start
            assert f"starting it again in {backoff(exits):.0f} s" in output(sup)
            clock.now += backoff(exits)
            sup.tick()  # due: started again
        assert output(sup).count("brief: exited with code 3") == 5
        assert "brief says bye" in output(sup)
    finally:
        sup.stop_all()


def test_a_process_that_fails_three_times_before_ever_answering_stops_the_start_up(tmp_path: Path) -> None:
    clock = FakeClock()
    sup = supervisor(tmp_path, Program("broken", python("raise SystemExit('port already taken')"), 0,
                                       lambda: False), clock=clock)
    try:
        sup.start([0])
        with pytest.raises(StartupError, match="broken exited with code 1 3 times without ever answering") as failed:
            for _ in range(3):
                state = sup.states["broken"]
                assert state.process is not None
                state.process.wait(timeout=10)
                sup.tick()
                clock.now += 60
                sup.tick()
        assert "port already taken" in str(failed.value)
    finally:
        sup.stop_all()


def test_stopping_goes_tier_by_tier_from_the_top_and_kills_what_ignores_sigterm(tmp_path: Path) -> None:
    marker = tmp_path / "stubborn-ready"
    stubborn = python(f"""
        import signal, time
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        open({str(marker)!r}, "w").close()
        time.sleep(60)
    """)
    sup = supervisor(tmp_path, Program("base", ["sleep", "60"], 0, lambda: True),
                     Program("stubborn", stubborn, 1, marker.exists, grace=0.5))
    sup.start([0, 1])
    until(lambda: not sup.pending(), sup)
    pids = [pid_of(sup, "base"), pid_of(sup, "stubborn")]
    sup.stop_all()
    text = output(sup)
    assert text.index("stubborn: stopping") < text.index("stubborn: stopped") < text.index("base: stopping")
    assert "stubborn: still running after 0 s; killing it" in text
    assert all(pid is not None and gone(pid) for pid in pids)
    assert list((tmp_path / "pids").glob("*.pid")) == []


def test_the_processes_die_with_a_killed_supervisor(tmp_path: Path) -> None:
    script = f"""
        import io, sys, time
        from pathlib import Path
        from bot.cli.production.supervisor import Program, Supervisor
        sup = Supervisor([Program("orphan", ["sleep", "60"], 0, lambda: True)], Path({str(tmp_path / 'pids')!r}),
                         Path({str(tmp_path / 'logs')!r}), io.StringIO())
        sup.start([0])
        print(sup.states["orphan"].process.pid, flush=True)
        time.sleep(60)
    """
    parent = subprocess.Popen(python(script), stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        assert not gone(child)
        parent.kill()
        parent.wait(timeout=10)
        deadline = time.monotonic() + 5
        while not gone(child):
            assert time.monotonic() < deadline, "the supervised process outlived its supervisor"
            time.sleep(0.05)
    finally:
        parent.kill()
