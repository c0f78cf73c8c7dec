"""Picklists from ``GET /Tickets/entityInformation/fields`` (contract C, rule B7).

Pure functions over the raw ``fields`` list, so the lead can cache that list
(one API call) and answer every lookup from it.  Values stay strings, exactly
as the API gives them: ids are tenant-specific and never guessed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

#: The ticket picklists Backupchecks offers in settings and on the ticket form.
TICKET_PICKLISTS = (
    "queueID", "priority", "status", "source", "issueType", "subIssueType", "ticketCategory",
)

Fields = Sequence[dict[str, Any]]


@dataclass(frozen=True)
class PicklistValue:
    value: str
    label: str
    is_active: bool
    is_default: bool
    sort_order: int
    parent_value: str | None  # sub-issue types: the issue type they belong to


def _field(fields: Fields, name: str) -> dict[str, Any]:
    wanted = name.lower()  # the API treats field names case-insensitively
    for field in fields:
        if str(field.get("name", "")).lower() == wanted:
            return field
    raise KeyError(f"Autotask reported no field named {name!r}")


def picklist(fields: Fields, name: str) -> list[PicklistValue]:
    """The picklist of field ``name`` in the tenant's sort order."""
    field = _field(fields, name)
    values = []
    for raw in field.get("picklistValues") or []:
        parent = raw.get("parentValue")
        values.append(
            PicklistValue(
                value=str(raw.get("value")),
                label=str(raw.get("label") or ""),
                is_active=bool(raw.get("isActive", True)),
                is_default=bool(raw.get("isDefaultValue", False)),
                sort_order=int(raw.get("sortOrder") or 0),
                parent_value=str(parent) if parent not in (None, "") else None,
            )
        )
    # Stable sort: equal sort orders keep the API's order.
    return sorted(values, key=lambda v: v.sort_order)


def picklists(
    fields: Fields, names: Sequence[str] = TICKET_PICKLISTS
) -> dict[str, list[PicklistValue]]:
    """Every picklist Backupchecks uses, skipping ones this tenant does not report."""
    out: dict[str, list[PicklistValue]] = {}
    for name in names:
        try:
            out[name] = picklist(fields, name)
        except KeyError:
            continue
    return out


def label_for(fields: Fields, name: str, value: Any) -> str | None:
    """The label of ``value`` (int or str) in picklist ``name``; None when unknown."""
    if value is None:
        return None
    wanted = str(value)
    for item in picklist(fields, name):
        if item.value == wanted:
            return item.label
    return None


def is_valid_value(fields: Fields, name: str, value: Any, *, active_only: bool = True) -> bool:
    """Whether ``value`` is one of the tenant's values (e.g. the configured completing status)."""
    wanted = str(value)
    return any(
        item.value == wanted and (item.is_active or not active_only)
        for item in picklist(fields, name)
    )


def active(values: Sequence[PicklistValue]) -> list[PicklistValue]:
    return [v for v in values if v.is_active]


def default_value(values: Sequence[PicklistValue]) -> PicklistValue | None:
    return next((v for v in values if v.is_default and v.is_active), None)


def sub_issue_types(fields: Fields, issue_type: Any) -> list[PicklistValue]:
    """Sub-issue types that belong to ``issue_type`` (matched on ``parentValue``)."""
    parent = str(issue_type)
    return [v for v in picklist(fields, "subIssueType") if v.parent_value == parent]
