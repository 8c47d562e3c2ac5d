"""Signing in to a running adviser console over HTTP, for tests and benchmarks."""
from __future__ import annotations

import re

import requests


def csrf_of(html: str) -> str:
    """The CSRF token in a rendered console page."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    if not match:
        raise AssertionError("no CSRF token on the page")
    return match.group(1)


def console_session(base: str, email: str, password: str) -> tuple[requests.Session, str]:
    """Sign in to the console at `base` through its form; the signed-in session and its CSRF token."""
    session = requests.Session()
    token = csrf_of(session.get(f"{base}/console/login", timeout=10).text)
    signed = session.post(f"{base}/console/login", data={"email": email, "password": password,
                                                          "csrf_token": token}, timeout=10)
    if signed.status_code != 200 or "Inbox" not in signed.text:
        raise AssertionError(f"sign-in as {email} failed: HTTP {signed.status_code}")
    return session, csrf_of(signed.text)
