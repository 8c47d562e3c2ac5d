"""Start, probe, measure and stop local Rasa and action servers on free 127.0.0.1 ports."""
from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import time
from collections.abc import Collection, Coroutine, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, TypeVar

import aiohttp
import yaml

from bench.client import new_sender, send, webhook_url
from bench.commands import bench_env, log_tail
from bench.paths import REPO_ROOT, log_path, rasa_executable

T = TypeVar("T")

READY_TIMEOUT_SECONDS = 180.0
STOP_GRACE_SECONDS = 20.0
_POLL_SECONDS = 0.5


class ServerError(RuntimeError):
    """A server exited early or never answered within its readiness timeout."""


@dataclass
class Server:
    """A server process the benchmark started, and where its output goes."""

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


def write_endpoints(path: Path, endpoints: Mapping[str, Any]) -> Path:
    """Write an endpoints.yml for one benchmark run."""
    path.write_text(yaml.safe_dump(dict(endpoints), sort_keys=False))
    return path


def rasa_server_args(model: Path, port: int, credentials: Path, endpoints: Path) -> list[str]:
    """`rasa run` arguments serving `model` on 127.0.0.1:port, as the Procfile does."""
    return ["run", "--model", str(model), "--port", str(port), "--interface", "127.0.0.1",
            "--credentials", str(credentials), "--endpoints", str(endpoints)]


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


@contextmanager
def running(name: str, args: Sequence[str], port: int,
            env: Optional[Mapping[str, str]] = None, cwd: Path = REPO_ROOT) -> Iterator[Server]:
    """Run `rasa <args>` for the duration of the block; always stopped afterwards."""
    log = log_path(name)
    with log.open("wb") as out:
        process = subprocess.Popen([rasa_executable(), *args], cwd=cwd, env=bench_env(env),
                                   stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    server = Server(name, process, log, port)
    try:
        yield server
    finally:
        stop(server)


def ensure_alive(server: Server) -> None:
    """Raise if the server has exited (e.g. killed from outside) while being measured."""
    code = server.process.poll()
    if code is not None:
        how = f"signal {-code}" if code < 0 else f"exit code {code}"
        raise ServerError(f"{server.name} stopped during the benchmark ({how}); "
                          f"see {server.log}:\n{log_tail(server.log)}")


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


def rss_bytes(pid: int) -> int:
    """Resident memory (VmRSS) of a process plus all its descendants, in bytes."""
    total = 0
    for each in [pid, *descendants(pid)]:
        try:
            status = Path(f"/proc/{each}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
    return total


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time used so far by a process and its descendants."""
    ticks = 0
    for each in [pid, *descendants(pid)]:
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return ticks / os.sysconf("SC_CLK_TCK")


async def _wait_for_answer(server: Server, question: str, apologies: Collection[str],
                           timeout: float) -> float:
    started = time.monotonic()
    sender = new_sender("bench-ready")
    last = "no attempt"
    async with aiohttp.ClientSession() as session:
        while time.monotonic() - started < timeout:
            ensure_alive(server)
            turn = await send(session, webhook_url(server.port), sender, question, apologies)
            if turn.error is None:
                return time.monotonic() - started
            last = turn.error
            await asyncio.sleep(_POLL_SECONDS)
    raise ServerError(f"{server.name} gave no answer within {timeout:.0f}s (last: {last}); "
                       f"see {server.log}:\n{log_tail(server.log)}")


def run_to_completion(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion, on a thread of its own if this thread runs an event loop.

    (Playwright's synchronous API, used by the browser tests, leaves a loop running.)
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def wait_until_answering(server: Server, question: str, apologies: Collection[str] = (),
                         timeout: float = READY_TIMEOUT_SECONDS) -> float:
    """Ask `question` until a real (non-empty, non-apology) reply comes; seconds it took."""
    return run_to_completion(_wait_for_answer(server, question, apologies, timeout))
