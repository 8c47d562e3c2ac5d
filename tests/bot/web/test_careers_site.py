"""The demo careers site generated from the knowledge base: the index, a page per career, 404s, escaping."""
from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import replace
from html import unescape
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import sessionmaker

from bot.shared.settings import Settings
from bot.web.app import create_app
from bot.web.knowledge import dispose_knowledge_sessions
from knowledge import models, queries
from knowledge.pay import describe_band

MARKUP = '<img src=x onerror="window.__x=1">'
POLICY = "default-src 'self'"


@pytest.fixture
def site(tmp_path: Path, loaded_factory: sessionmaker) -> Iterator[Callable[..., FlaskClient]]:
    """Makes a test client of the web application reading the loaded knowledge base (or none)."""
    def make(knowledge_url: str | None = None) -> FlaskClient:
        url = str(loaded_factory.kw["bind"].url) if knowledge_url is None else knowledge_url
        return create_app(replace(Settings(), var_dir=tmp_path, knowledge_database_url=url,
                                  database_url=f"sqlite:///{tmp_path / 'conversations.db'}")).test_client()
    yield make
    dispose_knowledge_sessions()


def text_of(html: str) -> str:
    """The page's text: tags dropped, entities decoded, white space collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def assert_strict_page(reply: object) -> None:
    """The site's pages run under the strict policy with nothing inline."""
    html = reply.get_data(as_text=True)  # type: ignore[attr-defined]
    assert POLICY in reply.headers["Content-Security-Policy"]  # type: ignore[attr-defined]
    assert reply.headers["X-Content-Type-Options"] == "nosniff"  # type: ignore[attr-defined]
    assert "<style" not in html and "<script>" not in html
    assert not re.search(r"<[^>]*\s(style|on\w+)=", html)  # no inline styles or handlers either


def test_the_index_lists_every_career_in_the_knowledge_base_with_a_link_to_its_page(
        site: Callable[..., FlaskClient], loaded_factory: sessionmaker) -> None:
    reply = site().get("/", base_url="http://careers.local:8000")
    html = reply.get_data(as_text=True)
    assert reply.status_code == 200
    assert_strict_page(reply)
    with loaded_factory() as session:
        careers = queries.list_careers(session)
    assert careers
    for career in careers:
        assert f'href="/careers/{career.slug}"' in html
        assert career.name in text_of(html) and career.summary in text_of(html)
    # the index is about no one career: its widget carries no page context
    assert ('<script src="http://careers.local:8000/widget.js" data-server="http://careers.local:5005" '
            "defer></script>") in html


def test_each_career_page_shows_the_overview_pay_by_level_with_sources_and_the_ways_in(
        site: Callable[..., FlaskClient], loaded_factory: sessionmaker) -> None:
    client = site()
    with loaded_factory() as session:
        careers = queries.list_careers(session)
        for career in careers:
            reply = client.get(f"/careers/{career.slug}", base_url="http://careers.local:8000")
            html = reply.get_data(as_text=True)
            text = text_of(html)
            assert reply.status_code == 200, career.slug
            assert_strict_page(reply)
            assert f"<h1>{career.name}</h1>" in html
            assert (f'<script src="http://careers.local:8000/widget.js" data-server="http://careers.local:5005" '
                    f'data-career="{career.slug}" defer></script>') in html
            for task in queries.responsibilities(session, career.slug)[:3]:
                assert task.text in text
            bands = queries.salary_bands(session, career.slug)
            rows = re.findall(r"<tr>(.*?)</tr>", html, re.DOTALL)
            assert len(rows) == len(bands) + 1  # the header row and one row per figure
            for band, row in zip(bands, rows[1:], strict=True):
                assert band.label in text_of(row) and describe_band(band) in text_of(row)
                assert band.citation.source in text_of(row)
            for route in queries.entry_routes(session, career.slug):
                assert route.name in text and route.description in text
            for qualification in queries.qualifications(session, career.slug):
                assert qualification.name in text
            assert career.citation.source in text


def test_a_career_page_without_pay_figures_says_so_with_the_sources_gaps(
        site: Callable[..., FlaskClient], loaded_factory: sessionmaker) -> None:
    with loaded_factory() as session, session.begin():
        first = session.execute(select(models.Career).order_by(models.Career.id)).scalars().first()
        assert first is not None
        first_name = first.name
        extra = models.Career(slug="zz-test-career", name="Test career", summary="A career made up for this test.",
                              main_role_slug=None, source_id=first.source_id)
        session.add(extra)
        session.flush()
        session.add(models.CareerGap(career_id=extra.id, position=0, topic="pay",
                                     text="The sheet gives no pay by level."))
    client = site()
    index = text_of(client.get("/").get_data(as_text=True))
    assert "Test career" in index and first_name in index  # any number of careers
    reply = client.get("/careers/zz-test-career")
    text = text_of(reply.get_data(as_text=True))
    assert reply.status_code == 200
    assert "Our sources give no pay figures for test career." in text
    assert "The sheet gives no pay by level." in text and "<table" not in reply.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/careers/no-such-career", "/careers/Retail-Buyer", "/careers/%3Cb%3E",
                                  "/careers/" + "x" * 101, "/careers/a%0A"])
def test_an_unknown_career_gets_a_404_page_under_the_same_policy(
        site: Callable[..., FlaskClient], loaded_factory: sessionmaker, path: str) -> None:
    reply = site().get(path)
    assert reply.status_code == 404
    assert_strict_page(reply)
    html = reply.get_data(as_text=True)
    with loaded_factory() as session:
        assert all(f'href="/careers/{c.slug}"' in html for c in queries.list_careers(session))
    assert "<b>" not in html.split("<main", 1)[1].split("</main>")[0].replace("<b>Careers Hub</b>", "")


def test_content_is_shown_as_text_never_as_markup(site: Callable[..., FlaskClient],
                                                  loaded_factory: sessionmaker) -> None:
    with loaded_factory() as session, session.begin():
        session.execute(update(models.Career).values(name="Markup " + MARKUP, summary=MARKUP))
        session.execute(update(models.SalaryBand).values(label=MARKUP))
        session.execute(update(models.EntryRoute).values(description=MARKUP))
        slug = session.execute(select(models.Career.slug)).scalars().first()
    client = site()
    for path in ("/", f"/careers/{slug}"):
        html = client.get(path).get_data(as_text=True)
        assert MARKUP not in html and "&lt;img src=x onerror=&#34;window.__x=1&#34;&gt;" in html


def test_without_a_knowledge_base_the_index_still_works_and_no_career_page_exists(
        site: Callable[..., FlaskClient], tmp_path: Path) -> None:
    sqlite3.connect(tmp_path / "no-tables.db").close()  # a file without the knowledge tables
    for url in ("", f"sqlite:///{tmp_path / 'never-loaded.db'}", f"sqlite:///{tmp_path / 'no-tables.db'}"):
        client = site(url)
        index = client.get("/")
        assert index.status_code == 200 and "not loaded yet" in index.get_data(as_text=True)
        assert client.get("/careers/anything").status_code == 404
    assert not (tmp_path / "never-loaded.db").exists()  # reading never creates an empty database
