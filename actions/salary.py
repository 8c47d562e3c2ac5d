"""Pay: by level or role, the overall range, and what makes pay vary."""
from __future__ import annotations

from typing import Optional

from sqlalchemy.orm import Session

from actions.base import Ask, Button, KnowledgeAction, Reply, join_names, pounds
from knowledge import queries
from knowledge.queries import SalaryBandInfo

# Levels whose figures the source gives separately though they overlap; each answer mentions
# the other so the learner sees both, with their context.
_RELATED = {"senior": "experienced", "experienced": "senior"}


def describe_band(band: SalaryBandInfo) -> str:
    """A band's figures in words, e.g. "£52,000 to over £120,000 a year"."""
    about = "around " if band.approximate else ""
    if band.min_gbp is not None and band.max_gbp is not None:
        top = f"over {pounds(band.max_gbp)}" if band.max_open else pounds(band.max_gbp)
        if band.max_open and band.level == "director":
            top = f"{pounds(band.max_gbp)} or more"
        return f"{about}{pounds(band.min_gbp)} to {top} a year"
    if band.min_gbp is not None:
        return f"from {about}{pounds(band.min_gbp)} a year"
    assert band.max_gbp is not None
    return f"up to the upper end of {pounds(band.max_gbp)} a year"


def band_subject(band: SalaryBandInfo) -> str:
    """Who a band is about: "Mid-level e-commerce roles", "Experienced e-commerce managers"."""
    return band.label if "e-commerce" in band.label.lower() else f"{band.label} e-commerce roles"


def first_sentence(text: str) -> str:
    """The first sentence of a context note, ending with a full stop."""
    return text.split(". ")[0].rstrip(".") + "."


def level_for(session: Session, ask: Ask) -> Optional[str]:
    """The salary level the learner means: said now, else implied by a role, else from context."""
    if ask.level_from_message and ask.level:
        return ask.level
    if ask.role_from_message and ask.role:
        return ask.role.pay_level
    if ask.role and ask.role.pay_level:
        return ask.role.pay_level
    return ask.level


def _buttons_around(level: str) -> list[Button]:
    order = ["entry", "mid", "senior", "director"]
    picks = [lv for lv in order if lv != level][:3] if level in order else order[1:]
    labels = {"entry": "Entry level", "mid": "Mid-level", "senior": "Senior", "director": "Director"}
    return [Button(f"{labels[lv]} pay", "ask_salary", {"level": lv}) for lv in picks] + [
        Button("What affects pay?", "ask_pay_factors")]


class ActionTellSalary(KnowledgeAction):
    """Salary for a level or role, or the whole picture when none is named."""

    topic = "salary"
    action_name = "action_tell_salary"

    def build(self, session: Session, ask: Ask) -> Reply:
        """Exact figures from the knowledge base, with their context."""
        level = level_for(session, ask)
        if ask.role_from_message and ask.role and ask.role.pay_level is None:
            return self._unlinked_role(session, ask)
        band = queries.salary_for(session, level) if level else None
        if band is None:
            return self._overview(session)
        who = ask.role.title if (ask.role and ask.role.pay_level == level and
                                 not ask.level_from_message) else band_subject(band)
        lines = [f"{who}: {describe_band(band)}."]
        if band.context and "£" not in band.context:
            lines.append(first_sentence(band.context))
        related = queries.salary_for(session, _RELATED[level]) if level in _RELATED else None
        if related:
            said = first_sentence(related.context) if related.context and "£" in related.context \
                else f"{related.label}: {describe_band(related)}."
            lines.append(f"The same guide also says: {said[0].lower()}{said[1:]}")
        if level == "entry":
            qualified = queries.salary_for(session, "entry-qualified")
            if qualified:
                start = describe_band(qualified).replace("from ", "")
                lines.append(f"With relevant qualifications you might start {start}.")
        factors = queries.facts(session, "pay-factor")
        if factors:
            lines.append("Pay varies with " + join_names([str(f.title).lower() for f in factors]) + ".")
        slots = {"level": level, "role": ask.role.slug if ask.role and ask.role.pay_level == level else None}
        return Reply(lines, [band.citation], _buttons_around(band.level), slots=slots)

    def _unlinked_role(self, session: Session, ask: Ask) -> Reply:
        assert ask.role is not None
        bands = [b for b in queries.salary_bands(session) if b.level in ("entry", "mid")]
        lines = [f"The guide gives no pay figure for {ask.role.title.lower()} roles specifically."]
        lines += [f"- {b.label}: {describe_band(b)}" for b in bands]
        return Reply(lines, [b.citation for b in bands], _buttons_around("none"),
                     slots={"role": ask.role.slug})

    def _overview(self, session: Session) -> Reply:
        bands = [b for b in queries.salary_bands(session)]
        low, high, open_top = queries.overall_pay_range(session)
        lines = [f"E-commerce pay runs from about {pounds(low)} to {pounds(high)}"
                 f"{' or more' if open_top else ''} a year:"]
        lines += [f"- {b.label}: {describe_band(b)}" for b in bands]
        return Reply(lines, [b.citation for b in bands],
                     [Button("What affects pay?", "ask_pay_factors"),
                      Button("Career ladder", "ask_progression"),
                      Button("Plan my route", "request_plan")])


class ActionTellPayFactors(KnowledgeAction):
    """What makes pay vary."""

    topic = "pay_factors"
    action_name = "action_tell_pay_factors"

    def build(self, session: Session, ask: Ask) -> Reply:
        """The pay factors with a line each."""
        factors = queries.facts(session, "pay-factor")
        lines = ["Pay for e-commerce managers varies a lot. The main factors:"]
        lines += [f"- {f.title}: {f.text}" for f in factors]
        return Reply(lines, [f.citation for f in factors],
                     [Button("Pay by level", "ask_salary"), Button("Career ladder", "ask_progression"),
                      Button("Specialisms", "ask_specialisations")])
