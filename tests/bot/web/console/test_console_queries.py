"""Inbox queries: every filter, full-text search, pagination, the handoff queue, misunderstood messages."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.web.console import casework, queries
from bot.web.console.accounts import add_account
from bot.web.console.filters import PAGE_SIZE, FilterError, parse_filters
from bot.web.console.sync import sync
from harness import console_events as ev


def ids(engine, account_id=0, **args):
    filters = parse_filters({k: str(v) for k, v in args.items()})
    with engine.connect() as c:
        page = queries.inbox_page(c, filters, account_id)
    return [r.summary["sender_id"] for r in page.rows], page.total


@pytest.fixture
def synced(engine, conversations):
    sync(engine)
    return conversations


def test_inbox_lists_latest_activity_first(engine, synced):
    found, total = ids(engine)
    assert found == ["human-web", "lowconf-rest", "confused-tg", "salary-web", "old-tg"] and total == 5


@pytest.mark.parametrize(("args", "expected"), [
    ({"channel": "telegram"}, {"confused-tg", "old-tg"}),
    ({"intent": "ask_salary"}, {"salary-web"}),
    ({"fallback": 1}, {"confused-tg", "lowconf-rest"}),
    ({"handoff": 1}, {"human-web"}),
    ({"q": "director"}, {"salary-web"}),
    ({"q": "apprenticeships"}, {"lowconf-rest"}),  # stemming: apprenticeship ~ apprenticeships
    ({"q": "appren"}, {"lowconf-rest"}),  # the last word is a prefix
    ({"q": "talk person"}, {"human-web"}),
    ({"q": "earn director"}, {"salary-web"}),
    ({"q": "nothing-like-this"}, set()),
    ({"q": '"; DROP TABLE events; --'}, set()),
    ({"channel": "webchat", "handoff": 1}, {"human-web"}),
])
def test_each_filter_selects_the_right_conversations(engine, synced, args, expected):
    assert set(ids(engine, **args)[0]) == expected


def test_date_range_covers_conversations_active_in_it(engine, synced):
    old_day = (datetime.now(timezone.utc) - timedelta(days=120)).date()
    assert set(ids(engine, **{"from": old_day.isoformat(), "to": old_day.isoformat()})[0]) == {"old-tg"}
    recent = (datetime.now(timezone.utc) - timedelta(days=1)).date().isoformat()
    assert "old-tg" not in ids(engine, **{"from": recent})[0]


def test_review_tag_and_assignment_filters(engine, synced):
    ada = add_account(engine, "ada@example.org", "correct horse battery", True)
    bob = add_account(engine, "bob@example.org", "correct horse battery")
    casework.set_reviewed(engine, "salary-web", ada.id, True)
    casework.add_tag(engine, "confused-tg", ada.id, "Needs Data")
    casework.assign(engine, "human-web", bob.id, ada.id)
    assert ids(engine, review="reviewed")[0] == ["salary-web"]
    assert "salary-web" not in ids(engine, review="unreviewed")[0]
    assert ids(engine, tag="needs data")[0] == ["confused-tg"]
    assert ids(engine, bob.id, mine=1)[0] == ["human-web"]
    assert ids(engine, ada.id, mine=1)[0] == []
    with engine.connect() as c:
        page = queries.inbox_page(c, parse_filters({}), ada.id)
    by_id = {r.summary["sender_id"]: r for r in page.rows}
    assert by_id["salary-web"].reviewed and not by_id["human-web"].reviewed
    assert by_id["confused-tg"].tags == ["needs data"] and by_id["human-web"].assignee == "bob@example.org"


def test_pagination_counts_and_slices(engine):
    rows = [ev.user(f"p-{n:03d}", 1_700_000_000.0 + n, f"question {n}", "ask_salary") for n in range(PAGE_SIZE + 7)]
    ev.insert_rows(engine, rows)
    sync(engine)
    first, total = ids(engine)
    second, _ = ids(engine, page=2)
    assert total == PAGE_SIZE + 7 and len(first) == PAGE_SIZE and len(second) == 7
    assert first[0] == f"p-{PAGE_SIZE + 6:03d}" and second[-1] == "p-000"


@pytest.mark.parametrize("args", [
    {"page": "0"}, {"page": "abc"}, {"page": "-1"}, {"page": "10000000"}, {"from": "2026-02-30"},
    {"from": "2026-11-02", "to": "2026-11-01"}, {"review": "maybe"}, {"fallback": "yes please"},
    {"channel": "<script>"}, {"intent": "a" * 65}, {"q": "x" * 201}, {"tag": "a/b"},
])
def test_malformed_parameters_raise_a_readable_error(args):
    with pytest.raises(FilterError) as error:
        parse_filters(args)
    assert "'" in str(error.value) or "search" in str(error.value)


def test_handoff_queue_is_oldest_first_with_collected_details(engine, synced):
    ev.insert_rows(engine, [ev.user("later", 3_000_000_000.0, "human please", "request_human"),
                            ev.slot("later", 3_000_000_001.0, "handoff_requested", True)])
    sync(engine)
    with engine.connect() as c:
        queue = queries.handoff_queue(c)
    assert [q["sender_id"] for q in queue] == ["human-web", "later"]
    assert queue[0]["plan_stage"] == "university" and queue[0]["claimed_by"] is None


def test_misunderstood_lists_fallbacks_and_low_confidence_and_hides_labelled(engine, synced):
    ada = add_account(engine, "ada@example.org", "correct horse battery", True)
    with engine.connect() as c:
        rows, total = queries.misunderstood(c, 1, unlabelled_only=True)
    assert total == 2 and {r["text"] for r in rows} == {"blorp wibble", "apprenticeship maybe"}
    casework.label(engine, rows[0]["event_id"], "ask_apprenticeships", ada.id, ["ask_apprenticeships"])
    with engine.connect() as c:
        assert queries.misunderstood(c, 1, unlabelled_only=True)[1] == 1
        assert queries.misunderstood(c, 1, unlabelled_only=False)[1] == 2
    with pytest.raises(casework.AnnotationError):
        casework.label(engine, rows[1]["event_id"], "not_an_intent", ada.id, ["ask_apprenticeships"])
