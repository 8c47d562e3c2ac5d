"""Pay: by level or role (each source's figure, with its year when old), the range, what varies it."""
from __future__ import annotations

import datetime
from dataclasses import replace
from typing import Optional

from sqlalchemy.orm import Session

from actions.base import Ask, Button, KnowledgeAction, Reply, lower_first
from knowledge import queries
from knowledge.content import SALARY_LEVELS
from knowledge.pay import describe_band, pounds
from knowledge.queries import CareerInfo, RoleInfo, SalaryBandInfo
from knowledge.words import question_stems, stems

# Levels whose figures a source gives separately though they overlap; each answer mentions
# the other so the learner sees both, with their context.
_RELATED = {"senior": "experienced", "experienced": "senior"}
# Figures older than this many years are dated in the reply.
OLD_AFTER_YEARS = 5
_LEVEL_BUTTONS = {"entry": "Entry level", "mid": "Mid-level", "senior": "Senior", "director": "Director"}


def bands_named_in(session: Session, text: str, bands: list[SalaryBandInfo]) -> list[SalaryBandInfo]:
    """The bands whose label or context shares the most distinctive words with the question.

    "paid more in banking than in charities?" finds the banking and charity figures; words that
    name a career or a role are left out, since every band of that career would match them.
    """
    wanted = question_stems(session, text)
    if not wanted:
        return []
    scored = [(len(wanted & stems(f"{b.label} {b.context or ''}")), i, b) for i, b in enumerate(bands)]
    best = max((score for score, _i, _b in scored), default=0)
    return [b for score, _i, b in scored if best and score == best][:8]


def dated(band: SalaryBandInfo, today: Optional[datetime.date] = None) -> str:
    """" (2012 figure)" for a figure more than OLD_AFTER_YEARS old, else nothing."""
    year_now = (today or datetime.date.today()).year
    return f" ({band.year} figure)" if band.year and year_now - band.year > OLD_AFTER_YEARS else ""


def who_says(band: SalaryBandInfo) -> str:
    """One source's figure: "£18,000 to £30,000 a year (National Careers Service)"."""
    return f"{describe_band(band)} ({band.citation.source}{dated(band).replace(' (', ', ').rstrip(')')})"


def first_sentence(text: str) -> str:
    """The first sentence of a context note, ending with a full stop."""
    return text.split(". ")[0].rstrip(".") + "."


def level_for(session: Session, ask: Ask) -> Optional[str]:
    """The salary level the learner means: said now, else implied by a role, else from context."""
    if ask.level_from_message and ask.level:
        return ask.level
    if ask.role and ask.role.pay_level:
        return ask.role.pay_level
    if ask.role_from_message:
        return None
    return ask.level


def band_lines(heading: str, bands: list[SalaryBandInfo]) -> list[str]:
    """One band as a sentence with its context; several as a list saying who says what."""
    if len(bands) == 1:
        band = bands[0]
        lines = [f"{heading}: {describe_band(band)}{dated(band)}."]
        if band.context and "£" not in band.context:
            lines.append(first_sentence(band.context))
        return lines
    return [f"{heading}, by source:"] + [f"- {b.label}: {who_says(b)}" for b in bands]


def level_buttons(session: Session, career: str, level: Optional[str]) -> list[Button]:
    """Buttons for the other levels this career has figures for, then what affects pay."""
    have = {b.level for b in queries.salary_bands(session, career)}
    picks = [lv for lv in _LEVEL_BUTTONS if lv in have and lv != level][:3]
    return [Button(f"{_LEVEL_BUTTONS[lv]} pay", "ask_salary", {"level": lv}) for lv in picks] + [
        Button("What affects pay?", "ask_pay_factors")]


def no_figure_lines(session: Session, career: CareerInfo, what: str, name_career: bool = True) -> list[str]:
    """The honest line for a role or level the sources give no figure for, with their gaps."""
    where = f" in {career.name.lower()}" if name_career else ""
    lines = [f"My sources give no pay figure for {what}{where}."]
    lines += [gap.text for gap in queries.gaps(session, career.slug, "pay")]
    return lines


def _neighbours_with_pay(session: Session, role: RoleInfo) -> list[SalaryBandInfo]:
    """The first band of the nearest rung below and of the nearest rung above that have pay."""
    if role.rank is None:
        return []
    ladder = queries.ladder(session, role.career)
    below = [r for r in ladder if (r.rank or 0) < role.rank][::-1]
    above = [r for r in ladder if (r.rank or 0) > role.rank]
    found = []
    for side in (below, above):
        band = next((b for b in (queries.salary_for_role(session, r.slug) for r in side) if b), None)
        if band:
            found.append(band)
    return found


class ActionTellSalary(KnowledgeAction):
    """Salary for a level or role, or the whole picture when none is named."""

    topic = "salary"
    action_name = "action_tell_salary"

    def answer(self, session: Session, ask: Ask) -> Reply:
        """With no career settled, a figure only one career's sources mention settles it."""
        if ask.career is None and not ask.career_choices and not ask.text.startswith("/"):
            every = [b for c in queries.list_careers(session) for b in queries.salary_bands(session, c.slug)]
            found = bands_named_in(session, ask.text, every)
            careers = [c for c in queries.list_careers(session)
                       if any(b in queries.salary_bands(session, c.slug) for b in found)]
            if len(careers) == 1:
                return super().answer(session, replace(ask, career=careers[0], career_assumed="figure"))
        return super().answer(session, ask)

    def build(self, session: Session, ask: Ask) -> Reply:
        """Exact figures from the knowledge base, each with its source."""
        assert ask.career is not None
        career = ask.career
        level = level_for(session, ask)
        # Figures the question picks out by its words beat a role remembered from earlier turns, and
        # a level it names when they lie outside that level ("<employer>'s trainee managers").
        named = [] if ask.role_from_message or ask.text.startswith("/") \
            else bands_named_in(session, ask.text, queries.salary_bands(session, career.slug))
        if ask.level_from_message and any(b.level == level for b in named):
            named = []
        role = ask.role if ask.role and not ask.level_from_message and not named else None
        bands = queries.salaries_for_role(session, role.slug) if role else named
        if role and not bands and ask.role_from_message:
            return self._unlinked_role(session, career, role)
        if not bands and not ask.level_from_message and not ask.text.startswith("/"):
            bands = bands_named_in(session, ask.text, queries.salary_bands(session, career.slug))
        if not bands and level:
            bands = queries.salaries_at(session, level, career.slug)
        if not bands:
            if ask.level_from_message and level:
                return Reply(no_figure_lines(session, career, f"the {level} level")
                             + ["Here is what they do give:"] + self._level_lines(session, career), [],
                             level_buttons(session, career.slug, None))
            return self._overview(session, career)
        levels = {b.level for b in bands}
        one_level = len(levels) == 1 and bands != named  # (named figures' labels may open with a name)
        heading = role.title if role else (f"{career.name}, {lower_first(bands[0].label)}" if one_level
                                           else f"{career.name} pay")
        lines = band_lines(heading, bands)
        level = bands[0].level
        related = queries.salary_for(session, _RELATED[level], career.slug) if level in _RELATED else None
        citations = [b.citation for b in bands]
        if related:
            said = first_sentence(related.context) if related.context and "£" in related.context \
                else f"{related.label}: {describe_band(related)}."
            lines.append(f"The same source also says: {lower_first(said)}")
            citations.append(related.citation)
        if level == "entry":
            qualified = queries.salary_for(session, "entry-qualified", career.slug)
            if qualified:  # in the band's own words: what "qualified" means differs by source
                lines.append(f"Also: {lower_first(qualified.label)}, {describe_band(qualified)}.")
                citations.append(qualified.citation)
        factors = list(dict.fromkeys(str(f.title) for f in queries.facts(session, "pay-factor", career.slug)))
        if factors:
            lines.append("What affects pay: " + "; ".join(factors) + ".")
        slots = {"level": level, "role": role.slug if role else None}
        return Reply(lines, citations, level_buttons(session, career.slug, level), slots=slots)

    def _unlinked_role(self, session: Session, career: CareerInfo, role: RoleInfo) -> Reply:
        """No figure for the role: say so, then the pay of the nearest rungs below and above."""
        lines = no_figure_lines(session, career, f"{role.title.lower()} roles specifically", False)
        around = _neighbours_with_pay(session, role)
        cites = []
        for band in around:
            lines.append(f"- {band.label}: {describe_band(band)}{dated(band)}")
            cites.append(band.citation)
        if not around:
            lines += ["Here is what they give by level:"] + self._level_lines(session, career)
            cites = [b.citation for b in queries.salary_bands(session, career.slug)]
        return Reply(lines, cites, level_buttons(session, career.slug, None), slots={"role": role.slug})

    def _level_lines(self, session: Session, career: CareerInfo) -> list[str]:
        """One line per level: its figure, or the spread of the sources' figures."""
        lines = []
        bands = queries.salary_bands(session, career.slug)
        for level in SALARY_LEVELS:
            at = [b for b in bands if b.level == level]
            if len(at) == 1:
                lines.append(f"- {at[0].label}: {describe_band(at[0])}{dated(at[0])}")
            elif at:
                lows = [b.min_gbp for b in at if b.min_gbp is not None]
                highs = [b.max_gbp for b in at if b.max_gbp is not None]
                spread = f"{pounds(min(lows + highs))} to {pounds(max(highs + lows))}"
                sources = len({b.citation.source for b in at})
                lines.append(f"- {level.replace('-', ' ').capitalize()}: {spread} a year "
                             f"across {len(at)} figures from {sources} source{'s' if sources > 1 else ''}")
        return lines

    def _overview(self, session: Session, career: CareerInfo) -> Reply:
        bands = queries.salary_bands(session, career.slug)
        if not bands:
            return Reply(no_figure_lines(session, career, "any level"), [],
                         [Button("Career ladder", "ask_progression"), Button("Talk to an adviser", "request_human")])
        low, high, open_top = queries.overall_pay_range(session, career.slug)
        lines = [f"{career.name} pay runs from about {pounds(low)} to {pounds(high)}"
                 f"{' or more' if open_top else ''} a year:"]
        lines += self._level_lines(session, career)
        return Reply(lines, [b.citation for b in bands],
                     [*level_buttons(session, career.slug, None)[:2],
                      Button("What affects pay?", "ask_pay_factors"),
                      Button("Career ladder", "ask_progression")])


class ActionTellPayFactors(KnowledgeAction):
    """What makes pay vary."""

    topic = "pay_factors"
    action_name = "action_tell_pay_factors"

    def build(self, session: Session, ask: Ask) -> Reply:
        """The pay factors with a line each."""
        assert ask.career is not None
        factors = queries.facts(session, "pay-factor", ask.career.slug)
        if not factors:
            return Reply(no_figure_lines(session, ask.career, "what makes pay vary"), [],
                         [Button("Pay by level", "ask_salary")])
        lines = [f"Pay in {ask.career.name.lower()} varies a lot. The main factors:"]
        lines += [f"- {f.title}: {f.text}" for f in factors]
        citations = [f.citation for f in factors]
        # A question naming particular cases ("in banking than in charities?") gets their figures first.
        named = [] if ask.text.startswith("/") else bands_named_in(
            session, ask.text, queries.salary_bands(session, ask.career.slug))
        if named:
            wanted = question_stems(session, ask.text)
            close = [f for f in factors if wanted & stems(f"{f.title} {f.text}")]
            lines = band_lines(f"{ask.career.name} pay in the cases you name", named)
            if close:
                lines += ["What the sources say about it:"] + [f"- {f.title}: {f.text}" for f in close]
            others = dict.fromkeys(str(f.title).lower() for f in factors if f.title not in {c.title for c in close})
            if others:
                lines.append("Other things that affect pay: " + "; ".join(others) + ".")
            citations = [b.citation for b in named] + [f.citation for f in close]
        return Reply(lines, citations,
                     [Button("Pay by level", "ask_salary"), Button("Career ladder", "ask_progression"),
                      Button("Specialisms", "ask_specialisations")])
