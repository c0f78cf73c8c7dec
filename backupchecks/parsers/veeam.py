"""Veeam Backup & Replication job reports (backup, backup copy, replica, configuration
backup, agent jobs) and Veeam Agent for Microsoft Windows / Linux reports.

All of them share one HTML layout: a title cell ``<Type> job: <Name>`` next to the
overall result, a session date line, a counters block (Success/Warning/Error, Start
time, End time, Duration...), then a Details table with one row per object and a footer
naming the product. The layout is read from the table structure, never from CSS classes
(forwarding strips ``class=``), and the status from the body, not the subject.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from backupchecks.parsers.base import (
    ParsedObject,
    ParseResult,
    Status,
    clean,
    status_from_words,
    worst,
)
from backupchecks.parsers.dates import localize_span, parse_date, parse_datetime, parse_time
from backupchecks.parsers.message import MailView

NAME = "veeam"
VERSION = 1

_TITLE_RE = re.compile(
    r"^(?P<type>[A-Za-z0-9][\w &/+\-]{0,60}?)\s+(?:job|policy)\s*:\s*(?P<name>.+)$",
    re.IGNORECASE,
)
_CONFIG_TITLE_RE = re.compile(r"^(?P<type>Configuration Backup)(?:\s+job)?(?:\s*:\s*(?P<name>.+))?$",
                              re.IGNORECASE)
_RETRY_RE = re.compile(r"\s*\((?:Retry|Wiederholung|Poging)\s+(\d+)\)\s*$", re.IGNORECASE)
_RESULT_RE = re.compile(r"^(Success|Warning|Failed|Error|Failure)\b", re.IGNORECASE)
_SUBJECT_RESULT_RE = re.compile(r"\[(Success|Warning|Failed|Error)\]", re.IGNORECASE)
_FOOTER_RE = re.compile(
    r"(Veeam (?:Backup & Replication|Backup and Replication|Agent for (?:Microsoft Windows|"
    r"Linux|Mac|IBM AIX|Oracle Solaris)|Backup for Microsoft (?:Office )?365))\s*"
    r"(?:v(?:ersion)?\s*)?(\d+(?:\.\d+)*)?",
    re.IGNORECASE,
)
_SUMMARY_RE = re.compile(
    r"\b(?:daily|weekly|monthly)\s+(?:report|summary|recap)\b|\bsummary report\b|"
    r"\b(?:tages|wochen)bericht\b|\bdagrapport\b",
    re.IGNORECASE,
)
# "[Success] WIN-EXAMPLE01 - BackUp-base - Monday, 05 October 2026 21:03:35"
_AGENT_SUBJECT_RE = re.compile(r"\]\s*(?P<host>[^\s\]]+)\s+-\s+(?P<job>.+?)\s+-\s+.+$")
_COUNT_LABELS = {"success", "warning", "error", "warnings", "errors"}


@dataclass(slots=True)
class Report:
    """The pieces of a Veeam-style HTML report, before any product decides what they mean."""

    kind: str = ""
    name: str = ""
    retry: int | None = None
    result: str = ""
    session: str = ""
    counters: dict[str, str] = field(default_factory=dict)
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    footer_product: str = ""
    footer_version: str = ""

    def column(self, row: list[str], *names: str) -> str:
        for name in names:
            try:
                index = self.header.index(name)
            except ValueError:
                continue
            if index < len(row):
                return row[index]
        return ""


def _cell_rows(tree) -> list[tuple[list[str], list]]:
    """Innermost table rows as (cell texts, cell nodes); rows that wrap a table are skipped."""
    rows = []
    for tr in tree.css("tr:not(:has(table))"):
        cells = [node for node in tr.iter() if node.tag in ("td", "th")]
        if cells:
            rows.append(([clean(cell.text()) for cell in cells], cells))
    return rows


def extract_report(mail: MailView) -> Report | None:
    """Read the Veeam layout from the mail's HTML; None when there is no job title."""
    tree = mail.tree()
    if tree is None:
        return None
    report = Report()
    rows = _cell_rows(tree)
    index = 0
    for index, (texts, cells) in enumerate(rows):  # noqa: B007  (index used after the loop)
        title = clean(cells[0].text(deep=False)) or (texts[0] if texts else "")
        match = _CONFIG_TITLE_RE.match(title) or _TITLE_RE.match(title)
        if match is None and texts:
            # A title wrapped in <span>/<b> leaves no direct text: use the first line.
            first = clean(cells[0].text(separator="\n").split("\n")[0])
            match = _CONFIG_TITLE_RE.match(first) or _TITLE_RE.match(first)
        if match:
            report.kind = clean(match.group("type"))
            name = clean(match.group("name") or "")
            retry = _RETRY_RE.search(name)
            if retry:
                report.retry = int(retry.group(1))
                name = name[: retry.start()].strip()
            report.name = name or report.kind
            for text in texts[1:]:
                result = _RESULT_RE.match(text)
                if result:
                    report.result = result.group(1)
                    break
            break
    else:
        return None
    in_details = False
    for texts, _cells in rows[index + 1:]:
        if not in_details:
            if "Name" in texts and "Status" in texts and texts.index("Name") < 2:
                report.header = texts
                in_details = True
                continue
            if len(texts) == 1:
                if not report.session and re.search(r"\d{4}|\d:\d\d", texts[0]):
                    report.session = texts[0]
                continue
            for label, value in zip(texts[0::2], texts[1::2], strict=False):
                if label and len(label) < 40:
                    report.counters.setdefault(label.lower().rstrip(":"), value)
        elif len(texts) >= 2 and texts[0]:
            report.rows.append(texts)
        elif len(texts) < 2:
            break
    tail = " ".join(" ".join(texts) for texts, _ in rows[-3:])
    footer = _FOOTER_RE.search(tail) or _FOOTER_RE.search(tree.body.text() if tree.body else "")
    if footer:
        report.footer_product = footer.group(1).replace(" and ", " & ")
        report.footer_version = footer.group(2) or ""
    return report


def map_status(text: str) -> Status:
    """Veeam's object/job result words; anything unknown needs a look, so warning."""
    word = text.strip().lower()
    if word.startswith("success"):
        return "success"
    if word.startswith("warning"):
        return "warning"
    if word.startswith(("failed", "error", "failure")):
        return "failed"
    return status_from_words(text) or "warning"


def report_times(
    report: Report, mail: MailView
) -> tuple[datetime | None, datetime | None]:
    """Session start/end in UTC: the session date plus the counters' clock times."""
    session_day = parse_date(report.session) if report.session else None
    start = _moment(report.counters.get("start time", ""), session_day)
    end = _moment(report.counters.get("end time", ""), session_day)
    if start is None and report.session:
        start = parse_datetime(report.session)
    if start is not None and end is not None and end < start and end.date() == start.date():
        end += timedelta(days=1)  # ran past midnight: only clock times are printed
    return localize_span(start, end, mail.date, mail.date_offset)


def _moment(value: str, day) -> datetime | None:
    if not value:
        return None
    if parse_date(value) is not None:
        return parse_datetime(value)
    clock = parse_time(value)
    if clock is None or day is None:
        return None
    return datetime.combine(day, clock)


def overall_status(report: Report, mail: MailView, objects: list[ParsedObject]) -> Status:
    """Body result first; then the subject's [Result]; then the counters and objects."""
    if report.result:
        return map_status(report.result)
    subject = _SUBJECT_RESULT_RE.search(mail.subject)
    if subject:
        return map_status(subject.group(1))
    counters = report.counters
    if _count(counters.get("error") or counters.get("errors")):
        return "failed"
    if _count(counters.get("warning") or counters.get("warnings")):
        return "warning"
    return worst(o.status for o in objects) or "warning"


def _count(value: str | None) -> int:
    digits = re.match(r"\s*(\d+)", value or "")
    return int(digits.group(1)) if digits else 0


def report_objects(report: Report, default_type: str) -> list[ParsedObject]:
    """One object per row of the Details table (a "Type" column, where present, wins)."""
    return [
        ParsedObject(
            name=row[0],
            status=map_status(report.column(row, "Status") or "warning"),
            message=report.column(row, "Details") or None,
            type=(report.column(row, "Type") or default_type).lower(),
        )
        for row in report.rows
    ]


def is_summary(report: Report, mail: MailView) -> bool:
    return bool(_SUMMARY_RE.search(mail.subject) or _SUMMARY_RE.search(report.name)
                or _SUMMARY_RE.search(report.kind))


_JOB_TYPES = {
    "backup": "Backup",
    "backup copy": "Backup Copy",
    "replication": "Replica",
    "replica": "Replica",
    "agent backup": "Agent Backup",
    "configuration backup": "Configuration Backup",
    "backup to tape": "Backup to Tape",
    "file to tape": "File to Tape",
    "file backup": "File Backup",
    "file share backup": "File Backup",
    "surebackup": "SureBackup",
    "agent backup policy": "Agent Backup Policy",
}
_OBJECT_TYPES = {"Agent Backup": "server", "File Backup": "file share",
                 "Configuration Backup": "configuration"}


def _claims(mail: MailView) -> bool:
    html = mail.html
    if not html:
        return False
    return "Veeam" in html or "veeam" in mail.sender or "VEEAM" in html


def parse(mail: MailView) -> ParseResult | None:
    if not _claims(mail):
        return None
    report = extract_report(mail)
    if report is None:
        return None
    product = report.footer_product or "Veeam Backup & Replication"
    if "365" in product:
        return None  # Veeam Backup for Microsoft 365: the veeam_m365 parser's
    job_type = _JOB_TYPES.get(report.kind.lower(), report.kind.title() if report.kind else "Backup")
    if product.startswith("Veeam Agent"):
        job_type = "Agent Backup"
    objects = report_objects(report, _OBJECT_TYPES.get(job_type, "vm"))
    summary = is_summary(report, mail)
    started_at, ended_at = report_times(report, mail)
    return ParseResult(
        parser=NAME,
        parser_version=VERSION,
        product=product,
        job_type=job_type,
        job_name=report.name,
        host=_host(report, mail, job_type, objects),
        status=None if summary else overall_status(report, mail, objects),
        started_at=started_at,
        ended_at=ended_at,
        is_retry=report.retry is not None,
        retry_number=report.retry,
        is_summary=summary,
        objects=objects,
        subject=mail.subject,
    )


def _host(report: Report, mail: MailView, job_type: str, objects: list[ParsedObject]) -> str | None:
    """Agent reports name the computer; B&R job reports do not name their server."""
    if job_type != "Agent Backup":
        return None
    match = _AGENT_SUBJECT_RE.search(mail.subject)
    if match and clean(match.group("job")) == report.name:
        return match.group("host")
    if len(objects) == 1:
        return objects[0].name
    return None
