"""The inbox: conversations by latest activity, with filters, search, pagination and exports."""
from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request, session, stream_with_context

from bot.web.console import audit, exports, queries
from bot.web.console.context import Console
from bot.web.console.filters import FilterError, parse_filters
from bot.web.console.formatting import career_label
from bot.web.console.security import current, login_required
from bot.web.console.sync import is_behind, skipped_count

MAX_EXPORT_CONVERSATIONS = 20_000


def _filters():  # type: ignore[no-untyped-def]
    try:
        return parse_filters(request.args)
    except FilterError as exc:
        abort(400, description=str(exc))


def register(blueprint: Blueprint, console: Console) -> None:
    """Routes: / (inbox) and /export.<fmt> (the filtered set)."""

    @blueprint.get("/")
    @login_required
    def inbox() -> str:
        """Conversations by latest activity, filtered, searched and paginated."""
        filters = _filters()
        with console.engine.connect() as connection:
            page = queries.inbox_page(connection, filters, current().id)
            if filters.page > page.pages and filters.page != 1:
                abort(400, description=f"'page' is past the last page ({page.pages}).")
            choices = {"channels": queries.channels(connection), "tags": queries.all_tags(connection),
                       "careers": sorted(queries.careers_seen(connection), key=lambda c: career_label(c).lower())}
        return render_template("console/inbox.html", page=page, filters=filters, intents=console.intents,
                               behind=is_behind(console.engine),
                               skipped=skipped_count(console.engine), **choices)

    @blueprint.get("/export.<fmt>")
    @login_required
    def export_filtered(fmt: str) -> Response:
        """The messages of the filtered conversations as CSV or JSON Lines.

        Contact details stay masked except, with `reveal=1`, in the conversations this admin
        revealed one by one (each such conversation is audited); never in bulk.
        """
        if fmt not in exports.FORMATS:
            abort(404)
        filters = _filters()
        reveal = request.args.get("reveal") == "1"
        if reveal and not current().is_admin:
            abort(403, description="Only admins can export contact details unmasked.")
        with console.engine.connect() as connection:
            senders = [r[0] for r in connection.execute(
                queries.filtered_senders(connection, filters, current().id).limit(MAX_EXPORT_CONVERSATIONS))]
        revealed = set(session.get("reveal", [])) & set(senders) if reveal else set()
        audit.record(console.engine, current().email, "export",
                     detail=f"{len(senders)} conversations as {fmt}; filters {filters.args(page=1)}"
                            + (f"; unmasked in {len(revealed)} revealed conversation(s)" if reveal else ""))
        for sender_id in sorted(revealed):
            audit.record(console.engine, current().email, "export", sender_id,
                         f"unmasked in an export of {len(senders)} conversations as {fmt}")
        return _download(exports.stream(console.engine, senders, fmt, revealed), fmt, "conversations")


def _download(chunks, fmt: str, name: str) -> Response:  # type: ignore[no-untyped-def]
    mimetype = "text/csv" if fmt == "csv" else "application/x-ndjson"
    return Response(stream_with_context(chunks), mimetype=f"{mimetype}; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'})


download = _download
