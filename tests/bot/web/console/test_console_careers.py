"""Careers in the console: folded from the `career` slot, shown by name, filtered, counted, migrated, erased."""
from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from bot.shared.settings import Settings
from bot.web.app import create_app
from bot.web.console import queries, stats
from bot.web.console.db import upgrade
from bot.web.console.privacy import erase
from bot.web.console.sync import sync
from bot.web.console.tables import conversation_careers, sync_state
from bot.web.knowledge import dispose_knowledge_sessions
from harness import console_events as ev
from knowledge import queries as knowledge_queries
from tests.support.console import console_sign_in

NOW = time.time()
MARKUP = '<img src=x onerror="window.__x=1">'


@pytest.fixture
def real_career(loaded_factory: sessionmaker) -> tuple[str, str]:
    """(slug, name) of a career in the loaded knowledge base."""
    with loaded_factory() as session:
        career = knowledge_queries.list_careers(session)[0]
    return career.slug, career.name


@pytest.fixture
def careers_talk(engine: Engine, real_career: tuple[str, str]) -> dict[str, str]:
    """Conversations whose `career` slot took known values; a name → sender id map."""
    slug, _ = real_career
    t = NOW - 3600
    ev.insert_rows(engine, [
        ev.user("two-careers", t, "what does it pay?", "ask_salary", 0.9, "webchat"),
        ev.slot("two-careers", t + 1, "career", slug),
        ev.slot("two-careers", t + 2, "career", None),
        ev.user("two-careers", t + 3, "and a buyer?", "ask_salary", 0.9, "webchat"),
        ev.slot("two-careers", t + 4, "career", "zz-unknown-career"),
        ev.slot("two-careers", t + 5, "career", slug),  # back again: listed once, where it first came up
        ev.marker("two-careers", t + 6, "restart"),  # the careers talked about stay
        ev.user("odd-values", t + 10, "hi", "greet", 0.9, "telegram"),
        ev.slot("odd-values", t + 11, "career", ["not", "a", "career"]),
        ev.slot("odd-values", t + 12, "career", "   "),
        ev.slot("odd-values", t + 13, "role", slug),  # another slot with the same value
        ev.user("markup", t + 20, "hello", "greet", 0.9, "rest"),
        ev.slot("markup", t + 21, "career", MARKUP),
        ev.user("long-ago", NOW - 120 * 86400, "hello", "greet", 0.9, "webchat"),
        ev.slot("long-ago", NOW - 120 * 86400 + 1, "career", slug),
    ])
    return {"two": "two-careers", "odd": "odd-values", "markup": "markup", "old": "long-ago"}


@pytest.fixture
def client(settings: Settings, engine: Engine, loaded_factory: sessionmaker, careers_talk: dict[str, str],
           admin: str) -> Iterator[FlaskClient]:
    """An admin signed in to the console, which names careers from the loaded knowledge base."""
    app = create_app(replace(settings, knowledge_database_url=str(loaded_factory.kw["bind"].url)))
    app.config["TESTING"] = True
    client = app.test_client()
    console_sign_in(client, admin)
    yield client
    dispose_knowledge_sessions()


def careers_of(engine: Engine, sender: str) -> list[str]:
    with engine.connect() as connection:
        return queries.careers_for(connection, [sender]).get(sender, [])


def test_the_sync_keeps_every_career_a_conversation_was_about_in_order_and_once(
        engine: Engine, careers_talk: dict[str, str], real_career: tuple[str, str]) -> None:
    slug, _ = real_career
    sync(engine)
    assert careers_of(engine, "two-careers") == [slug, "zz-unknown-career"]
    assert careers_of(engine, "odd-values") == []
    assert careers_of(engine, "markup") == [MARKUP]
    ev.insert_rows(engine, [ev.slot("odd-values", NOW, "career", slug), ev.slot("two-careers", NOW, "career", slug)])
    assert sync(engine) == 2
    assert careers_of(engine, "odd-values") == [slug]
    assert careers_of(engine, "two-careers") == [slug, "zz-unknown-career"]  # not a second time
    with engine.connect() as connection:
        assert queries.careers_seen(connection) == sorted([slug, "zz-unknown-career", MARKUP])
        first = connection.execute(select(conversation_careers.c.first_ts).where(
            conversation_careers.c.sender_id == "two-careers", conversation_careers.c.career == slug)).scalar()
    assert first == pytest.approx(NOW - 3600 + 1)


def test_the_inbox_shows_careers_by_name_and_filters_by_career(
        client: FlaskClient, real_career: tuple[str, str]) -> None:
    slug, name = real_career
    page = client.get("/console/").get_data(as_text=True)
    assert f'<option value="{slug}" >{name}</option>' in page  # the knowledge base's name for the slug
    assert '<option value="zz-unknown-career" >zz-unknown-career</option>' in page  # no name: the slug
    assert f'<span class="career">{name}</span>' in page
    filtered = client.get(f"/console/?career={slug}").get_data(as_text=True)
    assert "2 conversations<" in filtered and "two-careers" in filtered and "long-ago" in filtered
    assert "odd-values" not in filtered and "markup" not in filtered
    assert f'<option value="{slug}" selected>{name}</option>' in filtered
    assert f"career={slug}" in client.get(f"/console/?career={slug}&from=2000-01-01").get_data(as_text=True)
    assert "0 conversations" in client.get("/console/?career=never-seen").get_data(as_text=True)
    for bad in ("%3Cscript%3E", "x" * 101, "a%0Ab"):
        reply = client.get(f"/console/?career={bad}")
        assert reply.status_code == 400 and "career" in reply.get_data(as_text=True)


def test_a_career_value_with_markup_is_shown_as_text(client: FlaskClient) -> None:
    for path in ("/console/", "/console/conversations/markup", "/console/insights"):
        page = client.get(path).get_data(as_text=True)
        assert MARKUP not in page and "&lt;img src=x onerror=" in page, path


def test_the_transcript_names_the_conversations_careers(client: FlaskClient, real_career: tuple[str, str]) -> None:
    _, name = real_career
    page = client.get("/console/conversations/two-careers").get_data(as_text=True)
    assert f'Careers: <span class="career">{name}</span><span class="career">zz-unknown-career</span>' in page
    assert "none settled yet" in client.get("/console/conversations/odd-values").get_data(as_text=True)


def test_insights_count_conversations_by_career_over_the_period(
        client: FlaskClient, engine: Engine, real_career: tuple[str, str]) -> None:
    slug, name = real_career
    sync(engine)
    figures = stats.compute(engine, 30)
    assert figures.careers == sorted([(slug, 1), ("zz-unknown-career", 1), (MARKUP, 1)])  # most first, then A-Z
    assert dict(stats.compute(engine, 90).careers)[slug] == 1  # the long-ago one is older than 90 days
    page = client.get("/console/insights").get_data(as_text=True)
    assert "Conversations by career" in page and page.count("<svg") == 7
    assert f'<a href="/console/?career={slug}">{name}</a></th><td class="num">1</td>' in page


def test_without_a_knowledge_base_careers_are_shown_by_slug(
        settings: Settings, engine: Engine, careers_talk: dict[str, str], admin: str,
        real_career: tuple[str, str]) -> None:
    slug, _ = real_career
    app = create_app(replace(settings, knowledge_database_url=""))
    client = app.test_client()
    console_sign_in(client, admin)
    assert f'<span class="career">{slug}</span>' in client.get("/console/").get_data(as_text=True)


def test_the_migration_fills_careers_from_the_events_already_indexed(
        settings: Settings, real_career: tuple[str, str]) -> None:
    from bot.web.console.db import dispose_engines, get_engine
    from bot.web.console.tables import rasa_metadata

    slug, _ = real_career
    engine = get_engine(settings.database_url)
    try:
        rasa_metadata.create_all(engine)
        upgrade(engine, "0003_console_sessions")
        ev.insert_rows(engine, [ev.user("before", NOW - 60, "hi", "greet", 0.9, "webchat"),
                                ev.slot("before", NOW - 59, "career", slug),
                                ev.slot("before", NOW - 58, "career", "zz-second"),
                                ev.slot("before", NOW - 57, "career", slug)])
        with engine.begin() as connection:  # indexed before the careers table existed
            connection.execute(sync_state.update().where(sync_state.c.name == "events").values(value=4))
        ev.insert_rows(engine, [ev.slot("after", NOW, "career", slug)])  # not read yet
        upgrade(engine)
        with engine.connect() as connection:
            assert queries.careers_for(connection, ["before", "after"]) == {"before": [slug, "zz-second"]}
            assert connection.execute(select(sync_state.c.value)).scalar() == 4
        assert sync(engine) == 1
        assert careers_of(engine, "after") == [slug]
    finally:
        dispose_engines()


def test_erasing_a_conversation_erases_its_careers(engine: Engine, careers_talk: dict[str, str]) -> None:
    sync(engine)
    erase(engine, ["two-careers"], "test", "erased")
    with engine.connect() as connection:
        left = connection.execute(select(func.count()).select_from(conversation_careers)
                                  .where(conversation_careers.c.sender_id == "two-careers")).scalar()
    assert left == 0 and careers_of(engine, "markup") == [MARKUP]


def test_a_stored_career_row_for_an_unknown_conversation_breaks_no_page(
        client: FlaskClient, engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(insert(conversation_careers).values(career="zz-orphan", sender_id="nobody", first_ts=NOW))
    assert client.get("/console/?career=zz-orphan").status_code == 200

