"""`coach adviser`, `coach console` and `coach purge`; masking and retention rules."""
from __future__ import annotations

import io
import time

import pytest
from sqlalchemy import func, select

import bot.cli.main
from bot.shared.contact_details import mask
from bot.shared.settings import get_settings
from bot.web.console.accounts import authenticate
from bot.web.console.db import head_revision
from bot.web.console.privacy import parse_age, purge_older_than
from bot.web.console.tables import audit_log, events
from bot.web.console.tables import conversations as summaries
from harness import console_events as ev


@pytest.fixture
def cli_env(settings, engine):
    get_settings.cache_clear()
    yield engine
    get_settings.cache_clear()


def test_adviser_add_reads_the_password_from_stdin_and_disable_blocks_sign_in(cli_env, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("a long password\n"))
    assert bot.cli.main.main(["adviser", "add", "Cara@Example.org", "--admin"]) == 0
    assert "cara@example.org (admin) can now sign in" in capsys.readouterr().out
    result = authenticate(cli_env, "cara@example.org", "a long password")
    assert result.account is not None and result.account.is_admin
    assert bot.cli.main.main(["adviser", "list"]) == 0
    assert "cara@example.org (admin)" in capsys.readouterr().out
    assert bot.cli.main.main(["adviser", "disable", "cara@example.org"]) == 0
    assert authenticate(cli_env, "cara@example.org", "a long password").account is None
    assert bot.cli.main.main(["adviser", "disable", "nobody@example.org"]) == 1
    assert "No adviser account" in capsys.readouterr().err


def test_adviser_add_refuses_short_passwords_and_bad_emails(cli_env, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert bot.cli.main.main(["adviser", "add", "dan@example.org"]) == 1
    monkeypatch.setattr("sys.stdin", io.StringIO("a long password\n"))
    assert bot.cli.main.main(["adviser", "add", "not-an-email"]) == 1
    assert "Not an email address" in capsys.readouterr().err


def test_console_migrate_and_sync(cli_env, conversations, capsys):
    assert bot.cli.main.main(["console", "migrate"]) == 0
    assert f"revision {head_revision()}" in capsys.readouterr().out
    assert bot.cli.main.main(["console", "sync"]) == 0
    assert "Indexed 11 new events" in capsys.readouterr().out


def test_purge_erases_only_conversations_older_than_the_period(cli_env, conversations, capsys):
    assert bot.cli.main.main(["purge", "--older-than", "90d"]) == 0
    assert "Erased 1 conversation(s)" in capsys.readouterr().out
    with cli_env.connect() as c:
        left = select(func.count()).select_from(events).where(events.c.sender_id == "old-tg")
        assert c.execute(left).scalar() == 0
        assert c.execute(select(func.count()).select_from(summaries)).scalar() == 4
        assert c.execute(select(audit_log.c.actor).where(audit_log.c.action == "purge")).scalar() == "coach purge"
    assert bot.cli.main.main(["purge", "--older-than", "ninety"]) == 2


def test_purge_uses_last_activity_not_first(engine):
    now = time.time()
    ev.insert_rows(engine, [ev.user("long-running", now - 200 * 86400, "hi", "greet"),
                            ev.user("long-running", now - 86400, "still here", "greet")])
    assert purge_older_than(engine, 90, now) == []


@pytest.mark.parametrize(("raw", "masked"), [
    ("mail me at ann.lee+jobs@example.co.uk please", "mail me at [email hidden] please"),
    ("call 07700 900123", "call [phone hidden]"),
    ("or +44 (0)20 7946 0958", "or [phone hidden]"),
    ("ring 0161-496-0000.", "ring [phone hidden]."),
    ("it pays £55,000 to £100,000 in 2026", "it pays £55,000 to £100,000 in 2026"),
    ("level 4 apprenticeship, 12 months", "level 4 apprenticeship, 12 months"),
])
def test_mask_hides_emails_and_phone_numbers_but_not_figures(raw, masked):
    assert mask(raw) == masked


@pytest.mark.parametrize("raw", ["90", "d", "-3d", "0d", "3 weeks"])
def test_retention_period_must_be_days(raw):
    with pytest.raises(ValueError):
        parse_age(raw)
    assert parse_age("90d") == 90 and parse_age("30 days") == 30


def test_console_sync_reports_a_failure_with_exit_code_1(cli_env, conversations, monkeypatch, capsys):
    def broken(*_args, **_kwargs):
        raise RuntimeError("disk on fire")

    import importlib

    monkeypatch.setattr(importlib.import_module("bot.web.console.sync"), "sync", broken)
    assert bot.cli.main.main(["console", "sync"]) == 1
    assert "Indexing failed: disk on fire" in capsys.readouterr().err
