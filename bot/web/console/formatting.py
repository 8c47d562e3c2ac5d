"""Jinja filters for console pages: times, confidences, masked learner text, career names."""
from __future__ import annotations

import time
from datetime import datetime, timezone

from flask import Blueprint, g, session

from bot.shared.contact_details import mask


def when(ts: float | None) -> str:
    """`27 Nov 14:03` (UTC) from a Unix time; the year is shown when it is not this year."""
    if not ts:
        return ""
    moment = datetime.fromtimestamp(ts, tz=timezone.utc)
    same_year = moment.year == datetime.now(timezone.utc).year
    return moment.strftime("%d %b %H:%M" if same_year else "%d %b %Y %H:%M")


def ago(ts: float | None, now: float | None = None) -> str:
    """How long ago, roughly: `5 min`, `3 h`, `2 days`."""
    if not ts:
        return ""
    seconds = max(0.0, (time.time() if now is None else now) - ts)
    if seconds < 3600:
        return f"{max(1, int(seconds // 60))} min"
    if seconds < 86400 * 2:
        return f"{int(seconds // 3600)} h"
    return f"{int(seconds // 86400)} days"


def clock(ts: float | None) -> str:
    """`14:03:07` (UTC) from a Unix time."""
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%H:%M:%S") if ts else ""


def iso(ts: float | None) -> str:
    """ISO 8601 UTC time for exports and machine-readable attributes."""
    return datetime.fromtimestamp(ts, tz=timezone.utc).isoformat(timespec="seconds") if ts else ""


def percent(value: float | None) -> str:
    """`87%` from 0.87."""
    return "" if value is None else f"{value * 100:.0f}%"


def revealed(sender_id: str) -> bool:
    """Whether an admin chose to see this conversation's contact details in this session."""
    account = g.get("account")
    return bool(account and account.is_admin and sender_id in session.get("reveal", []))


def shown(text: str | None, sender_id: str) -> str:
    """Learner text as the viewer may see it: masked unless an admin revealed this conversation."""
    return text or "" if revealed(sender_id) else mask(text)


def career_label(value: str) -> str:
    """A `career` slot value (a slug) as the knowledge base names it; the value itself when it does not."""
    names = g.get("career_names")
    if names is None:
        console = g.get("console")
        names = g.career_names = console.career_names() if console is not None else {}
    return str(names.get(value, value))


def register(blueprint: Blueprint) -> None:
    """Make the filters available to templates."""
    blueprint.add_app_template_filter(when, "when")
    blueprint.add_app_template_filter(clock, "clock")
    blueprint.add_app_template_filter(ago, "ago")
    blueprint.add_app_template_filter(iso, "iso")
    blueprint.add_app_template_filter(percent, "percent")
    blueprint.add_app_template_filter(career_label, "career")
    blueprint.add_app_template_global(shown, "shown")
    blueprint.add_app_template_global(revealed, "revealed")
