"""One conversation: transcript, review, tags, assignment, notes, reveal, export, erasure."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from bot.shared.contact_details import has_contact_details
from bot.web.console import audit, casework, exports, handoff, live, queries
from bot.web.console.accounts import list_accounts
from bot.web.console.context import Console
from bot.web.console.privacy import erase
from bot.web.console.security import admin_required, current, login_required
from bot.web.console.transcript import read_turns
from bot.web.console.views.inbox import download

ACTIONS = ("review", "unreview", "tag", "untag", "assign", "note")
MAX_REVEALED = 10


def _summary_or_404(console: Console, sender_id: str) -> dict[str, object]:
    with console.engine.connect() as connection:
        found = queries.summary(connection, sender_id)
    if found is None:
        abort(404, description="There is no conversation with this id (it may have been erased).")
    return found


def _form_sender(console: Console) -> str:
    sender_id = request.form.get("sender_id", "")
    _summary_or_404(console, sender_id)
    return sender_id


def _back(sender_id: str) -> Response:
    return redirect(url_for("console.conversation", sender_id=sender_id))


def register(blueprint: Blueprint, console: Console) -> None:
    """Routes under /conversations/<id> and POST /conversation/<action>."""

    @blueprint.get("/conversations/<path:sender_id>")
    @login_required
    def conversation(sender_id: str) -> str:
        """The transcript with the casework, handoff and privacy panels."""
        summary = _summary_or_404(console, sender_id)
        with console.engine.connect() as connection:
            turns, last_event = read_turns(connection, sender_id)
            careers = queries.careers_for(connection, [sender_id]).get(sender_id, [])
        notes = casework.notes_of(console.engine, sender_id)
        audit.record(console.engine, current().email, "view", sender_id)
        live.remember_opened(sender_id)  # the live-update script may now poll its new turns
        return render_template(
            "console/conversation.html", summary=summary, turns=turns, last_event=last_event, sender_id=sender_id,
            careers=careers,
            tags=casework.tags_of(console.engine, sender_id),
            review=casework.review_of(console.engine, sender_id),
            assignee=casework.assignee_of(console.engine, sender_id),
            advisers=[a for a in list_accounts(console.engine) if a.active],
            conversation_notes=[n for n in notes if n["event_id"] is None],
            message_notes=_by_event(notes), claimant=handoff.claimant(console.engine, sender_id),
            contact_details=any(has_contact_details(t.text) for t in turns if t.kind == "user"))

    @blueprint.post("/conversation/<action>")
    @login_required
    def annotate(action: str) -> Response:
        """Review, tag, untag, assign or add a note."""
        if action not in ACTIONS:
            abort(404)
        sender_id = _form_sender(console)
        me = current()
        try:
            if action in ("review", "unreview"):
                casework.set_reviewed(console.engine, sender_id, me.id, action == "review")
                detail = action
            elif action == "tag":
                detail = "tag " + casework.add_tag(console.engine, sender_id, me.id, request.form.get("tag", ""))
            elif action == "untag":
                casework.remove_tag(console.engine, sender_id, request.form.get("tag", ""))
                detail = "untag " + request.form.get("tag", "")[:64]
            elif action == "assign":
                raw = request.form.get("account_id", "")
                if raw and not raw.isdigit():
                    abort(400, description="'account_id' must be a number.")
                casework.assign(console.engine, sender_id, int(raw) if raw else None, me.id)
                detail = f"assign {raw or 'nobody'}"
            else:
                raw_event = request.form.get("event_id", "")
                if raw_event and not raw_event.isdigit():
                    abort(400, description="'event_id' must be a number.")
                casework.add_note(console.engine, sender_id, me.id, request.form.get("body", ""),
                                     int(raw_event) if raw_event else None)
                detail = "note" + (f" on event {raw_event}" if raw_event else "")
        except casework.AnnotationError as exc:
            flash(str(exc), "error")
            return _back(sender_id)
        audit.record(console.engine, me.email, action, sender_id, detail)
        return _back(sender_id)

    @blueprint.get("/conversations/<path:sender_id>/export.<fmt>")
    @login_required
    def export_one(sender_id: str, fmt: str) -> Response:
        """One conversation as CSV or JSON Lines."""
        if fmt not in exports.FORMATS:
            abort(404)
        _summary_or_404(console, sender_id)
        reveal = current().is_admin and sender_id in session.get("reveal", [])
        audit.record(console.engine, current().email, "export", sender_id,
                     f"one conversation as {fmt}" + ("; unmasked" if reveal else ""))
        return download(exports.stream(console.engine, [sender_id], fmt, [sender_id] if reveal else ()),
                        fmt, "conversation")

    @blueprint.post("/conversation/reveal")
    @admin_required
    def reveal() -> Response:
        """Show (or mask again) contact details in this conversation, for an admin."""
        sender_id = _form_sender(console)
        # Kept in the signed session cookie, so only the last few conversations are remembered.
        shown = [s for s in session.get("reveal", []) if s != sender_id][-(MAX_REVEALED - 1):]
        if request.form.get("hide") != "1":
            shown.append(sender_id)
            audit.record(console.engine, current().email, "reveal", sender_id, "contact details shown")
        session["reveal"] = shown
        return _back(sender_id)

    @blueprint.post("/conversation/erase")
    @admin_required
    def erase_conversation() -> Response:
        """Erase the conversation everywhere (erasure request)."""
        sender_id = _form_sender(console)
        if request.form.get("confirm") != sender_id:
            flash("Type the conversation id exactly to confirm the erasure.", "error")
            return _back(sender_id)
        if handoff.claimant(console.engine, sender_id) is not None:
            flash("Hand the conversation back to the assistant before erasing it.", "error")
            return _back(sender_id)
        # audited by erase() itself, under a pseudonym: the log keeps no erased conversation id
        events = erase(console.engine, [sender_id], current().email, "erased from its page")
        flash(f"Conversation {sender_id} erased ({events} events deleted).", "ok")
        return redirect(url_for("console.inbox"))


def _by_event(notes: list[dict[str, object]]) -> dict[int, list[dict[str, object]]]:
    found: dict[int, list[dict[str, object]]] = {}
    for note in notes:
        if note["event_id"] is not None:
            found.setdefault(int(note["event_id"]), []).append(note)  # type: ignore[call-overload]
    return found
