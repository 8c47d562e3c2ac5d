"""Start a local Rasa server as the Procfile does, and wait until it really answers."""
from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Collection, Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Optional

import aiohttp
import yaml

from harness.logs import log_tail
from harness.loops import run_to_completion
from harness.paths import REPO_ROOT
from harness.processes import Server, ServerError, ensure_alive, serving
from harness.rest_client import new_sender, send, webhook_url

READY_TIMEOUT_SECONDS = 180.0
_POLL_SECONDS = 0.5


def rasa_command(stock: bool = False) -> list[str]:
    """The argv prefix that runs Rasa's command line as the Procfile does (bot/rasa/serve.py: patches applied).

    Every test and benchmark starts Rasa with it; `stock=True` gives Rasa's own `rasa` script, for
    the stock reference assistant the benchmarks compare against.
    """
    if stock:
        return [str(Path(sys.executable).parent / "rasa")]
    return [sys.executable, "-m", "bot.rasa.serve"]


def rasa_server_args(model: Path, port: int, credentials: Path, endpoints: Path) -> list[str]:
    """`rasa run` arguments serving `model` on 127.0.0.1:port, as the Procfile does."""
    return ["run", "--model", str(model), "--port", str(port), "--interface", "127.0.0.1",
            "--credentials", str(credentials), "--endpoints", str(endpoints)]


def write_endpoints(path: Path, endpoints: Mapping[str, Any]) -> Path:
    """Write an endpoints.yml for one test or benchmark run."""
    path.write_text(yaml.safe_dump(dict(endpoints), sort_keys=False))
    return path


def rasa_server(name: str, args: Sequence[str], port: int, env: Optional[Mapping[str, str]] = None,
                cwd: Path = REPO_ROOT, stock: bool = False) -> AbstractContextManager[Server]:
    """Run `rasa <args>` (usually rasa_server_args) for the duration of the block; always stopped afterwards."""
    return serving(name, [*rasa_command(stock), *args], port, env, cwd)


async def _wait_for_answer(server: Server, question: str, apologies: Collection[str],
                           timeout: float) -> float:
    started = time.monotonic()
    sender = new_sender("ready")
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


def wait_until_answering(server: Server, question: str, apologies: Collection[str] = (),
                         timeout: float = READY_TIMEOUT_SECONDS) -> float:
    """Ask `question` until a real (non-empty, non-apology) reply comes; seconds it took."""
    return run_to_completion(_wait_for_answer(server, question, apologies, timeout))
