"""Editing a copy of the knowledge content, and finding the line a fragment is on."""
from __future__ import annotations

from pathlib import Path

CAREER_DIR = Path("careers") / "ecommerce-management"


def edit(path: Path, old: str, new: str) -> str:
    """Replace the single occurrence of `old` in the file with `new`; return the edited text."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path.name}"
    edited = text.replace(old, new)
    path.write_text(edited, encoding="utf-8")
    return edited


def line_of(text: str, fragment: str, start_line: int = 1) -> int:
    """1-based number of the first line (from `start_line`) that contains `fragment`."""
    for number, line in enumerate(text.splitlines(), start=1):
        if number >= start_line and fragment in line:
            return number
    raise AssertionError(f"{fragment!r} not found in the text")
