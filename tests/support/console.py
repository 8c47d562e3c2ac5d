"""Signing in to the adviser console: through a Flask test client, or over HTTP to a running web process."""
from __future__ import annotations

import re
from typing import Any

import requests

CONSOLE_PASSWORD = "correct horse battery"


def csrf_of(html: str) -> str:
    """The CSRF token in a rendered console page."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def console_sign_in(client: Any, email: str, password: str = CONSOLE_PASSWORD) -> str:
    """Sign a Flask test client in through the form; the session's CSRF token."""
    token = csrf_of(client.get("/console/login").get_data(as_text=True))
    response = client.post("/console/login", data={"email": email, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    return csrf_of(client.get("/console/").get_data(as_text=True))


def console_session(base: str, email: str) -> tuple[requests.Session, str]:
    """Sign in to the console at `base` over HTTP; the signed-in session and its CSRF token."""
    session = requests.Session()
    token = csrf_of(session.get(f"{base}/console/login", timeout=10).text)
    signed = session.post(f"{base}/console/login", data={"email": email, "password": CONSOLE_PASSWORD,
                                                          "csrf_token": token}, timeout=10)
    assert signed.status_code == 200 and "Inbox" in signed.text
    return session, csrf_of(signed.text)
