"""A throw-away PostgreSQL server for the tests that need a real one."""
from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from harness.processes import free_ports


def _initdb() -> str:
    """The `initdb` on PATH, or the newest of Debian's /usr/lib/postgresql/*/bin."""
    bin_dirs = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    initdb = shutil.which("initdb") or next((str(d / "initdb") for d in bin_dirs if (d / "initdb").exists()), None)
    if initdb is None:
        raise FileNotFoundError("initdb")
    return initdb


@contextmanager
def temporary_postgres() -> Iterator[str]:
    """A throw-away PostgreSQL server in a new folder under /tmp on a free port; its SQLAlchemy URL.

    Uses the `initdb` and `pg_ctl` on PATH (or Debian's /usr/lib/postgresql/*/bin); as root the
    server runs as the `postgres` user, since PostgreSQL refuses to run as root (and the folder is
    outside pytest's private temporary folder, which that user cannot enter).
    """
    initdb = _initdb()
    pg_ctl = str(Path(initdb).with_name("pg_ctl"))
    run_as: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="coach-postgres-"))
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(folder, user.pw_uid, user.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    data, port = folder / "data", free_ports(1)[0]
    try:
        subprocess.run([*run_as, initdb, "-D", str(data), "-A", "trust", "-U", "postgres"], check=True,
                       capture_output=True, timeout=120)
        subprocess.run([*run_as, pg_ctl, "-D", str(data), "-w", "-l", str(folder / "log"), "-o",
                        f"-p {port} -k {folder} -c listen_addresses=127.0.0.1", "start"],
                       check=True, capture_output=True, timeout=120)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    try:
        yield f"postgresql+psycopg2://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*run_as, pg_ctl, "-D", str(data), "-m", "fast", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)
