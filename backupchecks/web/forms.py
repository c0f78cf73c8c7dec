"""Small helpers for reading plain HTML forms in views."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

from flask import request


class FormError(ValueError):
    pass


def safe_local_path(target: str | None, default: str) -> str:
    """``target`` when it is a path on this site, else ``default`` (no open redirects).

    Browsers drop tabs and newlines and read backslashes as slashes, so a path
    with a backslash or a control character could leave the site: refused.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return default
    if any(ch in target for ch in "\\\t\r\n") or not target.isprintable():
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "%" in parts.path[:3]:
        return default
    return target


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
    if not (raw.isascii() and raw.isdigit()):
        raise FormError(f"{name} must be a number.")
    return int(raw)


def text(name: str, max_length: int, source: dict | None = None) -> str:
    value = ((source if source is not None else request.values).get(name) or "").strip()
    if len(value) > max_length:
        raise FormError(f"{name.replace('_', ' ').capitalize()} is limited to {max_length} characters.")
    return value
