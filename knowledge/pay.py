"""How pay figures read: "£52,000", "£29,000 to £55,000 a year", "median of £16,250 a year"."""
from __future__ import annotations

from typing import Optional

from knowledge.queries import SalaryBandInfo


def pounds(amount: int) -> str:
    """Format whole pounds as £52,000."""
    return f"£{amount:,}"


def describe_figures(min_gbp: Optional[int], max_gbp: Optional[int], max_open: bool = False,
                     approximate: bool = False, measure: Optional[str] = None) -> str:
    """A band's figures in words, e.g. "£52,000 to over £120,000 a year"."""
    about = "around " if approximate else ""
    of = f"{measure} of " if measure else ""
    if min_gbp is not None and max_gbp is not None:
        if min_gbp == max_gbp:
            return f"{of}{about}{pounds(min_gbp)} a year"
        top = f"over {pounds(max_gbp)}" if max_open else pounds(max_gbp)
        return f"{about}{pounds(min_gbp)} to {top} a year"
    if min_gbp is not None:
        if measure:
            return f"{of}{about}{pounds(min_gbp)} a year"
        more = " or more" if max_open else ""
        return f"from {about}{pounds(min_gbp)}{more} a year"
    assert max_gbp is not None
    return f"up to {about}{pounds(max_gbp)} a year"


def describe_band(band: SalaryBandInfo) -> str:
    """A salary band's figures in words (`describe_figures`)."""
    return describe_figures(band.min_gbp, band.max_gbp, band.max_open, band.approximate, band.measure)
