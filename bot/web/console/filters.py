"""Inbox filters read from query parameters; anything malformed raises FilterError (HTTP 400)."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta, timezone

PAGE_SIZE = 50
MAX_PAGE = 100_000
MAX_QUERY_CHARS = 200
_NAME = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")
_TAG = re.compile(r"^[\w\- ]{1,64}$")
_CAREER = re.compile(r"[\w\- ]{1,100}")  # a `career` slot value: a career's slug
REVIEW_STATES = ("", "reviewed", "unreviewed")


class FilterError(ValueError):
    """A filter or page parameter is malformed; the message says which and why."""


@dataclass(frozen=True)
class Filters:
    """The inbox's filters and page; empty strings mean "no filter"."""

    date_from: str = ""
    date_to: str = ""
    channel: str = ""
    intent: str = ""
    fallback: bool = False
    negative: bool = False  # the learner gave negative feedback
    handoff: bool = False
    review: str = ""
    tag: str = ""
    career: str = ""
    mine: bool = False
    q: str = ""
    page: int = 1

    @property
    def ts_from(self) -> float | None:
        """Start of the `from` day (UTC) as a Unix time."""
        return _day_start(self.date_from) if self.date_from else None

    @property
    def ts_to(self) -> float | None:
        """End of the `to` day (UTC) as a Unix time (exclusive)."""
        return _day_start(self.date_to) + 86400 if self.date_to else None

    def args(self, **changes: object) -> dict[str, str]:
        """Query parameters reproducing these filters (for links), with `changes` applied."""
        values = {**asdict(self), **changes}
        out = {"from": values["date_from"], "to": values["date_to"], "channel": values["channel"],
               "intent": values["intent"], "fallback": "1" if values["fallback"] else "",
               "negative": "1" if values["negative"] else "",
               "handoff": "1" if values["handoff"] else "", "review": values["review"],
               "tag": values["tag"], "career": values["career"], "mine": "1" if values["mine"] else "",
               "q": values["q"],
               "page": str(values["page"]) if values["page"] != 1 else ""}
        return {k: str(v) for k, v in out.items() if v}

    @property
    def active(self) -> bool:
        """Whether any filter (not counting the page) is set."""
        return bool(self.args(page=1))


def _day_start(value: str) -> float:
    return datetime.combine(date.fromisoformat(value), datetime.min.time(), tzinfo=timezone.utc).timestamp()


def _date(args: Mapping[str, str], key: str) -> str:
    value = (args.get(key) or "").strip()
    if not value:
        return ""
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError as exc:
        raise FilterError(f"'{key}' must be a date like 2026-11-27, got {value[:40]!r}.") from exc


def _flag(args: Mapping[str, str], key: str) -> bool:
    value = (args.get(key) or "").strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise FilterError(f"'{key}' must be 1 or 0, got {value[:40]!r}.")


def _name(args: Mapping[str, str], key: str, pattern: re.Pattern[str] = _NAME) -> str:
    value = (args.get(key) or "").strip()
    if value and not pattern.match(value):
        raise FilterError(f"'{key}' must be letters, digits, '_' or '-' (at most 64), got {value[:40]!r}.")
    return value


def _career(args: Mapping[str, str]) -> str:
    value = (args.get("career") or "").strip()
    if value and not _CAREER.fullmatch(value):
        raise FilterError(f"'career' must be a career's slug (at most 100 characters), got {value[:40]!r}.")
    return value


def parse_page(raw: str | None) -> int:
    """A page number from 1 to MAX_PAGE (default 1)."""
    value = (raw or "").strip()
    if not value:
        return 1
    if not value.isdigit() or not 1 <= int(value) <= MAX_PAGE:
        raise FilterError(f"'page' must be a whole number from 1 to {MAX_PAGE}, got {value[:40]!r}.")
    return int(value)


def parse_filters(args: Mapping[str, str]) -> Filters:
    """Filters from query parameters; FilterError with a readable message when one is malformed."""
    date_from, date_to = _date(args, "from"), _date(args, "to")
    if date_from and date_to and date_from > date_to:
        raise FilterError("'from' must not be after 'to'.")
    review = (args.get("review") or "").strip()
    if review not in REVIEW_STATES:
        raise FilterError("'review' must be 'reviewed' or 'unreviewed'.")
    q = " ".join((args.get("q") or "").split())
    if len(q) > MAX_QUERY_CHARS:
        raise FilterError(f"The search text is limited to {MAX_QUERY_CHARS} characters.")
    return Filters(date_from=date_from, date_to=date_to, channel=_name(args, "channel"),
                   intent=_name(args, "intent"), fallback=_flag(args, "fallback"),
                   negative=_flag(args, "negative"), handoff=_flag(args, "handoff"), review=review,
                   tag=_name(args, "tag", _TAG), career=_career(args), mine=_flag(args, "mine"), q=q,
                   page=parse_page(args.get("page")))


def days_back(days: int, today: date | None = None) -> list[date]:
    """The last `days` days up to today (UTC), oldest first."""
    today = today or datetime.now(timezone.utc).date()
    return [today - timedelta(days=n) for n in range(days - 1, -1, -1)]
