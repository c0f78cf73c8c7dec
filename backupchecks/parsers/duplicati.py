"""Duplicati 2 report mails.

Default subject ``Duplicati <Operation> report for <backup name>``; the body is the
operation's result as ``Key: value`` lines with ``ParsedResult`` Success, Warning,
Error or Fatal. Pasted bodies often carry the subject as their first line.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from backupchecks.parsers.base import ParseResult, Status, clean, key_values
from backupchecks.parsers.dates import localize_span, parse_datetime
from backupchecks.parsers.message import MailView

NAME = "duplicati"
VERSION = 1
PRODUCT = "Duplicati"

_SUBJECT_RE = re.compile(r"Duplicati\s+(?P<op>\w+)\s+report\s+for\s+(?P<name>.+?)\s*$",
                         re.IGNORECASE | re.MULTILINE)
_RESULTS: dict[str, Status] = {"success": "success", "warning": "warning", "error": "failed",
                               "fatal": "failed"}
_EPOCH_RE = re.compile(r"\((\d{9,11})\)")


def parse(mail: MailView) -> ParseResult | None:
    text = mail.text
    if "ParsedResult" not in text:
        return None
    fields = key_values(text)
    result = _RESULTS.get(clean(fields.get("parsedresult")).lower())
    if result is None:
        return None
    subject = _SUBJECT_RE.search(mail.subject) or _SUBJECT_RE.search(text[:500])
    operation = clean(fields.get("mainoperation")) or (subject.group("op") if subject else "Backup")
    job = clean(subject.group("name")) if subject else clean(fields.get("backup-name"))
    if not job:
        return None
    started_at, ended_at = _times(fields, mail)
    return ParseResult(
        parser=NAME,
        parser_version=VERSION,
        product=PRODUCT,
        job_type=operation,
        job_name=job,
        host=None,
        status=result,
        started_at=started_at,
        ended_at=ended_at,
        subject=mail.subject,
    )


def _times(fields: dict[str, str], mail: MailView) -> tuple[datetime | None, datetime | None]:
    begin, end = fields.get("begintime", ""), fields.get("endtime", "")
    exact = [_EPOCH_RE.search(v) for v in (begin, end)]
    if all(exact):
        # Newer Duplicati appends the Unix time: exact, no zone guessing needed.
        return tuple(datetime.fromtimestamp(int(m.group(1)), tz=UTC) for m in exact)  # type: ignore[return-value, union-attr]
    return localize_span(parse_datetime(begin), parse_datetime(end), mail.date, mail.date_offset)
