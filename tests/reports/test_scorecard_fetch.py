"""The scorecard end to end against the simulator: figures, paging, cache, faults."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from backupchecks.extensions import db
from backupchecks.models.api import ReportCache
from backupchecks.models.types import utcnow
from backupchecks.reports import fetch, psa
from backupchecks.settings import set_setting
from tests.reports import scenario as s

ROC_QUEUE = psa.Queue(s.ROC, "Backup (ROC)")


def _card(**kwargs):
    return psa.build_scorecard(ROC_QUEUE, s.START, s.END, **kwargs)


def _figures(rows):
    return [{k: row[k] for k in s.AMSTERDAM_WEEKS[0]} for row in rows]


def test_figures_from_the_tenant_match_the_hand_computed_ones(tenant):
    card = _card()
    assert _figures(card.weeks) == s.AMSTERDAM_WEEKS
    assert not card.cached and not card.stale
    # Labels from the picklists: status 8 is "Completed" (it sets no completedDate).
    assert dict(card.by_status) == {"Complete": 4, "Completed": 1}
    assert dict(card.by_priority) == {"Medium": 3, "High": 1, "Low": 1}
    # One ticket page, one time-entry batch: the server did the filtering.
    assert tenant.api_calls() == [("POST", "/Tickets/query"), ("POST", "/TimeEntries/query")]


def test_the_time_zone_setting_moves_tickets_between_days_and_weeks(tenant):
    set_setting("general.timezone", "America/New_York")
    db.session.commit()
    card = _card()
    assert card.zone == ZoneInfo("America/New_York")
    assert _figures(card.weeks) == s.NEW_YORK_WEEKS


def test_per_resource_names_come_from_autotask(tenant):
    card = _card(with_resources=True)
    names = {r["resource_id"]: (r["name"], r["utilisation"]) for r in card.resources}
    assert names == {s.ANNA: ("Sanne Bakker", 100.0), s.BOB: ("Daan Visser", 0.0)}


def test_paging_follows_every_next_page(tenant):
    tickets = [s._t(10_000 + n, "2025-03-04T10:00:00Z", "2025-03-04T12:00:00Z" if n % 2 else None)
               for n in range(1201)]
    entries = [s._e(50_000 + n, 10_000 + n % 1201, "2025-03-04T10:00:00Z", 1.0, n % 4 != 0, s.ANNA)
               for n in range(1300)]
    s.seed(tenant, tickets, entries)
    tenant.clear_requests()
    card = _card()
    week = card.weeks[0]
    assert (week["opened"], week["closed"], week["same_day_closed"]) == (1201, 600, 600)
    assert week["total_hours"] == 1300.0 and week["billable_hours"] == 975.0
    calls = tenant.api_calls()
    # 1,201 tickets: 3 pages. 1,300 entries on them in 498-id batches (3 batches; the first
    # two hold 498 + 498 ticket ids with up to 2 entries each): one page or two each.
    assert calls.count(("POST", "/Tickets/query")) == 1
    assert calls.count(("POST", "/Tickets/query/next")) == 2
    entry_calls = [c for c in calls if c[1].startswith("/TimeEntries/query")]
    assert calls.count(("POST", "/TimeEntries/query")) == 3
    assert len(entry_calls) == 3 + 1  # the first batch (498 tickets, 596 entries) takes 2 pages


def test_a_repeat_is_served_from_the_cache_without_api_calls(tenant):
    first = _card()
    tenant.clear_requests()
    second = _card()
    assert tenant.api_calls() == []
    assert second.cached and second.weeks == first.weeks
    assert second.fetched_at == first.fetched_at
    # The quarterly page of the same weeks shares the cached rows.
    tenant.clear_requests()
    assert _card(with_resources=False).quarters[0]["opened_total"] == 5
    assert tenant.api_calls() == []


def test_refresh_bypasses_the_cache(tenant):
    _card()
    tenant.clear_requests()
    s.seed(tenant, s.TICKETS[:1], [])
    card = _card(refresh=True)
    assert not card.cached and card.weeks[0]["opened"] == 1
    assert ("POST", "/Tickets/query") in tenant.api_calls()


def test_an_expired_cache_entry_is_fetched_again(tenant):
    _card()
    db.session.execute(update(ReportCache).values(fetched_at=utcnow() - timedelta(minutes=6)))
    db.session.commit()
    tenant.clear_requests()
    card = _card()
    assert not card.cached
    assert ("POST", "/Tickets/query") in tenant.api_calls()


def test_cache_rows_are_shared_in_the_database(tenant):
    _card()
    keys = set(db.session.scalars(select(ReportCache.key)))
    assert any(k.startswith("rows:29682969:") for k in keys)
    assert any(k.startswith("figures:29682969:") for k in keys)


@pytest.mark.parametrize("status", [503, 429])
def test_autotask_down_shows_the_last_figures_with_their_age(tenant, status):
    first = _card()
    db.session.execute(update(ReportCache).values(fetched_at=utcnow() - timedelta(minutes=30)))
    db.session.commit()
    tenant.inject_fault("/Tickets/query", status=status, count=10, headers={"Retry-After": "0"})
    card = _card()
    assert card.stale and card.cached
    assert card.weeks == first.weeks
    assert card.error and ("refusing" in card.error or "server error" in card.error)
    assert card.fetched_at < utcnow() - timedelta(minutes=29)


def test_autotask_down_without_a_cache_is_a_clear_error(tenant):
    tenant.inject_fault("/Tickets/query", status=429, count=10, headers={"Retry-After": "0"})
    with pytest.raises(fetch.ReportUnavailable, match="refusing requests"):
        _card()
    health = fetch.autotask_health()
    assert health is not None and health["ok"] is False


def test_a_period_without_tickets_shows_zeros(tenant):
    s.seed(tenant, [], [])
    card = _card()
    assert [w["opened"] for w in card.weeks] == [0, 0]
    assert card.by_status == [] and card.quarters[0]["closed_total"] == 0
    assert tenant.api_calls() == [("POST", "/Tickets/query")]  # no tickets: no time-entry query
