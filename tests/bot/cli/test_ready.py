"""`python -m bot.cli.ready` against stand-in servers on 127.0.0.1: the block comes only once all answer."""
from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bot.cli.ready import names, services

REPO_ROOT = Path(__file__).resolve().parents[3]


class StandIn(ThreadingHTTPServer):
    """A process's health URL: 503 while `starting`, 200 after."""

    daemon_threads = True

    def __init__(self, starting: bool = False) -> None:
        super().__init__(("127.0.0.1", 0), _Health)
        self.starting = starting

    @property
    def port(self) -> int:
        """The free port it was given."""
        return int(self.server_address[1])


class _Health(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        starting = getattr(self.server, "starting", False)
        self.send_response(503 if starting else 200)
        self.end_headers()
        self.wfile.write(b'{"status": "ok"}')

    def log_message(self, *_args: object) -> None:
        """Keep the test output clean."""


@contextmanager
def serving(*servers: StandIn) -> Iterator[None]:
    """Serve each stand-in in a thread for the duration."""
    threads = [threading.Thread(target=server.serve_forever, daemon=True) for server in servers]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (a process that never came up)."""
    server = StandIn()
    port = server.port
    server.server_close()
    return port


class Waiter:
    """The ready process, started as honcho starts it, with its output lines collected."""

    def __init__(self, rasa: int, actions: int, web: int) -> None:
        command = [sys.executable, "-m", "bot.cli.ready", "--rasa-port", str(rasa), "--actions-port", str(actions),
                   "--web-port", str(web), "--patience", "0.3"]
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def until(self, fragment: str, timeout: float = 15.0) -> str:
        """The first (further) output line containing `fragment`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                assert self.process.poll() is None, f"exited early: {self.seen}"
                continue
            self.seen.append(line)
            if fragment in line:
                return line
        raise AssertionError(f"no line with {fragment!r} in {self.seen}")

    def stop(self) -> int:
        """SIGTERM, as honcho sends it; the exit code, all output read."""
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=10)
        time.sleep(0.2)
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return code


def test_the_block_comes_only_once_every_process_answers() -> None:
    rasa, actions, web = StandIn(starting=True), StandIn(), StandIn()
    with serving(rasa, actions, web):
        waiter = Waiter(rasa.port, actions.port, web.port)
        try:
            still = waiter.until("Still starting")
            assert "Rasa server (rasa.1)" in still and "action server" not in still and "web process" not in still
            assert not any("is ready" in line for line in waiter.seen)
            rasa.starting = False
            waiter.until("Career Coach is ready")
            waiter.until("Ctrl-C stops everything.")
            block = "\n".join(waiter.seen)
            assert f"http://localhost:{web.port}/" in block
            assert f"http://localhost:{web.port}/console" in block
            assert f"http://localhost:{rasa.port}/webhooks/rest/webhook" in block
            assert "make shell" in block
            time.sleep(1.0)
            assert waiter.process.poll() is None, "it must stay up: honcho stops everything when one process exits"
        finally:
            code = waiter.stop()
    assert code == 0
    assert not any("Stopped before" in line for line in waiter.seen)


def test_a_process_that_is_not_up_is_named() -> None:
    rasa, web = StandIn(), StandIn()
    with serving(rasa, web):
        waiter = Waiter(rasa.port, closed_port(), web.port)
        try:
            still = waiter.until("Still starting")
            assert "action server (actions.1)" in still and "Rasa server" not in still
        finally:
            code = waiter.stop()
    assert code == 0
    stopped = [line for line in waiter.seen if "Stopped before everything answered" in line]
    assert stopped and "(still starting: action server (actions.1))" in stopped[0]
    assert not any("is ready" in line for line in waiter.seen)


def test_names_read_like_honcho_labels_them() -> None:
    rasa, actions, web = services(1, 2, 3)
    assert names([rasa]) == "Rasa server (rasa.1)"
    assert names([rasa, actions, web]) == "Rasa server (rasa.1), action server (actions.1) and web process (web.1)"
    assert web.health_url == "http://127.0.0.1:3/healthz"
