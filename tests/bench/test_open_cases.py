"""The open-questions development set is sound, and its benchmark scores turns as documented."""
from __future__ import annotations

import ast
import subprocess
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
import yaml

from bench.open_cases import INTENT, KINDS, NOT_COVERED, OPEN_CASES, RETRIEVED, OpenCase, intent, not_covered, retrieved
from bench.open_scoring import Outcome, names_source, read_turn, score, source_line, verdict
from knowledge.content import read_content

REPO_ROOT = Path(__file__).resolve().parents[2]


def _action_topics() -> set[str]:
    """Every `topic = "..."` class attribute in actions/*.py."""
    topics = set()
    for path in sorted((REPO_ROOT / "actions").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if (isinstance(item, ast.Assign) and isinstance(item.value, ast.Constant)
                            and any(isinstance(t, ast.Name) and t.id == "topic" for t in item.targets)):
                        topics.add(item.value.value)
    return topics


def _shared_dir() -> Path | None:
    """../shared beside this clone, or beside the main worktree when this is a `git worktree`."""
    candidates = [REPO_ROOT.parent / "shared"]
    common = subprocess.run(["git", "rev-parse", "--path-format=absolute", "--git-common-dir"], cwd=REPO_ROOT,
                            capture_output=True, text=True, check=False).stdout.strip()
    if common:
        candidates.append(Path(common).parent.parent / "shared")
    return next((c for c in candidates if (c / "probes").is_dir()), None)


def _said(node: object) -> list[str]:
    """Every string under a `say` key anywhere in a probe file."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "say" and isinstance(value, str):
                found.append(value)
            else:
                found += _said(value)
    elif isinstance(node, list):
        for value in node:
            found += _said(value)
    return found


def _normal(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


@pytest.fixture(scope="module")
def content() -> dict[str, set[str]]:
    """The careers' slugs, the sources' short titles, and "<career>|<short title>" for each source a career cites."""
    records, _vocabulary = read_content()
    short = {r.values["slug"]: r.values["short_title"] for r in records.rows("sources")}
    cited = {f"{r.values.get('career') or r.values['slug']}|{short[r.values['source']]}"
             for table in records.records.values() for r in table
             if r.table in _CITING and r.values.get("source") in short}
    return {"careers": {r.values["slug"] for r in records.rows("careers")}, "short_titles": set(short.values()),
            "cited": cited}


# Content tables whose rows belong to one career and cite a source.
_CITING = ("careers", "career_facts", "related_careers", "roles", "salary_bands", "qualifications",
           "certifications", "skills", "entry_routes", "progression_routes")


def test_every_case_names_a_career_of_the_content(content):
    assert sorted({c.career for c in OPEN_CASES} - content["careers"]) == []


def test_every_career_has_about_forty_cases_of_every_kind():
    per_career = Counter(c.career for c in OPEN_CASES)
    assert len(per_career) == 8 and 300 <= len(OPEN_CASES) <= 360
    assert all(37 <= n <= 43 for n in per_career.values()), per_career
    kinds = Counter((c.career, c.kind) for c in OPEN_CASES)
    assert all(kinds[(career, kind)] >= 6 for career in per_career for kind in KINDS), kinds


def test_every_intent_label_is_a_topic_some_action_sets():
    topics = _action_topics()
    assert {"salary", "pay_factors", "skills", "conditions", "requirements"} <= topics
    assert sorted({c.topic for c in OPEN_CASES if c.kind == INTENT} - topics) == []


def test_kinds_topics_and_sources_agree():
    for case in OPEN_CASES:
        assert case.kind in KINDS, case
        if case.kind == INTENT:
            assert case.topic not in (RETRIEVED, NOT_COVERED) and not case.sources, case
        else:
            assert case.topic == case.kind, case
            assert bool(case.sources) == (case.kind == RETRIEVED), case
        assert case.kind == INTENT or case.note, f"say why: {case.text!r}"
        assert bool(case.also) == bool(case.says.strip()), f"an accepted other topic shows the fact: {case.text!r}"
        assert case.topic not in case.also, case


def test_every_expected_source_is_a_short_title_of_sources_yml(content):
    named = {title for c in OPEN_CASES for title in c.sources}
    assert sorted(named - content["short_titles"]) == []


def test_every_expected_source_is_cited_by_the_cases_career(content):
    uncited = [(c.career, title) for c in OPEN_CASES for title in c.sources
               if f"{c.career}|{title}" not in content["cited"]]
    assert uncited == []


def test_no_two_cases_share_a_text():
    texts = Counter(_normal(c.text) for c in OPEN_CASES)
    assert [t for t, n in texts.items() if n > 1] == []


def test_no_case_is_a_probe_text():
    shared = _shared_dir()
    if shared is None:
        pytest.skip("../shared/probes is not beside this clone or its main worktree: nothing to compare with")
    probes = {_normal(text) for path in sorted((shared / "probes").glob("*.yaml"))
              for text in _said(yaml.safe_load(path.read_text(encoding="utf-8")))}
    assert probes, "the probe files name no `say` texts: has their format changed?"
    assert sorted(c.text for c in OPEN_CASES if _normal(c.text) in probes) == []


# -- scoring ---------------------------------------------------------------------------------------
PAY = intent("retail-buying", "salary", "how much do buyers earn")
FACT = retrieved("retail-buying", "does tk maxx buy weekly", ("TARGETjobs", "Drapers"), "new lines every week")
GAP = not_covered("retail-buying", "visa for buyers?", "no visas")
LISTED = retrieved("retail-buying", "do buyers go to trade fairs?", ("Drapers",), "trade fairs",
                   also=("conditions",), says="trade fairs")


def _out(case: OpenCase, topic: str | None, line: str | None = None, error: str | None = None,
         reply: str = "") -> Outcome:
    return Outcome(case, topic, line, error=error, reply=reply)


def test_source_lines_name_their_sources_with_or_without_a_section():
    assert source_line(["Pay is £1.\n\nSource: TARGETjobs", "Want more?"]) == "Source: TARGETjobs"
    assert source_line(["no sources here"]) is None
    assert names_source("Source: TARGETjobs (Pay)", "TARGETjobs")
    assert names_source("Sources: Prospects; Drapers", "Drapers")
    assert not names_source("Sources: Prospects; Drapers Jobs", "Drapers")
    assert not names_source("Source: TARGETjobs extra", "TARGETjobs")
    assert not names_source(None, "TARGETjobs")


@pytest.mark.parametrize("outcome, expected", [
    (_out(PAY, "salary"), "right"),
    (_out(PAY, "pay_factors"), "confident wrong"),
    (_out(PAY, "retrieved", "Source: TARGETjobs"), "confident wrong"),
    (_out(PAY, "not_covered"), "declined"),
    (_out(PAY, None), "no answer"),
    (_out(PAY, "salary", error="HTTP 500"), "error"),
    (_out(FACT, "retrieved", "Sources: Prospects; Drapers"), "right"),
    (_out(FACT, "retrieved", "Source: Prospects"), "wrong source"),
    (_out(FACT, "conditions"), "confident wrong"),
    (_out(FACT, "out_of_scope"), "declined"),
    (_out(GAP, "not_covered"), "right"),
    (_out(GAP, "retrieved", "Source: TARGETjobs"), "confident wrong"),
    (_out(GAP, "conditions"), "confident wrong"),
    (_out(GAP, "out_of_scope"), "declined"),
    (_out(LISTED, "conditions", reply="Office hours, with trips to Trade Fairs abroad."), "right"),
    (_out(LISTED, "conditions", reply="Office hours, Monday to Friday."), "confident wrong"),
    (_out(LISTED, "skills", reply="Trade fairs need confidence."), "confident wrong"),
])
def test_each_outcome_gets_its_verdict(outcome, expected):
    assert verdict(outcome) == expected


def test_score_gives_shares_per_kind_confident_wrong_topics_and_the_confusion_matrix():
    outcomes = [_out(PAY, "salary"), _out(PAY, "retrieved", "Source: TARGETjobs"),
                _out(FACT, "retrieved", "Source: TARGETjobs"), _out(FACT, "retrieved", "Source: Prospects"),
                _out(GAP, "not_covered"), _out(GAP, "salary"), _out(GAP, None, error="HTTP 503")]
    result = score(outcomes)
    assert result["cases"] == 7
    assert (result["intent_right_share"], result["retrieved_right_share"], result["not_covered_right_share"]) \
        == (0.5, 0.5, 0.333)
    assert result["confident_wrong"] == 2 and result["confident_wrong_share"] == 0.286
    assert result["by_kind"]["retrieved"]["wrong source"] == 1
    assert result["by_career"]["retail-buying"]["error"] == 1
    assert result["confusion"] == {"not_covered": {"(error)": 1, "not_covered": 1, "salary": 1},
                                   "retrieved": {"retrieved": 2},
                                   "salary": {"retrieved": 1, "salary": 1}}
    assert list(result["confusion"]) == ["not_covered", "retrieved", "salary"]
    assert [m["verdict"] for m in result["mistakes"]] == ["confident wrong", "wrong source", "confident wrong",
                                                          "error"]


def test_score_of_no_outcomes_has_no_shares():
    result = score([])
    assert result["cases"] == 0 and result["intent_right_share"] is None and result["confident_wrong"] == 0


def test_a_turn_is_read_from_its_stored_events():
    events = [{"event": "user", "text": PAY.text, "metadata": {"career": "retail-buying"},
               "parse_data": {"intent": {"name": "ask_salary"}}},
              {"event": "action", "name": "action_tell_salary"},
              {"event": "slot", "name": "role", "value": "retail-buyer"},
              {"event": "slot", "name": "last_topic", "value": "salary"},
              {"event": "bot", "text": "Buyers earn £1."}]
    outcome = read_turn(PAY, events, ["Buyers earn £1.\n\nSource: National Careers Service"])
    assert (outcome.last_topic, outcome.intent, outcome.career_sent) == ("salary", "ask_salary", True)
    assert outcome.source_line == "Source: National Careers Service" and outcome.error is None
    other_page = read_turn(PAY, [{**events[0], "metadata": {}}, events[-1]], ["Hello"])
    assert (other_page.last_topic, other_page.career_sent, other_page.source_line) == (None, False, None)
    assert read_turn(PAY, [], []).error == "the turn is not in the tracker store"
    assert read_turn(PAY, [], [], "message: HTTP 429").error == "message: HTTP 429"
