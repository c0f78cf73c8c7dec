"""Reports pages: backup runs per job (with chart, CSV, print) and the PSA scorecard."""

from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import urlencode

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from backupchecks.extensions import db
from backupchecks.models.types import utcnow
from backupchecks.models.users import Role
from backupchecks.reports import csvout, psa, runs, svg, targets
from backupchecks.security.roles import require_role
from backupchecks.settings.store import SettingsError, get_all, get_setting, save_settings
from backupchecks.timeutil import configured_zone, today_local
from backupchecks.web.reports import bp

RUNS_DAYS = 30
#: The scorecard's own parameters, carried over into its links (CSV, refresh).
SCORECARD_ARGS = ("queue", "view", "start_date", "end_date", "resources")


def _csv(filename: str, header: list[str] | tuple[str, ...], rows: list[list[object]]) -> Response:
    return Response(csvout.to_csv(header, rows), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _runs_params() -> tuple[date, date, int | None, str | None]:
    today = today_local()
    problem = None
    try:
        start, end = psa.parse_period(request.args.get("start_date"), request.args.get("end_date"),
                                      default_start=today - timedelta(days=RUNS_DAYS - 1),
                                      default_end=today)
    except psa.InvalidRequest as exc:
        start, end, problem = today - timedelta(days=RUNS_DAYS - 1), today, str(exc)
    customer = request.args.get("customer", "")
    return start, end, int(customer) if (customer.isascii() and customer.isdigit()) else None, problem


@bp.get("/")
def index() -> tuple[str, int]:
    start, end, customer_id, problem = _runs_params()
    report = runs.build_runs_report(db.session, start, end, configured_zone(), customer_id)
    customers = runs.customers_for_filter(db.session)
    template = "reports/runs_print.html" if request.args.get("print") else "reports/runs.html"
    query = urlencode({"start_date": start.isoformat(), "end_date": end.isoformat(),
                       **({"customer": customer_id} if customer_id else {})})
    return render_template(
        template, report=report, customers=customers, problem=problem, query=query,
        chart=svg.status_chart(report.days, report.per_day),
        customer_name=dict(customers).get(customer_id) if customer_id else None,
        company=get_setting("general.company_name"), generated=utcnow(),
    ), 400 if problem else 200


@bp.get("/runs.csv")
def runs_csv() -> Response:
    start, end, customer_id, problem = _runs_params()
    if problem:
        abort(400)
    report = runs.build_runs_report(db.session, start, end, configured_zone(), customer_id)
    return _csv(f"backup-report-{start}-{end}.csv", report.CSV_HEADER, report.csv_rows())


@bp.get("/scorecard")
def scorecard() -> Response | tuple[str, int]:
    # A refresh spends the tenant's shared hourly API budget: operators only.
    refresh = request.args.get("refresh") == "1" and current_user.has_role(Role.OPERATOR)
    page = psa.scorecard_page(request.args, refresh=refresh)
    if refresh and page.card is not None:
        # Refreshed: show the result under an address that a reload will not refresh again.
        return redirect(url_for("reports.scorecard", **_scorecard_args()))
    status = 400 if page.problem else 503 if page.unavailable else 200
    is_admin = current_user.has_role(Role.ADMIN)
    return render_template(
        "reports/scorecard.html", page=page, card=page.card, metrics=psa.sc.METRICS,
        args=_scorecard_args(),
        target_defs=targets.definitions() if is_admin else [],
        target_values=get_all(targets.SECTION) if is_admin else {},
        now=utcnow(),
    ), status


def _scorecard_args() -> dict[str, str]:
    return {k: request.args[k] for k in SCORECARD_ARGS if request.args.get(k)}


@bp.get("/scorecard/<table>.csv")
def scorecard_csv(table: str) -> Response:
    if table not in psa.CSV_TABLES:
        abort(404)
    page = psa.scorecard_page(request.args)
    if page.problem:
        abort(400)
    if page.card is None:
        abort(503 if page.unavailable else 400)
    header, rows = psa.csv_table(page.card, table)
    # The queue name goes into a header: keep it to plain ASCII file-name characters.
    queue = re.sub(r"[^A-Za-z0-9._-]+", "-", page.card.queue.name).strip("-") or "queue"
    return _csv(f"scorecard-{queue}-{table}-{page.start}-{page.end}.csv", header, rows)


@bp.post("/scorecard/targets")
@require_role(Role.ADMIN)
def save_targets() -> Response:
    submitted = {d.key: request.form.get(d.key) for d in targets.definitions()}
    try:
        changed = save_settings(targets.SECTION, submitted, user_id=current_user.id)
    except SettingsError as exc:
        db.session.rollback()
        labels = {d.key: d.label for d in targets.definitions()}
        for key, message in exc.errors.items():
            flash(f"{labels.get(key, key)}: {message}", "error")
        flash("Nothing was saved.", "error")
    else:
        db.session.commit()
        flash(f"Saved {len(changed)} target(s)." if changed else "Nothing changed.", "success")
    back = request.form.get("back", "")
    # Only back to the scorecard itself: never an address someone else typed in.
    if not back.startswith(url_for("reports.scorecard")):
        back = url_for("reports.scorecard")
    return redirect(back)
