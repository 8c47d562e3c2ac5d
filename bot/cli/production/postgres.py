"""The profile's local PostgreSQL: initialised once under var/production/, kept between runs.

Debian's server binaries (/usr/lib/postgresql/<version>/bin) are run directly, in the foreground,
so the supervisor watches the postmaster itself. PostgreSQL refuses to run as root: as root the
server runs as the `postgres` user, with its data in a folder that user owns. Password login only
(SCRAM), on 127.0.0.1, no Unix socket; the password is generated once, like the project's other
secrets (bot/shared/generated_secrets.py).
"""
from __future__ import annotations

import grp
import hashlib
import os
import pwd
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional
from urllib.parse import quote

from bot.cli.production.layout import HOST
from bot.shared.generated_secrets import persistent_secret

DATABASE = "career_coach"
SUPERUSER = "postgres"
SERVICE_USER = "postgres"
_DEBIAN_BIN = Path("/usr/lib/postgresql")


class PostgresMissingError(FileNotFoundError):
    """PostgreSQL's server programs are not installed."""


def server_bin_dir() -> Path:
    """The folder holding initdb and postgres: on PATH, else the newest of Debian's."""
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    for folder in sorted(_DEBIAN_BIN.glob("*/bin"), key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
                         reverse=True):
        if (folder / "initdb").exists() and (folder / "postgres").exists():
            return folder
    raise PostgresMissingError("PostgreSQL is not installed (apt-get install postgresql), or give DATABASE_URL")


def run_as() -> Optional[str]:
    """The user the server must run as: `postgres` when we are root, else ourselves (None)."""
    return SERVICE_USER if os.geteuid() == 0 else None


def user_ids(user: str) -> dict[str, Any]:
    """Keyword arguments of subprocess that run a child as `user`, with that user's groups only."""
    entry = pwd.getpwnam(user)
    return {"user": entry.pw_uid, "group": entry.pw_gid,
            "extra_groups": [g.gr_gid for g in grp.getgrall() if user in g.gr_mem]}


def _reachable_by(user: str, folder: Path) -> bool:
    """True when `user` can enter `folder` (every folder above it must let them through)."""
    return subprocess.run(["test", "-x", str(folder)], **user_ids(user), check=False).returncode == 0


def data_home(state_dir: Path) -> Path:
    """Where the server's files go: var/production/postgres, or a folder in the `postgres` user's home.

    The second when that user cannot reach the first (a project under /root, say); it is named
    after the state folder, so each checkout keeps its own data.
    """
    user = run_as()
    state_dir.mkdir(parents=True, exist_ok=True)
    if user is None or _reachable_by(user, state_dir):
        return state_dir / "postgres"
    digest = hashlib.sha256(str(state_dir.resolve()).encode()).hexdigest()[:12]
    return Path(pwd.getpwnam(user).pw_dir) / f"career-coach-{digest}"


@dataclass(frozen=True)
class LocalPostgres:
    """One local server: its folder (owned by the user it runs as), port and generated password."""

    home: Path
    port: int
    password: str
    bin_dir: Path
    user: Optional[str]

    @classmethod
    def prepare(cls, state_dir: Path, port: int) -> LocalPostgres:
        """Find the programs, choose the folder, read or generate the password (nothing started)."""
        return cls(data_home(state_dir), port, persistent_secret(state_dir / "postgres_password"),
                   server_bin_dir(), run_as())

    @property
    def data_dir(self) -> Path:
        """PostgreSQL's data folder (PGDATA)."""
        return self.home / "data"

    @property
    def initialised(self) -> bool:
        """True once initdb has run here (later runs keep the data)."""
        return (self.data_dir / "PG_VERSION").exists()

    def _ids(self) -> dict[str, Any]:
        return user_ids(self.user) if self.user else {}

    def initialise(self) -> None:
        """Run initdb once: UTF-8, SCRAM password logins only, superuser `postgres`."""
        self.home.mkdir(parents=True, exist_ok=True)
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(self.home, entry.pw_uid, entry.pw_gid)
        self.home.chmod(0o700)
        if self.initialised:
            return
        password_file = self.home / ".initdb-password"  # readable by the server's user, removed at once
        password_file.write_text(self.password + "\n", encoding="utf-8")
        password_file.chmod(0o600)
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(password_file, entry.pw_uid, entry.pw_gid)
        try:
            subprocess.run([str(self.bin_dir / "initdb"), "-D", str(self.data_dir), "-U", SUPERUSER,
                            "-E", "UTF8", "--auth=scram-sha-256", f"--pwfile={password_file}"],
                           cwd=self.home, check=True, capture_output=True, timeout=300, **self._ids())
        except subprocess.CalledProcessError as failed:
            raise RuntimeError(f"initdb failed:\n{failed.stderr.decode(errors='replace')[-2000:]}") from None
        finally:
            password_file.unlink(missing_ok=True)

    def argv(self) -> list[str]:
        """The server in the foreground, on 127.0.0.1:port only (no Unix socket)."""
        return [str(self.bin_dir / "postgres"), "-D", str(self.data_dir), "-p", str(self.port),
                "-c", f"listen_addresses={HOST}", "-c", "unix_socket_directories="]

    def run_as_user(self) -> dict[str, Any]:
        """Keyword arguments of subprocess.Popen that start it as its user (none when not root)."""
        return self._ids()

    def url(self, database: str = DATABASE) -> str:
        """The SQLAlchemy URL of `database` on this server (it holds the password)."""
        return f"postgresql+psycopg2://{SUPERUSER}:{quote(self.password, safe='')}@{HOST}:{self.port}/{database}"

    def ensure_database(self) -> bool:
        """Create the conversations database if it does not exist yet; True when it was created."""
        import psycopg2

        connection = psycopg2.connect(host=HOST, port=self.port, user=SUPERUSER, password=self.password,
                                      dbname="postgres", connect_timeout=5)
        try:
            connection.autocommit = True  # CREATE DATABASE cannot run inside a transaction
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,))
                if cursor.fetchone():
                    return False
                cursor.execute(f'CREATE DATABASE "{DATABASE}" ENCODING \'UTF8\'')
                return True
        finally:
            connection.close()


def accepts_connections(url: str) -> bool:
    """True when the database at a SQLAlchemy URL takes a connection and answers a query."""
    import sqlalchemy as sa
    from sqlalchemy.pool import NullPool

    connect_args = {"connect_timeout": 2} if url.startswith("postgresql") else {}
    engine = sa.create_engine(url, poolclass=NullPool, connect_args=connect_args)
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        return True
    except sa.exc.SQLAlchemyError:
        return False
    finally:
        engine.dispose()
