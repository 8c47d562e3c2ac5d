"""Adviser handoff end to end: REST learner → console queue → claim → quiet assistant → reply → release."""
from __future__ import annotations

import json
import sqlite3
import uuid

import pytest
import requests

from bot.rasa.channels.guard import TROUBLE_REPLY
from bot.shared.conversation_ids import rest_conversation
from tests.support.console import console_session
from tests.support.stack import Stack, learner_says

pytestmark = pytest.mark.e2e



def stored_events(stack: Stack, sender: str) -> list[tuple[str, dict]]:
    with sqlite3.connect(stack.conversations_db) as db:
        rows = db.execute("SELECT type_name, data FROM events WHERE sender_id = ? ORDER BY id", (sender,)).fetchall()
    return [(kind, json.loads(data)) for kind, data in rows]


def test_adviser_claims_replies_and_hands_back(stack: Stack, console_web):
    base, email = console_web
    sender = f"handoff-{uuid.uuid4().hex[:10]}"
    asked = learner_says(stack, sender, "can I talk to a human careers adviser please?")
    assert "passed your request" in asked[0]["text"]
    for waiting in ("hello?", "how long will it be?"):  # a status line, not the welcome or the clarification
        assert learner_says(stack, sender, waiting)[0]["text"].startswith("You're still in the queue")
    offered = learner_says(stack, sender, "never mind")[0]
    assert "withdraw your request" in offered["text"]
    assert [b["payload"] for b in offered["buttons"]] == ["/cancel_handoff", "/ask_handoff_status"]
    conversation = rest_conversation(sender)  # what the console sees: the REST namespace

    session, token = console_session(base, email)
    queue = session.get(f"{base}/console/handoffs", timeout=10)
    assert conversation in queue.text and "waiting" in queue.text

    claimed = session.post(f"{base}/console/handoff/claim", data={"sender_id": conversation, "csrf_token": token},
                           timeout=30)
    assert "You are talking to this learner" in claimed.text
    said = [data["text"] for kind, data in stored_events(stack, conversation) if kind == "bot"]
    assert said[-1] == "Ada from the careers team has joined the conversation."
    assert learner_says(stack, sender, "hello? is anyone there?") == []  # no bot answer, no apology

    session.post(f"{base}/console/handoff/reply", timeout=30,
                 data={"sender_id": conversation, "csrf_token": token, "text": "Hi, I'm Ada, a careers adviser."})
    replies = [data for kind, data in stored_events(stack, conversation) if kind == "bot"]
    assert replies[-1]["text"] == "Hi, I'm Ada, a careers adviser."
    assert replies[-1]["metadata"]["adviser"] == "ada"
    transcript = session.get(f"{base}/console/conversations/{conversation}", timeout=10).text
    assert "hello? is anyone there?" in transcript and "Adviser ada" in transcript

    released = session.post(f"{base}/console/handoff/release", data={"sender_id": conversation, "csrf_token": token},
                            timeout=30)
    assert "Claim and reply" not in released.text and released.status_code == 200
    said = [data["text"] for kind, data in stored_events(stack, conversation) if kind == "bot"]
    assert said[-1].startswith("You're back with the automated coach.")
    answer = learner_says(stack, sender, "how much does a director of e-commerce earn?")
    assert answer and TROUBLE_REPLY not in answer[0]["text"] and "£" in " ".join(r.get("text", "") for r in answer)
    kinds = [kind for kind, _ in stored_events(stack, conversation)]
    assert "pause" in kinds and "resume" in kinds
    assert conversation not in session.get(f"{base}/console/handoffs", timeout=10).text


def test_adviser_channel_rejects_a_wrong_token_and_bad_bodies(stack: Stack):
    url = f"{stack.url}/webhooks/adviser/claim"
    assert requests.post(url, json={"sender_id": "x"}, timeout=10).status_code == 403
    wrong = requests.post(url, json={"sender_id": "x"}, headers={"Authorization": "Bearer nope"}, timeout=10)
    assert wrong.status_code == 403
    from bot.shared.generated_secrets import api_token
    from bot.shared.settings import load_settings

    settings = load_settings()
    good = {"Authorization": f"Bearer {api_token(settings.coach_api_token, settings.var_dir)}"}
    assert requests.post(url, data=b"not json", headers=good, timeout=10).status_code == 400
    assert requests.post(url, json={"sender_id": ""}, headers=good, timeout=10).status_code == 400
    assert requests.post(url, json={"sender_id": "never-seen-" + uuid.uuid4().hex}, headers=good,
                         timeout=10).status_code == 404
    reply = requests.post(f"{stack.url}/webhooks/adviser/reply", json={"sender_id": "x", "text": ""},
                          headers=good, timeout=10)
    assert reply.status_code == 400
