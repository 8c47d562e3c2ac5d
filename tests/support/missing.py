"""What a test does when a Debian program it needs is missing: skip locally, fail in CI."""
from __future__ import annotations

import os
import shutil
from typing import NoReturn

import pytest


def missing(what: str, package: str) -> NoReturn:
    """Skip (saying which Debian package to install); under CI=true, fail: CI must run everything."""
    reason = f"{what} is not installed (apt-get install -y {package})"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason}; .ci/run should have installed it", pytrace=False)
    pytest.skip(reason)


def require_program(program: str, package: str) -> str:
    """The path of `program` on PATH (or in /usr/sbin), or skip/fail as `missing` does."""
    path = shutil.which(program) or shutil.which(program, path="/usr/sbin:/usr/lib/postgresql/15/bin")
    if path is None:
        missing(program, package)
    return path


def require_production_programs() -> None:
    """HAProxy, Redis and PostgreSQL from Debian, which the production profile starts; else skip/fail."""
    from bot.cli.production.postgres import PostgresMissingError, server_bin_dir

    require_program("haproxy", "haproxy")
    require_program("redis-server", "redis-server")
    try:
        server_bin_dir()
    except PostgresMissingError:
        missing("PostgreSQL", "postgresql")
