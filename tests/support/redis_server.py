"""A throw-away Redis server (Debian's redis-server) for the tests that need a real one."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from harness.processes import free_ports
from tests.support.missing import require_program

START_TIMEOUT_SECONDS = 20.0


@dataclass
class RedisServer:
    """A running redis-server: its URL (database 1), port, folder, and how to restart it."""

    port: int
    folder: Path
    argv: list[str]
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        """The redis:// URL of database 1 (the project's default database number)."""
        return f"redis://127.0.0.1:{self.port}/1"

    def stop(self, kill: bool = False) -> None:
        """Stop the server (SIGKILL when `kill`, else SIGTERM, which saves the append-only file)."""
        if self.process.poll() is None:
            self.process.kill() if kill else self.process.terminate()
            self.process.wait(timeout=30)

    def start(self) -> None:
        """(Re)start the server on the same port and folder; returns once it answers PING."""
        log = (self.folder / "redis.log").open("ab")
        self.process = subprocess.Popen(self.argv, cwd=self.folder, stdout=log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        _wait_for_ping(self)


def _ping(port: int) -> bool:
    import redis

    try:
        return bool(redis.Redis(host="127.0.0.1", port=port, socket_timeout=1).ping())
    except redis.RedisError:
        return False


def _wait_for_ping(server: RedisServer) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not _ping(server.port):
        if server.process.poll() is not None or time.monotonic() > deadline:
            log = (server.folder / "redis.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"redis-server did not start on port {server.port}:\n{log}")
        time.sleep(0.05)


@contextmanager
def temporary_redis(appendonly: bool = False) -> Iterator[RedisServer]:
    """A redis-server on a free 127.0.0.1 port in a new folder, stopped and removed afterwards.

    With `appendonly`, every write is fsynced to an append-only file, so a restart keeps the keys.
    Skips (or fails under CI=true) when Debian's redis-server is not installed.
    """
    binary = require_program("redis-server", "redis-server")
    folder = Path(tempfile.mkdtemp(prefix="coach-redis-"))
    port = free_ports(1)[0]
    argv = [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder), "--save", "",
            "--appendonly", "yes" if appendonly else "no", "--appendfsync", "always"]
    server = RedisServer(port, folder, argv, subprocess.Popen(["true"]))
    server.process.wait()
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
