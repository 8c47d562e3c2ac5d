"""Every numbered source of the careers fact sheets is in sources.yml, with its address and year."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from knowledge.content import read_content

REPO_ROOT = Path(__file__).resolve().parents[2]
SHEETS = REPO_ROOT.parent / "shared" / "sources"
NUMBERED = re.compile(r"^\[(\d+)\] .*?(https?://\S+?)(?:[\s,(]|$)", re.MULTILINE)


def _sheets() -> list[Path]:
    if not SHEETS.is_dir():
        pytest.skip(f"{SHEETS} is not beside this clone (../shared/sources): the sheets cannot be checked")
    return sorted(SHEETS.glob("*.md"))


def _entries() -> dict[str, dict[str, object]]:
    content, _vocabulary = read_content()
    return {row.values["slug"]: row.values for row in content.rows("sources")}


def test_every_numbered_source_of_every_sheet_is_an_entry_with_its_address() -> None:
    entries = _entries()
    sheets = _sheets()
    assert len(sheets) >= 7
    for sheet in sheets:
        listed = NUMBERED.findall(sheet.read_text(encoding="utf-8").split("## Sources", 1)[1])
        assert listed, sheet
        for number, url in listed:
            entry = entries.get(f"{sheet.stem}-{number}")
            assert entry is not None, f"{sheet.name} [{number}] is not in sources.yml"
            assert entry["url"] == url.rstrip(","), f"{sheet.name} [{number}]"
            assert entry["document"] == f"shared/sources/{sheet.name}"


def test_a_dated_source_keeps_its_year_and_an_undated_one_has_none() -> None:
    _sheets()
    years = [row["year"] for row in _entries().values() if str(row["document"]).endswith(".md")]
    assert any(year is not None for year in years) and any(year is None for year in years)
    assert all(year is None or 1990 <= int(str(year)) <= 2026 for year in years)
