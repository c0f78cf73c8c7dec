from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from backupchecks.autotask.config import credentials
from backupchecks.checks import ticket_list, tickets
from backupchecks.web.forms import FormError, text
from backupchecks.web.tickets import bp


@bp.route("/")
def index() -> str:
    state = request.args.get("state", "open")
    if state not in ("open", "closed", "all"):
        state = "open"
    rows = ticket_list.ticket_rows(state)
    notice = None
    if rows and credentials():
        notice = tickets.refresh_statuses([r.ticket for r in rows])
        if state == "open":  # a refresh may have found some closed
            rows = [r for r in rows if r.ticket.is_open]
    return render_template("tickets/index.html", rows=rows, state=state, notice=notice,
                           remarks=ticket_list.active_remarks())


@bp.route("/<int:ticket_id>/resolve", methods=["POST"])
def resolve(ticket_id: int) -> Response:
    try:
        result = tickets.resolve_ticket(ticket_id, user=current_user, note=text("note", 4000))
    except FormError as exc:
        flash(str(exc), "error")
    except tickets.TicketActionError as exc:
        flash(exc.message, "error")
    else:
        flash(result.message, "success")
    return redirect(url_for("tickets.index"))
