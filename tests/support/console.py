"""Signing in to the adviser console: through a Flask test client, or over HTTP to a running web process."""
from __future__ import annotations

from typing import Any

import requests

from harness import console_client
from harness.console_client import csrf_of

__all__ = ["CONSOLE_PASSWORD", "console_session", "console_sign_in", "csrf_of", "signed_in_console"]
CONSOLE_PASSWORD = "correct horse battery"


def console_sign_in(client: Any, email: str, password: str = CONSOLE_PASSWORD) -> str:
    """Sign a Flask test client in through the form; the session's CSRF token."""
    token = csrf_of(client.get("/console/login").get_data(as_text=True))
    response = client.post("/console/login", data={"email": email, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    return csrf_of(client.get("/console/").get_data(as_text=True))


def console_session(base: str, email: str) -> tuple[requests.Session, str]:
    """Sign in to the console at `base` over HTTP; the signed-in session and its CSRF token."""
    return console_client.console_session(base, email, CONSOLE_PASSWORD)


def signed_in_console(browser: Any, base: str, email: str) -> Any:
    """A console tab in a browser profile of its own, signed in as `email`."""
    page = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
    page.goto(f"{base}/console/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", CONSOLE_PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_selector("h1:has-text('Inbox')")
    return page
