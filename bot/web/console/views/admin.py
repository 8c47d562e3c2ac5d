"""Admin pages: adviser accounts and the audit log."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from bot.web.console import audit, stats
from bot.web.console.accounts import AccountError, add_account, list_accounts, set_active, set_admin
from bot.web.console.context import Console
from bot.web.console.handoff import claimant
from bot.web.console.privacy import erase, find_for_erasure
from bot.web.console.security import admin_required, current
from bot.web.console.views import requested_page


def register(blueprint: Blueprint, console: Console) -> None:
    """Routes: /admin/accounts (GET, POST) and /admin/audit."""

    @blueprint.get("/admin/accounts")
    @admin_required
    def accounts() -> str:
        """Every adviser account, and a form to add one."""
        return render_template("console/accounts.html", accounts=list_accounts(console.engine))

    @blueprint.post("/admin/accounts")
    @admin_required
    def change_account() -> Response:
        """Add, disable, enable, promote or demote an account."""
        action = request.form.get("action", "")
        email = request.form.get("email", "")
        try:
            if action == "add":
                account = add_account(console.engine, email, request.form.get("password", ""),
                                      request.form.get("is_admin") == "1")
                detail = f"added {account.email}" + (" (admin)" if account.is_admin else "")
            elif action in ("disable", "enable"):
                if email.strip().lower() == current().email and action == "disable":
                    raise AccountError("You cannot disable your own account.")
                account = set_active(console.engine, email, action == "enable")
                detail = f"{action}d {account.email}"
            elif action in ("make_admin", "remove_admin"):
                target = next((a for a in list_accounts(console.engine) if a.email == email.strip().lower()), None)
                if target is None:
                    raise AccountError("No such account.")
                if target.id == current().id:
                    raise AccountError("You cannot change your own admin rights.")
                set_admin(console.engine, target.id, action == "make_admin")
                detail = f"{action} {target.email}"
            else:
                abort(400, description="Unknown account action.")
        except AccountError as exc:
            flash(str(exc), "error")
        else:
            audit.record(console.engine, current().email, "account", detail=detail)
            flash(detail.capitalize() + ".", "ok")
        return redirect(url_for("console.accounts"))

    @blueprint.get("/admin/erasure")
    @admin_required
    def erasure() -> str:
        """Find every conversation of a learner (by conversation id, email or phone number)."""
        needle = " ".join(request.args.get("find", "").split())[:200]
        found = find_for_erasure(console.engine, needle) if needle else []
        if needle:
            audit.record(console.engine, current().email, "erasure_search", detail=f"{len(found)} found")
        return render_template("console/erasure.html", needle=needle, found=found)

    @blueprint.post("/admin/erasure")
    @admin_required
    def erase_many() -> Response:
        """Erase the selected conversations after typing ERASE to confirm."""
        chosen = [s for s in request.form.getlist("sender_id") if s][:200]
        if request.form.get("confirm", "").strip() != "ERASE" or not chosen:
            flash("Select the conversations and type ERASE to confirm.", "error")
            return redirect(url_for("console.erasure", find=request.form.get("find", "")))
        held = [s for s in chosen if claimant(console.engine, s) is not None]
        if held:
            flash("Hand these conversations back to the assistant first: " + ", ".join(held), "error")
            return redirect(url_for("console.erasure", find=request.form.get("find", "")))
        # audited by erase() itself, under pseudonyms: the log keeps no erased conversation id
        events = erase(console.engine, chosen, current().email, "erasure request")
        stats.clear_cache()
        flash(f"Erased {len(chosen)} conversation(s) ({events} events deleted).", "ok")
        return redirect(url_for("console.erasure"))

    @blueprint.get("/admin/audit")
    @admin_required
    def audit_log() -> str:
        """The audit log, newest first."""
        page = requested_page()
        rows, total = audit.entries(console.engine, page, request.args.get("actor", "")[:255],
                                    request.args.get("action", "")[:32])
        return render_template("console/audit.html", rows=rows, total=total, page=page,
                               pages=max(1, -(-total // audit.PAGE_SIZE)))
