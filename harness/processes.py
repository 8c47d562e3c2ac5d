"""Start, watch and stop local server processes on free 127.0.0.1 ports, each logging to var/logs."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from harness.env import subprocess_env
from harness.logs import log_path, log_tail
from harness.paths import REPO_ROOT

STOP_GRACE_SECONDS = 20.0
HEALTH_TIMEOUT_SECONDS = 60.0
_POLL_SECONDS = 0.2


class ServerError(RuntimeError):
    """A server exited early or never answered within its readiness timeout."""


@dataclass
class Server:
    """A server process that was started, and where its output goes."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path
    port: int


def free_ports(count: int) -> list[int]:
    """`count` distinct ports that are free on 127.0.0.1 right now."""
    with ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]


def descendants(pid: int) -> list[int]:
    """All child processes of pid, recursively (from /proc/<pid>/task/*/children)."""
    found: list[int] = []
    for children in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            kids = [int(k) for k in children.read_text().split()]
        except OSError:
            continue
        for kid in kids:
            found += [kid, *descendants(kid)]
    return found


def stop(server: Server, grace: float = STOP_GRACE_SECONDS) -> None:
    """SIGTERM the server, SIGKILL it after `grace` seconds, then any children it left."""
    pids = [server.process.pid, *descendants(server.process.pid)]
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=grace)
    for pid in pids[1:]:  # children left behind, if still in the server's own session
        try:
            if os.getsid(pid) == server.process.pid:
                os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def ensure_alive(server: Server) -> None:
    """Raise if the server has exited (e.g. killed from outside) while it is still needed."""
    code = server.process.poll()
    if code is not None:
        how = f"signal {-code}" if code < 0 else f"exit code {code}"
        raise ServerError(f"{server.name} stopped ({how}); see {server.log}:\n{log_tail(server.log)}")


@contextmanager
def serving(name: str, argv: Sequence[str], port: int, env: Optional[Mapping[str, str]] = None,
            cwd: Path = REPO_ROOT) -> Iterator[Server]:
    """Run `argv` (in a session of its own, output to var/logs/<name>.log) until the block ends."""
    log = log_path(name)
    with log.open("wb") as out:
        process = subprocess.Popen(list(argv), cwd=cwd, env=subprocess_env(env), stdout=out,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    server = Server(name, process, log, port)
    try:
        yield server
    finally:
        stop(server)


def wait_until_healthy(server: Server, health: str, timeout: float = HEALTH_TIMEOUT_SECONDS) -> None:
    """Poll GET http://127.0.0.1:PORT`health` until it answers 200."""
    deadline = time.monotonic() + timeout
    while True:
        ensure_alive(server)
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{server.port}{health}", timeout=5) as reply:
                if reply.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise ServerError(f"{server.name} not answering; see {server.log}:\n{log_tail(server.log)}")
        time.sleep(_POLL_SECONDS)


@contextmanager
def python_server(name: str, module_args: Sequence[str], port: int, env: Optional[Mapping[str, str]],
                  health: str, timeout: float = HEALTH_TIMEOUT_SECONDS) -> Iterator[Server]:
    """`python -m MODULE ARGS...` until the block ends, ready once GET `health` answers 200."""
    with serving(name, [sys.executable, "-m", *module_args], port, env) as server:
        wait_until_healthy(server, health, timeout)
        yield server
