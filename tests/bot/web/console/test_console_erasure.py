"""Erasure from the console and by retention leaves nothing of the learner in any table of the database."""
from __future__ import annotations

import importlib
import re
import time

import pytest
from sqlalchemy import select

import bot.cli.main
from bot.shared.erasure import PSEUDONYM_PREFIX
from bot.shared.settings import get_settings
from bot.web.console import casework
from bot.web.console.accounts import add_account
from bot.web.console.sync import sync
from bot.web.console.tables import audit_log, labels, messages
from harness import console_events as ev
from tests.support.console import console_sign_in
from tests.support.leftovers import leftovers, table_names

LEARNER = "webchat-erase-me-7f3a9c"
WORDS = ("xylophonist", "zanzibar")  # words no other test conversation uses


def _learner_with_casework(engine, sender_id=LEARNER, ts=None):
    """A learner's conversation, indexed, with a tag, a note, a review, an assignment and a label."""
    ts = time.time() - 600 if ts is None else ts
    ev.insert_rows(engine, [
        ev.user(sender_id, ts, f"I play the {WORDS[0]} in {WORDS[1]}", "nlu_fallback", 0.2, "webchat",
                [("qualification", WORDS[1])]),
        ev.bot(sender_id, ts + 1, f"Sorry, what about {WORDS[1]}?"),
        ev.slot(sender_id, ts + 2, "plan_subject", WORDS[0]),
    ])
    sync(engine)
    ada = add_account(engine, f"casework-{abs(hash(sender_id))}@example.org", "a long password")
    casework.add_tag(engine, sender_id, ada.id, WORDS[0])
    casework.set_reviewed(engine, sender_id, ada.id, True)
    casework.add_note(engine, sender_id, ada.id, f"asked about {WORDS[1]}", None)
    casework.assign(engine, sender_id, ada.id, ada.id)
    with engine.connect() as c:
        event_id = c.execute(select(messages.c.event_id).where(messages.c.sender_id == sender_id,
                                                               messages.c.role == "user")).scalar()
    with engine.begin() as c:
        c.execute(labels.insert().values(event_id=event_id, sender_id=sender_id, intent="greet",
                                         account_id=ada.id, labelled_at=time.time()))
    return sender_id


def _assert_nothing_left(engine, sender_id):
    assert {"events", "console_messages_fts_data", "console_audit_log"} <= set(table_names(engine))
    assert leftovers(engine, [sender_id, *WORDS]) == []
    with engine.connect() as c:
        erased = c.execute(select(audit_log.c.sender_id, audit_log.c.detail).where(audit_log.c.action == "erase")).all()
    return erased


@pytest.mark.parametrize("form", ["conversation page", "erasure request"])
def test_console_erasure_leaves_nothing_of_the_learner_in_any_table(app, engine, admin, conversations, form):
    sender_id = _learner_with_casework(engine)
    client = app.test_client()
    token = console_sign_in(client, admin)
    assert sender_id in client.get(f"/console/conversations/{sender_id}").get_data(as_text=True)
    client.post("/console/conversation/reveal", data={"sender_id": sender_id, "csrf_token": token})
    client.get(f"/console/conversations/{sender_id}/export.csv")
    assert leftovers(engine, [sender_id, *WORDS])  # it was everywhere
    if form == "conversation page":
        done = client.post("/console/conversation/erase", data={"sender_id": sender_id, "confirm": sender_id,
                                                                 "csrf_token": token}, follow_redirects=True)
    else:
        done = client.post("/console/admin/erasure", data={"sender_id": [sender_id], "confirm": "ERASE",
                                                           "csrf_token": token}, follow_redirects=True)
    assert done.status_code == 200
    [(pseudonym, detail)] = _assert_nothing_left(engine, sender_id)
    assert re.fullmatch(re.escape(PSEUDONYM_PREFIX) + "[0-9a-f]{16}", pseudonym) and detail.endswith("3 events deleted")
    assert "salary-web" in client.get("/console/").get_data(as_text=True)  # the others stay


def test_purge_leaves_nothing_of_the_old_learner_in_any_table(settings, engine, conversations, capsys):
    sender_id = _learner_with_casework(engine, "telegram-5550123", ts=time.time() - 200 * 86400)
    get_settings.cache_clear()
    try:
        assert bot.cli.main.main(["purge", "--older-than", "90d"]) == 0
    finally:
        get_settings.cache_clear()
    assert "Erased 2 conversation(s)" in capsys.readouterr().out  # with old-tg
    assert _assert_nothing_left(engine, sender_id) == []  # purge records one summary entry, no ids
    assert leftovers(engine, ["old-tg", "hello from long ago"]) == []


def test_purge_and_erasure_work_while_indexing_fails(app, settings, engine, admin, conversations, monkeypatch, capsys):
    def broken(*_args, **_kwargs):
        raise RuntimeError("the index is broken")

    monkeypatch.setattr(importlib.import_module("bot.web.console.privacy"), "sync", broken)
    monkeypatch.setattr(importlib.import_module("bot.web.console"), "sync", broken)
    ev.insert_rows(engine, [ev.user("never-indexed", time.time() - 100 * 86400, f"the {WORDS[0]}", "greet")])
    get_settings.cache_clear()
    try:
        assert bot.cli.main.main(["purge", "--older-than", "90d"]) == 0
    finally:
        get_settings.cache_clear()
    assert "Erased 2 conversation(s)" in capsys.readouterr().out  # old-tg and the never indexed one
    assert leftovers(engine, ["never-indexed", WORDS[0]]) == []
    client = app.test_client()
    token = console_sign_in(client, admin)
    ev.insert_rows(engine, [ev.user("webchat-unindexed", time.time(), f"a {WORDS[1]} question", "greet")])
    found = client.get("/console/admin/erasure?find=webchat-unindexed")
    assert found.status_code == 200 and 'value="webchat-unindexed"' in found.get_data(as_text=True)
    client.post("/console/admin/erasure", data={"sender_id": ["webchat-unindexed"], "confirm": "ERASE",
                                                "csrf_token": token})
    assert leftovers(engine, ["webchat-unindexed", WORDS[1]]) == []
