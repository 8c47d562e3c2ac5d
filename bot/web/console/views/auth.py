"""Sign in and sign out."""
from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from bot.web.console import audit, security
from bot.web.console.accounts import authenticate, count_accounts
from bot.web.console.context import Console


def register(blueprint: Blueprint, console: Console) -> None:
    """Routes: /login (GET, POST), /logout (POST)."""
    throttle = security.IpThrottle()

    @blueprint.route("/login", methods=["GET", "POST"])
    def login() -> str | Response | tuple[str, int]:
        """The sign-in form; a successful sign-in starts a fresh session."""
        next_url = security.safe_next(request.values.get("next"))
        if g.account is not None and request.method == "GET":
            return redirect(next_url or url_for("console.inbox"))
        no_accounts = count_accounts(console.engine) == 0
        if request.method == "GET":
            return render_template("console/login.html", next=next_url, no_accounts=no_accounts, error=None)
        address = request.remote_addr or "unknown"  # the client's, when CONSOLE_TRUSTED_PROXIES is set
        email = request.form.get("email", "")[:255]
        if throttle.blocked(address):
            return render_template("console/login.html", next=next_url, no_accounts=no_accounts, email=email,
                                   error="Too many failed sign-ins from this address; wait 15 minutes."), 429
        result = authenticate(console.engine, email, request.form.get("password", "")[:1000])
        if result.account is None:
            throttle.failed(address)
            audit.record(console.engine, email.strip().lower() or "(blank)", "login_failed")
            return render_template("console/login.html", next=next_url, no_accounts=no_accounts, email=email,
                                   error=result.error), 401
        security.sign_in(console, result.account)
        audit.record(console.engine, result.account.email, "login")
        return redirect(next_url or url_for("console.inbox"))

    @blueprint.post("/logout")
    def logout() -> Response:
        """End the session, on the server too (a copied cookie stops working)."""
        if g.account is not None:
            audit.record(console.engine, g.account.email, "logout")
        security.sign_out(console)
        return redirect(url_for("console.login"))
