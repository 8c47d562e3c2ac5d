"""Sign-in, permissions and CSRF: every page needs an adviser, admin pages an admin, every POST a token."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from bot.shared.settings import load_settings
from bot.web.app import create_app
from bot.web.console import accounts, sessions
from bot.web.console.accounts import LOGIN_REFUSED, MAX_FAILED_LOGINS, add_account, authenticate, set_active
from bot.web.console.security import IP_FAILURES_ALLOWED
from bot.web.console.tables import audit_log
from harness import console_events as ev
from tests.support.console import CONSOLE_PASSWORD as PASSWORD
from tests.support.console import console_sign_in, csrf_of

PAGES = ["/console/", "/console/?q=x", "/console/admin/erasure",
         "/console/conversations/salary-web", "/console/handoffs", "/console/improve",
         "/console/insights", "/console/admin/accounts", "/console/admin/audit", "/console/export.csv",
         "/console/export.jsonl", "/console/conversations/salary-web/export.csv", "/console/improve/nlu.yml"]
POSTS = ["/console/conversation/review", "/console/conversation/tag", "/console/conversation/note",
         "/console/conversation/assign", "/console/conversation/erase", "/console/conversation/reveal",
         "/console/handoff/claim", "/console/improve/label", "/console/admin/accounts", "/console/admin/erasure",
         "/console/logout"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_and_export_redirects_to_sign_in_when_signed_out(app, conversations, path):
    response = app.test_client().get(path)
    assert response.status_code == 302
    assert response.location.startswith("/console/login?next=")


@pytest.mark.parametrize("path", POSTS)
def test_every_post_without_the_csrf_token_is_rejected(app, admin, conversations, signed_in, path):
    client, _token = signed_in(admin)
    response = client.post(path, data={"sender_id": "salary-web", "tag": "x", "body": "x"})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert client.post(path, data={"sender_id": "salary-web", "csrf_token": "forged"}).status_code == 400


def test_sign_in_form_itself_needs_the_token(app, admin):
    response = app.test_client().post("/console/login", data={"email": admin, "password": PASSWORD})
    assert response.status_code == 400


def test_sign_in_follows_next_only_within_the_console(app, admin):
    client = app.test_client()
    token = csrf_of(client.get("/console/login").get_data(as_text=True))
    ok = client.post("/console/login", data={"email": admin, "password": PASSWORD, "csrf_token": token,
                                              "next": "/console/handoffs"})
    assert ok.location == "/console/handoffs"
    client = app.test_client()
    token = csrf_of(client.get("/console/login").get_data(as_text=True))
    evil = client.post("/console/login", data={"email": admin, "password": PASSWORD, "csrf_token": token,
                                                "next": "https://evil.example/"})
    assert evil.location == "/console/"


def test_session_cookie_is_http_only_and_same_site(app, admin):
    client = app.test_client()
    token = csrf_of(client.get("/console/login").get_data(as_text=True))
    response = client.post("/console/login", data={"email": admin, "password": PASSWORD, "csrf_token": token})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_wrong_passwords_lock_the_account_even_for_the_right_password(engine, admin):
    # Changed for issue 11: every refusal has the same message (it mentions the lockout), so the
    # answer no longer tells an existing account from an unknown one.
    for _ in range(MAX_FAILED_LOGINS):
        assert authenticate(engine, admin, "wrong").error == LOGIN_REFUSED
    locked = authenticate(engine, admin, PASSWORD)
    assert locked.account is None and locked.error == LOGIN_REFUSED
    import time
    assert authenticate(engine, admin, PASSWORD, now=time.time() + 16 * 60).account is not None


def test_failed_sign_in_shows_an_error_and_is_audited(app, admin, signed_in):
    client = app.test_client()
    token = csrf_of(client.get("/console/login").get_data(as_text=True))
    response = client.post("/console/login", data={"email": admin, "password": "nope", "csrf_token": token})
    assert response.status_code == 401 and "Wrong email or password" in response.get_data(as_text=True)
    admin_client, _ = signed_in(admin)
    assert "login_failed" in admin_client.get("/console/admin/audit").get_data(as_text=True)


def test_a_disabled_adviser_is_signed_out_on_the_next_request(app, engine, adviser, signed_in):
    client, _ = signed_in(adviser)
    assert client.get("/console/").status_code == 200
    set_active(engine, adviser, False)
    assert client.get("/console/").status_code == 302
    assert authenticate(engine, adviser, PASSWORD).error == "This account is disabled."


@pytest.mark.parametrize("path", ["/console/admin/accounts", "/console/admin/audit"])
def test_admin_pages_are_forbidden_to_advisers(app, adviser, signed_in, path):
    client, _ = signed_in(adviser)
    assert client.get(path).status_code == 403


def test_only_admins_reveal_or_erase(app, adviser, conversations, signed_in):
    client, token = signed_in(adviser)
    for path in ("/console/conversation/reveal", "/console/conversation/erase"):
        assert client.post(path, data={"sender_id": "human-web", "confirm": "human-web",
                                        "csrf_token": token}).status_code == 403
    assert client.get("/console/export.csv?reveal=1").status_code == 403


def test_admin_adds_and_disables_accounts_from_the_console(app, engine, admin, signed_in):
    client, token = signed_in(admin)
    added = client.post("/console/admin/accounts", data={"action": "add", "email": "new@example.org",
                                                          "password": "long enough pw", "csrf_token": token})
    assert added.status_code == 302
    assert authenticate(engine, "new@example.org", "long enough pw").account is not None
    short = client.post("/console/admin/accounts", data={"action": "add", "email": "x@example.org",
                                                          "password": "short", "csrf_token": token},
                        follow_redirects=True)
    assert "at least 10 characters" in short.get_data(as_text=True)
    client.post("/console/admin/accounts", data={"action": "disable", "email": "new@example.org", "csrf_token": token})
    assert authenticate(engine, "new@example.org", "long enough pw").account is None
    own = client.post("/console/admin/accounts", data={"action": "disable", "email": admin, "csrf_token": token},
                      follow_redirects=True)
    assert "cannot disable your own" in own.get_data(as_text=True)


def test_logout_ends_the_session(app, admin, signed_in):
    client, token = signed_in(admin)
    assert client.post("/console/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/console/").status_code == 302


# -- issue 11: sessions end on the server ------------------------------------------------------------
COOKIE = "coach_console"


def replay(app, cookie: str):
    """A fresh client (another browser) carrying a copy of a session cookie."""
    client = app.test_client()
    client.set_cookie(COOKIE, cookie)
    return client


def copied(client) -> str:
    return client.get_cookie(COOKIE).value


def assert_signed_out(app, cookie: str, token: str) -> None:
    thief = replay(app, cookie)
    assert thief.get("/console/").status_code == 302
    thief = replay(app, cookie)
    response = thief.post("/console/conversation/tag", data={"sender_id": "salary-web", "tag": "x",
                                                             "csrf_token": token})
    assert response.status_code == 400


def test_a_cookie_copied_before_logout_no_longer_signs_in(app, admin, conversations, signed_in):
    client, token = signed_in(admin)
    cookie = copied(client)
    assert replay(app, cookie).get("/console/").status_code == 200  # the copy works while signed in
    client.post("/console/logout", data={"csrf_token": token})
    assert_signed_out(app, cookie, token)


def test_disabling_an_account_ends_its_sessions_and_enabling_does_not_revive_them(
        app, engine, adviser, conversations, signed_in):
    client, token = signed_in(adviser)
    cookie = copied(client)
    set_active(engine, adviser, False)
    set_active(engine, adviser, True)
    assert_signed_out(app, cookie, token)


def test_a_password_change_ends_every_session_of_the_account(app, engine, adviser, conversations, signed_in):
    client, token = signed_in(adviser)
    cookie = copied(client)
    add_account(engine, adviser, "a brand new password")
    assert_signed_out(app, cookie, token)


def test_a_session_ends_at_its_absolute_lifetime_however_busy(app, admin, conversations, signed_in, monkeypatch):
    start = time.time()
    monkeypatch.setattr(sessions, "clock", lambda: start)
    client, token = signed_in(admin)
    cookie = copied(client)
    for hours in (2, 4, 6, 7.9):  # requests all along do not extend it
        monkeypatch.setattr(sessions, "clock", lambda h=hours: start + h * 3600)
        assert client.get("/console/").status_code == 200
    monkeypatch.setattr(sessions, "clock", lambda: start + 8 * 3600 + 1)
    assert client.get("/console/").status_code == 302
    assert_signed_out(app, cookie, token)


def test_the_absolute_lifetime_is_configurable(app, settings, engine, admin, monkeypatch):
    monkeypatch.setenv("CONSOLE_SESSION_HOURS", "1")
    short = create_app(load_settings())
    client = short.test_client()
    console_sign_in(client, admin)
    start = time.time()
    monkeypatch.setattr(sessions, "clock", lambda: start + 3601)
    assert client.get("/console/").status_code == 302


def _sign_in_cookie(app, base_url: str = "http://localhost", headers: dict | None = None) -> str:
    client = app.test_client()
    token = csrf_of(client.get("/console/login", base_url=base_url, headers=headers).get_data(as_text=True))
    response = client.post("/console/login", base_url=base_url, headers=headers,
                           data={"email": "ada@example.org", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    return response.headers["Set-Cookie"]


def _app_with(monkeypatch, **env: str):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    app = create_app(load_settings())
    app.config["TESTING"] = True
    return app


def test_cookies_are_secure_on_https_by_default(app, admin):
    assert "Secure" in _sign_in_cookie(app, "https://localhost")
    assert "Secure" not in _sign_in_cookie(app, "http://localhost")


def test_cookie_secure_can_be_forced_either_way(settings, engine, admin, monkeypatch):
    assert "Secure" in _sign_in_cookie(_app_with(monkeypatch, CONSOLE_COOKIE_SECURE="true"))
    assert "Secure" not in _sign_in_cookie(_app_with(monkeypatch, CONSOLE_COOKIE_SECURE="false"),
                                           "https://localhost")


def test_https_behind_a_trusted_proxy_gives_secure_cookies(settings, engine, admin, monkeypatch):
    behind = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7"}
    assert "Secure" in _sign_in_cookie(_app_with(monkeypatch, CONSOLE_TRUSTED_PROXIES="1"), headers=behind)
    assert "Secure" not in _sign_in_cookie(_app_with(monkeypatch, CONSOLE_TRUSTED_PROXIES="0"), headers=behind)


# -- issue 11: sign-in throttling and what a refusal reveals -----------------------------------------
def _fail_from(client, forwarded_for: str) -> int:
    headers = {"X-Forwarded-For": forwarded_for}
    token = csrf_of(client.get("/console/login", headers=headers).get_data(as_text=True))
    return client.post("/console/login", headers=headers, data={
        "email": "nobody@example.org", "password": "wrong", "csrf_token": token}).status_code


def test_clients_behind_a_trusted_proxy_are_throttled_separately(settings, engine, monkeypatch):
    app = _app_with(monkeypatch, CONSOLE_TRUSTED_PROXIES="1")
    guesser, colleague = app.test_client(), app.test_client()
    assert {_fail_from(guesser, "203.0.113.1") for _ in range(IP_FAILURES_ALLOWED)} == {401}
    assert _fail_from(guesser, "203.0.113.1") == 429
    assert _fail_from(colleague, "203.0.113.2") == 401  # not locked out by the guesser


def test_forwarded_for_is_ignored_when_no_proxy_is_trusted(app):
    guesser = app.test_client()
    statuses = [_fail_from(guesser, f"203.0.113.{n}") for n in range(IP_FAILURES_ALLOWED + 1)]
    assert statuses[:-1] == [401] * IP_FAILURES_ALLOWED and statuses[-1] == 429


def test_refusals_are_the_same_for_existing_and_unknown_accounts(engine, admin):
    for _ in range(MAX_FAILED_LOGINS + 2):
        known = authenticate(engine, admin, "wrong")
        unknown = authenticate(engine, "nobody@example.org", "wrong")
        malformed = authenticate(engine, "not an email", "wrong")
        assert known.error == unknown.error == malformed.error == LOGIN_REFUSED


def test_every_refusal_costs_one_password_hash(engine, admin, monkeypatch):
    calls: list[str] = []
    real = accounts.check_password_hash

    def counting(hashed: str, password: str) -> bool:
        calls.append(password)
        return real(hashed, password)

    monkeypatch.setattr(accounts, "check_password_hash", counting)
    for email in ["nobody@example.org", "not an email"] + [admin] * (MAX_FAILED_LOGINS + 2):
        calls.clear()
        authenticate(engine, email, "wrong")
        assert calls == ["wrong"], email  # also for unknown and for locked accounts


def test_crlf_in_next_is_not_followed(app, admin, signed_in):
    client = app.test_client()
    token = csrf_of(client.get("/console/login").get_data(as_text=True))
    response = client.post("/console/login", data={"email": admin, "password": PASSWORD, "csrf_token": token,
                                                   "next": "/console/handoffs\r\nSet-Cookie: evil=1"})
    assert response.status_code == 302 and response.location == "/console/"
    assert client.get("/console/login?next=/console/%0d%0aX-Evil:%201").location == "/console/"
    assert app.test_client().get("/console/login?next=/console/%0aX").status_code == 200


# -- issue 11: bulk exports reveal only what was revealed one by one ---------------------------------
def test_a_bulk_export_unmasks_only_conversations_the_admin_revealed(app, engine, admin, conversations,
                                                                      signed_in):
    ev.insert_rows(engine, [ev.user("second-web", time.time() - 60, "reach me on zed@example.net",
                                    "request_human", 0.9, "webchat")])
    client, token = signed_in(admin)
    masked = client.get("/console/export.csv?reveal=1").get_data(as_text=True)
    assert "ann@example.com" not in masked and "zed@example.net" not in masked
    client.post("/console/conversation/reveal", data={"sender_id": "human-web", "csrf_token": token})
    export = client.get("/console/export.csv?reveal=1").get_data(as_text=True)
    assert "ann@example.com" in export and "zed@example.net" not in export
    assert "ann@example.com" not in client.get("/console/export.csv").get_data(as_text=True)
    with engine.connect() as c:
        unmasked = c.execute(select(audit_log.c.sender_id).where(
            audit_log.c.action == "export", audit_log.c.sender_id.is_not(None))).scalars().all()
    assert unmasked == ["human-web"]


def test_signing_in_again_ends_the_previous_session_of_that_browser(app, admin, conversations, signed_in):
    client, token = signed_in(admin)
    before = copied(client)
    again = client.post("/console/login", data={"email": admin, "password": PASSWORD, "csrf_token": token})
    assert again.status_code == 302 and copied(client) != before
    assert replay(app, before).get("/console/").status_code == 302
    assert client.get("/console/").status_code == 200
