"""Every public read function in knowledge.queries, against the real content."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from knowledge import queries
from knowledge.db import make_session_factory
from knowledge.loader import load_knowledge
from knowledge.models import FACT_TOPICS
from tests.support.content import CAREER_DIR, edit
from tests.support.databases import sqlite_url

SOURCE_TITLE = "E-commerce manager career guide"
LADDER = ["ecommerce-associate", "ecommerce-specialist", "ecommerce-manager",
          "senior-ecommerce-manager", "director-of-ecommerce"]


@pytest.fixture
def session(loaded_factory) -> Iterator[Session]:
    with loaded_factory() as session:
        yield session


def test_queries_on_an_empty_database_say_no_careers_are_loaded(session_factory):
    with session_factory() as session, pytest.raises(LookupError, match="no careers loaded"):
        queries.get_career(session)


# -- careers and facts --------------------------------------------------------------------------
def test_get_career_returns_the_first_career_with_its_citation(session):
    career = queries.get_career(session)

    assert (career.slug, career.name, career.main_role) == (
        "ecommerce-management", "E-commerce management", "ecommerce-manager")
    assert career.citation.source == SOURCE_TITLE
    assert career.citation.section == "What does an e-commerce manager actually do day-to-day?"
    assert queries.get_career(session, "ecommerce-management") == career


def test_get_career_with_an_unknown_slug_raises_lookup_error(session):
    with pytest.raises(LookupError, match="unknown career 'nursing'"):
        queries.get_career(session, "nursing")


def test_list_careers_lists_the_one_career(session):
    assert [c.slug for c in queries.list_careers(session)] == ["ecommerce-management"]


def test_responsibilities_are_in_content_order(session):
    tasks = queries.responsibilities(session)

    assert len(tasks) == 8
    assert tasks[0].text == "Plan strategies that raise brand awareness and grow online sales."
    assert tasks[-1].text == "Make business decisions that fit the company's wider goals."
    assert {t.topic for t in tasks} == {"responsibility"}


@pytest.mark.parametrize(("topic", "count"), [
    ("responsibility", 8), ("works-with", 3), ("importance", 4), ("entry-requirement", 4),
    ("pay-factor", 3), ("networking", 1), ("mentoring", 1), ("outlook", 1)])
def test_facts_has_statements_for_every_topic(session, topic, count):
    assert topic in FACT_TOPICS
    found = queries.facts(session, topic)

    assert len(found) == count
    assert all(f.topic == topic and f.text for f in found)
    assert all(f.citation.source == SOURCE_TITLE for f in found)


def test_pay_factor_facts_carry_their_titles(session):
    assert [f.title for f in queries.facts(session, "pay-factor")] == [
        "Experience", "Company size", "Location"]


def test_works_with_lists_the_teams(session):
    teams = [f.text for f in queries.facts(session, "works-with")]

    assert teams == ["Marketing", "IT", "Logistics"]


def test_fact_can_take_its_section_from_the_item(session):
    requirements = queries.facts(session, "entry-requirement")

    assert requirements[0].citation.section.startswith("Academic requirements")
    assert requirements[-1].citation.section.startswith("Building experience")


def test_unknown_topic_has_no_facts(session):
    assert queries.facts(session, "astrology") == []


# -- roles --------------------------------------------------------------------------------------
def test_list_roles_puts_the_ladder_first_in_rank_order(session):
    roles = queries.list_roles(session)

    assert [r.slug for r in roles][:5] == LADDER
    assert [r.rank for r in roles][:5] == [1, 2, 3, 4, 5]
    assert len(roles) == 12
    assert all(r.rank is None for r in roles[5:])


def test_list_roles_filters_by_track(session):
    assert [r.slug for r in queries.list_roles(session, track="independent")] == [
        "online-business-owner", "ecommerce-consultant"]
    assert len(queries.list_roles(session, track="specialisation")) == 5


def test_ladder_is_the_five_ladder_roles(session):
    assert [r.slug for r in queries.ladder(session)] == LADDER


def test_get_role_returns_the_role_or_none(session):
    role = queries.get_role(session, "seo-ecommerce-manager")

    assert role.title == "SEO e-commerce manager"
    assert (role.track, role.focus, role.career) == (
        "specialisation", "search engine optimisation", "ecommerce-management")
    assert queries.get_role(session, "astronaut") is None


def test_a_generic_title_names_a_role_only_within_a_career(session):
    assert queries.find_role(session, "director") is None
    assert queries.find_role(session, "director", "ecommerce-management").slug == "director-of-ecommerce"
    assert queries.find_role(session, "freelancer", "ecommerce-management").slug == "ecommerce-consultant"
    assert queries.find_role_in_text(session, "what does a senior manager earn") is None
    found = queries.find_role_in_text(session, "what does a senior manager earn", "ecommerce-management")
    assert found.slug == "senior-ecommerce-manager"
    assert [r.career for r in queries.roles_with_title(session, "manager")] == ["ecommerce-management"]


def test_a_career_is_found_by_name_synonym_slug_or_main_role(session):
    assert queries.find_career_in_text(session, "tell me about ecom jobs").slug == "ecommerce-management"
    assert queries.find_career_by_key(session, "ecommerce-manager").slug == "ecommerce-management"
    assert queries.find_career_by_key(session, "ecommerce-management").slug == "ecommerce-management"
    assert queries.find_career_by_key(session, "astronaut") is None


@pytest.mark.parametrize(("text", "slug"), [
    ("E-commerce manager", "ecommerce-manager"),
    ("ECOMMERCE MANAGER", "ecommerce-manager"),
    ("e-com manager", "ecommerce-manager"),
    ("ecommerce manger", "ecommerce-manager"),
    ("online retail manager", "ecommerce-manager"),
    ("  an E commerce   manager ", "ecommerce-manager"),
    ("Senior ecommerce manger", "senior-ecommerce-manager"),
    ("Director of E-Commerce", "director-of-ecommerce"),
    ("ecommerce-associate", "ecommerce-associate"),
])
def test_find_role_tolerates_case_hyphens_and_typos(session, text, slug):
    role = queries.find_role(session, text)

    assert role is not None and role.slug == slug


@pytest.mark.parametrize("text", ["nurse", "", "   ", "plumber", "software engineer"])
def test_find_role_returns_none_for_unknown_jobs(session, text):
    assert queries.find_role(session, text) is None


@pytest.mark.parametrize(("sentence", "slug"), [
    ("I want to become an e-commerce manager one day", "ecommerce-manager"),
    ("How much does a senior ecommerce manger earn?", "senior-ecommerce-manager"),
    ("What does a Director of E-Commerce do all day?", "director-of-ecommerce"),
    ("I'd like to be an online retail manager.", "ecommerce-manager"),
    ("Could I start as an e-com associate after school?", "ecommerce-associate"),
])
def test_find_role_in_text_finds_the_longest_mention_in_a_sentence(session, sentence, slug):
    role = queries.find_role_in_text(session, sentence)

    assert role is not None and role.slug == slug


def test_find_role_in_text_returns_none_without_a_role(session):
    assert queries.find_role_in_text(session, "I am a nurse and I like gardening") is None


# -- moves --------------------------------------------------------------------------------------
def test_next_rung_climbs_the_ladder_and_stops_at_the_top(session):
    assert [queries.next_rung(session, slug).slug for slug in LADDER[:-1]] == LADDER[1:]
    assert queries.next_rung(session, "director-of-ecommerce") is None
    assert queries.next_rung(session, "seo-ecommerce-manager") is None


def test_moves_from_lists_every_move_out_of_a_role_or_one_kind(session):
    all_moves = queries.moves_from(session, "ecommerce-manager")
    specialisms = queries.moves_from(session, "ecommerce-manager", kind="specialisation")

    assert len(all_moves) == 8
    assert [m.to_role.slug for m in specialisms] == [
        "seo-ecommerce-manager", "social-media-ecommerce-manager",
        "data-driven-ecommerce-manager", "global-ecommerce-manager",
        "multi-channel-ecommerce-manager"]
    assert queries.moves_from(session, "director-of-ecommerce") == []


def test_moves_lists_routes_of_the_career_by_kind(session):
    assert len(queries.moves(session)) == 11
    assert [m.slug for m in queries.moves(session, kind="independent")] == [
        "start-online-business", "become-consultant"]
    vertical = queries.moves(session, kind="vertical")
    steps = list(zip(LADDER, LADDER[1:], strict=False))
    assert [(m.from_role.slug, m.to_role.slug) for m in vertical] == steps


def test_path_between_associate_and_director_is_four_moves_up(session):
    path = queries.path_between(session, "ecommerce-associate", "director-of-ecommerce")

    assert path is not None and len(path) == 4
    assert [m.from_role.slug for m in path] == LADDER[:-1]
    assert [m.to_role.slug for m in path] == LADDER[1:]
    assert {m.kind for m in path} == {"vertical"}


def test_path_between_cannot_go_down_the_ladder(session):
    assert queries.path_between(session, "director-of-ecommerce", "ecommerce-associate") is None


def test_path_between_a_role_and_itself_is_empty(session):
    assert queries.path_between(session, "ecommerce-manager", "ecommerce-manager") == []


def test_path_between_reaches_a_specialism_through_the_manager_rung(session):
    path = queries.path_between(session, "ecommerce-specialist", "global-ecommerce-manager")

    assert [m.slug for m in path] == ["specialist-to-manager", "specialise-global"]


# -- pay ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("level", "low", "high", "open_top", "approximate"), [
    ("entry", 16000, None, False, True),
    ("entry-qualified", 25000, None, False, True),
    ("mid", 29000, 55000, False, False),
    ("senior", 52000, 120000, True, False),
    ("director", 78000, 142000, True, False),
    ("experienced", None, 60000, False, False),
])
def test_salary_for_each_level_gives_the_source_figures(session, level, low, high, open_top,
                                                         approximate):
    band = queries.salary_for(session, level)

    assert (band.level, band.min_gbp, band.max_gbp, band.max_open, band.approximate) == (
        level, low, high, open_top, approximate)
    assert band.citation.source == SOURCE_TITLE
    assert band.citation.section == "Typical salary expectations and how they scale with experience"


def test_salary_for_unknown_level_is_none(session):
    assert queries.salary_for(session, "intern") is None


def test_salary_bands_are_in_content_order(session):
    assert [b.level for b in queries.salary_bands(session)] == [
        "entry", "entry-qualified", "mid", "senior", "director", "experienced"]


@pytest.mark.parametrize(("role", "level"), [
    ("ecommerce-associate", "entry"), ("ecommerce-manager", "mid"),
    ("senior-ecommerce-manager", "senior"), ("director-of-ecommerce", "director")])
def test_salary_for_role_follows_the_role_pay_level(session, role, level):
    band = queries.salary_for_role(session, role)

    assert band == queries.salary_for(session, level)


@pytest.mark.parametrize("role", ["ecommerce-specialist", "seo-ecommerce-manager", "no-such-role"])
def test_salary_for_role_is_none_when_the_source_links_no_pay(session, role):
    assert queries.salary_for_role(session, role) is None


def test_overall_pay_range_spans_entry_to_open_director_top(session):
    assert queries.overall_pay_range(session) == (16000, 142000, True)


# -- qualifications, certifications, skills, routes, sources ----------------------------------
def test_qualifications_are_listed_in_content_order(session):
    assert [q.slug for q in queries.qualifications(session)] == [
        "relevant-degree", "marketing-degree-apprenticeship",
        "digital-marketer-degree-apprenticeship", "t-level", "btec", "vocational-qualification"]


def test_degree_lists_its_subjects(session):
    (degree,) = queries.qualifications(session, kind="degree")

    assert degree.subjects == ("Business management", "Marketing", "Fashion buying",
                               "Retail business management")
    assert degree.framework_level is None


def test_marketing_degree_apprenticeship_is_level_6_and_pays_about_20000(session):
    apprenticeships = queries.qualifications(session, kind="degree-apprenticeship")
    marketing = next(q for q in apprenticeships if q.slug == "marketing-degree-apprenticeship")

    assert [q.framework_level for q in apprenticeships] == [6, 6]
    assert marketing.apprentice_pay_min_gbp == 20000
    assert marketing.apprentice_pay_approximate is True
    assert "£20,000" in marketing.apprentice_pay_note


def test_digital_marketer_apprenticeship_has_no_exact_pay(session):
    digital = queries.qualifications(session, kind="degree-apprenticeship")[1]

    assert digital.apprentice_pay_min_gbp is None
    assert "no exact figure" in digital.apprentice_pay_note


def test_alternatives_to_a_levels_and_vocational_kinds(session):
    assert [q.slug for q in queries.qualifications(session, kind="alternative-to-a-levels")] == [
        "t-level", "btec"]
    assert [q.slug for q in queries.qualifications(session, kind="vocational")] == [
        "vocational-qualification"]


def test_certifications_name_their_providers(session):
    assert [(c.slug, c.name, c.provider) for c in queries.certifications(session)] == [
        ("google-analytics-iq", "Google Analytics IQ", "Google"),
        ("facebook-blueprint", "Facebook Blueprint", "Facebook (Meta)")]


def test_skills_split_into_technical_and_soft(session):
    technical = queries.skills(session, kind="technical")
    soft = queries.skills(session, kind="soft")

    assert len(technical) == 6 and len(soft) == 8
    assert technical[0].name == "SEO and SEM"
    assert {s.kind for s in technical} == {"technical"}
    assert {s.kind for s in soft} == {"soft"}
    assert len(queries.skills(session)) == 14


@pytest.mark.parametrize(("text", "slug"), [
    ("do I need SEO?", "seo-sem"),
    ("budgeting", "budgeting"),
    ("Budgetting", "budgeting"),
    ("how good does my teamwork need to be", "teamwork"),
    ("Google Analytics", "google-analytics"),
])
def test_find_skill_finds_a_skill_by_name_synonym_or_in_a_question(session, text, slug):
    skill = queries.find_skill(session, text)

    assert skill is not None and skill.slug == slug
    assert skill.why


def test_find_skill_returns_none_for_unknown_skills(session):
    assert queries.find_skill(session, "juggling") is None


def test_entry_routes_filter_by_learner_stage(session):
    assert len(queries.entry_routes(session)) == 7
    assert [r.slug for r in queries.entry_routes(session, stage="graduate")] == [
        "digital-marketing-associate", "ecommerce-assistant", "graduate-scheme",
        "free-online-courses"]
    assert [r.slug for r in queries.entry_routes(session, stage="school")] == [
        "retail-or-marketing-assistant", "ecommerce-assistant", "work-experience",
        "volunteering", "free-online-courses"]
    assert queries.entry_routes(session, stage="retired") == []


def test_sources_lists_the_guide(session):
    (source,) = queries.sources(session)

    assert source.slug == "ecommerce-manager-guide"
    assert source.short_title == SOURCE_TITLE
    assert source.document == "shared/sources/ecommerce-manager-career-guide.txt"
    assert source.title.startswith("How to Become an E-Commerce Manager")


def test_citation_line_mentions_the_source_short_title_and_section(session):
    band = queries.salary_for(session, "mid")

    section = "Typical salary expectations and how they scale with experience"
    assert band.citation.line() == f"Source: {SOURCE_TITLE} ({section})"
    assert band.citation.document == "shared/sources/ecommerce-manager-career-guide.txt"
    assert queries.Citation(SOURCE_TITLE).line() == f"Source: {SOURCE_TITLE}"


def test_every_fact_kind_carries_a_citation_to_the_source(session):
    cited = [queries.get_career(session), *queries.list_roles(session),
             *queries.salary_bands(session), *queries.qualifications(session),
             *queries.certifications(session), *queries.skills(session),
             *queries.entry_routes(session), *queries.moves(session)]

    assert all(SOURCE_TITLE in item.citation.line() for item in cited)


def test_cached_answers_follow_a_reload_and_a_recreated_database(tmp_path, content_copy):
    """Query results are reused between sessions, but never after the knowledge changed."""
    path = tmp_path / "knowledge.db"
    factory = make_session_factory(sqlite_url(path))
    load_knowledge(factory, content_copy)
    with factory() as session:
        assert queries.salary_for(session, "mid").max_gbp == 55000
    with factory() as session:  # answered from the cache: the same immutable record
        first = queries.salary_for(session, "mid")
        assert first is queries.salary_for(session, "mid")

    edit(content_copy / CAREER_DIR / "salaries.yml", "    max: 55000\n", "    max: 56500\n")
    load_knowledge(factory, content_copy)
    with factory() as session:
        assert queries.salary_for(session, "mid").max_gbp == 56500

    factory.kw["bind"].dispose()
    path.unlink()
    edit(content_copy / CAREER_DIR / "salaries.yml", "    max: 56500\n", "    max: 57000\n")
    factory = make_session_factory(sqlite_url(path))
    load_knowledge(factory, content_copy)
    with factory() as session:
        assert queries.salary_for(session, "mid").max_gbp == 57000
    factory.kw["bind"].dispose()


def test_cached_lists_can_be_changed_by_the_caller_without_changing_the_cache(loaded_factory):
    """A caller sorting or trimming a returned list does not alter later answers."""
    with loaded_factory() as session:
        roles = queries.ladder(session)
        count = len(roles)
        roles.clear()
    with loaded_factory() as session:
        assert len(queries.ladder(session)) == count > 0
