"""Console pages over HTTP: inbox, transcript, casework, exports, insights, privacy; bad input never 500s."""
from __future__ import annotations

import csv
import io
import json

import pytest
import yaml
from sqlalchemy import func, select

from bot.web.console.tables import audit_log, events
from harness import console_events as ev


@pytest.fixture
def admin_client(admin, conversations, signed_in):
    return signed_in(admin)


def text(response):
    return response.get_data(as_text=True)


def test_inbox_shows_conversations_with_their_status(admin_client):
    client, _ = admin_client
    page = text(client.get("/console/"))
    assert "5 conversations" in page
    for sender in ("salary-web", "confused-tg", "lowconf-rest", "human-web", "old-tg"):
        assert sender in page
    assert "wants adviser" in page and "to review" in page


def test_search_and_filters_narrow_the_inbox(admin_client):
    client, _ = admin_client
    page = text(client.get("/console/?q=director"))
    assert "1 conversation<" in page and "salary-web" in page and "human-web" not in page
    page = text(client.get("/console/?channel=telegram&fallback=1"))
    assert "confused-tg" in page and "old-tg" not in page


@pytest.mark.parametrize("query", ["page=0", "page=abc", "from=yesterday", "review=later", "page=99",
                                   "channel=%3Cscript%3E", "fallback=2"])
def test_bad_parameters_give_400_with_a_message_and_no_traceback(admin_client, query):
    client, _ = admin_client
    response = client.get(f"/console/?{query}")
    assert response.status_code == 400
    body = text(response)
    assert "400" in body and "Traceback" not in body and "must" in body or "past the last page" in body


@pytest.mark.parametrize("path", ["/console/improve", "/console/admin/audit"])
def test_a_bad_page_number_on_the_paged_lists_is_a_400(admin_client, path):
    client, _ = admin_client
    response = client.get(f"{path}?page=abc")
    assert response.status_code == 400
    assert "Traceback" not in text(response)
    assert client.get(f"{path}?page=1").status_code == 200


def test_unknown_conversation_is_404(admin_client):
    client, token = admin_client
    assert client.get("/console/conversations/nobody-here").status_code == 404
    assert client.get("/console/conversations/nobody-here/export.csv").status_code == 404
    form = {"sender_id": "nobody", "csrf_token": token}
    assert client.post("/console/conversation/review", data=form).status_code == 404
    assert client.get("/console/export.xml").status_code == 404


def test_transcript_shows_messages_nlu_and_actions_and_keeps_html_inert(admin_client, engine):
    ev.insert_rows(engine, [ev.user("salary-web", 2_000_000_000.0, '<script>alert("x")</script><b>bold</b>',
                                    "ask_salary", 0.8, "webchat")])
    client, _ = admin_client
    page = text(client.get("/console/conversations/salary-web"))
    assert "how much does a director earn?" in page and "A director earns up to £100,000." in page
    assert "ask_salary" in page and "93%" in page and "level=director" in page and "action_tell_salary" in page
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "<b>bold</b>" not in page
    fallback = text(client.get("/console/conversations/confused-tg"))
    assert "misunderstood" in fallback and "turn user fallback" in fallback


def test_review_tags_assignment_and_notes_round_trip(admin_client, adviser, engine):
    client, token = admin_client
    form = {"sender_id": "salary-web", "csrf_token": token}
    client.post("/console/conversation/review", data=form)
    client.post("/console/conversation/tag", data={**form, "tag": "Good Answer"})
    client.post("/console/conversation/note", data={**form, "body": "Check the director figure"})
    client.post("/console/conversation/note", data={**form, "body": "Nice buttons", "event_id": "3"})
    page = text(client.get("/console/conversations/salary-web"))
    assert "Reviewed" in page and "good answer" in page and "Check the director figure" in page
    assert "Nice buttons" in page
    import re
    bob = re.search(r'<option value="(\d+)" >bob@example.org', page)
    assert bob
    client.post("/console/conversation/assign", data={**form, "account_id": bob.group(1)})
    assert "reviewed" in text(client.get("/console/?review=reviewed")) and \
        "salary-web" in text(client.get("/console/?tag=good+answer"))
    assert "bob" in text(client.get("/console/?tag=good+answer"))
    bad = client.post("/console/conversation/tag", data={**form, "tag": "<bad/>"}, follow_redirects=True)
    assert "Tags are 1-64" in text(bad)
    client.post("/console/conversation/untag", data={**form, "tag": "good answer"})
    assert "salary-web" not in text(client.get("/console/?tag=good+answer"))


def test_exports_are_masked_csv_and_json_lines_and_audited(admin_client, engine):
    client, _ = admin_client
    one = client.get("/console/conversations/human-web/export.csv")
    assert one.status_code == 200 and one.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(text(one))))
    assert rows[0]["conversation_id"] == "human-web" and rows[0]["role"] == "user"
    assert "ann@example.com" not in rows[0]["text"] and "[email hidden]" in rows[0]["text"]
    assert "07700 900123" not in rows[0]["text"] and "[phone hidden]" in rows[0]["text"]
    lines = [json.loads(line) for line in text(client.get("/console/export.jsonl?channel=telegram")).splitlines()]
    assert {line["conversation_id"] for line in lines} == {"confused-tg", "old-tg"}
    with engine.connect() as c:
        exported = select(func.count()).select_from(audit_log).where(audit_log.c.action == "export")
        assert c.execute(exported).scalar() == 2


def test_admin_reveal_shows_contact_details_and_is_audited(admin_client, engine):
    client, token = admin_client
    assert "ann@example.com" not in text(client.get("/console/conversations/human-web"))
    client.post("/console/conversation/reveal", data={"sender_id": "human-web", "csrf_token": token})
    assert "ann@example.com" in text(client.get("/console/conversations/human-web"))
    assert "ann@example.com" in text(client.get("/console/conversations/human-web/export.csv"))
    with engine.connect() as c:
        assert c.execute(select(audit_log.c.sender_id).where(audit_log.c.action == "reveal")).scalar() == "human-web"


def test_erasure_deletes_the_conversation_everywhere(admin_client, engine):
    client, token = admin_client
    refused = client.post("/console/conversation/erase", data={"sender_id": "human-web", "confirm": "nope",
                                                                "csrf_token": token}, follow_redirects=True)
    assert "Type the conversation id" in text(refused)
    client.post("/console/conversation/erase", data={"sender_id": "human-web", "confirm": "human-web",
                                                      "csrf_token": token})
    assert client.get("/console/conversations/human-web").status_code == 404
    assert "human-web" not in text(client.get("/console/?q=person"))
    with engine.connect() as c:
        left = select(func.count()).select_from(events).where(events.c.sender_id == "human-web")
        assert c.execute(left).scalar() == 0
        assert c.execute(select(audit_log.c.detail).where(audit_log.c.action == "erase")).scalar().endswith("deleted")


def test_labels_export_as_rasa_nlu_yaml(admin_client, engine):
    client, token = admin_client
    page = text(client.get("/console/improve"))
    assert "blorp wibble" in page and "apprenticeship maybe" in page
    import re
    event_id = re.search(r'name="event_id" value="(\d+)"', page).group(1)
    client.post("/console/improve/label", data={"event_id": event_id, "intent": "ask_apprenticeships",
                                                "csrf_token": token})
    assert client.post("/console/improve/label", data={"event_id": "x", "csrf_token": token}).status_code == 400
    exported = yaml.safe_load(text(client.get("/console/improve/nlu.yml")))
    assert exported["version"] == "3.1"
    assert exported["nlu"][0]["intent"] == "ask_apprenticeships"
    assert exported["nlu"][0]["examples"].strip().startswith("- ")


def test_insights_draws_seven_svg_charts(admin_client):
    client, _ = admin_client
    page = text(client.get("/console/insights"))
    assert page.count("<svg") == 7
    for title in ("Conversations per day", "Top intents", "Fallback rate", "Handoff requests per day",
                  "Most asked topics", "Negative feedback per day", "Questions the sources don't cover"):
        assert title in page
    assert "ask_salary" in page and "Pay" in page
    assert client.get("/console/insights?days=5").status_code == 400


def test_handoff_without_the_assistant_running_explains_instead_of_failing(admin_client):
    client, token = admin_client
    response = client.post("/console/handoff/claim", data={"sender_id": "human-web", "csrf_token": token},
                           follow_redirects=True)
    assert response.status_code == 200 and "could not be reached" in text(response)
    assert "Learners waiting" in text(client.get("/console/handoffs"))


def test_erasure_request_finds_a_learner_by_email_and_erases_every_match(admin_client, engine):
    ev.insert_rows(engine, [ev.user("human-tg", 2_000_000_000.0, "it's ann@example.com again", "greet",
                                    channel="telegram")])
    client, token = admin_client
    page = text(client.get("/console/admin/erasure?find=ann@example.com"))
    assert "human-web" in page and "human-tg" in page and "salary-web" not in page
    refused = client.post("/console/admin/erasure", data={"sender_id": ["human-web"], "confirm": "no",
                                                          "csrf_token": token}, follow_redirects=True)
    assert "type ERASE" in text(refused)
    done = client.post("/console/admin/erasure", data={"sender_id": ["human-web", "human-tg"], "confirm": "ERASE",
                                                       "find": "ann@example.com", "csrf_token": token},
                       follow_redirects=True)
    assert "Erased 2 conversation(s)" in text(done)
    assert "No conversation matches" in text(client.get("/console/admin/erasure?find=ann@example.com"))
    with engine.connect() as c:
        left = select(func.count()).select_from(events).where(events.c.sender_id.in_(["human-web", "human-tg"]))
        assert c.execute(left).scalar() == 0
    by_id = text(client.get("/console/admin/erasure?find=salary-web"))
    assert "salary-web" in by_id


def test_erasure_page_is_for_admins_only(app, adviser, signed_in):
    client, token = signed_in(adviser)
    assert client.get("/console/admin/erasure").status_code == 403
    assert client.post("/console/admin/erasure", data={"csrf_token": token}).status_code == 403


PAGES = ("/console/", "/console/handoffs", "/console/improve", "/console/insights", "/console/admin/erasure?find=x",
         "/console/conversations/salary-web")


def test_a_stored_lone_surrogate_breaks_no_page(admin_client, engine):
    """A lone surrogate in an entity value, sent over REST: Rasa stores it; every page used to 500."""
    ev.insert_rows(engine, [ev.user("surrogate-learner", 2_000_000_000.0, '/ask_degree{"qualification":"\\ud800"}',
                                    "ask_degree", entities=[("qualification", "\ud800")])])
    client, _ = admin_client
    for path in PAGES:
        assert client.get(path).status_code == 200, path
    assert "surrogate-learner" in text(client.get("/console/"))
    assert client.get("/console/conversations/surrogate-learner").status_code == 200


def test_a_sync_failure_of_any_kind_fails_no_page(admin_client, monkeypatch):
    import importlib

    def broken(*_args, **_kwargs):
        raise KeyError("anything at all")

    monkeypatch.setattr(importlib.import_module("bot.web.console"), "sync", broken)
    client, _ = admin_client
    for path in PAGES:
        assert client.get(path).status_code == 200, path


def test_the_inbox_counts_events_that_could_not_be_indexed(admin_client, engine, monkeypatch):
    from bot.web.console.folding import Batch

    real_apply = Batch.apply

    def refuse_one(self, row):
        if row.sender_id == "unreadable":
            raise TypeError("cannot read this event")
        real_apply(self, row)

    monkeypatch.setattr(Batch, "apply", refuse_one)
    ev.insert_rows(engine, [ev.user("unreadable", 2_000_000_000.0, "hello", "greet")])
    client, _ = admin_client
    page = text(client.get("/console/"))
    assert "1 stored event could not be indexed and is left out" in page and "salary-web" in page
    assert "could not be indexed" not in text(client.get("/console/?page=1&q=zzz")).replace(
        "1 stored event could not be indexed", "")  # one sentence, not repeated


def test_a_learner_restart_shows_the_conversation_unclaimed(admin_client, engine):
    """The restart lifted Rasa's pause while the console still showed the claim: the reply then got 409."""
    import time

    from bot.web.console.accounts import list_accounts
    from bot.web.console.tables import handoffs

    client, _ = admin_client
    client.get("/console/")  # indexed
    me = next(a for a in list_accounts(engine) if a.is_admin)
    with engine.begin() as c:
        c.execute(handoffs.insert().values(sender_id="human-web", account_id=me.id, claimed_at=time.time()))
    ev.insert_rows(engine, [ev.marker("human-web", time.time(), "pause")])
    assert "You are talking to this learner" in text(client.get("/console/conversations/human-web"))
    assert "with ada" in text(client.get("/console/handoffs"))
    ev.insert_rows(engine, [ev.marker("human-web", time.time() + 1, "restart")])
    page = text(client.get("/console/conversations/human-web"))
    assert "You are talking to this learner" not in page and "Take over anyway" in page
    assert "with ada" not in text(client.get("/console/handoffs"))
