"""Scoring of the open-questions benchmark: each reply's verdict against its label, shares and a confusion matrix.

Pure functions over `Outcome`s (what one turn's tracker events and reply showed), so they are
tested without servers. Verdicts:

- right: the expected intent's topic; "retrieved" naming an expected source; "not_covered"; a
  topic the case accepts as well (`also`) whose reply says what the case's `says` holds;
- wrong source: "retrieved" for a retrieved case, but the source line names none of its sources;
- declined: the assistant said it could not help ("not_covered" or "out_of_scope") when the
  label was an answer, or "out_of_scope" (not its careers) for a not-covered case;
- confident wrong: an intent or retrieved answer when the label is another topic or not_covered;
- no answer: the turn set no `last_topic` (a clarifying question, a greeting, ...);
- error: the request failed or the assistant apologised instead of answering.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Optional

from bench.open_cases import INTENT, KINDS, NOT_COVERED, RETRIEVED, OpenCase

LAST_TOPIC = "last_topic"
CAREER_KEY = "career"  # the page's career in a user message's metadata (bot/rasa/channels/webchat/history.py)
OUT_OF_SCOPE = "out_of_scope"
# Replies that decline to answer rather than answer some topic.
DECLINING = frozenset({NOT_COVERED, OUT_OF_SCOPE})
NO_TOPIC = "(no topic)"
ERROR = "(error)"
VERDICTS = ("right", "wrong source", "declined", "confident wrong", "no answer", "error")
_SOURCE = "Source: "
_SOURCES = "Sources: "


@dataclass(frozen=True)
class Outcome:
    """What came back for one case: the turn's `last_topic`, the reply's source line, the intent, any error."""

    case: OpenCase
    last_topic: Optional[str]
    source_line: Optional[str] = None
    intent: Optional[str] = None
    error: Optional[str] = None
    career_sent: bool = True
    reply: str = ""


def source_line(texts: Iterable[str]) -> Optional[str]:
    """The last "Source: ..." or "Sources: ..." line of a reply's messages, if any."""
    found = None
    for text in texts:
        for line in text.splitlines():
            line = line.strip()
            if line.startswith((_SOURCE, _SOURCES)):
                found = line
    return found


def names_source(line: Optional[str], short_title: str) -> bool:
    """Whether a source line names a source by its short title ("Source: T (section)" or "Sources: a; b")."""
    if not line:
        return False
    if line.startswith(_SOURCES):
        return short_title in (name.strip() for name in line[len(_SOURCES):].split(";"))
    if line.startswith(_SOURCE):
        named = line[len(_SOURCE):].strip()
        return named == short_title or named.startswith(short_title + " (")
    return False


def read_turn(case: OpenCase, events: Sequence[dict[str, Any]], replies: Sequence[str],
              error: Optional[str] = None) -> Outcome:
    """The outcome of one turn from its stored events (its `user` event first) and the reply's texts.

    `last_topic` is the value the turn's last `last_topic` slot event set (a fresh conversation
    has none before), None when the turn set none.
    """
    user = events[0] if events and events[0].get("event") == "user" else {}
    stored = user.get("metadata")
    metadata: dict[str, Any] = stored if isinstance(stored, dict) else {}
    intent = ((user.get("parse_data") or {}).get("intent") or {}).get("name")
    topics = [e.get("value") for e in events if e.get("event") == "slot" and e.get("name") == LAST_TOPIC]
    topic = topics[-1] if topics and isinstance(topics[-1], str) else None
    if not user and error is None:
        error = "the turn is not in the tracker store"
    return Outcome(case, topic, source_line(replies), intent if isinstance(intent, str) else None, error,
                   metadata.get(CAREER_KEY) == case.career, "\n".join(replies))


def expected_label(case: OpenCase) -> str:
    """The confusion matrix row of a case: its expected topic ("retrieved", "not_covered" or an intent's)."""
    return case.topic


def outcome_label(outcome: Outcome) -> str:
    """The confusion matrix column of an outcome: the topic the reply set, or why there is none."""
    if outcome.error:
        return ERROR
    return outcome.last_topic or NO_TOPIC


def verdict(outcome: Outcome) -> str:
    """One of VERDICTS for an outcome against its case's label (see the module docstring)."""
    case, topic = outcome.case, outcome.last_topic
    if outcome.error:
        return "error"
    if not topic:
        return "no answer"
    if topic in case.also and case.says.casefold() in outcome.reply.casefold():
        return "right"
    if case.kind == NOT_COVERED:
        if topic == NOT_COVERED:
            return "right"
        return "declined" if topic in DECLINING else "confident wrong"
    if topic in DECLINING:
        return "declined"
    if case.kind == RETRIEVED and topic == RETRIEVED:
        right = any(names_source(outcome.source_line, title) for title in case.sources)
        return "right" if right else "wrong source"
    return "right" if topic == case.topic else "confident wrong"


def _share(part: int, whole: int) -> Optional[float]:
    return round(part / whole, 3) if whole else None


def score(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """Shares right per kind, confident wrong topics, verdicts per career and the confusion matrix."""
    judged = [(o, verdict(o)) for o in outcomes]
    by_kind: dict[str, dict[str, Any]] = {}
    for kind in KINDS:
        counts = Counter(v for o, v in judged if o.case.kind == kind)
        total = sum(counts.values())
        by_kind[kind] = {"cases": total, **{v: counts[v] for v in VERDICTS},
                         "right_share": _share(counts["right"], total)}
    by_career: dict[str, Counter[str]] = {}
    for o, v in judged:
        by_career.setdefault(o.case.career, Counter())[v] += 1
    confusion: dict[str, Counter[str]] = {}
    for o in outcomes:
        confusion.setdefault(expected_label(o.case), Counter())[outcome_label(o)] += 1
    wrong = sum(1 for _o, v in judged if v == "confident wrong")
    mistakes = [_mistake(o, v) for o, v in judged if v != "right"]
    return {
        "cases": len(outcomes),
        "intent_right_share": by_kind[INTENT]["right_share"],
        "retrieved_right_share": by_kind[RETRIEVED]["right_share"],
        "not_covered_right_share": by_kind[NOT_COVERED]["right_share"],
        "confident_wrong": wrong,
        "confident_wrong_share": _share(wrong, len(outcomes)),
        "career_context_missing": sum(1 for o in outcomes if not o.career_sent and not o.error),
        "by_kind": by_kind,
        "by_career": {career: {v: counts[v] for v in VERDICTS} for career, counts in sorted(by_career.items())},
        "confusion": {row: dict(sorted(cols.items())) for row, cols in sorted(confusion.items(), key=_row_order)},
        "mistakes": mistakes,
    }


def _row_order(item: tuple[str, Counter[str]]) -> tuple[int, str]:
    row = item[0]
    return ({NOT_COVERED: 0, RETRIEVED: 1}.get(row, 2), row)


def _mistake(outcome: Outcome, said: str) -> dict[str, Any]:
    case = outcome.case
    expected = f"{RETRIEVED}: " + "; ".join(case.sources) if case.kind == RETRIEVED else case.topic
    return {"career": case.career, "text": case.text, "kind": case.kind, "expected": expected,
            "verdict": said, "got": outcome_label(outcome), "intent": outcome.intent,
            "source_line": outcome.source_line, "error": outcome.error}
