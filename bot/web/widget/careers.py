"""What the demo careers site shows of each career, read from the knowledge base (no career in code)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from sqlalchemy.orm import Session

from actions.salary import dated
from knowledge import queries
from knowledge.pay import describe_band
from knowledge.queries import CareerInfo, QualificationInfo, SalaryBandInfo

TASKS_SHOWN = 5


@dataclass(frozen=True)
class PayFigure:
    """One pay figure as the page shows it: the level's label, the figure in words, who says so."""

    label: str
    figure: str
    source: str
    year: Optional[int]
    context: Optional[str]


@dataclass(frozen=True)
class WayIn:
    """An entry route or a qualification: its name and what the content says about it."""

    name: str
    text: Optional[str]


@dataclass(frozen=True)
class CareerPage:
    """Everything a career's page shows: overview (tasks, ladder), pay by level and ways in."""

    career: CareerInfo
    tasks: list[str]
    ladder: list[str]
    pay: list[PayFigure]
    pay_gaps: list[str]
    routes: list[WayIn]
    qualifications: list[WayIn]
    sources: list[str]


def pay_figure(band: SalaryBandInfo) -> PayFigure:
    """A band in the assistant's own words ("£29,000 to £55,000 a year"), with its label and source."""
    context = band.context if band.context and "£" not in band.context else None  # no figure said twice
    return PayFigure(band.label, describe_band(band) + dated(band), band.citation.source, band.year, context)


def qualification_line(qualification: QualificationInfo) -> str:
    """A qualification's name, with its level and length where the content gives them."""
    details = [f"level {qualification.framework_level}" if qualification.framework_level else "",
               qualification.duration or ""]
    shown = ", ".join(d for d in details if d)
    return f"{qualification.name} ({shown})" if shown else qualification.name


def career_page(session: Session, slug: str) -> Optional[CareerPage]:
    """The page of the career with this slug, or None when the knowledge base has no such career."""
    career = next((c for c in queries.list_careers(session) if c.slug == slug), None)
    if career is None:
        return None
    tasks = queries.responsibilities(session, slug)[:TASKS_SHOWN]
    ladder = queries.ladder(session, slug)
    bands = queries.salary_bands(session, slug)
    routes = queries.entry_routes(session, slug)
    qualifications = queries.qualifications(session, slug)
    cited = [career.citation, *(t.citation for t in tasks), *(r.citation for r in ladder),
             *(b.citation for b in bands), *(r.citation for r in routes), *(q.citation for q in qualifications)]
    return CareerPage(
        career, [t.text for t in tasks], [r.title for r in ladder], [pay_figure(b) for b in bands],
        [g.text for g in queries.gaps(session, slug, "pay")] if not bands else [],
        [WayIn(r.name, r.description) for r in routes],
        [WayIn(qualification_line(q), q.note) for q in qualifications],
        list(dict.fromkeys(c.source for c in cited)))
