"""Acronis Cyber Protect (Cloud) backup notifications and daily status reports.

Per-plan notifications (failed, succeeded with warnings, succeeded) name the protection
plan, the machine and the times. Daily "status report" / recap mails summarise many
machines: they are marked ``is_summary`` and never count as a run.
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
)
from backupchecks.parsers.dates import localize_span, parse_datetime, parse_duration
from backupchecks.parsers.message import MailView

NAME = "acronis"
VERSION = 1

_SUMMARY_RE = re.compile(r"status report|daily recap|recap|daily summary|summary report|"
                         r"statusbericht|tagesbericht", re.IGNORECASE)
_PRODUCT_RE = re.compile(r"Acronis (?:Cyber Protect(?: Cloud)?|Cyber Backup|Backup(?: Cloud)?)",
                         re.IGNORECASE)
_SUBJECT_RE = re.compile(r"Backup (?P<result>succeeded with warnings|succeeded|failed|"
                         r"completed with warnings|completed|successful)", re.IGNORECASE)
_PLAN_KEYS = ("protection plan", "plan", "backup plan")
_MACHINE_KEYS = ("machine", "device", "workload", "resource", "computer")


def _claims(mail: MailView) -> bool:
    if "acronis" in mail.sender or "acronis" in mail.sender_name.lower():
        return True
    return "Acronis" in mail.text[:5000] or "Acronis" in mail.text[-2000:]


def _first(fields: dict[str, str], keys: tuple[str, ...]) -> str:
    for key in keys:
        if fields.get(key):
            return clean(fields[key])
    return ""


def parse(mail: MailView) -> ParseResult | None:
    if not _claims(mail):
        return None
    text = mail.text
    product_match = _PRODUCT_RE.search(text) or _PRODUCT_RE.search(mail.subject)
    product = product_match.group(0) if product_match else "Acronis Cyber Protect"
    if _SUMMARY_RE.search(mail.subject):
        return ParseResult(parser=NAME, parser_version=VERSION, product=product,
                           job_type="Status Report", job_name=clean(mail.subject) or "Status report",
                           host=None, status=None, started_at=None, ended_at=None,
                           is_summary=True, subject=mail.subject)
    fields = key_values(text)
    plan = _first(fields, _PLAN_KEYS)
    machine = _first(fields, _MACHINE_KEYS)
    if not plan:
        return None
    subject_match = _SUBJECT_RE.search(mail.subject)
    status: Status | None = status_from_words(fields.get("status") or fields.get("result") or "")
    if status is None and subject_match:
        status = status_from_words(subject_match.group("result"))
    if status is None:
        return None
    start = parse_datetime(fields.get("start time") or fields.get("started"))
    end = parse_datetime(fields.get("end time") or fields.get("finished")
                         or fields.get("completed"))
    if end is None and start is not None:
        duration = parse_duration(fields.get("duration"))
        end = start + duration if duration is not None else None
    started_at, ended_at = localize_span(start, end, mail.date, mail.date_offset)
    message = clean(fields.get("error") or fields.get("warning") or fields.get("details")) or None
    objects = [ParsedObject(name=machine, status=status, message=message, type="server")] \
        if machine else []
    return ParseResult(
        parser=NAME,
        parser_version=VERSION,
        product=product,
        job_type="Backup",
        job_name=plan,
        host=machine or None,
        status=status,
        started_at=started_at,
        ended_at=ended_at,
        objects=objects,
        subject=mail.subject,
    )
