"""Where everything of the production profile listens (127.0.0.1 only) and where its state lives."""
from __future__ import annotations

import errno
import socket
from dataclasses import dataclass
from pathlib import Path

from bot.shared.settings import PROJECT_ROOT

HOST = "127.0.0.1"
BALANCER_PORT = 5005   # HAProxy in front of the Rasa servers: the address `make run` has
ACTIONS_PORT = 5055    # HAProxy in front of the action servers: the address endpoints.yml has
FIRST_RASA_PORT = 5006
FIRST_ACTION_PORT = 5056
WEB_PORT = 8000
STATS_PORT = 8404      # HAProxy's statistics page (HAProxy's customary port)
# Away from 5432 and 6379, so that a PostgreSQL or Redis already installed as a service keeps its port.
POSTGRES_PORT = 55432
REDIS_PORT = 56379
STATE_DIR = PROJECT_ROOT / "var" / "production"
LOG_DIR = PROJECT_ROOT / "var" / "logs" / "production"


@dataclass(frozen=True)
class Layout:
    """Ports and folders of one production profile; every server binds HOST."""

    rasa_ports: tuple[int, ...]
    action_ports: tuple[int, ...]
    balancer_port: int = BALANCER_PORT
    actions_port: int = ACTIONS_PORT
    web_port: int = WEB_PORT
    stats_port: int = STATS_PORT
    postgres_port: int = POSTGRES_PORT
    redis_port: int = REDIS_PORT
    state_dir: Path = STATE_DIR
    log_dir: Path = LOG_DIR

    @classmethod
    def default(cls, servers: int) -> Layout:
        """`servers` Rasa servers on 5006, 5007, … and as many action servers on 5056, 5057, …"""
        if servers < 1:
            raise ValueError("the profile needs at least one Rasa server")
        return cls(tuple(range(FIRST_RASA_PORT, FIRST_RASA_PORT + servers)),
                   tuple(range(FIRST_ACTION_PORT, FIRST_ACTION_PORT + servers)))

    @property
    def pid_dir(self) -> Path:
        """var/production/pids/<name>.pid: the pid of each running process (and the supervisor's)."""
        return self.state_dir / "pids"

    @property
    def balancer_url(self) -> str:
        """HAProxy's front of the Rasa servers: what channels, the console and the widget use."""
        return f"http://{HOST}:{self.balancer_port}"

    @property
    def actions_url(self) -> str:
        """The action webhook every Rasa server calls, through HAProxy."""
        return f"http://{HOST}:{self.actions_port}/webhook"

    @property
    def stats_url(self) -> str:
        """HAProxy's statistics page (append `;csv` for the machine-readable form)."""
        return f"http://{HOST}:{self.stats_port}/stats"

    def rasa_name(self, index: int) -> str:
        """`rasa-1`, `rasa-2`, …: process, log, pid file and HAProxy server name alike."""
        return f"rasa-{index + 1}"

    def action_name(self, index: int) -> str:
        """`actions-1`, `actions-2`, …"""
        return f"actions-{index + 1}"


def busy_ports(ports: list[int]) -> list[int]:
    """Those of `ports` that something on this machine already listens on at 127.0.0.1."""
    busy = []
    for port in ports:
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((HOST, port))
            except OSError as exc:
                if exc.errno != errno.EADDRINUSE:
                    raise
                busy.append(port)
    return busy
