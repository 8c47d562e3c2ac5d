"""`python -m bot.cli.production` (`make run-production`): bring the production profile up and keep it up.

Prepares var/production/ (PostgreSQL initialised once, Redis append-only, the generated
haproxy.cfg and endpoints.yml), starts PostgreSQL and Redis (unless DATABASE_URL / REDIS_URL
are given), then the action servers, RASA_SERVERS Rasa servers (default 2), the web process and
HAProxy; prints where to go once everything answers through HAProxy; restarts whatever exits;
stops everything on Ctrl-C or SIGTERM. Every port can be moved by a flag (the tests use free ones).
"""
from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Optional, TextIO

from bot.cli.production.haproxy import all_up
from bot.cli.production.layout import (
    ACTIONS_PORT,
    BALANCER_PORT,
    LOG_DIR,
    POSTGRES_PORT,
    REDIS_PORT,
    STATE_DIR,
    STATS_PORT,
    WEB_PORT,
    Layout,
    busy_ports,
)
from bot.cli.production.postgres import accepts_connections
from bot.cli.production.programs import (
    DATABASES,
    Services,
    masked,
    prepare_services,
    profile_programs,
    shared_environment,
)
from bot.cli.production.redis_server import answers_ping
from bot.cli.production.supervisor import StartupError, StoppedError, Supervisor
from bot.cli.ready import answers, ready_block
from bot.shared.settings import PROJECT_ROOT, ConfigurationError

DEFAULT_SERVERS = 2
SUPERVISOR = "supervisor"


def _ports(raw: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in raw.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected ports separated by commas, got {raw!r}") from None


def _servers_default() -> int:
    raw = os.environ.get("RASA_SERVERS", "").strip()
    if not raw:
        return DEFAULT_SERVERS
    if not raw.isdigit() or int(raw) < 1:
        raise SystemExit(f"RASA_SERVERS must be a whole number of at least 1, got {raw!r}")
    return int(raw)


def parse_layout(argv: Optional[Sequence[str]]) -> Layout:
    """The Layout the command line asks for (defaults: 5005, 5006…, 5055, 5056…, 8000, 8404)."""
    parser = argparse.ArgumentParser(prog="python -m bot.cli.production", description=__doc__.splitlines()[0])
    parser.add_argument("--rasa-servers", type=int, default=None,
                        help=f"how many Rasa servers (and action servers); env RASA_SERVERS, default {DEFAULT_SERVERS}")
    parser.add_argument("--port", type=int, default=BALANCER_PORT, help="HAProxy's front of the Rasa servers")
    parser.add_argument("--rasa-ports", type=_ports,
                        help="the Rasa servers' ports, comma-separated (default 5006, 5007, …)")
    parser.add_argument("--actions-port", type=int, default=ACTIONS_PORT, help="HAProxy's front of the action servers")
    parser.add_argument("--action-ports", type=_ports, help="the action servers' ports (default 5056, 5057, …)")
    parser.add_argument("--web-port", type=int, default=WEB_PORT)
    parser.add_argument("--stats-port", type=int, default=STATS_PORT, help="HAProxy's statistics page")
    parser.add_argument("--postgres-port", type=int, default=POSTGRES_PORT, help="the local PostgreSQL")
    parser.add_argument("--redis-port", type=int, default=REDIS_PORT, help="the local Redis")
    parser.add_argument("--state-dir", type=Path, default=STATE_DIR, help="data, generated files and pids")
    parser.add_argument("--log-dir", type=Path, default=LOG_DIR, help="one log file per process")
    args = parser.parse_args(argv)
    servers = args.rasa_servers or (len(args.rasa_ports) if args.rasa_ports else _servers_default())
    default = Layout.default(servers)
    for flag, given in (("--rasa-ports", args.rasa_ports), ("--action-ports", args.action_ports)):
        if given and len(given) != servers:
            parser.error(f"{flag} needs {servers} ports, one per Rasa server")
    return Layout(rasa_ports=args.rasa_ports or default.rasa_ports,
                  action_ports=args.action_ports or default.action_ports,
                  balancer_port=args.port, actions_port=args.actions_port, web_port=args.web_port,
                  stats_port=args.stats_port, postgres_port=args.postgres_port, redis_port=args.redis_port,
                  state_dir=args.state_dir.resolve(), log_dir=args.log_dir.resolve())


def _running_supervisor(pid_file: Path) -> Optional[int]:
    """The pid of a supervisor of this profile that is still running, if any."""
    try:
        pid = int(pid_file.read_text().strip())
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return None
    return pid if pid != os.getpid() and b"bot.cli.production" in command else None


def _ports_to_free(layout: Layout, services: Services) -> list[int]:
    ports = [layout.balancer_port, layout.actions_port, layout.web_port, layout.stats_port,
             *layout.rasa_ports, *layout.action_ports]
    ports += [layout.postgres_port] if services.postgres else []
    ports += [layout.redis_port] if services.redis else []
    return ports


def _relative(path: Path) -> str:
    try:
        return str(path.relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def production_block(layout: Layout, services: Services) -> str:
    """What the ready block says about this profile: servers, stores, statistics, logs, pids."""
    local = " (local: data in {})"
    rasa = ", ".join(str(p) for p in layout.rasa_ports)
    actions = ", ".join(str(p) for p in layout.action_ports)
    lines = [
        f"Production profile: {len(layout.rasa_ports)} Rasa servers behind HAProxy (round robin, health-checked):",
        f"  Rasa servers             127.0.0.1:{rasa} (behind {layout.balancer_url})",
        f"  action servers           127.0.0.1:{actions} (behind 127.0.0.1:{layout.actions_port})",
        f"  HAProxy statistics       {layout.stats_url.replace('127.0.0.1', 'localhost')}",
        f"  PostgreSQL               {masked(services.database_url)}"
        + (local.format(_relative(services.postgres.data_dir)) if services.postgres else " (DATABASE_URL)"),
        f"  Redis                    {masked(services.redis_url)}"
        + (" (local, append-only)" if services.redis else " (REDIS_URL)"),
        f"  logs, pids               {_relative(layout.log_dir)}/<name>.log, {_relative(layout.pid_dir)}/<name>.pid",
    ]
    return "\n".join(lines)


def command_env(layout: Layout, services: Services) -> str:
    """What `coach` commands need in front to reach this profile's local database ("" for DATABASE_URL)."""
    return f'DATABASE_URL="$(cat {_relative(layout.state_dir / "database_url")})" ' if services.postgres else ""


def main(argv: Optional[Sequence[str]] = None, out: TextIO = sys.stdout) -> int:
    """Prepare, start, wait until everything answers through HAProxy, then supervise until stopped."""
    layout = parse_layout(argv)
    layout.state_dir.mkdir(parents=True, exist_ok=True)
    supervisor_pid = layout.pid_dir / f"{SUPERVISOR}.pid"
    other = _running_supervisor(supervisor_pid)
    if other:
        print(f"The production profile is already running (supervisor pid {other}); stop it first.", file=out)
        return 1
    print(f"==> Preparing {_relative(layout.state_dir)}/ (the first run initialises PostgreSQL: a few seconds)...",
          file=out, flush=True)
    try:
        services = prepare_services(layout, os.environ)
        busy = busy_ports(_ports_to_free(layout, services))
        if busy:
            print(f"Port(s) {', '.join(map(str, busy))} on 127.0.0.1 are in use (is `make run` or another "
                  "profile still running?). Stop it, or move the ports (see --help).", file=out)
            return 1
        programs = profile_programs(layout, services, shared_environment(layout, services, os.environ))
    except (FileNotFoundError, ConfigurationError, RuntimeError) as problem:
        print(f"Cannot start the production profile: {problem}", file=out)
        return 1
    except KeyboardInterrupt:  # Ctrl-C before anything was started
        print("Stopped; nothing was started.", file=out)
        return 130
    supervisor = Supervisor(programs, layout.pid_dir, layout.log_dir, out)
    supervisor.handle_signals()
    supervisor_pid.parent.mkdir(parents=True, exist_ok=True)
    supervisor_pid.write_text(f"{os.getpid()}\n", encoding="utf-8")
    try:
        return _run(supervisor, layout, services, out)
    finally:
        supervisor.stop_all()
        supervisor_pid.unlink(missing_ok=True)
        print("Everything is stopped.", file=out, flush=True)


def _run(supervisor: Supervisor, layout: Layout, services: Services, out: TextIO) -> int:
    backends = [*(layout.rasa_name(i) for i in range(len(layout.rasa_ports))),
                *(layout.action_name(i) for i in range(len(layout.action_ports)))]

    def stores_pending() -> list[str]:
        waiting = supervisor.pending([DATABASES])
        if services.postgres is None and not accepts_connections(services.database_url):
            waiting.append(f"the database at {masked(services.database_url)}")
        if services.redis is None and not answers_ping(services.redis_url):
            waiting.append(f"Redis at {masked(services.redis_url)}")
        return waiting

    def profile_pending() -> list[str]:
        waiting = supervisor.pending()
        if not waiting and not all_up(layout.stats_url, backends):
            waiting.append("HAProxy's health checks")
        if not waiting and not answers(layout.balancer_url + "/"):
            waiting.append(f"HAProxy's front {layout.balancer_url}")
        return waiting

    try:
        print("==> Starting PostgreSQL and Redis...", file=out, flush=True)
        supervisor.start([DATABASES])
        seconds = supervisor.wait(stores_pending)
        if services.postgres is not None and services.postgres.ensure_database():
            supervisor.say("postgres: created the conversations database")
        print(f"==> Starting {len(layout.action_ports)} action servers, {len(layout.rasa_ports)} Rasa servers, "
              "the web process and HAProxy (each Rasa server loads the model: about a minute)...",
              file=out, flush=True)
        supervisor.start(tier for tier in range(DATABASES + 1, 10))
        seconds += supervisor.wait(profile_pending)
    except StoppedError:
        print(f"Stopped before everything answered (still starting: {', '.join(supervisor.pending()) or 'none'}).",
              file=out, flush=True)
        return 0
    except StartupError as failed:
        print(f"Giving up: {failed}", file=out, flush=True)
        return 1
    supervisor.profile_ready = True
    print(production_block(layout, services), file=out)
    print(ready_block(layout.balancer_port, layout.web_port, seconds, command_env(layout, services)),
          file=out, flush=True)
    supervisor.serve_forever()
    return 0
