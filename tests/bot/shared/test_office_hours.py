"""Office hours with an injected clock: weekdays, weekends, holidays, timezones, clock changes, bad config."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.shared import office_hours
from bot.shared.office_hours import OfficeHours, learner_status_line, parse_holidays, parse_hours, status
from bot.shared.settings import ConfigurationError, load_settings

UTC = timezone.utc
LONDON_SPLIT = "Mon-Thu 09:00-17:00, Fri 09:00-16:30 Europe/London"


def at(text: str) -> datetime:
    """An aware moment from ISO text with its offset (e.g. 2026-12-04T16:45+00:00)."""
    moment = datetime.fromisoformat(text)
    assert moment.tzinfo is not None
    return moment


def hours(raw: str, holidays: str = "") -> OfficeHours:
    parsed = parse_hours(raw)
    assert parsed is not None
    return OfficeHours(parsed.spans, parsed.zone, parse_holidays(holidays))


@pytest.fixture(autouse=True)
def no_office_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ADVISER_HOURS", "ADVISER_HOLIDAYS_FILE", "SMTP_URL", "HANDOFF_EMAIL_TO", "HANDOFF_EMAIL_FROM",
                 "HANDOFF_WEBHOOK_URL", "CONSOLE_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("moment, is_open", [
    ("2026-12-02T08:59:59+00:00", False),  # Wednesday, just before opening (GMT in winter)
    ("2026-12-02T09:00:00+00:00", True),
    ("2026-12-02T16:59:59+00:00", True),
    ("2026-12-02T17:00:00+00:00", False),  # the end is exclusive
    ("2026-12-04T16:29:00+00:00", True),   # Friday's shorter span
    ("2026-12-04T16:30:00+00:00", False),
    ("2026-12-05T12:00:00+00:00", False),  # Saturday
    ("2026-12-06T12:00:00+00:00", False),  # Sunday
])
def test_weekdays_and_the_weekend(moment: str, is_open: bool) -> None:
    assert hours(LONDON_SPLIT).is_open(at(moment)) is is_open


@pytest.mark.parametrize("moment, expected_utc, phrase", [
    ("2026-12-04T16:45:00+00:00", "2026-12-07T09:00:00+00:00", "Advisers are back on Monday at 09:00 (UK time)"),
    ("2026-12-05T10:00:00+00:00", "2026-12-07T09:00:00+00:00", "Advisers are back on Monday at 09:00 (UK time)"),
    ("2026-12-06T21:00:00+00:00", "2026-12-07T09:00:00+00:00", "Advisers are back tomorrow at 09:00 (UK time)"),
    ("2026-12-07T07:30:00+00:00", "2026-12-07T09:00:00+00:00", "Advisers are back today at 09:00 (UK time)"),
    ("2026-12-02T18:00:00+00:00", "2026-12-03T09:00:00+00:00", "Advisers are back tomorrow at 09:00 (UK time)"),
])
def test_next_opening_and_the_learner_phrase(moment: str, expected_utc: str, phrase: str) -> None:
    office = hours(LONDON_SPLIT)
    opening = office.next_opening(at(moment))
    assert opening is not None and opening.astimezone(UTC) == at(expected_utc)
    assert office.back_phrase(at(moment)) == phrase


def test_when_open_the_next_opening_is_now_and_there_is_no_back_phrase() -> None:
    office, now = hours(LONDON_SPLIT), at("2026-12-02T10:00:00+00:00")
    assert office.next_opening(now) == now
    assert office.back_phrase(now) is None


def test_holidays_close_the_day_and_are_skipped() -> None:
    office = hours(LONDON_SPLIT, "# bank holidays\n2026-12-07  # a Monday\n\n")
    assert not office.is_open(at("2026-12-07T10:00:00+00:00"))
    assert office.is_open(at("2026-12-08T10:00:00+00:00"))
    assert office.back_phrase(at("2026-12-04T17:00:00+00:00")) == "Advisers are back on Tuesday at 09:00 (UK time)"


def test_a_long_closure_names_the_date() -> None:
    closed = "\n".join(["2026-12-24", "2026-12-25", "2026-12-28", "2026-12-29", "2026-12-30", "2026-12-31",
                        "2027-01-01"])
    office = hours("Mon-Fri 09:00-17:00 Europe/London", closed)
    assert office.back_phrase(at("2026-12-23T18:00:00+00:00")) == \
        "Advisers are back on Monday 4 January at 09:00 (UK time)"


def test_a_holiday_is_a_date_in_the_office_timezone() -> None:
    # 23:30 UTC on Sunday 6 December is already Monday 7 December in Tokyo: the holiday counts there.
    office = hours("Mon-Fri 09:00-17:00 Asia/Tokyo", "2026-12-07")
    assert office.back_phrase(at("2026-12-06T23:30:00+00:00")) == "Advisers are back tomorrow at 09:00 (Tokyo time)"
    assert hours("Mon-Fri 09:00-17:00 Asia/Tokyo").back_phrase(at("2026-12-06T23:30:00+00:00")) == \
        "Advisers are back today at 09:00 (Tokyo time)"


def test_the_timezone_decides_whatever_offset_now_carries() -> None:
    office = hours("Mon-Fri 09:00-17:00 America/New_York")  # EST in December: UTC-5
    assert not office.is_open(at("2026-12-02T13:59:00+00:00"))
    assert office.is_open(at("2026-12-02T14:00:00+00:00"))
    assert office.is_open(at("2026-12-02T15:00:00+01:00"))  # the same moment written in Paris time
    assert office.back_phrase(at("2026-12-02T13:00:00+00:00")) == \
        "Advisers are back today at 09:00 (New York time)"


def test_clock_changes_keep_local_opening_times() -> None:
    office = hours("Mon-Fri 09:00-17:00 Europe/London")
    # Clocks go forward on Sunday 29 March 2026: Monday's 09:00 is 08:00 UTC.
    opening = office.next_opening(at("2026-03-27T17:30:00+00:00"))
    assert opening is not None and opening.astimezone(UTC) == at("2026-03-30T08:00:00+00:00")
    assert not office.is_open(at("2026-03-30T07:59:00+00:00")) and office.is_open(at("2026-03-30T08:00:00+00:00"))
    # Clocks go back on Sunday 25 October 2026: Monday's 09:00 is 09:00 UTC again.
    opening = office.next_opening(at("2026-10-23T17:30:00+01:00"))
    assert opening is not None and opening.astimezone(UTC) == at("2026-10-26T09:00:00+00:00")


def test_an_opening_in_the_skipped_hour_moves_past_it() -> None:
    # 01:30 does not exist in London on 29 March 2026 (01:00 GMT becomes 02:00 BST).
    office = hours("Sun 01:30-05:00 Europe/London")
    opening = office.next_opening(at("2026-03-29T00:10:00+00:00"))
    assert opening is not None and opening > at("2026-03-29T00:10:00+00:00")
    assert opening.astimezone(UTC) == at("2026-03-29T01:30:00+00:00")  # 02:30 BST
    assert office.is_open(opening)


def test_day_ranges_may_wrap_over_the_weekend_and_end_at_midnight() -> None:
    office = hours("Fri-Mon 18:00-24:00 UTC")
    assert [office.is_open(at(f"2026-12-{day:02d}T23:59:00+00:00")) for day in range(1, 8)] == \
        [False, False, False, True, True, True, True]  # Tue 1 ... Mon 7
    assert not office.is_open(at("2026-12-05T00:00:00+00:00"))


def test_a_closed_week_after_week_has_no_opening() -> None:
    office = hours("Mon 09:00-10:00 UTC", "\n".join(
        (datetime(2026, 12, 7) + timedelta(weeks=w)).date().isoformat() for w in range(60)))
    assert office.next_opening(at("2026-12-02T12:00:00+00:00")) is None
    assert office.back_phrase(at("2026-12-02T12:00:00+00:00")) is None


def test_a_naive_moment_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        hours(LONDON_SPLIT).is_open(datetime(2026, 12, 2, 10, 0))


@pytest.mark.parametrize("raw, complaint", [
    ("Mon-Fri 09:00-17:00", "timezone"),
    ("Mon-Fri 09:00-17:00 Mars/Olympus", "unknown timezone 'Mars/Olympus'"),
    ("Mon-Fry 09:00-17:00 Europe/London", "unknown day 'fry'"),
    ("Mon-Fri 17:00-09:00 Europe/London", "end must be after the start"),
    ("Mon-Fri 9-5 Europe/London", "is not DAYS HH:MM-HH:MM"),
    ("Mon-Fri 09:00-24:30 Europe/London", "not a time of day"),
    ("Mon-Fri 09:61-17:00 Europe/London", "not a time of day"),
    ("Mon-Thu 09:00-17:00,, Europe/London", "is not DAYS"),
    ("Europe/London", "timezone"),
])
def test_invalid_hours_stop_the_process_with_a_clear_message(monkeypatch: pytest.MonkeyPatch, raw: str,
                                                             complaint: str) -> None:
    monkeypatch.setenv("ADVISER_HOURS", raw)
    with pytest.raises(ConfigurationError, match="ADVISER_HOURS") as raised:
        load_settings()
    assert complaint in str(raised.value)


def test_holidays_file_errors_name_the_file_and_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ADVISER_HOURS", LONDON_SPLIT)
    path = tmp_path / "holidays.txt"
    path.write_text("2026-12-25\n# Boxing Day moved\n28/12/2026\n", encoding="utf-8")
    monkeypatch.setenv("ADVISER_HOLIDAYS_FILE", str(path))
    with pytest.raises(ConfigurationError, match=r"ADVISER_HOLIDAYS_FILE .*holidays.txt line 3: '28/12/2026'"):
        load_settings()
    monkeypatch.setenv("ADVISER_HOLIDAYS_FILE", str(tmp_path / "missing.txt"))
    with pytest.raises(ConfigurationError, match="ADVISER_HOLIDAYS_FILE: cannot read .*missing.txt"):
        load_settings()


def test_unset_hours_mean_always_open(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings()
    sunday_night = at("2026-12-06T03:00:00+00:00")
    assert status(sunday_night, settings).open
    assert learner_status_line(sunday_night, settings) == \
        "An adviser has been told and will reply here as soon as they can."


def test_the_learner_status_line_from_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "holidays.txt"
    path.write_text("2026-12-07\n", encoding="utf-8")
    monkeypatch.setenv("ADVISER_HOURS", LONDON_SPLIT)
    monkeypatch.setenv("ADVISER_HOLIDAYS_FILE", str(path))
    settings = load_settings()
    assert settings.adviser_hours == LONDON_SPLIT and settings.adviser_holidays_file == str(path)
    friday_evening = at("2026-12-04T17:00:00+00:00")
    current = status(friday_evening, settings)
    assert not current.open and current.back_at is not None
    assert current.back_at.astimezone(UTC) == at("2026-12-08T09:00:00+00:00")
    assert learner_status_line(friday_evening, settings) == (
        "Advisers are back on Tuesday at 09:00 (UK time); your request is kept and an adviser will reply here then.")
    assert learner_status_line(at("2026-12-08T10:00:00+00:00"), settings).startswith("An adviser has been told")
    assert "ADVISER_HOURS" in settings.describe() and settings.describe()["ADVISER_HOURS"] == LONDON_SPLIT


def test_zone_labels() -> None:
    from zoneinfo import ZoneInfo

    assert [office_hours.zone_label(ZoneInfo(name)) for name in ("Europe/London", "UTC", "America/Los_Angeles")] \
        == ["UK time", "UTC", "Los Angeles time"]
