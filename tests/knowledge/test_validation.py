"""Validation: every problem names the file, the line to look at and what is wrong."""
from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.content import ContentError, ContentProblem, read_content
from tests.support.content import CAREER_DIR, edit, line_of


def _problems(content: Path) -> list[ContentProblem]:
    with pytest.raises(ContentError) as caught:
        read_content(content)
    return caught.value.problems


def _only(problems: list[ContentProblem], fragment: str) -> ContentProblem:
    found = [p for p in problems if fragment in p.message]
    assert len(found) == 1, [str(p) for p in problems]
    return found[0]


def test_untouched_content_is_valid(content_copy):
    content, vocabulary = read_content(content_copy)

    assert len([r for r in content.rows("roles") if r.values["career"] == "ecommerce-management"]) == 12
    assert {"school", "university", "graduate", "retail", "marketing", "customer-service"} <= set(
        vocabulary.stages)
    used = {s for r in content.rows("entry_routes") for s in r.values["for_stages"].split()}
    assert used <= set(vocabulary.stages)


def test_an_entry_route_for_an_unknown_stage_is_reported(content_copy):
    edit(content_copy / CAREER_DIR / "routes.yml", "for_stages: [marketing, graduate, university]",
         "for_stages: [marketing, astronaut]")

    problem = _only(_problems(content_copy), "unknown stage")

    assert "'astronaut'" in problem.message and problem.path.name == "routes.yml"


def test_a_related_career_that_is_not_in_the_base_is_reported(content_copy):
    path = content_copy / CAREER_DIR / "career.yml"
    path.write_text(path.read_text(encoding="utf-8") + (
        "related_careers:\n  - career: no-such-career\n    name: Nothing\n    text: Nothing.\n"),
        encoding="utf-8")

    problem = _only(_problems(content_copy), "unknown career")

    assert "'no-such-career'" in problem.message and problem.path.name == "career.yml"


def test_yaml_syntax_error_names_file_and_line(content_copy):
    path = content_copy / CAREER_DIR / "career.yml"
    text = edit(path, "  name: E-commerce management\n", "  name: E-commerce: management\n")

    problem = _only(_problems(content_copy), "YAML syntax error")

    assert problem.path.name == "career.yml"
    assert problem.line == line_of(text, "name: E-commerce: management")
    assert "mapping values are not allowed" in problem.message


def test_badly_indented_key_is_a_syntax_error_at_that_line(content_copy):
    path = content_copy / CAREER_DIR / "roles.yml"
    text = edit(path, "    title: E-commerce specialist\n",
                "    title: E-commerce specialist\n   rank: 9\n")

    problem = _only(_problems(content_copy), "YAML syntax error")

    assert problem.path == path
    assert problem.line == line_of(text, "   rank: 9")


def test_unknown_role_in_progression_route_is_reported_at_its_to_line(content_copy):
    path = content_copy / CAREER_DIR / "routes.yml"
    text = edit(path, "    to: director-of-ecommerce\n", "    to: chief-ecommerce-wizard\n")

    problems = _problems(content_copy)

    problem = _only(problems, "unknown role")
    assert problem.path.name == "routes.yml"
    assert problem.line == line_of(text, "to: chief-ecommerce-wizard")
    assert problem.message == "unknown role 'chief-ecommerce-wizard' (not in roles.yml)"
    assert len(problems) == 1


def test_salary_min_above_max_is_reported_at_the_min_line(content_copy):
    path = content_copy / CAREER_DIR / "salaries.yml"
    text = edit(path, "    min: 29000\n", "    min: 59000\n")

    problem = _only(_problems(content_copy), "above max")

    assert problem.path.name == "salaries.yml"
    assert problem.line == line_of(text, "min: 59000")
    assert problem.message == "salary min 59000 is above max 55000 for level 'mid'"


def test_negative_pay_is_rejected(content_copy):
    path = content_copy / CAREER_DIR / "salaries.yml"
    text = edit(path, "    min: 16000\n", "    min: -16000\n")

    problem = _only(_problems(content_copy), "negative")

    assert (problem.path.name, problem.line) == ("salaries.yml", line_of(text, "min: -16000"))
    assert problem.message == "'min' must not be negative (-16000)"


def test_non_numeric_pay_is_rejected(content_copy):
    path = content_copy / CAREER_DIR / "salaries.yml"
    text = edit(path, "    max: 55000\n", "    max: lots\n")

    problem = _only(_problems(content_copy), "number of pounds")

    assert (problem.path.name, problem.line) == ("salaries.yml", line_of(text, "max: lots"))
    assert problem.message == "'max' must be a number of pounds (like 25000), not 'lots'"


def test_non_numeric_apprentice_pay_is_rejected_at_its_line(content_copy):
    path = content_copy / CAREER_DIR / "qualifications.yml"
    text = edit(path, "      min: 20000\n", "      min: twenty grand\n")

    problem = _only(_problems(content_copy), "number of pounds")

    assert (problem.path.name, problem.line) == ("qualifications.yml",
                                                 line_of(text, "min: twenty grand"))


def test_missing_source_is_reported_for_each_item_without_one(content_copy):
    path = content_copy / CAREER_DIR / "skills.yml"
    edit(path, "source: ecommerce-manager-guide\n", "")
    # One item names its own source, so only the others are missing one.
    text = edit(path, "  - slug: leadership\n",
                "  - slug: leadership\n    source: ecommerce-manager-guide\n")

    problems = [p for p in _problems(content_copy) if "missing source" in p.message]

    item_lines = [n for n, line in enumerate(text.splitlines(), 1) if line.startswith("  - slug:")]
    leadership = line_of(text, "- slug: leadership")
    assert {p.path.name for p in problems} == {"skills.yml"}
    assert sorted(p.line for p in problems) == [n for n in item_lines if n != leadership]
    assert problems[0].line == line_of(text, "- slug: seo-sem")
    assert problems[0].message == ("missing source: give 'source:' on the item or at the top "
                                   "of the file")


def test_unknown_source_is_reported_at_its_line(content_copy):
    path = content_copy / CAREER_DIR / "skills.yml"
    text = edit(path, "source: ecommerce-manager-guide\n", "source: ecommerce-manager-guid\n")

    problems = _problems(content_copy)

    assert {(p.path.name, p.line) for p in problems} == {
        ("skills.yml", line_of(text, "source: ecommerce-manager-guid"))}
    assert problems[0].message == "unknown source 'ecommerce-manager-guid' (not in sources.yml)"


def test_duplicate_slug_points_at_the_second_use_and_names_the_first(content_copy):
    path = content_copy / CAREER_DIR / "roles.yml"
    text = edit(path, "  - slug: ecommerce-specialist\n", "  - slug: ecommerce-associate\n")

    problem = _only(_problems(content_copy), "duplicate")

    first = line_of(text, "- slug: ecommerce-associate")
    second = line_of(text, "- slug: ecommerce-associate", start_line=first + 1)
    assert (problem.path.name, problem.line) == ("roles.yml", second)
    assert problem.message == (
        f"duplicate role slug 'ecommerce-associate' (first used at roles.yml:{first})")


def test_unknown_field_typo_is_reported_at_its_line(content_copy):
    path = content_copy / CAREER_DIR / "roles.yml"
    text = edit(path, "    title: E-commerce specialist\n", "    titel: E-commerce specialist\n")

    problems = _problems(content_copy)

    typo = _only(problems, "unknown field")
    assert (typo.path.name, typo.line) == ("roles.yml", line_of(text, "titel:"))
    assert typo.message == "unknown field 'titel'"
    missing = _only(problems, "missing required field")
    assert missing.message == "missing required field 'title'"
    assert missing.line == line_of(text, "- slug: ecommerce-specialist")


def test_unknown_top_level_key_is_reported(content_copy):
    path = content_copy / CAREER_DIR / "salaries.yml"
    text = edit(path, "pay_factors:\n", "pay_factorz:\n")

    problem = _only(_problems(content_copy), "unknown field")

    assert (problem.path.name, problem.line) == ("salaries.yml", line_of(text, "pay_factorz:"))


def test_unknown_section_on_an_item_is_reported_at_its_line(content_copy):
    path = content_copy / CAREER_DIR / "skills.yml"
    text = edit(path, "    section: soft-skills\n    why: Inspires",
                "    section: soft-skillz\n    why: Inspires")

    problem = _only(_problems(content_copy), "unknown section")

    assert (problem.path.name, problem.line) == ("skills.yml", line_of(text, "soft-skillz"))
    assert problem.message == "unknown section 'soft-skillz' of source 'ecommerce-manager-guide'"


def test_unknown_file_level_section_is_reported_at_the_file_level_line(content_copy):
    path = content_copy / CAREER_DIR / "salaries.yml"
    text = edit(path, "section: salaries\n", "section: pay\n")

    problems = [p for p in _problems(content_copy) if "unknown section" in p.message]

    assert problems
    assert {(p.path.name, p.line) for p in problems} == {
        ("salaries.yml", line_of(text, "section: pay"))}


def test_invalid_choice_lists_the_allowed_values(content_copy):
    path = content_copy / CAREER_DIR / "skills.yml"
    text = edit(path, "    name: Leadership\n    kind: soft\n",
                "    name: Leadership\n    kind: squishy\n")

    problem = _only(_problems(content_copy), "expected one of")

    assert problem.line == line_of(text, "kind: squishy")
    assert problem.message == "'kind' is 'squishy'; expected one of: technical, soft"


def test_problem_renders_as_file_line_message(content_copy):
    path = content_copy / CAREER_DIR / "salaries.yml"
    text = edit(path, "    max: 55000\n", "    max: lots\n")

    with pytest.raises(ContentError) as caught:
        read_content(content_copy)

    rendered = str(caught.value.problems[0])
    assert rendered.endswith(f"salaries.yml:{line_of(text, 'max: lots')}: "
                             "'max' must be a number of pounds (like 25000), not 'lots'")
    assert rendered in str(caught.value)


def test_every_problem_in_every_file_is_reported_together(content_copy):
    salaries = content_copy / CAREER_DIR / "salaries.yml"
    roles = content_copy / CAREER_DIR / "roles.yml"
    salaries_text = edit(salaries, "    min: 16000\n", "    min: -1\n")
    roles_text = edit(roles, "    title: E-commerce specialist\n",
                      "    titel: E-commerce specialist\n")

    located = {(p.path.name, p.line) for p in _problems(content_copy)}

    assert ("salaries.yml", line_of(salaries_text, "min: -1")) in located
    assert ("roles.yml", line_of(roles_text, "titel:")) in located


def test_a_source_year_that_is_not_a_year_is_reported_at_its_line(content_copy):
    path = content_copy / "sources.yml"
    text = edit(path, "    year: 2006\n", "    year: December 2006\n")

    problems = _problems(content_copy)

    assert [(p.path.name, p.line) for p in problems] == [("sources.yml", line_of(text, "year: December 2006"))]
    assert problems[0].message == "'year' must be a year like 2019, not 'December 2006'"


def test_a_role_name_two_careers_use_is_reported(content_copy):
    path = content_copy / "careers" / "retail-buying" / "roles.yml"
    edit(path, "synonyms: [retail buyer, buyer, buyers,", "synonyms: [ecom manager, retail buyer, buyer, buyers,")

    problem = _only(_problems(content_copy), "names roles in two careers")

    assert "ecommerce-manager, retail-buyer" in problem.message and "generic_titles" in problem.message
