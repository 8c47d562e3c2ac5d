"""Sign-in state, CSRF tokens and login throttling for the console's Flask blueprint."""
from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, abort, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface

from bot.web.console import sessions
from bot.web.console.accounts import Account, get_account
from bot.web.console.context import Console

F = TypeVar("F", bound=Callable[..., Any])
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
IP_FAILURES_ALLOWED = 20
IP_WINDOW_SECONDS = 15 * 60


def csrf_token() -> str:
    """The session's CSRF token (created on first use), for hidden form fields."""
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return str(token)


def check_csrf() -> None:
    """Abort with 400 unless a state-changing request carries the session's CSRF token."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    sent = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    expected = session.get("csrf") or ""
    if not expected or not hmac.compare_digest(str(sent), str(expected)):
        abort(400, description="This form has expired or is missing its security token (CSRF). "
                               "Reload the page and try again.")


def _lifetime(console: Console) -> float:
    """The absolute session lifetime in seconds (from sign-in; requests do not extend it)."""
    return console.settings.console_session_hours * 3600.0


def load_account(console: Console) -> Account | None:
    """The signed-in, still active adviser, or None (and the cookie is emptied).

    The cookie must name a live server-side session of that account: logout, a password change,
    disabling the account and the absolute lifetime end it, whatever copy of the cookie exists.
    """
    account_id, token = session.get("account_id"), session.get("sid")
    if account_id is None and token is None:
        return None
    account = None
    if isinstance(account_id, int) and isinstance(token, str) and \
            sessions.account_of(console.engine, token, _lifetime(console)) == account_id:
        account = get_account(console.engine, account_id)
    if account is None or not account.active:
        session.clear()
        return None
    return account


def sign_in(console: Console, account: Account) -> None:
    """Start a fresh session for the adviser (a new session id defeats session fixation)."""
    sign_out(console)  # a sign-in over an older session ends that one
    session.permanent = True
    session["account_id"] = account.id
    session["sid"] = sessions.start(console.engine, account.id, _lifetime(console))
    csrf_token()


def sign_out(console: Console) -> None:
    """End this session on the server too, so a copy of the cookie no longer signs in."""
    token = session.get("sid")
    if isinstance(token, str):
        sessions.end(console.engine, token)
    session.clear()


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie, `Secure` when CONSOLE_COOKIE_SECURE says so (auto: on HTTPS requests)."""

    def __init__(self, secure: str) -> None:
        """`secure` is "auto", "true" or "false"."""
        self.secure = secure

    def get_cookie_secure(self, app: Flask) -> bool:
        """Whether this response's cookie gets the Secure flag."""
        if self.secure == "auto":
            return request.is_secure  # after ProxyFix, when a trusted proxy says https
        return self.secure == "true"


def current() -> Account:
    """The signed-in adviser of this request (views behind `login_required` only)."""
    return cast(Account, g.account)


def login_required(view: F) -> F:
    """Redirect to the sign-in page unless an adviser is signed in."""
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if g.get("account") is None:
            return redirect(url_for("console.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)
    return cast(F, wrapped)


def admin_required(view: F) -> F:
    """Like login_required, and 403 for advisers who are not admins."""
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if g.get("account") is None:
            return redirect(url_for("console.login", next=request.full_path.rstrip("?")))
        if not g.account.is_admin:
            abort(403, description="Only admins can do this.")
        return view(*args, **kwargs)
    return cast(F, wrapped)


class IpThrottle:
    """Failed sign-ins per client address in a sliding window (against guessing across accounts)."""

    def __init__(self, allowed: int = IP_FAILURES_ALLOWED, window: float = IP_WINDOW_SECONDS) -> None:
        """Allow `allowed` failures per `window` seconds per address."""
        self.allowed, self.window = allowed, window
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, address: str, now: float) -> deque[float]:
        failures = self._failures[address]
        while failures and failures[0] < now - self.window:
            failures.popleft()
        return failures

    def blocked(self, address: str) -> bool:
        """Whether this address has failed too often recently."""
        with self._lock:
            return len(self._recent(address, time.monotonic())) >= self.allowed

    def failed(self, address: str) -> None:
        """Count one failed attempt."""
        with self._lock:
            self._recent(address, time.monotonic()).append(time.monotonic())


def safe_next(target: str | None) -> str | None:
    """Only same-site console paths are followed after sign-in (no open redirects, no header tricks)."""
    if not target or not target.startswith("/console") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(c) < 32 or ord(c) == 127 for c in target):
        return None  # CR/LF would split the Location header
    return target
