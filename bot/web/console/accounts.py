"""Adviser accounts: creation, disabling, password checks with lockout after repeated failures."""
from __future__ import annotations

import re
import time
from dataclasses import dataclass

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Engine
from werkzeug.security import check_password_hash, generate_password_hash

from bot.web.console import sessions
from bot.web.console.tables import accounts

MIN_PASSWORD_CHARS = 10
MAX_FAILED_LOGINS = 5
LOCKOUT_SECONDS = 15 * 60
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# A real hash, so a login for an unknown email costs as much time as one for a known email.
_DUMMY_HASH = generate_password_hash("not a real password", method="scrypt")
# Every refused password gets this one message, whether the account exists, is locked or not.
LOGIN_REFUSED = (f"Wrong email or password. After {MAX_FAILED_LOGINS} wrong passwords in a row an "
                 f"account is locked for {LOCKOUT_SECONDS // 60} minutes.")


class AccountError(ValueError):
    """An account operation was refused (bad email, short password, unknown account)."""


@dataclass(frozen=True)
class Account:
    """A signed-in or listed adviser."""

    id: int
    email: str
    is_admin: bool
    active: bool

    @property
    def name(self) -> str:
        """Short display name: the part of the email before the @."""
        return self.email.split("@", 1)[0]


def _account(row: object) -> Account:
    return Account(row.id, row.email, bool(row.is_admin), bool(row.active))  # type: ignore[attr-defined]


def normalise_email(email: str) -> str:
    """Lower-cased, trimmed email; AccountError if it does not look like one."""
    email = (email or "").strip().lower()
    if not _EMAIL.match(email) or len(email) > 255:
        raise AccountError(f"Not an email address: {email!r}")
    return email


def add_account(engine: Engine, email: str, password: str, is_admin: bool = False) -> Account:
    """Create an adviser (or re-enable and reset the password of an existing one)."""
    email = normalise_email(email)
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"The password must have at least {MIN_PASSWORD_CHARS} characters.")
    hashed = generate_password_hash(password, method="scrypt")
    with engine.begin() as connection:
        existing = connection.execute(select(accounts.c.id).where(accounts.c.email == email)).scalar()
        values = {"password_hash": hashed, "is_admin": is_admin, "active": True, "failed_logins": 0,
                  "locked_until": None}
        if existing is None:
            connection.execute(insert(accounts).values(email=email, created_at=time.time(), **values))
        else:
            connection.execute(update(accounts).where(accounts.c.id == existing).values(**values))
            sessions.end_all(connection, existing)  # a new password signs out every old session
        row = connection.execute(select(accounts).where(accounts.c.email == email)).one()
    return _account(row)


def set_active(engine: Engine, email: str, active: bool) -> Account:
    """Disable (or re-enable) an account; either way its sessions end (re-enabling revives none)."""
    email = normalise_email(email)
    with engine.begin() as connection:
        if connection.execute(update(accounts).where(accounts.c.email == email)
                              .values(active=active, failed_logins=0, locked_until=None)).rowcount == 0:
            raise AccountError(f"No adviser account for {email}.")
        account = _account(connection.execute(select(accounts).where(accounts.c.email == email)).one())
        sessions.end_all(connection, account.id)
        return account


def set_admin(engine: Engine, account_id: int, is_admin: bool) -> None:
    """Grant or remove admin rights."""
    with engine.begin() as connection:
        connection.execute(update(accounts).where(accounts.c.id == account_id).values(is_admin=is_admin))


def get_account(engine: Engine, account_id: int) -> Account | None:
    """The account with this id, or None."""
    with engine.connect() as connection:
        row = connection.execute(select(accounts).where(accounts.c.id == account_id)).first()
    return _account(row) if row else None


def list_accounts(engine: Engine) -> list[Account]:
    """Every account, by email."""
    with engine.connect() as connection:
        return [_account(r) for r in connection.execute(select(accounts).order_by(accounts.c.email))]


def count_accounts(engine: Engine) -> int:
    """How many accounts exist (the login page explains how to create the first)."""
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(accounts)).scalar() or 0)


@dataclass(frozen=True)
class LoginResult:
    """The outcome of a password check: the account, or why not."""

    account: Account | None
    error: str | None = None


def authenticate(engine: Engine, email: str, password: str, now: float | None = None) -> LoginResult:
    """Check a password; five failures in a row lock the account for 15 minutes.

    Unknown, malformed, locked and existing emails all cost one password hash and get the same
    message, so neither the answer nor its timing tells whether an account exists.
    """
    now = time.time() if now is None else now
    refused = LoginResult(None, LOGIN_REFUSED)
    try:
        email = normalise_email(email)
    except AccountError:
        check_password_hash(_DUMMY_HASH, password or "")
        return refused
    with engine.begin() as connection:
        row = connection.execute(select(accounts).where(accounts.c.email == email)).first()
        if row is None:
            check_password_hash(_DUMMY_HASH, password or "")
            return refused
        matches = check_password_hash(row.password_hash, password or "")
        if row.locked_until and row.locked_until > now:
            return refused
        if not matches:
            failures = (row.failed_logins or 0) + 1
            locked = now + LOCKOUT_SECONDS if failures >= MAX_FAILED_LOGINS else None
            connection.execute(update(accounts).where(accounts.c.id == row.id).values(
                failed_logins=0 if locked else failures, locked_until=locked))
            return refused
        if not row.active:
            return LoginResult(None, "This account is disabled.")
        connection.execute(update(accounts).where(accounts.c.id == row.id).values(
            failed_logins=0, locked_until=None, last_login_at=now))
    return LoginResult(_account(row))
