"""Build Autotask query filters (contract section D).

A filter is the plain JSON the API takes, e.g.
``{"op": "eq", "field": "status", "value": 5}``; groups are
``{"op": "or", "items": [...]}``.  Top-level filters are ANDed by the API.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from typing import Any

Filter = dict[str, Any]

#: The API allows at most this many OR conditions (``in`` values) in one query.
MAX_IN_VALUES = 500

OPS = (
    "eq", "noteq", "gt", "gte", "lt", "lte", "beginsWith", "endsWith", "contains",
    "exist", "notExist", "in", "notIn",
)
GROUP_OPS = ("and", "or")


def format_datetime(value: datetime) -> str:
    """Autotask wants UTC as ``YYYY-MM-DDTHH:MM:SSZ``; naive values are taken as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return value.isoformat() + "T00:00:00Z"
    return value


class F:
    """Filter constructors, one per operator of the API."""

    @staticmethod
    def op(op: str, field: str, value: Any = None) -> Filter:
        if op not in OPS:
            raise ValueError(f"unknown filter operator {op!r}")
        if op in ("exist", "notExist"):
            return {"op": op, "field": field}
        if op in ("in", "notIn"):
            values = [_json_value(v) for v in value]
            if not values:
                raise ValueError(f"'{op}' on {field} needs at least one value")
            if len(values) > MAX_IN_VALUES:
                raise ValueError(
                    f"'{op}' on {field} has {len(values)} values; "
                    f"the API takes at most {MAX_IN_VALUES} (use chunks())"
                )
            return {"op": op, "field": field, "value": values}
        return {"op": op, "field": field, "value": _json_value(value)}

    @staticmethod
    def eq(field: str, value: Any) -> Filter:
        return F.op("eq", field, value)

    @staticmethod
    def noteq(field: str, value: Any) -> Filter:
        return F.op("noteq", field, value)

    @staticmethod
    def gt(field: str, value: Any) -> Filter:
        return F.op("gt", field, value)

    @staticmethod
    def gte(field: str, value: Any) -> Filter:
        return F.op("gte", field, value)

    @staticmethod
    def lt(field: str, value: Any) -> Filter:
        return F.op("lt", field, value)

    @staticmethod
    def lte(field: str, value: Any) -> Filter:
        return F.op("lte", field, value)

    @staticmethod
    def begins_with(field: str, value: str) -> Filter:
        return F.op("beginsWith", field, value)

    @staticmethod
    def ends_with(field: str, value: str) -> Filter:
        return F.op("endsWith", field, value)

    @staticmethod
    def contains(field: str, value: str) -> Filter:
        return F.op("contains", field, value)

    @staticmethod
    def exist(field: str) -> Filter:
        return F.op("exist", field)

    @staticmethod
    def not_exist(field: str) -> Filter:
        return F.op("notExist", field)

    @staticmethod
    def in_(field: str, values: Iterable[Any]) -> Filter:
        return F.op("in", field, list(values))

    @staticmethod
    def not_in(field: str, values: Iterable[Any]) -> Filter:
        return F.op("notIn", field, list(values))

    @staticmethod
    def and_(*items: Filter) -> Filter:
        return _group("and", items)

    @staticmethod
    def or_(*items: Filter) -> Filter:
        return _group("or", items)

    # The API's own spellings, for readers who know them.
    beginsWith = begins_with
    endsWith = ends_with
    notExist = not_exist
    notIn = not_in

    @staticmethod
    def all() -> Filter:
        """Matches every row: the API refuses a query without a filter."""
        return F.exist("id")


def _group(op: str, items: Sequence[Filter]) -> Filter:
    if not items:
        raise ValueError(f"an '{op}' group needs at least one item")
    return {"op": op, "items": list(items)}


def as_filter_list(filters: Filter | Iterable[Filter] | None) -> list[Filter]:
    """Accept one filter or several; the API wants a list."""
    if filters is None:
        return []
    if isinstance(filters, dict):
        return [filters]
    return list(filters)


def unique(values: Iterable[Any]) -> list[Any]:
    """Drop repeats, keep the first-seen order (ids linked twice cost one slot)."""
    seen: set[Any] = set()
    out: list[Any] = []
    for value in values:
        if value not in seen:
            seen.add(value)
            out.append(value)
    return out


def chunks(values: Iterable[Any], size: int = MAX_IN_VALUES) -> Iterator[list[Any]]:
    """Split ``values`` (de-duplicated) into lists of at most ``size`` for ``in`` filters."""
    if not 1 <= size <= MAX_IN_VALUES:
        raise ValueError(f"chunk size must be 1..{MAX_IN_VALUES}")
    items = unique(values)
    for start in range(0, len(items), size):
        yield items[start:start + size]
