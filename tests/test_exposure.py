"""What each `make run` process exposes: loopback-only sockets, and the action server's token.

The action server and the web process are started exactly as the Procfile starts them (on a free
port) and their listening sockets are read from /proc/net/tcp{,6}; the Rasa server's line is
checked for `--interface 127.0.0.1` and for the launcher that hands it the action server's token.
"""
from __future__ import annotations

import shlex
import subprocess
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
import requests

from harness.action_server import action_server_args
from harness.env import subprocess_env
from harness.paths import REPO_ROOT
from harness.processes import Server, free_ports, python_server
from tests.support.databases import sqlite_url

PROCFILE = REPO_ROOT / "Procfile"
LISTEN = "0A"


def procfile() -> dict[str, list[str]]:
    """Each Procfile process's command line, split like a shell would."""
    lines = [line.split(":", 1) for line in PROCFILE.read_text(encoding="utf-8").splitlines() if ":" in line]
    return {name.strip(): shlex.split(command) for name, command in lines}


def with_port(argv: list[str], port: int) -> list[str]:
    """The command with its `--port N` replaced."""
    at = argv.index("--port")
    return [*argv[:at + 1], str(port), *argv[at + 2:]]


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a listening TCP socket on `port` (IPv4 dotted, IPv6 as hex)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port_hex = local.rsplit(":", 1)
            if state == LISTEN and int(port_hex, 16) == port:
                if len(address) == 8:
                    address = ".".join(str(int(address[i:i + 2], 16)) for i in (6, 4, 2, 0))
                found.add(address)
    return found


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private var/ folder: no ACTION_SERVER_TOKEN is set, so one is generated there."""
    return tmp_path_factory.mktemp("exposure-var")


@pytest.fixture(scope="module")
def env(var_dir: Path) -> dict[str, str]:
    """The environment of `make run` with nothing set by hand."""
    return {"COACH_VAR_DIR": str(var_dir), "ACTION_SERVER_TOKEN": "",
            "DATABASE_URL": sqlite_url(var_dir / "conversations.db"),
            "KNOWLEDGE_DATABASE_URL": sqlite_url(var_dir / "knowledge.db")}


def start(name: str, health: str, env: dict[str, str]) -> AbstractContextManager[Server]:
    """The Procfile's `name` process (a `python -m` line) on a free port, for a `with` block."""
    argv = procfile()[name]
    assert argv[:2] == [".venv/bin/python", "-m"], argv
    port = free_ports(1)[0]
    return python_server(f"exposure-{name}", with_port(argv, port)[2:], port, env, health)


@pytest.fixture(scope="module")
def actions(env: dict[str, str]) -> Iterator[Server]:
    """The action server as `make run` starts it."""
    with start("actions", "/health", env) as server:
        yield server


def rasa_token(env: dict[str, str]) -> str:
    """ACTION_SERVER_TOKEN as the Procfile's Rasa line exports it (its launcher's preparation step)."""
    argv = procfile()["rasa"]
    assert argv[:4] == [".venv/bin/python", "-m", "bot.rasa.serve", "run"], argv
    code = "import os; from bot.rasa.serve import prepare; prepare(); print(os.environ['ACTION_SERVER_TOKEN'])"
    done = subprocess.run([str(REPO_ROOT / argv[0]), "-c", code],
                          cwd=REPO_ROOT, env=subprocess_env(env), capture_output=True, text=True, timeout=120,
                          check=True)
    return done.stdout.strip()


def test_the_action_server_listens_on_loopback_only(actions):
    assert listening_addresses(actions.port) == {"127.0.0.1"}


def test_the_web_process_listens_on_loopback_only(env):
    with start("web", "/healthz", env) as web:
        assert listening_addresses(web.port) == {"127.0.0.1"}


def test_tests_and_benchmarks_start_the_action_server_as_the_procfile_does():
    """harness.action_server runs the Procfile's `python -m` line, only on another port."""
    assert with_port(procfile()["actions"], 12345)[2:] == action_server_args(12345)


def test_the_rasa_server_is_told_to_listen_on_loopback_only():
    argv = procfile()["rasa"]
    assert argv[argv.index("--interface") + 1] == "127.0.0.1"


def test_the_rasa_server_gets_the_token_the_action_server_generated(actions, env, var_dir):
    token = rasa_token(env)
    assert token and token == (var_dir / "action_server_token").read_text().strip()
    url = f"http://127.0.0.1:{actions.port}"
    listed = requests.get(f"{url}/actions", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert listed.status_code == 200 and {"name": "action_tell_salary"} in listed.json()


@pytest.mark.parametrize("headers, status", [({}, 401), ({"Authorization": "Bearer wrong"}, 403),
                                             ({"Authorization": "wrong"}, 401)])
def test_the_action_server_refuses_a_missing_or_wrong_token(actions, headers, status):
    url = f"http://127.0.0.1:{actions.port}"
    call = {"next_action": "action_tell_salary", "tracker": {"sender_id": "x"}, "domain": {}}
    assert requests.post(f"{url}/webhook", json=call, headers=headers, timeout=10).status_code == status
    assert requests.get(f"{url}/actions", headers=headers, timeout=10).status_code == status


def test_action_server_errors_never_echo_the_request(actions, env):
    url = f"http://127.0.0.1:{actions.port}"
    auth = {"Authorization": f"Bearer {rasa_token(env)}"}
    broken = requests.post(f"{url}/webhook", headers=auth, timeout=10,
                           json={"next_action": "action_tell_salary", "tracker": "SECRET-MARKER"})
    assert broken.status_code == 500 and "SECRET-MARKER" not in broken.text
    malformed = requests.post(f"{url}/webhook", headers=auth, data=b"{SECRET-MARKER", timeout=10)
    assert malformed.status_code == 400 and "SECRET-MARKER" not in malformed.text
