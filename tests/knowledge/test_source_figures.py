"""Every pay figure in the source document is in the knowledge base, and nothing else is."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from knowledge import queries
from tests.support.content import CAREER_DIR
from tests.support.money import amounts_in_text, words_to_number

REPO_ROOT = Path(__file__).resolve().parents[2]
SOURCE = REPO_ROOT.parent / "shared" / "sources" / "ecommerce-manager-career-guide.txt"
CAREER = CAREER_DIR.name  # the career whose facts come from SOURCE


@pytest.fixture(scope="module")
def source_text() -> str:
    if not SOURCE.exists():
        pytest.skip(f"{SOURCE} is not beside this clone (../shared/sources): the figures cannot be checked")
    return SOURCE.read_text(encoding="utf-8")


@pytest.fixture
def kb(loaded_factory):  # type: ignore[no-untyped-def]
    with loaded_factory() as session:
        bands = {b.level: b for b in queries.salary_bands(session, CAREER)}
        quals = {q.slug: q for q in queries.qualifications(session, CAREER)}
        documents = {s.document for s in queries.sources(session, CAREER)}
    return bands, quals, documents


def _kb_figures(bands, quals) -> set[int]:  # type: ignore[no-untyped-def]
    figures = {v for b in bands.values() for v in (b.min_gbp, b.max_gbp) if v is not None}
    return figures | {q.apprentice_pay_min_gbp for q in quals.values()
                      if q.apprentice_pay_min_gbp is not None}


# -- the number-word reader itself ---------------------------------------------------------------
@pytest.mark.parametrize(("phrase", "value"), [
    ("sixteen thousand", 16000),
    ("twenty-nine", 29),
    ("twenty five thousand", 25000),
    ("one hundred and forty-two thousand", 142000),
    ("one hundred and twenty thousand", 120000),
    ("seventy-eight thousand", 78000),
    ("hundred", 100),
    ("two hundred and five", 205),
])
def test_words_to_number_reads_english_number_words(phrase, value):
    assert words_to_number(phrase) == value


@pytest.mark.parametrize("phrase", ["", "lots", "twenty and five"])
def test_words_to_number_rejects_non_numbers(phrase):
    with pytest.raises(ValueError):
        words_to_number(phrase)


@pytest.mark.parametrize(("sentence", "amounts"), [
    ("salaries starting around sixteen thousand pounds annually", [16000]),
    ("between twenty-nine and fifty-five thousand pounds", [29000, 55000]),
    ("from fifty-two thousand to over one hundred and twenty thousand pounds", [52000, 120000]),
    ("between seventy-eight thousand and one hundred and forty-two thousand pounds or more",
     [78000, 142000]),
    ("can reach the upper end of sixty thousand pounds annually", [60000]),
    ("around twenty thousand pounds annually for marketing degree apprentices", [20000]),
    ("from ten to twenty thousand", [10000, 20000]),
    ("Level 6 Degree Apprenticeships, one route, £21,500 a year", [21500]),
    ("no figures here at all", []),
])
def test_amounts_in_text_finds_every_money_figure(sentence, amounts):
    assert amounts_in_text(sentence) == amounts


# -- the source against the knowledge base -------------------------------------------------------
def test_source_document_is_the_one_the_knowledge_base_cites(kb):
    _bands, _quals, documents = kb

    assert {Path(d).name for d in documents} == {SOURCE.name}
    if not SOURCE.parent.is_dir():
        pytest.skip(f"{SOURCE.parent} is not beside this clone (../shared/sources)")
    assert SOURCE.is_file()


def test_source_states_the_expected_figures_in_order(source_text):
    assert amounts_in_text(source_text) == [
        20000, 16000, 25000, 29000, 55000, 52000, 120000, 78000, 142000, 60000]


def test_every_figure_in_the_source_is_in_the_knowledge_base(source_text, kb):
    bands, quals, _ = kb
    stated = set(amounts_in_text(source_text))

    assert stated
    assert stated - _kb_figures(bands, quals) == set()


def test_every_figure_in_the_knowledge_base_is_in_the_source(source_text, kb):
    bands, quals, _ = kb

    assert _kb_figures(bands, quals) - set(amounts_in_text(source_text)) == set()


@pytest.mark.parametrize(("level", "low", "high", "open_top"), [
    ("entry", 16000, None, False),
    ("entry-qualified", 25000, None, False),
    ("mid", 29000, 55000, False),
    ("senior", 52000, 120000, True),
    ("director", 78000, 142000, True),
    ("experienced", None, 60000, False),
])
def test_each_band_holds_the_figures_the_source_gives_for_that_level(kb, level, low, high,
                                                                     open_top):
    band = kb[0][level]

    assert (band.min_gbp, band.max_gbp, band.max_open) == (low, high, open_top)


def test_open_ended_bands_are_the_ones_the_source_words_as_over_or_more(source_text, kb):
    bands = kb[0]
    senior = re.search(r"senior positions[^.]*\.", source_text).group(0)
    director = re.search(r"director-level roles[^.]*\.", source_text).group(0)

    assert "over one hundred and twenty thousand" in senior and bands["senior"].max_open
    assert director.rstrip(".").endswith("or more") and bands["director"].max_open
    assert not bands["mid"].max_open


def test_marketing_degree_apprentices_start_around_twenty_thousand(source_text, kb):
    quals = kb[1]
    sentence = re.search(r"[^.]*marketing degree apprentices[^.]*\.", source_text).group(0)

    assert amounts_in_text(sentence) == [20000]
    assert "around" in sentence
    marketing = quals["marketing-degree-apprenticeship"]
    assert (marketing.apprentice_pay_min_gbp, marketing.apprentice_pay_approximate) == (20000, True)
    assert quals["digital-marketer-degree-apprenticeship"].apprentice_pay_min_gbp is None
