"""Improve the coach: label misunderstood messages (exported as Rasa NLU YAML), see what the sources lack."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from bot.web.console import audit, casework, queries
from bot.web.console.context import Console
from bot.web.console.exports import nlu_yaml
from bot.web.console.folding import NEGATIVE_KIND, NOT_COVERED_KIND
from bot.web.console.security import current, login_required
from bot.web.console.views import requested_page


def register(blueprint: Blueprint, console: Console) -> None:
    """Routes: /improve, POST /improve/label, /improve/nlu.yml."""

    @blueprint.get("/improve")
    @login_required
    def improve() -> str:
        """Misunderstood learner messages, questions the sources don't cover, answers rejected; newest first."""
        page = requested_page()
        unlabelled = request.args.get("all") != "1"
        with console.engine.connect() as connection:
            rows, total = queries.misunderstood(connection, page, unlabelled)
            not_covered, not_covered_total = queries.open_questions_of(connection, NOT_COVERED_KIND)
            rejected, rejected_total = queries.open_questions_of(connection, NEGATIVE_KIND)
        return render_template("console/improve.html", rows=rows, total=total, page=page,
                               unlabelled=unlabelled, intents=console.intents,
                               not_covered=not_covered, not_covered_total=not_covered_total,
                               rejected=rejected, rejected_total=rejected_total,
                               shown_at_most=queries.OPEN_QUESTIONS_SHOWN)

    @blueprint.post("/improve/label")
    @login_required
    def label() -> Response:
        """Label one misunderstood message with an intent."""
        raw = request.form.get("event_id", "")
        if not raw.isdigit():
            abort(400, description="'event_id' must be a number.")
        try:
            casework.label(console.engine, int(raw), request.form.get("intent", ""), current().id,
                              console.intents)
        except casework.AnnotationError as exc:
            flash(str(exc), "error")
        else:
            audit.record(console.engine, current().email, "label", detail=f"event {raw}")
        return redirect(request.form.get("back_page") and url_for("console.improve", page=request.form["back_page"])
                        or url_for("console.improve"))

    @blueprint.get("/improve/nlu.yml")
    @login_required
    def nlu_export() -> Response:
        """The labelled messages as Rasa NLU YAML."""
        examples = casework.labelled_examples(console.engine)
        count = sum(map(len, examples.values()))
        audit.record(console.engine, current().email, "export", detail=f"NLU YAML, {count} examples")
        return Response(nlu_yaml(examples), mimetype="application/x-yaml; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="labelled_nlu.yml"'})
