"""Advisers' office hours (`ADVISER_HOURS`, `ADVISER_HOLIDAYS_FILE`): open now, and when they are back.

`ADVISER_HOURS` is one or more comma-separated spans of weekdays and local times followed by the
timezone of them all, e.g. `Mon-Fri 09:00-17:00 Europe/London` or
`Mon-Thu 09:00-17:00, Fri 09:00-16:30 Europe/London`. Days are a day (`Sat`) or a range (`Mon-Fri`,
`Fri-Mon` wraps over the weekend); times are 24-hour `HH:MM`, the end after the start (`24:00` for
midnight). The holidays file lists closed days, one ISO date (`2026-12-25`) a line; `#` starts a
comment. Unset `ADVISER_HOURS` means advisers are always in. Every function takes the moment as an
aware datetime, so callers and tests choose the clock.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Optional
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.shared.settings import ConfigurationError, Settings

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
LOOKAHEAD_DAYS = 400  # longer than any run of holidays; beyond it `next_opening` gives up
ZONE_LABELS = {"Europe/London": "UK time", "UTC": "UTC", "Etc/UTC": "UTC"}
_SPAN = re.compile(r"^(?P<first>[a-z]{3})(?:-(?P<last>[a-z]{3}))?\s+"
                   r"(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})$", re.IGNORECASE)


class OfficeHoursError(ConfigurationError):
    """`ADVISER_HOURS` or the holidays file cannot be read; the message says what is wrong."""


@dataclass(frozen=True)
class Span:
    """Advisers are in on these weekdays (0 = Monday) from `start` to `end` minutes after local midnight."""

    days: frozenset[int]
    start: int
    end: int


@dataclass(frozen=True)
class OfficeHours:
    """When advisers are in: weekly spans in one timezone, minus holidays (local dates)."""

    spans: tuple[Span, ...]
    zone: ZoneInfo
    holidays: frozenset[date] = frozenset()

    def is_open(self, now: datetime) -> bool:
        """Whether advisers are in at `now` (an aware datetime)."""
        local = _aware(now).astimezone(self.zone)
        if local.date() in self.holidays:
            return False
        minute = local.hour * 60 + local.minute
        return any(local.weekday() in span.days and span.start <= minute < span.end for span in self.spans)

    def next_opening(self, now: datetime) -> Optional[datetime]:
        """The first moment from `now` on when advisers are in (`now` itself when open), in local time."""
        now = _aware(now)
        if self.is_open(now):
            return now.astimezone(self.zone)
        day = now.astimezone(self.zone).date()
        for offset in range(LOOKAHEAD_DAYS):
            current = day + timedelta(days=offset)
            if current in self.holidays:
                continue
            for start in sorted(span.start for span in self.spans if current.weekday() in span.days):
                opening = _local(current, start, self.zone)
                if opening.astimezone(timezone.utc) > now.astimezone(timezone.utc):
                    return opening
        return None

    def back_phrase(self, now: datetime) -> Optional[str]:
        """E.g. "Advisers are back on Monday at 09:00 (UK time)"; None when they are in (or never back)."""
        if self.is_open(now):
            return None
        opening = self.next_opening(now)
        if opening is None:
            return None
        return f"Advisers are back {_when(opening, _aware(now).astimezone(self.zone))} ({zone_label(self.zone)})"


@dataclass(frozen=True)
class Status:
    """Whether advisers are in at a moment and, when not, when they are back."""

    open: bool
    back_at: Optional[datetime] = None
    back_phrase: Optional[str] = None


def _aware(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("office hours need an aware datetime (with a timezone)")
    return now


def _local(day: date, minute: int, zone: ZoneInfo) -> datetime:
    """`minute` after midnight of `day` in `zone`; a wall time skipped by a clock change moves on with it."""
    naive = datetime.combine(day, time()) + timedelta(minutes=minute)
    # Through UTC and back: a time in a spring-forward gap comes out as the wall time after it.
    return naive.replace(tzinfo=zone).astimezone(timezone.utc).astimezone(zone)


def _when(opening: datetime, now: datetime) -> str:
    """'today at 13:00', 'tomorrow at 09:00', 'on Monday at 09:00' or 'on Monday 4 January at 09:00'."""
    days = (opening.date() - now.date()).days
    at = f"at {opening:%H:%M}"
    if days == 0:
        return f"today {at}"
    if days == 1:
        return f"tomorrow {at}"
    name = DAY_NAMES[opening.weekday()]
    if days < 7:
        return f"on {name} {at}"
    return f"on {name} {opening.day} {opening:%B} {at}"


def zone_label(zone: ZoneInfo) -> str:
    """How a learner reads the timezone: 'UK time', 'UTC', or the city's ('Paris time')."""
    key = zone.key
    return ZONE_LABELS.get(key) or f"{key.rsplit('/', 1)[-1].replace('_', ' ')} time"


def _minute(raw: str, what: str) -> int:
    hours, _, minutes = raw.partition(":")
    value = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or value > 24 * 60:
        raise OfficeHoursError(f"{what} {raw!r} is not a time of day (HH:MM, 00:00 to 24:00)")
    return value


def _days(first: str, last: Optional[str], span: str) -> frozenset[int]:
    names = [first.lower(), (last or first).lower()]
    for name in names:
        if name not in DAYS:
            raise OfficeHoursError(f"unknown day {name!r} in {span!r} (use Mon, Tue, Wed, Thu, Fri, Sat, Sun)")
    start, end = DAYS.index(names[0]), DAYS.index(names[1])
    return frozenset((start + step) % 7 for step in range((end - start) % 7 + 1))


def _span(raw: str) -> Span:
    match = _SPAN.match(raw.strip())
    if match is None:
        raise OfficeHoursError(f"{raw.strip()!r} is not DAYS HH:MM-HH:MM (e.g. Mon-Fri 09:00-17:00)")
    start, end = _minute(match["start"], "start"), _minute(match["end"], "end")
    if end <= start:
        raise OfficeHoursError(f"in {raw.strip()!r} the end must be after the start (no spans over midnight)")
    return Span(_days(match["first"], match["last"], raw.strip()), start, end)


def _parse(raw: str) -> OfficeHours:
    spans_text, _, zone_name = raw.rpartition(" ")
    if not spans_text or ":" in zone_name:
        raise OfficeHoursError(f"{raw!r} needs spans and then a timezone, e.g. Mon-Fri 09:00-17:00 Europe/London")
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise OfficeHoursError(f"unknown timezone {zone_name!r}: end with an IANA name such as Europe/London"
                               ) from exc
    return OfficeHours(tuple(_span(part) for part in spans_text.split(",")), zone)


def parse_hours(raw: str) -> Optional[OfficeHours]:
    """`ADVISER_HOURS` as OfficeHours (without holidays); None when empty (always open)."""
    raw = raw.strip()
    if not raw:
        return None
    try:
        return _parse(raw)
    except OfficeHoursError as exc:
        raise OfficeHoursError(f"ADVISER_HOURS: {exc}") from exc


def parse_holidays(text: str, source: str = "holidays") -> frozenset[date]:
    """Dates from a holidays file's text: one ISO date a line, `#` comments, blank lines ignored."""
    found = set()
    for number, line in enumerate(text.splitlines(), start=1):
        value = line.split("#", 1)[0].strip()
        if not value:
            continue
        try:
            found.add(date.fromisoformat(value))
        except ValueError as exc:
            raise OfficeHoursError(f"ADVISER_HOLIDAYS_FILE {source} line {number}: {value!r} is not a date "
                                   "like 2026-12-25") from exc
    return frozenset(found)


@lru_cache(maxsize=8)
@lru_cache(maxsize=8)
def load(hours: str, holidays_file: str = "") -> Optional[OfficeHours]:
    """Office hours from the two settings' values (the holidays file read once); None = always open."""
    parsed = parse_hours(hours)
    if not holidays_file.strip():
        return parsed
    path = Path(holidays_file.strip())
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise OfficeHoursError(f"ADVISER_HOLIDAYS_FILE: cannot read {path}: {exc}") from exc
    if parsed is None:
        return None
    return OfficeHours(parsed.spans, parsed.zone, parse_holidays(text, str(path)))


def for_settings(settings: Settings) -> Optional[OfficeHours]:
    """The office hours the settings describe (already checked by `load_settings`)."""
    return load(settings.adviser_hours, settings.adviser_holidays_file)


def status(now: datetime, settings: Settings) -> Status:
    """Whether advisers are in at `now` and, if not, when they are back (for the learner's reply)."""
    hours = for_settings(settings)
    if hours is None or hours.is_open(now):
        return Status(open=True)
    return Status(open=False, back_at=hours.next_opening(now), back_phrase=hours.back_phrase(now))


def learner_status_line(now: datetime, settings: Settings) -> str:
    """One sentence for a learner who asked for an adviser at `now`: told now, or when they are back."""
    current = status(now, settings)
    if current.open:
        return "An adviser has been told and will reply here as soon as they can."
    back = current.back_phrase or "Advisers are away at the moment"
    return f"{back}; your request is kept and an adviser will reply here then."
