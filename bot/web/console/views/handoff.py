"""The handoff queue and the claim / reply / hand-back actions."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from bot.web.console import audit, handoff, queries
from bot.web.console.context import Console
from bot.web.console.security import current, login_required
from bot.web.console.sync import sync

ACTIONS = ("claim", "reply", "release")


def register(blueprint: Blueprint, console: Console) -> None:
    """Routes: /handoffs (queue) and POST /handoff/<action>."""

    @blueprint.get("/handoffs")
    @login_required
    def handoffs() -> str:
        """Learners waiting for an adviser, oldest first."""
        with console.engine.connect() as connection:
            queue = queries.handoff_queue(connection)
            waiting = queries.waiting_count(connection)
        return render_template("console/handoffs.html", queue=queue, waiting=waiting,
                               queue_limit=queries.QUEUE_SIZE)

    @blueprint.post("/handoff/<action>")
    @login_required
    def handoff_action(action: str) -> Response:
        """Claim, reply to or hand back a conversation."""
        if action not in ACTIONS:
            abort(404)
        sender_id = request.form.get("sender_id", "")
        with console.engine.connect() as connection:
            if queries.summary(connection, sender_id) is None:
                abort(404, description="There is no conversation with this id.")
        me = current()
        try:
            if action == "claim":
                handoff.claim(console.engine, console.settings, sender_id, me.id, me.name)
            elif action == "reply":
                handoff.reply(console.engine, console.settings, sender_id, me.id, me.name,
                              request.form.get("text", ""))
            else:
                handoff.release(console.engine, console.settings, sender_id, me.id, me.name, force=me.is_admin)
        except handoff.HandoffError as exc:
            flash(str(exc), "error")
        else:
            audit.record(console.engine, me.email, f"handoff_{action}", sender_id)
            sync(console.engine)
        target = request.form.get("back")
        if target == "queue":
            return redirect(url_for("console.handoffs"))
        return redirect(url_for("console.conversation", sender_id=sender_id) + "#handoff")
