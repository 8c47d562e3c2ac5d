"""`python -m bot.cli.ready`: print where to go once the Rasa server, action server and web process all answer.

The Procfile's `ready` process. It polls each process's health URL on 127.0.0.1, says which one is
still starting when that takes long, prints the URLs once all three answer, and then stays alive
quietly: honcho stops every process as soon as one exits. Stopped before that (Ctrl-C, or another
process exited), it says which processes had not answered yet.
"""
from __future__ import annotations

import argparse
import signal
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import FrameType
from typing import Optional, TextIO


@dataclass(frozen=True)
class Service:
    """One process of the Procfile and the URL that answers once it can serve."""

    label: str
    process: str
    health_url: str


def services(rasa_port: int, actions_port: int, web_port: int) -> tuple[Service, ...]:
    """The three processes `make run` starts, by their health URLs on 127.0.0.1."""
    return (
        Service("Rasa server", "rasa", f"http://127.0.0.1:{rasa_port}/webhooks/rest/"),
        Service("action server", "actions", f"http://127.0.0.1:{actions_port}/health"),
        Service("web process", "web", f"http://127.0.0.1:{web_port}/healthz"),
    )


def answers(url: str, timeout: float = 2.0) -> bool:
    """True when a GET of the URL succeeds (2xx) within the timeout."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as reply:  # noqa: S310 - a local http URL
            return 200 <= reply.status < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


def names(pending: Sequence[Service]) -> str:
    """'Rasa server (rasa.1) and web process (web.1)': how honcho's lines name them."""
    parts = [f"{service.label} ({service.process}.1)" for service in pending]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


class Readiness:
    """Which of the watched services have not answered yet, polled until none is left."""

    def __init__(self, watched: Sequence[Service], probe: Callable[[str], bool] = answers,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.pending = list(watched)
        self.probe = probe
        self.clock = clock

    def wait(self, out: TextIO, *, patience: float = 45.0, every: float = 30.0, interval: float = 0.5) -> float:
        """Poll until every service answers, saying which are still starting after `patience` s; the seconds taken."""
        start = self.clock()
        next_note = start + patience
        while True:
            self.pending = [service for service in self.pending if not self.probe(service.health_url)]
            now = self.clock()
            if not self.pending:
                return now - start
            if now >= next_note:
                print(f"Still starting after {now - start:.0f} s: {names(self.pending)}.", file=out, flush=True)
                next_note = now + every
            time.sleep(interval)


def ready_block(rasa_port: int, web_port: int, seconds: float, command_env: str = "") -> str:
    """The lines that tell a newcomer where everything is; `command_env` prefixes the coach command."""
    web, rasa = f"http://localhost:{web_port}", f"http://localhost:{rasa_port}"
    return "\n".join([
        f"Career Coach is ready (everything answered after {seconds:.0f} s):",
        f"  chat widget (demo page)  {web}/",
        f"  adviser console          {web}/console",
        f"  REST webhook             {rasa}/webhooks/rest/webhook",
        "  terminal chat            make shell   (in another terminal)",
        f"First adviser account: {command_env}.venv/bin/coach adviser add you@example.org --admin",
        "Ctrl-C stops everything.",
    ])


class TerminatedError(Exception):
    """SIGTERM arrived: honcho is stopping every process."""


def _stop(_signum: int, _frame: Optional[FrameType]) -> None:
    raise TerminatedError


def main(argv: Optional[list[str]] = None, out: TextIO = sys.stdout) -> int:
    """Wait for the three processes, print the ready block, then idle until stopped."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rasa-port", type=int, default=5005)
    parser.add_argument("--actions-port", type=int, default=5055)
    parser.add_argument("--web-port", type=int, default=8000)
    parser.add_argument("--patience", type=float, default=45.0, help="seconds before saying what is still starting")
    args = parser.parse_args(argv)
    readiness = Readiness(services(args.rasa_port, args.actions_port, args.web_port))
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        seconds = readiness.wait(out, patience=args.patience)
    except TerminatedError:
        print(f"Stopped before everything answered (still starting: {names(readiness.pending)}). "
              "If a process exited, its lines above say why.", file=out, flush=True)
        return 0
    print(ready_block(args.rasa_port, args.web_port, seconds), file=out, flush=True)
    try:
        while True:
            signal.pause()
    except TerminatedError:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
