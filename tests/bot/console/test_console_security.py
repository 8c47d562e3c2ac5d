"""Sign-in, permissions and CSRF: every page needs an adviser, admin pages an admin, every POST a token."""
from __future__ import annotations

import pytest

from bot.console.accounts import MAX_FAILED_LOGINS, authenticate, set_active
from tests.fakes import CONSOLE_PASSWORD as PASSWORD
from tests.fakes import csrf_of

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
    for _ in range(MAX_FAILED_LOGINS - 1):
        assert authenticate(engine, admin, "wrong").error == "Wrong email or password."
    assert "locked" in authenticate(engine, admin, "wrong").error
    locked = authenticate(engine, admin, PASSWORD)
    assert locked.account is None and "try again" in locked.error
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
