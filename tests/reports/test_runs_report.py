"""The backup report: counts per job, success rate, time to resolve, chart per local day."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import event

from backupchecks.extensions import db
from backupchecks.models.checks import Override, RunOverride
from backupchecks.models.tickets import RunTicket, Ticket
from backupchecks.reports.runs import build_runs_report
from tests.factories import make_customer, make_job, make_run

AMS = ZoneInfo("Europe/Amsterdam")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _ticket(autotask_id: int, created: datetime, **kw) -> Ticket:
    ticket = Ticket(autotask_id=autotask_id, number=f"T{autotask_id}", title="t", created_at=created, **kw)
    db.session.add(ticket)
    db.session.flush()
    return ticket


def seed_report() -> dict:
    acme, brouwer = make_customer("Acme"), make_customer("Brouwer")
    j1 = make_job(acme, "Daily VMs")
    j2 = make_job(acme, "File share")  # active, no runs: a row of zeros
    j3 = make_job(brouwer, "=cmd|' /C calc'!A0")  # a hostile job name, for the CSV
    make_job(acme, "Old job", archived=True)  # archived, no runs: not listed
    j5 = make_job(acme, "Retired", archived=True)
    make_run(j1, "success", started_at=utc(2025, 2, 28, 22, 59))  # 23:59 local on 28 Feb: outside
    make_run(j1, "success", started_at=utc(2025, 2, 28, 23, 30))  # 00:30 local on 1 March
    make_run(j1, "success", started_at=utc(2025, 3, 1, 2))
    failed = make_run(j1, "failed", started_at=utc(2025, 3, 1, 23, 30))  # 2 March local
    warned = make_run(j1, "warning", started_at=utc(2025, 3, 2, 3))
    make_run(j1, "missed", started_at=utc(2025, 3, 3, 3))
    make_run(j3, "success", started_at=utc(2025, 3, 2, 10))
    make_run(j3, "success", started_at=utc(2025, 3, 3, 23, 30))  # 4 March local: outside
    make_run(j5, "failed", started_at=utc(2025, 3, 3, 10))
    override = Override(job_id=j1.id, match_status="warning", note="known")
    db.session.add(override)
    db.session.flush()
    db.session.add(RunOverride(run_id=warned.id, override_id=override.id))
    _ticket(1, utc(2025, 3, 1, 3), job_id=j1.id, completed_at=utc(2025, 3, 1, 7))  # 4 h
    linked = _ticket(2, utc(2025, 3, 2), resolved_at=utc(2025, 3, 2, 10))  # 10 h, via a run
    db.session.add(RunTicket(run_id=failed.id, ticket_id=linked.id))
    _ticket(3, utc(2025, 2, 20), job_id=j1.id, completed_at=utc(2025, 2, 21))  # before the period
    _ticket(4, utc(2025, 3, 2, 12), job_id=j1.id)  # still open
    db.session.commit()
    return {"j1": j1.id, "j2": j2.id, "j3": j3.id, "j5": j5.id, "acme": acme.id}


def test_counts_rates_and_time_to_resolve_per_job(app):
    ids = seed_report()
    report = build_runs_report(db.session, date(2025, 3, 1), date(2025, 3, 3), AMS)
    rows = {r.job_id: r for r in report.rows}
    assert set(rows) == {ids["j1"], ids["j2"], ids["j3"], ids["j5"]}
    j1 = rows[ids["j1"]]
    assert j1.counts == {"success": 2, "warning": 1, "failed": 1, "missed": 1}
    assert (j1.runs, j1.overridden, j1.tickets) == (5, 1, 3)
    assert j1.success_rate == 60.0  # 2 successes + 1 overridden of 5
    assert j1.mttr_hours == 7.0  # mean of 4 h and 10 h; the open ticket has no time yet
    assert rows[ids["j2"]].runs == 0 and rows[ids["j2"]].success_rate is None
    assert rows[ids["j3"]].runs == 1
    assert report.totals.runs == 7 and report.totals.counts["failed"] == 2


def test_chart_counts_runs_per_local_day(app):
    seed_report()
    report = build_runs_report(db.session, date(2025, 3, 1), date(2025, 3, 3), AMS)
    assert report.per_day[date(2025, 3, 1)] == {"success": 2, "warning": 0, "failed": 0, "missed": 0}
    assert report.per_day[date(2025, 3, 2)] == {"success": 1, "warning": 1, "failed": 1, "missed": 0}
    assert report.per_day[date(2025, 3, 3)] == {"success": 0, "warning": 0, "failed": 1, "missed": 1}


def test_chart_days_follow_the_daylight_saving_change(app):
    job = make_job(make_customer("Acme"))
    make_run(job, "success", started_at=utc(2025, 3, 29, 23, 30))  # CET: 30 March 00:30
    make_run(job, "failed", started_at=utc(2025, 3, 30, 22, 30))  # CEST: 31 March 00:30
    db.session.commit()
    report = build_runs_report(db.session, date(2025, 3, 29), date(2025, 3, 31), AMS)
    assert report.per_day[date(2025, 3, 29)]["success"] == 0
    assert report.per_day[date(2025, 3, 30)]["success"] == 1
    assert report.per_day[date(2025, 3, 30)]["failed"] == 0
    assert report.per_day[date(2025, 3, 31)]["failed"] == 1


def test_one_customer_only(app):
    ids = seed_report()
    report = build_runs_report(db.session, date(2025, 3, 1), date(2025, 3, 3), AMS, ids["acme"])
    assert {r.customer for r in report.rows} == {"Acme"}
    assert sum(d["success"] for d in report.per_day.values()) == 2


def _count_queries(fn) -> int:
    statements: list[str] = []

    def listener(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return len(statements)


def test_query_count_does_not_grow_with_the_data(app):
    seed_report()

    def run() -> None:
        build_runs_report(db.session, date(2025, 3, 1), date(2025, 3, 3), AMS)

    small = _count_queries(run)
    for n in range(15):
        customer = make_customer(f"Extra {n}")
        job = make_job(customer, f"Job {n}")
        for day in (1, 2, 3):
            run_row = make_run(job, "failed", started_at=utc(2025, 3, day, 4))
            ticket = _ticket(100 + n * 10 + day, utc(2025, 3, day, 5), job_id=job.id)
            db.session.add(RunTicket(run_id=run_row.id, ticket_id=ticket.id))
    db.session.commit()
    db.session.expire_all()
    assert _count_queries(run) == small <= 5


def test_viewer_sees_the_report_with_chart_and_totals(app, as_viewer):
    seed_report()
    html = as_viewer.get("/reports/?start_date=2025-03-01&end_date=2025-03-03").get_data(as_text=True)
    assert 'id="runs-report"' in html and "Daily VMs" in html and "60.0" in html
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html and 'class="bar bar-failed"' in html
    assert "Old job" not in html and "Retired" in html
    assert "<script>" not in html and "style=" not in html  # CSP: no inline script or style


def test_csv_export_has_the_same_rows_and_no_formulas(app, as_viewer):
    ids = seed_report()
    period = "start_date=2025-03-01&end_date=2025-03-03"
    response = as_viewer.get(f"/reports/runs.csv?{period}&customer={ids['acme']}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:5] == ["customer", "product", "job_type", "job", "runs"]
    daily = next(r for r in rows if r[3] == "Daily VMs")
    assert daily[4:] == ["5", "2", "1", "1", "1", "1", "60.0", "3", "7.00"]
    all_rows = list(csv.reader(io.StringIO(as_viewer.get(
        "/reports/runs.csv?start_date=2025-03-01&end_date=2025-03-03").get_data(as_text=True))))
    assert any(r[3] == "'=cmd|' /C calc'!A0" for r in all_rows)


def test_printable_page(app, as_viewer):
    seed_report()
    html = as_viewer.get("/reports/?start_date=2025-03-01&end_date=2025-03-03&print=1").get_data(as_text=True)
    assert 'class="print-page"' in html and "data-print" in html and "Daily VMs" in html
    assert 'class="topbar"' not in html and "js/reports.js" in html


def test_bad_dates_say_what_is_wrong(app, as_viewer):
    response = as_viewer.get("/reports/?start_date=2025-13-01")
    assert response.status_code == 400
    assert "start_date must be a date" in response.get_data(as_text=True)
    response = as_viewer.get("/reports/?start_date=2025-03-05&end_date=2025-03-01")
    assert response.status_code == 400 and "before start_date" in response.get_data(as_text=True)
    assert as_viewer.get("/reports/runs.csv?start_date=2024-01-01&end_date=2025-06-01").status_code == 400


def test_reports_is_in_the_menu(app, as_viewer):
    html = as_viewer.get("/reports/").get_data(as_text=True)
    assert 'href="/reports/" aria-current="page">Reports' in html
