"""Live updates: GET /console/live/status (waiting count, queue, an open conversation's new turns) and the nav badge."""
from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import func, select

from bot.web.console.accounts import list_accounts
from bot.web.console.tables import audit_log, handoffs
from harness import console_events as ev

STATUS = "/console/live/status"
SCRIPT = '<script>window.pwned = 1</script><img src=x onerror="alert(1)"> what pays?'


@pytest.fixture
def admin_client(admin, conversations, signed_in):
    return signed_in(admin)


def status(client, **params):
    response = client.get(STATUS, query_string=params)
    assert response.headers["Cache-Control"] == "no-store"
    return response, response.get_json()


def ask_for_adviser(engine, sender: str, ts: float, text: str = "can I talk to a person?") -> None:
    ev.insert_rows(engine, [ev.user(sender, ts, text, "request_human", 0.97, "telegram"),
                            ev.slot(sender, ts + 1, "handoff_requested", True)])


def test_signed_out_polls_get_401_json_and_no_data(app, conversations):
    response = app.test_client().get(STATUS)
    assert response.status_code == 401 and response.is_json
    assert set(response.get_json()) == {"error"} and "sign in" in response.get_json()["error"]
    assert response.headers["Cache-Control"] == "no-store"


def test_a_disabled_adviser_is_signed_out_of_the_live_updates_too(engine, adviser, conversations, signed_in):
    from bot.web.console.accounts import set_active

    client, _ = signed_in(adviser)
    assert client.get(STATUS).status_code == 200
    set_active(engine, adviser, False)
    assert client.get(STATUS).status_code == 401


def test_the_count_and_queue_change_when_a_learner_asks_and_when_a_colleague_claims(admin_client, engine):
    client, _ = admin_client
    _, before = status(client)
    assert before["waiting"] == 1 and before["requested"] == 1
    assert [i["sender_id"] for i in before["queue"]] == ["human-web"]

    ask_for_adviser(engine, "new-tg", time.time() - 90)
    response, after = status(client)
    assert response.status_code == 200
    assert after["waiting"] == 2 and after["requested"] == 2
    assert [i["sender_id"] for i in after["queue"]] == ["human-web", "new-tg"]  # oldest request first
    new = after["queue"][1]
    assert new["channel"] == "telegram" and new["claimed_by"] is None
    assert 85 <= new["waited_seconds"] <= 120 and new["waited"] == "1 min"
    assert new["url"] == "/console/conversations/new-tg" and new["last_message"] == "can I talk to a person?"

    colleague = next(a for a in list_accounts(engine) if a.is_admin)
    with engine.begin() as c:
        c.execute(handoffs.insert().values(sender_id="new-tg", account_id=colleague.id, claimed_at=time.time()))
    _, claimed = status(client)
    assert claimed["waiting"] == 1 and claimed["requested"] == 2
    assert claimed["queue"][1]["claimed_by"] == "ada"  # as the page names advisers, not their email


def test_every_page_shows_the_waiting_count_in_the_navigation_and_loads_the_script(admin_client, engine):
    client, _ = admin_client
    for path in ("/console/", "/console/handoffs", "/console/improve", "/console/conversations/salary-web"):
        response = client.get(path)
        page = response.get_data(as_text=True)
        badge = re.search(r'id="live-waiting"><span class="n">(\d+)</span>', page)
        assert badge and badge.group(1) == "1", path
        assert '<script src="/console/static/live.js" defer></script>' in page
        assert len(re.findall(r"<script", page)) == 1  # no inline script anywhere
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    ask_for_adviser(engine, "new-tg", time.time())
    assert 'class="badge" id="live-waiting"><span class="n">2</span>' in client.get("/console/").get_data(as_text=True)


def test_the_script_is_served_same_origin_as_javascript(admin_client):
    client, _ = admin_client
    response = client.get("/console/static/live.js")
    assert response.status_code == 200 and "javascript" in response.content_type
    source = response.get_data(as_text=True)
    assert "innerHTML" not in source and "insertAdjacentHTML" not in source and "eval(" not in source


def test_the_sign_in_page_has_no_badge_and_no_script(app, conversations):
    page = app.test_client().get("/console/login").get_data(as_text=True)
    assert "live-waiting" not in page and "<script" not in page


def test_an_open_conversation_gets_only_its_new_turns_as_plain_text(admin_client, engine):
    client, _ = admin_client
    page = client.get("/console/conversations/salary-web").get_data(as_text=True)
    after = int(re.search(r'data-after="(\d+)"', page).group(1))
    _, nothing = status(client, conversation="salary-web", after=after)
    assert nothing["conversation"]["turns"] == [] and nothing["conversation"]["after"] == after

    ev.insert_rows(engine, [ev.user("salary-web", time.time(), SCRIPT, "ask_salary", 0.4, "webchat"),
                            ev.bot("salary-web", time.time() + 1, "Hello <b>there</b>", adviser="bob")])
    response, body = status(client, conversation="salary-web", after=after)
    assert response.is_json
    turns = body["conversation"]["turns"]
    assert [t["kind"] for t in turns] == ["user", "bot"]
    assert turns[0]["text"] == SCRIPT  # the raw text, for the script to insert with textContent
    assert turns[0]["intent"] == "ask_salary" and turns[0]["confidence"] == "40%" and turns[0]["fallback"] is True
    assert turns[1] == {"id": turns[1]["id"], "kind": "bot", "time": turns[1]["time"], "text": "Hello <b>there</b>",
                        "adviser": "bob", "buttons": []}
    # Served as JSON that browsers never sniff as a page, so the text stays data.
    assert response.mimetype == "application/json" and response.headers["X-Content-Type-Options"] == "nosniff"
    last = body["conversation"]["after"]
    assert last > after
    _, again = status(client, conversation="salary-web", after=last)
    assert again["conversation"]["turns"] == [] and again["conversation"]["after"] == last


def test_contact_details_stay_masked_as_on_the_pages(admin_client):
    client, token = admin_client
    client.get("/console/conversations/human-web")
    response, body = status(client, conversation="human-web", after=0)
    raw = response.get_data(as_text=True)
    assert "ann@example.com" not in raw and "07700" not in raw and "ada@example.org" not in raw
    assert "[email hidden]" in body["queue"][0]["last_message"] and "[phone hidden]" in body["queue"][0]["last_message"]
    learner = [t for t in body["conversation"]["turns"] if t["kind"] == "user"]
    assert "[email hidden]" in learner[0]["text"]
    # An admin who revealed this conversation sees it unmasked here as on its page.
    client.post("/console/conversation/reveal", data={"sender_id": "human-web", "csrf_token": token})
    _, shown = status(client, conversation="human-web", after=0)
    assert "ann@example.com" in shown["queue"][0]["last_message"]


def test_the_claim_state_of_an_open_conversation_is_reported(admin_client, engine):
    client, _ = admin_client
    client.get("/console/conversations/human-web")
    _, body = status(client, conversation="human-web", after=0)
    assert body["conversation"]["handoff_requested"] is True and body["conversation"]["claimant_id"] is None
    colleague = next(a for a in list_accounts(engine) if a.is_admin)
    with engine.begin() as c:
        c.execute(handoffs.insert().values(sender_id="human-web", account_id=colleague.id, claimed_at=time.time()))
    _, body = status(client, conversation="human-web", after=10**9)
    assert body["conversation"]["claimant_id"] == colleague.id and body["conversation"]["claimed_by"] == "ada"


def test_only_conversations_this_session_opened_can_be_polled(admin_client, app, engine, adviser, signed_in):
    client, token = admin_client
    response, body = status(client, conversation="salary-web", after=0)
    assert response.status_code == 403 and "Open the conversation" in body["error"]
    client.get("/console/conversations/salary-web")
    assert status(client, conversation="salary-web", after=0)[0].status_code == 200
    other, _ = signed_in(adviser)  # another session: its own list
    assert other.get(STATUS, query_string={"conversation": "salary-web"}).status_code == 403
    form = {"sender_id": "salary-web", "confirm": "salary-web", "csrf_token": token}
    client.post("/console/conversation/erase", data=form)
    response, body = status(client, conversation="salary-web", after=0)
    assert response.status_code == 404 and "erased" in body["error"]


@pytest.mark.parametrize("after", ["-1", "abc", "1.5", "9" * 30])
def test_a_malformed_after_is_a_400(admin_client, after):
    client, _ = admin_client
    client.get("/console/conversations/salary-web")
    response, body = status(client, conversation="salary-web", after=after)
    assert response.status_code == 400 and "after" in body["error"]


def test_polling_writes_nothing_to_the_audit_log(admin_client, engine):
    client, _ = admin_client
    client.get("/console/conversations/salary-web")
    with engine.connect() as c:
        before = c.execute(select(func.count()).select_from(audit_log)).scalar()
    for _ in range(3):
        assert status(client, conversation="salary-web", after=0)[0].status_code == 200
    with engine.connect() as c:
        assert c.execute(select(func.count()).select_from(audit_log)).scalar() == before


def test_the_handoffs_page_marks_its_queue_for_live_updates(admin_client):
    client, _ = admin_client
    page = client.get("/console/handoffs").get_data(as_text=True)
    assert 'id="live-queue" data-claim-url="/console/handoff/claim"' in page
    assert '<li class="card" data-sender="human-web">' in page
    assert re.search(r'<p class="empty" id="live-empty" hidden>', page)
