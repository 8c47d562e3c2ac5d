"""The benchmark's targets and their PASS/MISS verdicts (reported, never asserted)."""
from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Optional, Union

Value = Union[float, int, bool, None]
_OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge, "<=": operator.le, "==": operator.eq}


@dataclass(frozen=True)
class Target:
    """A threshold a measured figure should meet, e.g. `p95 <= 500 ms`."""

    key: str
    op: str
    limit: float
    unit: str = ""
    shown: str = ""

    def describe(self) -> str:
        """The target as text, e.g. `<= 500 ms` (`shown` replaces the number, e.g. `yes`)."""
        limit = self.shown or f"{self.limit:g}"
        return f"{self.op} {limit}{(' ' + self.unit) if self.unit else ''}"

    def verdict(self, value: Value) -> str:
        """PASS or MISS, or n/a when the figure was not measured."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "n/a"
        return "PASS" if _OPS[self.op](float(value), self.limit) else "MISS"

    def as_dict(self, value: Value) -> dict[str, object]:
        """The target, the measured value and the verdict, for results.json."""
        return {"target": f"{self.key} {self.describe()}", "value": value,
                "verdict": self.verdict(value)}


INTENT_MACRO_F1 = Target("intent macro-F1", ">=", 0.95)
SINGLE_MEDIAN_MS = Target("single-conversation median", "<=", 50, "ms")
THROUGHPUT_RATIO = Target("concurrent msgs/s vs stock", ">=", 2, "x")
CONCURRENT_P95_MS = Target("concurrent p95", "<=", 500, "ms")
ERRORS = Target("errors", "==", 0)
CONSOLE_INBOX_MS = Target("console inbox page, worst median", "<=", 300, "ms")
CONSOLE_SEARCH_MS = Target("console search, worst median", "<=", 1000, "ms")
ALL_STORED = Target("all messages stored", "==", 1, shown="yes")
RASA_RSS_MB = Target("Rasa RSS", "<=", 1536, "MB")
CONFIDENT_WRONG_TOPICS = Target("confident wrong topics", "==", 0)


def verdict_text(target: Optional[Target], value: Value) -> str:
    """`PASS (>= 0.95)` style cell for a table; empty when the row has no target."""
    if target is None:
        return ""
    return f"{target.verdict(value)} ({target.describe()})"
