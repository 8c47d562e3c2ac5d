"""The code knows no career: no title, slug or synonym from the content appears in Python."""
from __future__ import annotations

import re
from pathlib import Path

from knowledge.content import read_content

REPO_ROOT = Path(__file__).resolve().parents[1]
CODE = [*sorted((REPO_ROOT / "actions").rglob("*.py")), *sorted((REPO_ROOT / "bot").rglob("*.py")),
        *sorted((REPO_ROOT / "knowledge").glob("*.py"))]


def career_words() -> set[str]:
    """Every career name, slug and synonym, and every role's title, slug and own synonyms."""
    content, _vocabulary = read_content()
    words: set[str] = set()
    for row in content.rows("careers"):
        words |= {row.values["name"], row.values["slug"], row.values["main_role_slug"] or ""}
    for row in content.rows("roles"):
        words |= {row.values["title"], row.values["slug"]}
    words |= {r.values["text"] for r in content.rows("career_synonyms")}
    words |= {r.values["text"] for r in content.rows("role_synonyms") if not r.values["generic"]}
    return {w.lower() for w in words if w}


def _pattern(word: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-]){re.escape(word)}(?![\w-])", re.IGNORECASE)


def test_the_content_has_career_words_to_look_for() -> None:
    words = career_words()
    assert len(words) > 100
    assert any(" " in w for w in words) and any("-" in w for w in words)


def test_no_career_word_appears_in_the_code() -> None:
    words = career_words()
    found = []
    for path in CODE:
        text = path.read_text(encoding="utf-8")
        lowered = text.lower()
        for word in words:
            match = _pattern(word).search(text) if word in lowered else None
            if match:
                line = text[:match.start()].count("\n") + 1
                found.append(f"{path.relative_to(REPO_ROOT)}:{line}: {word!r}")
    assert not found, "career words in code:\n" + "\n".join(sorted(found))
