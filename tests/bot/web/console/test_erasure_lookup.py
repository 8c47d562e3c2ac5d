"""An erasure request by Telegram chat id still finds the chat's namespaced conversation."""
from __future__ import annotations

from harness import console_events as ev


def test_a_telegram_chat_id_finds_its_namespaced_conversation(admin, conversations, signed_in, engine) -> None:
    ev.insert_rows(engine, [ev.user("telegram-555123", 2_000_000_000.0, "hello", "greet", channel="telegram"),
                            ev.user("rest-555123", 2_000_000_001.0, "hello", "greet", channel="rest")])
    client, _token = signed_in(admin)
    page = client.get("/console/admin/erasure?find=555123").get_data(as_text=True)
    assert "telegram-555123" in page
    assert "rest-555123" not in page  # another channel's conversation is not the chat's
