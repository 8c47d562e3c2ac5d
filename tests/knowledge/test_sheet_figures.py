"""Each careers fact sheet against the content: every £ figure in both, each under its own source."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from knowledge.content import Record, read_content
from tests.support.money import pound_figures

REPO_ROOT = Path(__file__).resolve().parents[2]
SHEETS = REPO_ROOT.parent / "shared" / "sources"
SHEET_NAMES = ("data-analyst", "digital-marketer", "marketing-manager", "merchandiser",
               "retail-buyer", "retail-manager", "social-media-manager")
# Structured pay fields, in whole pounds.
_POUND_FIELDS = ("min_gbp", "max_gbp", "apprentice_pay_min_gbp")


def _sheet(name: str) -> str:
    path = SHEETS / f"{name}.md"
    if not path.exists():
        pytest.skip(f"{path} is not beside this clone (../shared/sources): the figures cannot be checked")
    return path.read_text(encoding="utf-8").split("\n## Sources", 1)[0]


@pytest.fixture(scope="module")
def records() -> list[Record]:
    content, _vocabulary = read_content()
    return [row for rows in content.records.values() for row in rows]


def _figures_of(record: Record) -> tuple[set[int], set[int]]:
    """(structured figures, figures written in the record's text), in pence."""
    structured = {record.values[f] * 100 for f in _POUND_FIELDS if record.values.get(f) is not None}
    text = {f for value in record.values.values() if isinstance(value, str)
            for f in pound_figures(value)}
    return structured, text


def _cited(records: list[Record], name: str) -> list[tuple[int, Record]]:
    """Records citing one of the sheet's numbered sources, with that number."""
    found = []
    for record in records:
        source = record.values.get("source")
        match = re.fullmatch(rf"{re.escape(name)}-(\d+)", source or "")
        if match and record.table != "sources":
            found.append((int(match.group(1)), record))
    return found


def _lines_citing(sheet: str, number: int) -> list[str]:
    return [line for line in sheet.splitlines() if f"[{number}]" in line]


@pytest.mark.parametrize("name", SHEET_NAMES)
def test_every_pound_figure_in_the_sheet_is_in_the_content(name: str, records: list[Record]) -> None:
    sheet = _sheet(name)
    held: set[int] = set()
    for _number, record in _cited(records, name):
        structured, text = _figures_of(record)
        held |= structured | text
    stated = set(pound_figures(sheet))

    assert stated, f"{name}.md states no £ figures"
    missing = sorted(stated - held)
    assert not missing, f"{name}.md figures not in the content: {[f'£{p / 100:,.2f}' for p in missing]}"


@pytest.mark.parametrize("name", SHEET_NAMES)
def test_every_figure_in_the_content_is_stated_by_the_source_it_cites(
        name: str, records: list[Record]) -> None:
    sheet = _sheet(name)
    wrong: list[str] = []
    for number, record in _cited(records, name):
        structured, text = _figures_of(record)
        said = {f for line in _lines_citing(sheet, number) for f in pound_figures(line)}
        for figure in sorted((structured | text) - said):
            wrong.append(f"{record.path.name}:{record.line}: £{figure / 100:,.2f} is not on a line "
                         f"of {name}.md citing [{number}]")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("name", SHEET_NAMES)
def test_the_sheet_has_a_career_with_pay_and_its_gaps(name: str, records: list[Record]) -> None:
    _sheet(name)
    cited = _cited(records, name)
    careers = {r.values["career"] for _n, r in cited if "career" in r.values}
    tables: dict[str, Any] = {}
    for _number, record in cited:
        tables[record.table] = tables.get(record.table, 0) + 1

    assert len(careers) == 1, f"{name}.md should feed exactly one career, feeds {careers}"
    for table in ("careers", "roles", "salary_bands", "skills", "entry_routes", "qualifications"):
        assert tables.get(table), f"{name}.md: no {table} cite it"
    gaps = [r for r in records if r.table == "career_gaps" and r.values["career"] in careers]
    if "Gap:" in _sheet(name):
        assert gaps, f"{name}.md marks gaps; the career lists none"
