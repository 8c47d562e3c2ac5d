"""The profile's local PostgreSQL and Redis: password logins only, and their data kept across restarts."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import sqlalchemy as sa

from bot.cli.production.postgres import LocalPostgres, PostgresMissingError, accepts_connections, server_bin_dir
from bot.cli.production.redis_server import LocalRedis, RedisMissingError, answers_ping
from harness.processes import free_ports
from tests.support.missing import missing


@pytest.fixture
def state_dir() -> Iterator[Path]:
    """A state folder under /tmp (PostgreSQL's user must reach it), removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="coach-stores-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _wait(probe: Callable[[], bool], process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not probe():
        assert process.poll() is None, "the server exited"
        assert time.monotonic() < deadline, "the server did not answer"
        time.sleep(0.1)


def _run(argv: list[str], **popen: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, **popen)


def test_local_postgresql_is_initialised_once_and_keeps_its_data(state_dir: Path) -> None:
    try:
        server_bin_dir()
    except PostgresMissingError:
        missing("PostgreSQL", "postgresql")
    port = free_ports(1)[0]
    postgres = LocalPostgres.prepare(state_dir, port)
    postgres.initialise()
    assert postgres.initialised
    for attempt in range(2):
        if attempt:  # a second start: nothing initialised again, the data still there
            again = LocalPostgres.prepare(state_dir, port)
            assert again.password == postgres.password
            again.initialise()
        process = _run(postgres.argv(), cwd=postgres.home, **postgres.run_as_user())
        try:
            _wait(lambda: accepts_connections(postgres.url("postgres")), process)
            assert postgres.ensure_database() is (attempt == 0)
            engine = sa.create_engine(postgres.url())
            with engine.begin() as connection:
                if attempt == 0:
                    connection.execute(sa.text("CREATE TABLE kept (n int)"))
                    connection.execute(sa.text("INSERT INTO kept VALUES (42)"))
                else:
                    assert connection.execute(sa.text("SELECT n FROM kept")).scalar() == 42
            engine.dispose()
            wrong = postgres.url().replace(postgres.password, "wrong-password")
            assert not accepts_connections(wrong)  # password logins only, even on 127.0.0.1
        finally:
            process.terminate()
            process.wait(timeout=30)


def test_local_redis_keeps_keys_across_a_kill_and_wants_its_password(state_dir: Path) -> None:
    try:
        server = LocalRedis.prepare(state_dir, free_ports(1)[0])
    except RedisMissingError:
        missing("redis-server", "redis-server")
    assert server.config_path.stat().st_mode & 0o077 == 0  # it holds the password
    process = _run(server.argv(), cwd=server.folder)
    try:
        _wait(lambda: answers_ping(server.url), process)
        redis.Redis.from_url(server.url).set("ticket", "7")
        assert not answers_ping(server.url.replace(server.password, "wrong"))
    finally:
        process.kill()  # no clean shutdown: the append-only file already has the write
        process.wait(timeout=30)
    process = _run(server.argv(), cwd=server.folder)
    try:
        _wait(lambda: answers_ping(server.url), process)
        assert redis.Redis.from_url(server.url).get("ticket") == b"7"
    finally:
        process.terminate()
        process.wait(timeout=30)
