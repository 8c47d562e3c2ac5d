"""Every public read function in knowledge.queries, against the real content."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
import yaml
from sqlalchemy.orm import Session

from knowledge import queries
from knowledge.content import CONTENT_DIR
from knowledge.db import make_session_factory
from knowledge.loader import load_knowledge
from knowledge.models import FACT_TOPICS
from tests.support.content import CAREER_DIR, edit
from tests.support.databases import sqlite_url

CAREER = CAREER_DIR.name
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
def test_get_career_needs_a_name_when_several_careers_are_loaded(session):
    with pytest.raises(LookupError, match="several careers are loaded"):
        queries.get_career(session)

    career = queries.get_career(session, CAREER)

    assert (career.slug, career.name, career.main_role) == (
        "ecommerce-management", "E-commerce management", "ecommerce-manager")
    assert career.citation.source == SOURCE_TITLE
    assert career.citation.section == "What does an e-commerce manager actually do day-to-day?"
    assert queries.get_career(session, CAREER) == career


def test_get_career_with_an_unknown_slug_raises_lookup_error(session):
    with pytest.raises(LookupError, match="unknown career 'nursing'"):
        queries.get_career(session, "nursing")


def test_list_careers_lists_the_eight_careers_in_load_order_with_their_names(session):
    assert [(c.slug, c.name) for c in queries.list_careers(session)] == [
        ("data-analysis", "Data analysis"),
        ("digital-marketing", "Digital marketing"),
        ("ecommerce-management", "E-commerce management"),
        ("marketing-management", "Marketing management"),
        ("merchandising", "Retail merchandising"),
        ("retail-buying", "Retail buying"),
        ("retail-management", "Retail management"),
        ("social-media-management", "Social media management")]


def test_responsibilities_are_in_content_order(session):
    tasks = queries.responsibilities(session, CAREER)

    assert len(tasks) == 8
    assert tasks[0].text == "Plan strategies that raise brand awareness and grow online sales."
    assert tasks[-1].text == "Make business decisions that fit the company's wider goals."
    assert {t.topic for t in tasks} == {"responsibility"}


@pytest.mark.parametrize(("topic", "count"), [
    ("responsibility", 8), ("works-with", 3), ("importance", 4), ("entry-requirement", 4),
    ("pay-factor", 3), ("networking", 1), ("mentoring", 1), ("outlook", 1)])
def test_facts_has_statements_for_every_topic(session, topic, count):
    assert topic in FACT_TOPICS
    found = queries.facts(session, topic, CAREER)

    assert len(found) == count
    assert all(f.topic == topic and f.text for f in found)
    assert all(f.citation.source == SOURCE_TITLE for f in found)


def test_pay_factor_facts_carry_their_titles(session):
    assert [f.title for f in queries.facts(session, "pay-factor", CAREER)] == [
        "Experience", "Company size", "Location"]


def test_works_with_lists_the_teams(session):
    teams = [f.text for f in queries.facts(session, "works-with", CAREER)]

    assert teams == ["Marketing", "IT", "Logistics"]


def test_fact_can_take_its_section_from_the_item(session):
    requirements = queries.facts(session, "entry-requirement", CAREER)

    assert requirements[0].citation.section.startswith("Academic requirements")
    assert requirements[-1].citation.section.startswith("Building experience")


def test_unknown_topic_has_no_facts(session):
    assert queries.facts(session, "astrology", CAREER) == []


# -- roles --------------------------------------------------------------------------------------
def test_list_roles_puts_the_ladder_first_in_rank_order(session):
    roles = queries.list_roles(session, CAREER)

    assert [r.slug for r in roles][:5] == LADDER
    assert [r.rank for r in roles][:5] == [1, 2, 3, 4, 5]
    assert len(roles) == 12
    assert all(r.rank is None for r in roles[5:])


def test_list_roles_filters_by_track(session):
    assert [r.slug for r in queries.list_roles(session, CAREER, track="independent")] == [
        "online-business-owner", "ecommerce-consultant"]
    assert len(queries.list_roles(session, CAREER, track="specialisation")) == 5


def test_ladder_is_the_five_ladder_roles(session):
    assert [r.slug for r in queries.ladder(session, CAREER)] == LADDER


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
    managers = queries.roles_with_title(session, "manager")
    assert [r.slug for r in managers if r.career == CAREER] == ["ecommerce-manager"]
    assert len({r.career for r in managers}) == len(managers)  # one role per career at most


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
    assert len(queries.moves(session, career=CAREER)) == 11
    assert [m.slug for m in queries.moves(session, kind="independent", career=CAREER)] == [
        "start-online-business", "become-consultant"]
    vertical = queries.moves(session, kind="vertical", career=CAREER)
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
    band = queries.salary_for(session, level, CAREER)

    assert (band.level, band.min_gbp, band.max_gbp, band.max_open, band.approximate) == (
        level, low, high, open_top, approximate)
    assert band.citation.source == SOURCE_TITLE
    assert band.citation.section == "Typical salary expectations and how they scale with experience"


def test_salary_for_unknown_level_is_none(session):
    assert queries.salary_for(session, "intern", CAREER) is None


def test_salary_bands_are_in_content_order(session):
    assert [b.level for b in queries.salary_bands(session, CAREER)] == [
        "entry", "entry-qualified", "mid", "senior", "director", "experienced"]


@pytest.mark.parametrize(("role", "level"), [
    ("ecommerce-associate", "entry"), ("ecommerce-manager", "mid"),
    ("senior-ecommerce-manager", "senior"), ("director-of-ecommerce", "director")])
def test_salary_for_role_follows_the_role_pay_level(session, role, level):
    band = queries.salary_for_role(session, role)

    assert band == queries.salary_for(session, level, CAREER)


@pytest.mark.parametrize("role", ["ecommerce-specialist", "seo-ecommerce-manager", "no-such-role"])
def test_salary_for_role_is_none_when_the_source_links_no_pay(session, role):
    assert queries.salary_for_role(session, role) is None


def test_overall_pay_range_spans_entry_to_open_director_top(session):
    assert queries.overall_pay_range(session, CAREER) == (16000, 142000, True)


# -- qualifications, certifications, skills, routes, sources ----------------------------------
def test_qualifications_are_listed_in_content_order(session):
    assert [q.slug for q in queries.qualifications(session, CAREER)] == [
        "relevant-degree", "marketing-degree-apprenticeship",
        "digital-marketer-degree-apprenticeship", "t-level", "btec", "vocational-qualification"]


def test_degree_lists_its_subjects(session):
    (degree,) = queries.qualifications(session, CAREER, kind="degree")

    assert degree.subjects == ("Business management", "Marketing", "Fashion buying",
                               "Retail business management")
    assert degree.framework_level is None


def test_marketing_degree_apprenticeship_is_level_6_and_pays_about_20000(session):
    apprenticeships = queries.qualifications(session, CAREER, kind="degree-apprenticeship")
    marketing = next(q for q in apprenticeships if q.slug == "marketing-degree-apprenticeship")

    assert [q.framework_level for q in apprenticeships] == [6, 6]
    assert marketing.apprentice_pay_min_gbp == 20000
    assert marketing.apprentice_pay_approximate is True
    assert "£20,000" in marketing.apprentice_pay_note


def test_digital_marketer_apprenticeship_has_no_exact_pay(session):
    digital = queries.qualifications(session, CAREER, kind="degree-apprenticeship")[1]

    assert digital.apprentice_pay_min_gbp is None
    assert "no exact figure" in digital.apprentice_pay_note


def test_alternatives_to_a_levels_and_vocational_kinds(session):
    assert [q.slug for q in queries.qualifications(session, CAREER, kind="alternative-to-a-levels")] == [
        "t-level", "btec"]
    assert [q.slug for q in queries.qualifications(session, CAREER, kind="vocational")] == [
        "vocational-qualification"]


def test_certifications_name_their_providers(session):
    assert [(c.slug, c.name, c.provider) for c in queries.certifications(session, CAREER)] == [
        ("google-analytics-iq", "Google Analytics IQ", "Google"),
        ("facebook-blueprint", "Facebook Blueprint", "Facebook (Meta)")]


def test_skills_split_into_technical_and_soft(session):
    technical = queries.skills(session, CAREER, kind="technical")
    soft = queries.skills(session, CAREER, kind="soft")

    assert len(technical) == 6 and len(soft) == 8
    assert technical[0].name == "SEO and SEM"
    assert {s.kind for s in technical} == {"technical"}
    assert {s.kind for s in soft} == {"soft"}
    assert len(queries.skills(session, CAREER)) == 14


@pytest.mark.parametrize(("text", "slug"), [
    ("do I need SEO?", "seo-sem"),
    ("budgeting", "budgeting"),
    ("Budgetting", "budgeting"),
    ("how good does my teamwork need to be", "teamwork"),
    ("Google Analytics", "google-analytics"),
])
def test_find_skill_finds_a_skill_by_name_synonym_or_in_a_question(session, text, slug):
    skill = queries.find_skill(session, text, CAREER)

    assert skill is not None and skill.slug == slug
    assert skill.why


@pytest.mark.parametrize("career", [CAREER, "retail-buying", None])
def test_find_skill_returns_none_for_unknown_skills(session, career):
    """Within one career or across them all, a word naming no skill finds none."""
    assert queries.find_skill(session, "juggling", career) is None


def test_entry_routes_filter_by_learner_stage(session):
    assert len(queries.entry_routes(session, CAREER)) == 7
    assert [r.slug for r in queries.entry_routes(session, CAREER, stage="graduate")] == [
        "digital-marketing-associate", "ecommerce-assistant", "graduate-scheme",
        "free-online-courses"]
    assert [r.slug for r in queries.entry_routes(session, CAREER, stage="school")] == [
        "retail-or-marketing-assistant", "ecommerce-assistant", "work-experience",
        "volunteering", "free-online-courses"]
    assert queries.entry_routes(session, CAREER, stage="retired") == []


def test_sources_lists_the_guide(session):
    (source,) = queries.sources(session, CAREER)

    assert source.slug == "ecommerce-manager-guide"
    assert source.short_title == SOURCE_TITLE
    assert source.document == "shared/sources/ecommerce-manager-career-guide.txt"
    assert source.title.startswith("How to Become an E-Commerce Manager")


def test_sources_of_a_career_are_only_the_ones_its_facts_cite(session):
    buying = queries.sources(session, "retail-buying")

    # retail-buyer-33 is listed in sources.yml but no buying fact cites it
    assert [s.slug for s in buying] == [f"retail-buyer-{n}" for n in range(1, 35) if n != 33]
    assert {s.document for s in buying} == {"shared/sources/retail-buyer.md"}
    assert "ecommerce-manager-guide" not in {s.slug for s in buying}
    per_career = [queries.sources(session, c.slug) for c in queries.list_careers(session)]
    every = queries.sources(session)
    assert sum(len(found) for found in per_career) == len(every)
    assert {s for found in per_career for s in found} == set(every)


def test_citation_line_mentions_the_source_short_title_and_section(session):
    band = queries.salary_for(session, "mid", CAREER)

    section = "Typical salary expectations and how they scale with experience"
    assert band.citation.line() == f"Source: {SOURCE_TITLE} ({section})"
    assert band.citation.document == "shared/sources/ecommerce-manager-career-guide.txt"
    assert queries.Citation(SOURCE_TITLE).line() == f"Source: {SOURCE_TITLE}"


def test_every_fact_kind_carries_a_citation_to_the_source(session):
    cited = [queries.get_career(session, CAREER), *queries.list_roles(session, CAREER),
             *queries.salary_bands(session, CAREER), *queries.qualifications(session, CAREER),
             *queries.certifications(session, CAREER), *queries.skills(session, CAREER),
             *queries.entry_routes(session, CAREER), *queries.moves(session, career=CAREER)]

    assert all(SOURCE_TITLE in item.citation.line() for item in cited)


# -- across careers -----------------------------------------------------------------------------
BUYER_SHEET = "shared/sources/retail-buyer.md"


def test_queries_about_one_career_need_its_name_when_several_are_loaded(session):
    for query in (queries.salary_bands, queries.list_roles, queries.related_careers, queries.gaps,
                  queries.skills, queries.entry_routes):
        with pytest.raises(LookupError, match="several careers are loaded"):
            query(session)


def test_salaries_at_gives_every_sources_band_at_one_level_in_content_order(session):
    bands = queries.salaries_at(session, "entry", "retail-buying")

    assert [(b.label, b.min_gbp, b.max_gbp, b.citation.source, b.year) for b in bands] == [
        ("Starter", 18000, 30000, "National Careers Service", None),
        ("Starting salary (older profile)", 12000, None, "cross-stitch-centre.co.uk", None),
        ("Junior buyer, starting", 18000, 25000, "Prospects", None),
        ("Junior buyer or buyer's assistant", 25000, 35000, "fnfcampustour.com", None),
        ("Buyer's admin assistant, London start", 20835, 20835, "Fashion & Retail Personnel", 2012),
        ("Junior buyer, high street womenswear", 28000, 32000, "Drapers", None),
        ("Junior buying role", 16000, 25000, "Retail Appointment", None),
        ("Buying and merchandising assistant (median)", 33133, 33133,
         "Institute for Apprenticeships and Technical Education", None),
        ("Buyer's admin assistant, London", 16000, 20000, "livvym1994.blogspot.com", 2011),
        ("Assistant buyer, London", 20000, 28000, "livvym1994.blogspot.com", 2011),
        ("Junior buyer, London", 28000, 35000, "livvym1994.blogspot.com", 2011)]
    written = yaml.safe_load((CONTENT_DIR / "careers" / "retail-buying" / "salaries.yml")
                             .read_text(encoding="utf-8"))["salary_bands"]
    assert [b.label for b in bands] == [i["label"] for i in written if i["level"] == "entry"]
    assert {b.level for b in bands} == {"entry"}
    assert {b.citation.document for b in bands} == {BUYER_SHEET}
    assert [b.measure for b in bands if b.measure] == ["average", "median"]
    assert queries.salary_for(session, "entry", "retail-buying") == bands[0]


def test_a_bands_own_year_wins_over_its_sources_year(session):
    graduate = queries.salaries_at(session, "graduate", "retail-buying")

    # TARGETjobs' 2019-20 round (source dated 2018) says 2019 on its bands; the 2021-22 round does not
    assert [(b.label, b.min_gbp, b.year) for b in graduate] == [
        ("Lidl buying graduate programme", 37000, 2019),
        ("Boots commercial programme (buying and marketing)", 26000, 2019),
        ("Tesco food and procurement programmes", 28000, 2019),
        ("Lidl buying graduate programme", 37000, 2021),
        ("Next buying and merchandising schemes", 23700, 2021)]


def test_salaries_at_a_level_a_career_does_not_give_is_empty(session):
    assert queries.salaries_at(session, "graduate", CAREER) == []
    assert queries.salaries_at(session, "entry", CAREER) == [queries.salary_for(session, "entry", CAREER)]


def test_salaries_for_role_gives_the_bands_naming_the_role_before_its_levels(session):
    junior = queries.salaries_for_role(session, "junior-buyer")

    assert queries.get_role(session, "junior-buyer").pay_level == "entry"
    assert [(b.label, b.citation.source) for b in junior] == [
        ("Junior buyer, starting", "Prospects"),
        ("Junior buyer or buyer's assistant", "fnfcampustour.com"),
        ("Junior buyer, high street womenswear", "Drapers"),
        ("Junior buyer, London", "livvym1994.blogspot.com")]
    assert {b.role_slug for b in junior} == {"junior-buyer"}
    assert queries.salary_for_role(session, "junior-buyer") == junior[0]
    # a role with a figure of its own but no level, and one with neither
    assert [b.label for b in queries.salaries_for_role(session, "head-of-buying")] == [
        "Head of buying, London"]
    assert queries.salaries_for_role(session, "footwear-buyer") == []
    assert queries.salaries_for_role(session, "no-such-role") == []


def test_salaries_for_a_role_no_band_names_are_its_levels_bands(session):
    assert queries.salaries_for_role(session, "ecommerce-manager") == queries.salaries_at(
        session, "mid", CAREER)
    purchasing = queries.salaries_for_role(session, "purchasing-manager")
    assert purchasing == queries.salaries_at(session, "senior", "retail-buying")
    assert len(purchasing) == 5


def test_related_careers_are_in_content_order_with_slugs_for_careers_the_kb_holds(session):
    related = queries.related_careers(session, "retail-buying")

    assert [(r.slug, r.name) for r in related] == [
        ("merchandising", "Retail merchandiser"), (None, "Visual merchandiser"),
        (None, "Designer"), ("ecommerce-management", "E-commerce manager"),
        (None, "Supply chain"), (None, "Purchasing manager"),
        ("retail-management", "Retail manager")]
    assert related[0].text.startswith("The closest partner job")
    assert related[0].citation.source == "Graduate Recruitment Bureau (GRB)"
    assert {r.citation.document for r in related} == {BUYER_SHEET}
    assert all(r.text for r in related)


def test_buyer_and_merchandiser_name_each_other_as_related(session):
    assert queries.related_careers(session, "merchandising")[0].slug == "retail-buying"
    assert queries.related_careers(session, "retail-buying")[0].slug == "merchandising"


def test_gaps_say_what_the_sources_lack_optionally_on_one_topic(session):
    assert [(g.topic, g.text) for g in queries.gaps(session, "retail-buying")] == [
        ("qualifications", "The sources found no T Level made for buying."),
        ("apprenticeships", "The sources do not say how long the buying and merchandising "
                            "assistant apprenticeship (ST0683) takes or what grades you need to start it."),
        ("pay", "The sources give no pay figure for buying apprentices.")]
    assert queries.gaps(session, "retail-buying", "pay") == [
        queries.GapInfo("pay", "The sources give no pay figure for buying apprentices.")]
    assert queries.gaps(session, "retail-buying", "astrology") == []
    assert queries.gaps(session, CAREER) == []


def test_stages_for_a_career_are_the_stages_its_entry_routes_suit_in_vocabulary_order(session):
    every = [s.key for s in queries.stages(session)]
    buying = [s.key for s in queries.stages_for(session, "retail-buying")]

    assert every == ["school", "university", "graduate", "retail", "marketing", "admin",
                     "data-or-it", "customer-service"]
    assert buying == ["school", "university", "graduate", "retail", "admin", "customer-service"]
    suited = {stage for r in queries.entry_routes(session, "retail-buying") for stage in r.for_stages}
    assert set(buying) == suited
    (retail,) = [s for s in queries.stages_for(session, "retail-buying") if s.key == "retail"]
    assert (retail.label, retail.as_someone, retail.origin) == (
        "Working in retail", "working in retail", "retail")


@pytest.mark.parametrize(("text", "careers"), [
    ("store manager or merchandiser?", ["retail-management", "merchandising"]),
    ("merchandiser or store manager?", ["merchandising", "retail-management"]),
    ("is retail buying or merchandising better paid than being a merchandiser?",
     ["retail-buying", "merchandising"]),
    ("I like gardening", []),
])
def test_careers_in_text_lists_every_career_named_in_order_of_mention(session, text, careers):
    assert [c.slug for c in queries.careers_in_text(session, text)] == careers


def test_cached_answers_follow_a_reload_and_a_recreated_database(tmp_path, content_copy):
    """Query results are reused between sessions, but never after the knowledge changed."""
    path = tmp_path / "knowledge.db"
    factory = make_session_factory(sqlite_url(path))
    load_knowledge(factory, content_copy)
    with factory() as session:
        assert queries.salary_for(session, "mid", CAREER).max_gbp == 55000
    with factory() as session:  # answered from the cache: the same immutable record
        first = queries.salary_for(session, "mid", CAREER)
        assert first is queries.salary_for(session, "mid", CAREER)

    edit(content_copy / CAREER_DIR / "salaries.yml", "    max: 55000\n", "    max: 56500\n")
    load_knowledge(factory, content_copy)
    with factory() as session:
        assert queries.salary_for(session, "mid", CAREER).max_gbp == 56500

    factory.kw["bind"].dispose()
    path.unlink()
    edit(content_copy / CAREER_DIR / "salaries.yml", "    max: 56500\n", "    max: 57000\n")
    factory = make_session_factory(sqlite_url(path))
    load_knowledge(factory, content_copy)
    with factory() as session:
        assert queries.salary_for(session, "mid", CAREER).max_gbp == 57000
    factory.kw["bind"].dispose()


def test_cached_lists_can_be_changed_by_the_caller_without_changing_the_cache(loaded_factory):
    """A caller sorting or trimming a returned list does not alter later answers."""
    with loaded_factory() as session:
        roles = queries.ladder(session, CAREER)
        count = len(roles)
        roles.clear()
    with loaded_factory() as session:
        assert len(queries.ladder(session, CAREER)) == count > 0
