"""Picklist helpers over the simulator's fields, and the filter builder."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from backupchecks.autotask.client import AutotaskClient
from backupchecks.autotask.filters import F, as_filter_list, chunks, format_datetime
from backupchecks.autotask.reference import (
    TICKET_PICKLISTS,
    PicklistValue,
    active,
    default_value,
    is_valid_value,
    label_for,
    picklist,
    picklists,
    sub_issue_types,
)

# --- reference data ------------------------------------------------------------------


@pytest.fixture
def fields(client: AutotaskClient) -> list[dict]:
    return client.ticket_fields()


def test_status_values_are_strings_with_labels(fields: list[dict]) -> None:
    statuses = {v.value: v for v in picklist(fields, "status")}
    assert statuses["5"].label == "Complete" and statuses["8"].label == "Completed"
    assert statuses["1"] == PicklistValue("1", "New", True, True, 0, None)
    assert not statuses["13"].is_active
    assert all(isinstance(v.value, str) for v in statuses.values())


def test_every_ticket_picklist_is_there(fields: list[dict]) -> None:
    lists = picklists(fields)
    assert set(lists) == set(TICKET_PICKLISTS)
    assert all(lists[name] for name in TICKET_PICKLISTS)


def test_sort_order_is_kept(fields: list[dict]) -> None:
    orders = [v.sort_order for v in picklist(fields, "priority")]
    assert orders == sorted(orders)
    assert [v.label for v in picklist(fields, "priority")][0] == "Critical"


def test_sub_issue_types_carry_their_parent(fields: list[dict]) -> None:
    backup = sub_issue_types(fields, 18)
    assert {v.label for v in backup} == {"Backup failed", "Backup warning", "Backup missed"}
    assert all(v.parent_value == "18" for v in backup)
    assert sub_issue_types(fields, "20")[0].label == "Disk"


def test_label_for_and_validity(fields: list[dict]) -> None:
    assert label_for(fields, "queueID", 29682969) == "Backup (ROC)"
    assert label_for(fields, "QUEUEID", "29682969") == "Backup (ROC)"  # names ignore case
    assert label_for(fields, "status", 99) is None
    assert label_for(fields, "status", None) is None
    assert is_valid_value(fields, "status", "5")
    assert not is_valid_value(fields, "status", 13)
    assert is_valid_value(fields, "status", 13, active_only=False)


def test_active_and_default(fields: list[dict]) -> None:
    queues = picklist(fields, "queueID")
    assert "Old Projects" not in {v.label for v in active(queues)}
    assert default_value(queues).label == "Service Desk"


def test_unknown_field_is_a_key_error(fields: list[dict]) -> None:
    with pytest.raises(KeyError):
        picklist(fields, "colour")


# --- filters -------------------------------------------------------------------------------


def test_leaf_filters() -> None:
    assert F.eq("status", 5) == {"op": "eq", "field": "status", "value": 5}
    assert F.noteq("status", 5)["op"] == "noteq"
    assert [F.gt("id", 1)["op"], F.gte("id", 1)["op"], F.lt("id", 1)["op"],
            F.lte("id", 1)["op"]] == ["gt", "gte", "lt", "lte"]
    assert F.begins_with("title", "Backup")["op"] == "beginsWith"
    assert F.beginsWith("title", "Backup") == F.begins_with("title", "Backup")
    assert F.ends_with("title", "x")["op"] == "endsWith"
    assert F.contains("companyName", "acme")["op"] == "contains"
    assert F.exist("dueDateTime") == {"op": "exist", "field": "dueDateTime"}
    assert F.not_exist("dueDateTime") == {"op": "notExist", "field": "dueDateTime"}
    assert F.all() == {"op": "exist", "field": "id"}


def test_in_filters_take_lists() -> None:
    assert F.in_("id", (1, 2)) == {"op": "in", "field": "id", "value": [1, 2]}
    assert F.not_in("id", [3])["op"] == "notIn"
    with pytest.raises(ValueError):
        F.in_("id", [])
    with pytest.raises(ValueError):
        F.in_("id", range(501))


def test_groups() -> None:
    group = F.or_(F.eq("status", 1), F.and_(F.eq("status", 5), F.exist("completedDate")))
    assert group == {"op": "or", "items": [
        {"op": "eq", "field": "status", "value": 1},
        {"op": "and", "items": [{"op": "eq", "field": "status", "value": 5},
                                {"op": "exist", "field": "completedDate"}]},
    ]}
    with pytest.raises(ValueError):
        F.and_()
    with pytest.raises(ValueError):
        F.op("like", "title", "x")


def test_dates_are_sent_as_utc_z() -> None:
    amsterdam = timezone(timedelta(hours=2))
    assert format_datetime(datetime(2025, 10, 24, 10, 15, 30, tzinfo=amsterdam)) == (
        "2025-10-24T08:15:30Z"
    )
    assert F.gte("createDate", datetime(2025, 7, 1))["value"] == "2025-07-01T00:00:00Z"
    assert F.lt("createDate", date(2025, 10, 1))["value"] == "2025-10-01T00:00:00Z"
    assert F.eq("createDate", datetime(2025, 7, 1, tzinfo=UTC))["value"] == "2025-07-01T00:00:00Z"


def test_chunks_of_at_most_500_without_repeats() -> None:
    parts = list(chunks([*range(1200), *range(100)]))
    assert [len(p) for p in parts] == [500, 500, 200]
    assert sum(parts, []) == list(range(1200))
    assert list(chunks([])) == []
    with pytest.raises(ValueError):
        list(chunks([1], size=501))


def test_as_filter_list() -> None:
    single = F.eq("id", 1)
    assert as_filter_list(single) == [single]
    assert as_filter_list((single, single)) == [single, single]
    assert as_filter_list(None) == []


def test_builder_output_is_understood_by_the_simulator(client: AutotaskClient) -> None:
    rows = client.query_all("Companies", [
        F.or_(F.begins_with("companyName", "acme"), F.in_("id", [102, 103])),
        F.not_in("id", [103]),
        F.eq("isActive", True),
    ])
    assert [r["id"] for r in rows] == [101, 102]
