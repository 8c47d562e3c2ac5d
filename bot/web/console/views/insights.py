"""Insights: SVG charts drawn on the server (conversations, fallbacks, handoffs, feedback, intents, topics), careers."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from bot.web.console import charts, stats
from bot.web.console.context import Console
from bot.web.console.security import login_required

PERIODS = (7, 30, 90)


def register(blueprint: Blueprint, console: Console) -> None:
    """Route: /insights?days=30."""

    @blueprint.get("/insights")
    @login_required
    def insights() -> str:
        """Charts for the last 7, 30 or 90 days."""
        raw = request.args.get("days", "30")
        if not raw.isdigit() or int(raw) not in PERIODS:
            abort(400, description=f"'days' must be one of {', '.join(map(str, PERIODS))}.")
        days = int(raw)
        figures = stats.insights(console.engine, days)
        svgs = {
            "per_day": charts.bars([(d.strftime("%d %b"), n) for d, n in figures.conversations_per_day],
                                   "Conversations per day"),
            "fallback_rate": charts.line([(d.strftime("%d %b"), r * 100) for d, r in figures.fallback_rate],
                                         "Fallback rate per day (% of learner messages)", unit="%"),
            "handoffs": charts.bars([(d.strftime("%d %b"), n) for d, n in figures.handoffs_per_day],
                                    "Handoff requests per day", colour="#b45309"),
            "negative": charts.bars([(d.strftime("%d %b"), n) for d, n in figures.negative_per_day],
                                    "Negative feedback per day", colour="#b91c1c"),
            "not_covered": charts.bars([(d.strftime("%d %b"), n) for d, n in figures.not_covered_per_day],
                                       "Questions the sources don't cover, per day", colour="#6d28d9"),
            "intents": charts.hbars(figures.top_intents, "Top intents"),
            "topics": charts.hbars(figures.topics, "Most asked topics", colour="#0f766e"),
        }
        return render_template("console/insights.html", svgs=svgs, figures=figures, days=days, periods=PERIODS)
