"""The scorecard's pure figures against values worked out by hand (no database, no network)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from backupchecks.autotask.reference import PicklistValue
from backupchecks.reports import scorecard as sc
from backupchecks.reports.csvout import safe_cell, to_csv
from tests.reports import scenario as s

AMS = ZoneInfo("Europe/Amsterdam")
NYC = ZoneInfo("America/New_York")


def _queue_rows(zone: ZoneInfo) -> tuple[list[dict], list[dict]]:
    """What the server would answer for the ROC queue over the scenario's weeks."""
    start, end = sc.period_bounds_utc(s.WEEKS, zone)
    tickets = [t for t in s.TICKETS if t["queueID"] == s.ROC
               and sc.parse_instant(t["createDate"]) < end
               and (t["completedDate"] is None or sc.parse_instant(t["completedDate"]) >= start)]
    ids = {t["id"] for t in tickets}
    return tickets, [e for e in s.TIME_ENTRIES if e["ticketID"] in ids]


@pytest.mark.parametrize(("zone", "expected"), [(AMS, s.AMSTERDAM_WEEKS),
                                                (NYC, s.NEW_YORK_WEEKS)])
def test_weekly_figures_match_the_hand_computed_values(zone, expected):
    tickets, entries = _queue_rows(zone)
    weeks = sc.weekly_figures(tickets, entries, s.WEEKS, zone)
    assert [w.as_dict() for w in weeks] == expected


def test_quarter_is_the_average_of_its_weeks():
    tickets, entries = _queue_rows(AMS)
    quarters = sc.quarterly_figures(sc.weekly_figures(tickets, entries, s.WEEKS, AMS))
    assert len(quarters) == 1
    got = {k: quarters[0][k] for k in s.AMSTERDAM_QUARTER}
    assert got == s.AMSTERDAM_QUARTER
    assert quarters[0]["quarter_start"] == "2025-01-01" and quarters[0]["quarter_end"] == "2025-03-31"


def test_a_week_belongs_to_the_quarter_of_its_thursday():
    weeks = [sc.WeekFigures(date(2024, 12, 30), opened=4), sc.WeekFigures(date(2025, 3, 31), opened=2),
             sc.WeekFigures(date(2025, 9, 29), opened=8)]
    # 30 Dec 2024's Thursday is 2 Jan 2025 (Q1); 31 Mar 2025's is 3 Apr (Q2); 29 Sep's is 2 Oct (Q4).
    assert [(q["quarter"], q["opened"]) for q in sc.quarterly_figures(weeks)] == [
        ("2025-Q1", 4), ("2025-Q2", 2), ("2025-Q4", 8)]


def test_a_period_without_tickets_gives_zeros_not_errors():
    weeks = sc.weekly_figures([], [], s.WEEKS, AMS)
    row = weeks[0].as_dict()
    assert (row["opened"], row["closed"], row["total_hours"]) == (0, 0, 0.0)
    assert row["same_day_close_rate"] is None and row["utilisation"] is None
    assert sc.quarterly_figures(weeks)[0]["opened"] == 0


def test_the_same_ticket_twice_counts_once():
    ticket = s.TICKETS[0]
    weeks = sc.weekly_figures([ticket, dict(ticket)], [], s.WEEKS, AMS)
    assert (weeks[0].opened, weeks[0].closed) == (1, 1)


def test_dates_with_and_without_milliseconds_and_bad_dates():
    assert sc.parse_instant("2025-10-24T08:15:00.000Z") == datetime(2025, 10, 24, 8, 15, tzinfo=UTC)
    assert sc.parse_instant("2025-10-24T08:15:00Z") == datetime(2025, 10, 24, 8, 15, tzinfo=UTC)
    assert sc.parse_instant("2025-10-24T10:15:00+02:00") == datetime(2025, 10, 24, 8, 15, tzinfo=UTC)
    assert sc.parse_instant("yesterday") is None and sc.parse_instant(None) is None


def test_weeks_run_monday_to_sunday_and_cover_the_period():
    assert sc.week_starts(date(2025, 3, 5), date(2025, 3, 16)) == s.WEEKS  # Wed .. Sun
    assert sc.week_starts(date(2025, 3, 3), date(2025, 3, 17)) == [*s.WEEKS, date(2025, 3, 17)]
    start, end = sc.period_bounds_utc(s.WEEKS, AMS)
    assert start == datetime(2025, 3, 2, 23, tzinfo=UTC) and end == datetime(2025, 3, 16, 23, tzinfo=UTC)


def test_breakdown_uses_picklist_labels_never_bare_ids():
    labels = {("status", "5"): "Complete", ("status", "8"): "Completed", ("priority", "2"): "Medium"}

    def label(name, value):
        return labels.get((name, str(value)))

    rows = [{"status": 5, "priority": 2}, {"status": 5, "priority": 2}, {"status": 8, "priority": 9},
            {"status": None, "priority": 2}]
    assert sc.breakdown(rows, "status", label) == [("Complete", 2), ("(none)", 1), ("Completed", 1)]
    assert sc.breakdown(rows, "priority", label) == [("Medium", 3), ("Unknown (9)", 1)]


def test_utilisation_per_resource():
    _tickets, entries = _queue_rows(AMS)
    rows = {r["resource_id"]: r for r in sc.resource_utilisation(entries, s.WEEKS, AMS)}
    assert rows[s.ANNA]["billable_hours"] == 5.0 and rows[s.ANNA]["utilisation"] == 100.0
    assert rows[s.BOB]["total_hours"] == 2.0 and rows[s.BOB]["utilisation"] == 0.0
    assert [w["total_hours"] for w in rows[s.ANNA]["weeks"]] == [2.0, 3.0]


def test_ticket_summary_counts_labels_and_mean_resolution():
    tickets = [t for t in s.TICKETS if t["id"] in (1, 2, 5)]
    summary = sc.ticket_summary(tickets, lambda n, v: {"5": "Complete", "8": "Completed",
                                                       "1": "High", "2": "Medium"}.get(str(v)))
    assert summary == {"total": 3, "by_status": {"Complete": 2, "Completed": 1},
                       "by_priority": {"Medium": 2, "High": 1}, "avg_resolution_hours": 3.5}


@pytest.mark.parametrize(("value", "higher", "expected"), [
    (80, True, "green"), (70, True, "green"), (64, True, "amber"), (62.9, True, "red"),
    (8, False, "green"), (8.8, False, "amber"), (8.9, False, "red"),
])
def test_rag_against_a_target_with_a_ten_percent_amber_band(value, higher, expected):
    target = 70 if higher else 8
    assert sc.rag(value, target, higher, 10) == expected


def test_targets_rate_each_metric_and_leave_unset_ones_alone():
    targets = sc.Targets({"utilisation": 70.0, "avg_resolution_hours": 24.0, "opened": None})
    rated = targets.rate_all({"utilisation": 50.0, "avg_resolution_hours": 10.0, "opened": 99,
                              "same_day_close_rate": None})
    assert rated["utilisation"] == "red" and rated["avg_resolution_hours"] == "green"
    assert rated["opened"] is None and rated["same_day_close_rate"] is None


def test_find_queue_by_id_or_name():
    queues = [PicklistValue("29682969", "Backup (ROC)", True, False, 0, None),
              PicklistValue("29682833", "Service Desk", True, True, 1, None)]
    assert sc.find_queue("29682833", queues).label == "Service Desk"
    assert sc.find_queue("backup (roc)", queues).value == "29682969"
    assert sc.find_queue("Nope", queues) is None and sc.find_queue("", queues) is None


def test_csv_cells_cannot_become_formulas():
    assert safe_cell("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    assert safe_cell("-2+3") == "'-2+3" and safe_cell(-2) == -2 and safe_cell(None) == ""
    assert to_csv(["a", "b"], [["@x", 1.5]]) == "a,b\r\n'@x,1.5\r\n"
