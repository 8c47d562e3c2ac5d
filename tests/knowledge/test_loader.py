"""Loading content into the database: round trip, idempotence, updates, removals, all-or-nothing."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from knowledge import queries
from knowledge.content import CONTENT_DIR, ContentError, read_content
from knowledge.loader import load_knowledge
from tests.support.content import CAREER_DIR, edit
from tests.support.databases import snapshot

SLUG = CAREER_DIR.name
CAREER = CONTENT_DIR / CAREER_DIR
FOLDERS = sorted(p for p in (CONTENT_DIR / "careers").iterdir() if p.is_dir())


def _yaml(name: str, folder: Path = CAREER) -> dict[str, Any]:
    return yaml.safe_load((folder / name).read_text(encoding="utf-8"))


def _count(name: str, key: str) -> int:
    """How many items under `key` the file `name` lists, over every career's folder."""
    return sum(len(_yaml(name, folder).get(key) or []) for folder in FOLDERS)


def _untouched_except(report, *tables: str) -> None:  # type: ignore[no-untyped-def]
    touched = {t: c for t, c in report.changes.items() if c.total and t not in tables}
    assert touched == {}


# -- round trip ---------------------------------------------------------------------------------
def test_first_load_reports_every_row_as_added(session_factory):
    report = load_knowledge(session_factory)

    assert report.changed is True
    assert report.summary().startswith("Knowledge loaded:")
    assert len(FOLDERS) == report.counts["careers"] == 8
    assert report.counts["roles"] == _count("roles.yml", "roles")
    assert report.counts["salary_bands"] == _count("salaries.yml", "salary_bands")
    assert report.counts["skills"] == _count("skills.yml", "skills")
    for table, change in report.changes.items():
        assert (change.added, change.updated, change.removed) == (report.counts[table], 0, 0)


def test_loaded_roles_match_roles_yml(session_factory):
    load_knowledge(session_factory)
    written = _yaml("roles.yml")["roles"]

    with session_factory() as session:
        for item in written:
            role = queries.get_role(session, item["slug"])
            assert role is not None
            assert (role.title, role.track, role.rank, role.pay_level, role.summary) == (
                item["title"], item["track"], item.get("rank"), item.get("pay_level"),
                item["summary"])
        assert {r.slug for r in queries.list_roles(session, SLUG)} == {i["slug"] for i in written}


def test_loaded_salary_bands_match_salaries_yml(session_factory):
    load_knowledge(session_factory)
    written = _yaml("salaries.yml")["salary_bands"]

    with session_factory() as session:
        bands = queries.salary_bands(session, SLUG)
    assert [(b.level, b.label, b.min_gbp, b.max_gbp, b.max_open, b.approximate) for b in bands] == [
        (i["level"], i["label"], i.get("min"), i.get("max"), i.get("max_open", False),
         i.get("approximate", False)) for i in written]


def test_loaded_qualifications_certifications_and_skills_match_their_yaml(session_factory):
    load_knowledge(session_factory)
    quals = _yaml("qualifications.yml")
    skills = _yaml("skills.yml")["skills"]

    with session_factory() as session:
        assert [(q.slug, q.name, q.kind, q.framework_level, list(q.subjects))
                for q in queries.qualifications(session, SLUG)] == [
            (i["slug"], i["name"], i["kind"], i.get("level"), i.get("subjects", []))
            for i in quals["qualifications"]]
        assert [(c.slug, c.name, c.provider) for c in queries.certifications(session, SLUG)] == [
            (i["slug"], i["name"], i["provider"]) for i in quals["certifications"]]
        assert [(s.slug, s.name, s.kind, s.why) for s in queries.skills(session, SLUG)] == [
            (i["slug"], i["name"], i["kind"], i["why"]) for i in skills]
        assert [f.text for f in queries.facts(session, "entry-requirement", SLUG)] == [
            i["text"] for i in quals["entry_requirements"]]


def test_loaded_routes_and_facts_match_their_yaml(session_factory):
    load_knowledge(session_factory)
    routes = _yaml("routes.yml")
    career = _yaml("career.yml")

    with session_factory() as session:
        assert [(r.slug, r.kind, list(r.for_stages)) for r in queries.entry_routes(session, SLUG)] == [
            (i["slug"], i["kind"], i["for_stages"]) for i in routes["entry_routes"]]
        moves = queries.moves(session, career=SLUG)
        assert [(m.slug, m.kind, m.from_role.slug, m.to_role.slug) for m in moves] == [
            (i["slug"], i["kind"], i["from"], i["to"]) for i in routes["progression_routes"]]
        assert [f.text for f in queries.responsibilities(session, SLUG)] == [
            i["text"] for i in career["responsibilities"]]
        assert [f.text for f in queries.facts(session, "works-with", SLUG)] == [
            i["team"] for i in career["works_with"]]
        info = queries.get_career(session, SLUG)
        assert (info.slug, info.name, info.main_role) == (
            career["career"]["slug"], career["career"]["name"], career["career"]["main_role"])


# -- idempotence --------------------------------------------------------------------------------
def test_second_load_changes_nothing_and_says_so(session_factory):
    first = load_knowledge(session_factory)
    before = snapshot(session_factory)

    second = load_knowledge(session_factory)

    assert second.changed is False
    assert all(change.total == 0 for change in second.changes.values())
    assert second.summary().startswith("Knowledge already up to date; nothing changed")
    assert "added" not in second.summary()
    assert second.counts == first.counts
    assert snapshot(session_factory) == before


# -- edits --------------------------------------------------------------------------------------
def test_editing_one_salary_figure_updates_exactly_one_row(session_factory, content_copy):
    load_knowledge(session_factory, content_copy)
    edit(content_copy / CAREER_DIR / "salaries.yml", "    max: 55000\n", "    max: 56500\n")

    report = load_knowledge(session_factory, content_copy)

    assert report.changed is True
    change = report.changes["salary_bands"]
    assert (change.added, change.updated, change.removed) == (0, 1, 0)
    _untouched_except(report, "salary_bands")
    assert "~1 updated" in report.summary()
    with session_factory() as session:
        mid = queries.salary_for(session, "mid", SLUG)
        assert (mid.min_gbp, mid.max_gbp) == (29000, 56500)


def test_editing_a_role_title_updates_one_row_and_the_new_title_is_found(session_factory,
                                                                            content_copy):
    load_knowledge(session_factory, content_copy)
    edit(content_copy / CAREER_DIR / "roles.yml", "title: E-commerce specialist\n",
         "title: E-commerce executive\n")

    report = load_knowledge(session_factory, content_copy)

    assert (report.changes["roles"].added, report.changes["roles"].updated,
            report.changes["roles"].removed) == (0, 1, 0)
    _untouched_except(report, "roles")
    with session_factory() as session:
        assert queries.get_role(session, "ecommerce-specialist").title == "E-commerce executive"
        assert queries.find_role(session, "ecommerce executive").slug == "ecommerce-specialist"


def test_adding_a_synonym_adds_one_row(session_factory, content_copy):
    load_knowledge(session_factory, content_copy)
    edit(content_copy / CAREER_DIR / "roles.yml", "online retail specialist]",
         "online retail specialist, web shop specialist]")

    report = load_knowledge(session_factory, content_copy)

    assert report.changes["role_synonyms"].added == 1
    _untouched_except(report, "role_synonyms")
    with session_factory() as session:
        assert queries.find_role(session, "web shop specialist").slug == "ecommerce-specialist"


# -- removals -----------------------------------------------------------------------------------
def test_removing_a_certification_removes_it_and_its_synonyms(session_factory, content_copy):
    first = load_knowledge(session_factory, content_copy)
    path = content_copy / CAREER_DIR / "qualifications.yml"
    text = path.read_text(encoding="utf-8")
    block = text[text.index("  - slug: facebook-blueprint"):]
    synonym_count = len(yaml.safe_load(text)["certifications"][-1]["synonyms"])
    edit(path, block, "")

    report = load_knowledge(session_factory, content_copy)

    assert report.changes["certifications"].removed == 1
    assert report.changes["certification_synonyms"].removed == synonym_count
    _untouched_except(report, "certifications", "certification_synonyms")
    assert report.counts["certifications"] == first.counts["certifications"] - 1
    with session_factory() as session:
        assert [c.slug for c in queries.certifications(session, SLUG)] == ["google-analytics-iq"]


def test_removing_a_role_and_its_route_removes_both(session_factory, content_copy):
    load_knowledge(session_factory, content_copy)
    roles = content_copy / CAREER_DIR / "roles.yml"
    routes = content_copy / CAREER_DIR / "routes.yml"
    roles_text = roles.read_text(encoding="utf-8")
    (consultant,) = [r for r in yaml.safe_load(roles_text)["roles"] if r["slug"] == "ecommerce-consultant"]
    spellings = read_content(content_copy)[1].spellings
    spelled = set().union(*(spellings.variants(s) for s in consultant["synonyms"]))
    edit(roles, roles_text[roles_text.index("  - slug: ecommerce-consultant"):], "")
    routes_text = routes.read_text(encoding="utf-8")
    start = routes_text.index("  - slug: become-consultant")
    edit(routes, routes_text[start:routes_text.index("support:")], "\n")

    report = load_knowledge(session_factory, content_copy)

    assert report.changes["roles"].removed == 1
    assert report.changes["progression_routes"].removed == 1
    # its synonyms in every spelling the vocabulary groups ("e-com consultant", ...), and its
    # generic titles as written: 2 synonyms in 6 spellings of e-commerce (6 rows) and 3 titles
    assert report.changes["role_synonyms"].removed == len(spelled) + len(consultant["generic_titles"]) == 9
    with session_factory() as session:
        assert queries.get_role(session, "ecommerce-consultant") is None
        assert queries.find_role(session, "freelancer", SLUG) is None
        assert "become-consultant" not in [m.slug for m in queries.moves(session, career=SLUG)]


# -- all or nothing -----------------------------------------------------------------------------
def _break_salaries(content: Path) -> None:
    edit(content / CAREER_DIR / "salaries.yml", "    min: 29000\n", "    min: lots\n")


def test_content_with_one_bad_file_loads_nothing_into_an_empty_database(session_factory,
                                                                        content_copy):
    _break_salaries(content_copy)
    before = snapshot(session_factory)

    with pytest.raises(ContentError):
        load_knowledge(session_factory, content_copy)

    assert snapshot(session_factory) == before
    assert all(rows == [] for rows in before.values())


def test_content_with_one_bad_file_leaves_previously_loaded_content_as_it_was(session_factory,
                                                                             content_copy):
    load_knowledge(session_factory, content_copy)
    before = snapshot(session_factory)
    # A valid edit in one file and a broken value in another: neither may reach the database.
    edit(content_copy / CAREER_DIR / "roles.yml", "title: E-commerce specialist\n",
         "title: E-commerce executive\n")
    _break_salaries(content_copy)

    with pytest.raises(ContentError) as caught:
        load_knowledge(session_factory, content_copy)

    assert [p.path.name for p in caught.value.problems] == ["salaries.yml"]
    assert snapshot(session_factory) == before
    with session_factory() as session:
        assert queries.get_role(session, "ecommerce-specialist").title == "E-commerce specialist"


def test_failure_part_way_through_a_load_rolls_everything_back(session_factory, content_copy,
                                                               monkeypatch):
    load_knowledge(session_factory, content_copy)
    before = snapshot(session_factory)
    edit(content_copy / CAREER_DIR / "salaries.yml", "    max: 55000\n", "    max: 56500\n")
    text = (content_copy / CAREER_DIR / "qualifications.yml").read_text(encoding="utf-8")
    edit(content_copy / CAREER_DIR / "qualifications.yml",
         text[text.index("  - slug: facebook-blueprint"):], "")

    def fail(_self):  # type: ignore[no-untyped-def]
        raise RuntimeError("database went away")

    monkeypatch.setattr("knowledge.loader._Syncer.remove_stale", fail)
    with pytest.raises(RuntimeError, match="database went away"):
        load_knowledge(session_factory, content_copy)

    assert snapshot(session_factory) == before
