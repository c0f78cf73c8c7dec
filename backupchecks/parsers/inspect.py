"""``describe(path)``: what the parsers make of one saved mail, for ``mail parse --json``.

Accepts a complete ``.eml`` or a bare HTML/text body (a saved report, a pasted body):
a file that does not start with a header block is decoded as a body.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from backupchecks.parsers.base import iso_utc
from backupchecks.parsers.generic import GenericRule
from backupchecks.parsers.message import decode_body_only, decode_mail, looks_like_mail
from backupchecks.parsers.registry import parse_view


def describe(path: str | Path, generic_rules: Sequence[GenericRule] = ()) -> dict[str, Any]:
    """JSON-ready summary of the parse of the mail at ``path``; status null when unclaimed."""
    path = Path(path)
    out: dict[str, Any] = {
        "file": str(path), "parser": None, "product": None, "job_type": None, "job_name": None,
        "host": None, "status": None, "started_at": None, "ended_at": None, "is_retry": False,
        "is_summary": False, "objects": [], "error": None,
    }
    try:
        raw = path.read_bytes()
    except OSError as exc:
        out["error"] = f"read: {type(exc).__name__}: {exc}"
        return out
    mail = decode_mail(raw) if looks_like_mail(raw) else decode_body_only(raw)
    outcome = parse_view(mail, generic_rules)
    out["error"] = outcome.error
    result = outcome.result
    if result is None:
        out["parser"] = outcome.parser
        return out
    out.update(
        parser=result.parser,
        product=result.product,
        job_type=result.job_type,
        job_name=result.job_name,
        host=result.host,
        status=result.status,
        started_at=iso_utc(result.started_at),
        ended_at=iso_utc(result.ended_at),
        is_retry=result.is_retry,
        is_summary=result.is_summary,
        objects=[{"name": o.name, "status": o.status, "message": o.message}
                 for o in result.objects],
    )
    return out
