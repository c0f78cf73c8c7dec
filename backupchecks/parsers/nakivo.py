"""NAKIVO Backup & Replication job reports.

A report names the job, its result (Successful / Succeeded with warnings / Failed),
start, finish and data transferred, and lists each VM or physical machine with its own
result. Identified by the NAKIVO name in sender or body, never by subject alone.
"""

from __future__ import annotations

import re

from backupchecks.parsers.base import (
    ParsedObject,
    ParseResult,
    Status,
    clean,
    key_values,
    status_from_words,
    worst,
)
from backupchecks.parsers.dates import localize_span, parse_datetime, parse_duration
from backupchecks.parsers.message import MailView

NAME = "nakivo"
VERSION = 1
PRODUCT = "NAKIVO Backup & Replication"

_SUBJECT_JOB_RE = re.compile(r"Job\s+[\"'“](?P<job>.+?)[\"'”]", re.IGNORECASE)
_OBJECT_HEADER_RE = re.compile(r"^(?:VM|Name|Object|Machine|Source)\tStatus\b.*$",
                               re.IGNORECASE | re.MULTILINE)
_JOB_TYPES = {"backup": "Backup", "backup copy": "Backup Copy", "replication": "Replica",
              "replica": "Replica", "physical machine backup": "Backup"}


def _claims(mail: MailView) -> bool:
    if "nakivo" in mail.sender or "nakivo" in mail.sender_name.lower():
        return True
    return "NAKIVO" in mail.text[:5000] or "NAKIVO" in mail.text[-2000:]


def _status(text: str) -> Status | None:
    return status_from_words(text)


def parse(mail: MailView) -> ParseResult | None:
    if not _claims(mail):
        return None
    text = mail.text
    fields = key_values(text)
    job = clean(fields.get("job name") or fields.get("job") or "")
    if not job:
        match = _SUBJECT_JOB_RE.search(mail.subject)
        job = clean(match.group("job")) if match else ""
    job = job.strip("\"'“”")
    if not job:
        return None
    objects = _objects(text)
    status = _status(fields.get("job status") or fields.get("status") or fields.get("result")
                     or "") or _status(mail.subject) or worst(o.status for o in objects)
    if status is None:
        return None
    start = parse_datetime(fields.get("started") or fields.get("start time"))
    end = parse_datetime(fields.get("finished") or fields.get("end time"))
    if end is None and start is not None:
        duration = parse_duration(fields.get("duration"))
        end = start + duration if duration is not None else None
    started_at, ended_at = localize_span(start, end, mail.date, mail.date_offset)
    job_type = clean(fields.get("job type") or "Backup")
    return ParseResult(
        parser=NAME,
        parser_version=VERSION,
        product=PRODUCT,
        job_type=_JOB_TYPES.get(job_type.lower(), job_type.title()),
        job_name=job,
        host=clean(fields.get("director") or fields.get("host")) or None,
        status=status,
        started_at=started_at,
        ended_at=ended_at,
        objects=objects,
        subject=mail.subject,
    )


def _objects(text: str) -> list[ParsedObject]:
    header = _OBJECT_HEADER_RE.search(text)
    if not header:
        return []
    columns = [c.strip().lower() for c in header.group(0).split("\t")]
    detail_col = next((i for i, c in enumerate(columns) if c in ("details", "error", "message")),
                      None)
    objects = []
    for line in text[header.end():].split("\n")[1:]:
        cells = [clean(c) for c in line.split("\t")]
        if len(cells) < 2 or not cells[0]:
            break
        status = _status(cells[1])
        if status is None:
            break
        message = None
        if detail_col is not None and detail_col < len(cells) and cells[detail_col] not in ("", "-"):
            message = cells[detail_col]
        objects.append(ParsedObject(name=cells[0], status=status, message=message, type="vm"))
    return objects
