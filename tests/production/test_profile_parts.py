"""The production profile's parts that need no server: layout, Procfile commands, environment, generated files."""
from __future__ import annotations

import io
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.cli.production import procfile
from bot.cli.production.launcher import command_env, main, parse_layout, production_block
from bot.cli.production.layout import Layout, busy_ports
from bot.cli.production.programs import (
    Services,
    masked,
    profile_programs,
    rasa_environment,
    shared_environment,
    write_endpoints,
)
from bot.cli.ready import ready_block
from bot.shared.action_token import action_server_token
from bot.shared.settings import load_settings
from tests.support.missing import require_program


@pytest.fixture
def var_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private var/ for generated secrets, and no secrets or moved URLs from the developer's shell."""
    monkeypatch.setenv("COACH_VAR_DIR", str(tmp_path / "var"))
    for name in ("ACTION_SERVER_TOKEN", "COACH_API_TOKEN", "CONSOLE_SECRET_KEY", "RASA_TRUSTED_PROXIES",
                 "WEBCHAT_SERVER_URL", "WEBCHAT_ALLOWED_ORIGINS", "RASA_SERVERS"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "var"


SERVICES = Services("postgresql+psycopg2://coach:secret@db.internal:5432/coach", "redis://:hush@cache:6379/1")


def test_the_default_layout_keeps_the_usual_addresses() -> None:
    layout = Layout.default(3)
    assert layout.balancer_url == "http://127.0.0.1:5005"
    assert layout.actions_url == "http://127.0.0.1:5055/webhook"
    assert layout.rasa_ports == (5006, 5007, 5008) and layout.action_ports == (5056, 5057, 5058)
    assert (layout.web_port, layout.stats_port) == (8000, 8404)


def test_the_command_line_moves_every_port_and_the_server_count(var_dir: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    assert len(parse_layout([]).rasa_ports) == 2
    monkeypatch.setenv("RASA_SERVERS", "3")
    assert parse_layout([]).rasa_ports == (5006, 5007, 5008)
    layout = parse_layout(["--rasa-ports", "7001,7002", "--action-ports", "7101,7102", "--port", "7000",
                           "--web-port", "7200", "--state-dir", str(var_dir)])
    assert (layout.rasa_ports, layout.action_ports, layout.balancer_port) == ((7001, 7002), (7101, 7102), 7000)
    with pytest.raises(SystemExit):
        parse_layout(["--rasa-servers", "2", "--rasa-ports", "7001"])


def test_procfile_commands_run_in_this_interpreter_with_their_flags_moved() -> None:
    rasa = procfile.command("rasa", {"--port": "6001", "--endpoints": "/tmp/e.yml"})
    assert rasa[0] == sys.executable
    assert rasa[rasa.index("--port") + 1] == "6001" and rasa[rasa.index("--endpoints") + 1] == "/tmp/e.yml"
    assert rasa[rasa.index("--interface") + 1] == "127.0.0.1"  # the rest exactly as the Procfile says
    assert procfile.command("web", {"--port": "6002"})[-2:] == ["--port", "6002"]
    with pytest.raises(procfile.ProcfileError):
        procfile.command("rasa", {"--no-such-flag": "1"})
    with pytest.raises(procfile.ProcfileError):
        procfile.command("nonesuch", {})


def test_every_process_gets_the_same_secrets_stores_and_the_balancer(var_dir: Path) -> None:
    layout = Layout.default(2)
    env = shared_environment(layout, SERVICES, {})
    assert env["DATABASE_URL"] == SERVICES.database_url and env["REDIS_URL"] == SERVICES.redis_url
    assert env["ACTION_SERVER_TOKEN"] == action_server_token(load_settings())  # generated once in var/
    assert (var_dir / "coach_api_token").read_text().strip() == env["COACH_API_TOKEN"]
    assert env["CONSOLE_SECRET_KEY"]
    assert env["RASA_URL"] == "http://127.0.0.1:5005"
    assert "WEBCHAT_SERVER_URL" not in env  # HAProxy on 5005: the demo page's default is right
    assert shared_environment(layout, SERVICES, {})["ACTION_SERVER_TOKEN"] == env["ACTION_SERVER_TOKEN"]
    assert rasa_environment(env)["RASA_TRUSTED_PROXIES"] == "127.0.0.1"
    assert rasa_environment({"RASA_TRUSTED_PROXIES": "10.0.0.0/8"})["RASA_TRUSTED_PROXIES"] == "10.0.0.0/8,127.0.0.1"


def test_moved_ports_move_the_widget_and_its_allowed_origins(var_dir: Path) -> None:
    layout = Layout(rasa_ports=(7001,), action_ports=(7101,), balancer_port=7000, web_port=7200)
    env = shared_environment(layout, SERVICES, {})
    assert env["WEBCHAT_SERVER_URL"] == "http://localhost:7000"
    assert env["WEBCHAT_ALLOWED_ORIGINS"] == "http://localhost:7200,http://127.0.0.1:7200"
    given = shared_environment(layout, SERVICES, {"WEBCHAT_ALLOWED_ORIGINS": "https://careers.example.org"})
    assert given["WEBCHAT_ALLOWED_ORIGINS"] == "https://careers.example.org"


def test_the_endpoints_send_actions_through_haproxy_with_the_token(tmp_path: Path) -> None:
    layout = Layout(rasa_ports=(7001,), action_ports=(7101,), actions_port=7100, state_dir=tmp_path)
    endpoints = yaml.safe_load(write_endpoints(layout).read_text())
    assert endpoints["action_endpoint"]["url"] == "http://127.0.0.1:7100/webhook"
    assert endpoints["action_endpoint"]["headers"] == {"Authorization": "Bearer ${ACTION_SERVER_TOKEN}"}
    assert endpoints["lock_store"]["type"] == "bot.rasa.stores.lock_store.EnvLockStore"


def test_the_profile_has_every_process_in_its_tier(var_dir: Path, tmp_path: Path) -> None:
    require_program("haproxy", "haproxy")
    layout = Layout.default(2)
    layout = Layout(layout.rasa_ports, layout.action_ports, state_dir=tmp_path / "state")
    layout.state_dir.mkdir()
    programs = profile_programs(layout, SERVICES, shared_environment(layout, SERVICES, {}))
    assert [(p.name, p.tier) for p in programs] == [
        ("actions-1", 1), ("actions-2", 1), ("rasa-1", 2), ("rasa-2", 2), ("web", 3), ("haproxy", 3)]
    rasa = programs[3]
    assert rasa.argv[rasa.argv.index("--port") + 1] == "5007"
    assert rasa.env is not None and rasa.env["RASA_TRUSTED_PROXIES"] == "127.0.0.1"
    assert rasa.grace >= 20  # Rasa takes seconds to exit on SIGTERM


def test_passwords_never_print() -> None:
    assert masked("postgresql+psycopg2://coach:secret@db:5432/coach") == "postgresql+psycopg2://coach:***@db:5432/coach"
    assert masked("redis://:hush@cache:6379/1") == "redis://:***@cache:6379/1"
    assert masked("sqlite:///var/conversations.db") == "sqlite:///var/conversations.db"
    block = production_block(Layout.default(2), SERVICES)
    assert "secret" not in block and "hush" not in block
    assert "127.0.0.1:5006, 5007" in block


def test_the_first_adviser_command_reaches_the_profiles_own_database(tmp_path: Path) -> None:
    layout = Layout((5006,), (5056,), state_dir=tmp_path)
    assert command_env(layout, SERVICES) == ""  # DATABASE_URL given: coach reads it as usual
    local = Services(SERVICES.database_url, SERVICES.redis_url, postgres=object())  # type: ignore[arg-type]
    command = ready_block(5005, 8000, 1.0, command_env(layout, local))
    assert f'DATABASE_URL="$(cat {tmp_path}/database_url)" .venv/bin/coach adviser add' in command


def test_busy_ports_are_found() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert busy_ports([port]) == [port]
    assert busy_ports([port]) == []


def test_the_launcher_refuses_ports_already_taken(var_dir: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    require_program("haproxy", "haproxy")
    # Given stores: nothing local is prepared, and nothing is started before the ports are checked.
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'conversations.db'}")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/1")
    out = io.StringIO()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["--port", str(port), "--state-dir", str(tmp_path / "state")], out=out) == 1
    assert f"Port(s) {port}" in out.getvalue() and "are in use" in out.getvalue()  # (others may be busy too)
    assert not (tmp_path / "state" / "pids" / "supervisor.pid").exists()


def test_a_second_launcher_refuses_to_start_while_one_runs(tmp_path: Path) -> None:
    pids = tmp_path / "state" / "pids"
    pids.mkdir(parents=True)
    # Any process whose command line names bot.cli.production passes for a running launcher.
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)", "bot.cli.production"])
    try:
        (pids / "supervisor.pid").write_text(f"{running.pid}\n")
        out = io.StringIO()
        assert main(["--state-dir", str(tmp_path / "state")], out=out) == 1
        assert f"already running (supervisor pid {running.pid})" in out.getvalue()
    finally:
        running.kill()
        running.wait()
