"""Small helpers for reading plain HTML forms in views."""

from __future__ import annotations

from datetime import date

from flask import request


class FormError(ValueError):
    pass


def optional_date(name: str, source: dict | None = None) -> date | None:
    raw = ((source if source is not None else request.values).get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise FormError(f"{raw!r} is not a date (use YYYY-MM-DD).") from None


def optional_int(name: str, source: dict | None = None) -> int | None:
    raw = ((source if source is not None else request.values).get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise FormError(f"{name} must be a number.")
    return int(raw)


def text(name: str, max_length: int, source: dict | None = None) -> str:
    value = ((source if source is not None else request.values).get(name) or "").strip()
    if len(value) > max_length:
        raise FormError(f"{name.replace('_', ' ').capitalize()} is limited to {max_length} characters.")
    return value
