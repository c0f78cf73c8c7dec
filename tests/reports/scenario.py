"""A small tenant whose scorecard figures are worked out by hand below.

Two weeks: Monday 3 March 2025 and Monday 10 March 2025. Amsterdam is UTC+1
then; New York is UTC-5 until its DST change on Sunday 9 March 02:00, UTC-4
after. Queue 29682969 is "Backup (ROC)" in the simulator; 29682833 is
"Service Desk".
"""

from __future__ import annotations

from datetime import date
from typing import Any

ROC = 29682969
DESK = 29682833
WEEKS = [date(2025, 3, 3), date(2025, 3, 10)]
START, END = date(2025, 3, 3), date(2025, 3, 16)


def _t(tid: int, created: str, completed: str | None, *, queue: int = ROC, status: int = 5,
       priority: int = 2, company: int = 101) -> dict[str, Any]:
    return {"id": tid, "ticketNumber": f"T20250303.{tid:04d}", "title": f"Ticket {tid}",
            "status": status, "priority": priority, "companyID": company, "queueID": queue,
            "createDate": created, "completedDate": completed}


TICKETS = [
    # Mon 10:00 → 16:00 Amsterdam: same day, 6 h, week 1.
    _t(1, "2025-03-03T09:00:00.000Z", "2025-03-03T15:00:00.000Z", priority=1),
    # Tue 23:30 → Wed 00:30 Amsterdam: NOT the same day there (it is in UTC and New York), 1 h.
    _t(2, "2025-03-04T22:30:00.000Z", "2025-03-04T23:30:00Z"),
    # Opened Sunday 23:00 (week 1), closed Monday 09:00 (week 2) Amsterdam: 10 h.
    _t(3, "2025-03-09T22:00:00.000Z", "2025-03-10T08:00:00.000Z", priority=3),
    # Monday 00:30 Amsterdam (week 2; Sunday in UTC), closed 02:30 same day: 2 h.
    _t(4, "2025-03-09T23:30:00.000Z", "2025-03-10T01:30:00.000Z"),
    # Status 8 "Completed" sets no completedDate: opened, never closed.
    _t(5, "2025-03-12T10:00:00.000Z", None, status=8),
    # Opened before the period, closed in week 1: 13 days = 312 h.
    _t(6, "2025-02-20T10:00:00.000Z", "2025-03-05T10:00:00.000Z"),
    # Another queue: the server filters it out.
    _t(7, "2025-03-05T10:00:00.000Z", "2025-03-05T11:00:00.000Z", queue=DESK),
    # Monday 17 March 00:30 Amsterdam (after the period); Sunday 16 March 19:30 in New York.
    _t(8, "2025-03-16T23:30:00.000Z", None, status=1),
]


def _e(eid: int, ticket: int, worked: str, hours: float, billable: bool,
       resource: int) -> dict[str, Any]:
    return {"id": eid, "ticketID": ticket, "resourceID": resource, "dateWorked": worked,
            "hoursWorked": hours, "hoursToBill": hours if billable else 0.0,
            "isNonBillable": not billable, "summaryNotes": "work"}


ANNA, BOB = 29682001, 29682002
TIME_ENTRIES = [
    _e(101, 1, "2025-03-03T10:00:00.000Z", 2.0, True, ANNA),
    # A bare date (midnight UTC) is a calendar day in every zone: Tuesday 4 March.
    _e(102, 1, "2025-03-04T00:00:00.000Z", 1.0, False, BOB),
    # Monday 00:15 Amsterdam (week 2); Sunday 19:15 New York (week 1).
    _e(103, 3, "2025-03-09T23:15:00.000Z", 3.0, True, ANNA),
    # Before the period everywhere.
    _e(104, 6, "2025-03-02T12:00:00.000Z", 5.0, True, ANNA),
    # On the other queue's ticket.
    _e(105, 7, "2025-03-05T10:00:00.000Z", 4.0, True, BOB),
    _e(106, 5, "2025-03-10T00:00:00.000Z", 1.0, False, BOB),
]

# Worked out by hand from the rows above.
AMSTERDAM_WEEKS = [
    {"week_start": "2025-03-03", "opened": 3, "closed": 3, "same_day_closed": 1,
     "same_day_close_rate": 33.3, "avg_resolution_hours": 106.33, "median_resolution_hours": 6.0,
     "billable_hours": 2.0, "total_hours": 3.0, "utilisation": 66.7},
    {"week_start": "2025-03-10", "opened": 2, "closed": 2, "same_day_closed": 1,
     "same_day_close_rate": 50.0, "avg_resolution_hours": 6.0, "median_resolution_hours": 6.0,
     "billable_hours": 3.0, "total_hours": 4.0, "utilisation": 75.0},
]
NEW_YORK_WEEKS = [
    {"week_start": "2025-03-03", "opened": 4, "closed": 4, "same_day_closed": 3,
     "same_day_close_rate": 75.0, "avg_resolution_hours": 80.25, "median_resolution_hours": 4.0,
     "billable_hours": 5.0, "total_hours": 6.0, "utilisation": 83.3},
    {"week_start": "2025-03-10", "opened": 2, "closed": 1, "same_day_closed": 0,
     "same_day_close_rate": 0.0, "avg_resolution_hours": 10.0, "median_resolution_hours": 10.0,
     "billable_hours": 0.0, "total_hours": 1.0, "utilisation": 0.0},
]
AMSTERDAM_QUARTER = {
    "quarter": "2025-Q1", "weeks": 2, "opened_total": 5, "closed_total": 5, "opened": 2.5,
    "closed": 2.5, "same_day_close_rate": 41.7, "avg_resolution_hours": 56.17,
    "median_resolution_hours": 6.0, "billable_hours": 2.5, "total_hours": 3.5, "utilisation": 70.8,
}


def seed(server: Any, tickets: list[dict[str, Any]] | None = None,
         entries: list[dict[str, Any]] | None = None) -> None:
    """Replace the simulator's tickets and time entries with exactly these rows."""
    state = server.state
    with server.sim._lock:
        for entity, rows in (("Tickets", TICKETS if tickets is None else tickets),
                             ("TimeEntries", TIME_ENTRIES if entries is None else entries)):
            table = state.tables[entity]
            table.clear()
            for values in sorted(rows, key=lambda r: r["id"]):  # the pager wants ids in order
                row = state.blank(entity)
                row.update(values)
                table[row["id"]] = row
            state.next_id[entity] = max((r["id"] for r in rows), default=0) + 1
