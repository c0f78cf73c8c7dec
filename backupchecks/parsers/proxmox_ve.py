"""Proxmox VE vzdump backup mails, the PVE 8.1+ notification templates and older releases.

Subject ``vzdump backup status (<fqdn>): <status text>`` (8.1+) or
``vzdump backup status (<host>) : backup successful|failed[: reason]`` (older). The text
part carries an optional error, a guest table (VMID, Name, Status ok/err, Time, Size,
Filename), totals and the per-guest log; the HTML part the same table. One mail covers
every guest of one job run: each guest is an object.
"""

from __future__ import annotations

import re

from backupchecks.parsers.base import ParsedObject, ParseResult, Status, clean, worst
from backupchecks.parsers.dates import localize_span, parse_datetime
from backupchecks.parsers.message import MailView

NAME = "proxmox_ve"
VERSION = 1
PRODUCT = "Proxmox VE"

_SUBJECT_RE = re.compile(r"vzdump backup status \((?P<host>[^)]+)\)\s*:\s*(?P<status>.*)$",
                         re.IGNORECASE)
# "100   web01   ok   00:01:02 ..." (text), "100<TAB>web01<TAB>OK..." (HTML rows), also the
# old "VM 101" default name with a space in it.
_GUEST_RE = re.compile(
    r"^\s*(?P<vmid>\d{2,9})\s+(?P<name>\S.*?)\s+(?P<status>ok|err|failed|error)(?:\s|$)",
    re.IGNORECASE | re.MULTILINE,
)
_LOG_RE = re.compile(
    r"^(?P<vmid>\d{2,9}):\s+(?P<when>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\s+(?P<level>ERROR|WARN|INFO):"
    r"\s*(?P<msg>.*)$",
    re.MULTILINE,
)
_STORAGE_RE = re.compile(r"--storage[ =]+['\"]?(?P<storage>[A-Za-z0-9][\w.\-]*)")
_LOGS_SPLIT_RE = re.compile(r"^(?:Logs\s*$|Detailed backup logs:)", re.MULTILINE)


def _claims(mail: MailView) -> bool:
    """The vzdump subject or sender, and a body that is a vzdump report (never the
    subject alone: anyone can write "vzdump backup status" in a subject)."""
    if "vzdump" not in mail.subject.lower() and not mail.sender_name.lower().startswith("vzdump"):
        return False
    head = mail.text[:20000]
    return "VMID" in head or "vzdump" in head


def parse(mail: MailView) -> ParseResult | None:
    if not _claims(mail):
        return None
    subject = _SUBJECT_RE.search(mail.subject)
    text = mail.text
    parts = _LOGS_SPLIT_RE.split(text, maxsplit=1)
    table_part, log_part = parts[0], parts[1] if len(parts) > 1 else ""
    guests = list(_GUEST_RE.finditer(table_part))
    if subject is None and not guests:
        return None
    errors, warnings, times = _log_facts(log_part)
    objects: list[ParsedObject] = []
    for match in guests:
        vmid = match.group("vmid")
        raw_status = match.group("status").lower()
        status: Status = "success" if raw_status == "ok" else "failed"
        message = errors.get(vmid)
        if status == "success" and vmid in warnings:
            status, message = "warning", warnings[vmid]
        name = clean(match.group("name"))
        objects.append(ParsedObject(name=f"{vmid} {name}" if name else vmid, status=status,
                                    message=message, type="vm"))
    status_text = subject.group("status").lower() if subject else ""
    if "fail" in status_text:
        overall: Status = "failed"
    else:
        overall = worst(o.status for o in objects) or ("success" if "success" in status_text
                                                       else "failed")
    host = clean(subject.group("host")) if subject else _host_from_sender(mail)
    storage = _STORAGE_RE.search(log_part) or _STORAGE_RE.search(text)
    start, end = (min(times), max(times)) if times else (None, None)
    started_at, ended_at = localize_span(start, end, mail.date, mail.date_offset)
    return ParseResult(
        parser=NAME,
        parser_version=VERSION,
        product=PRODUCT,
        job_type="vzdump",
        job_name=storage.group("storage") if storage else "vzdump",
        host=host or None,
        status=overall,
        started_at=started_at,
        ended_at=ended_at,
        objects=objects,
        subject=mail.subject,
    )


def _log_facts(log: str) -> tuple[dict[str, str], dict[str, str], list]:
    """First ERROR and WARN line per guest, and the span of log timestamps."""
    errors: dict[str, str] = {}
    warnings: dict[str, str] = {}
    times = []
    for match in _LOG_RE.finditer(log):
        vmid, level = match.group("vmid"), match.group("level")
        when = parse_datetime(match.group("when"))
        if when is not None:
            times.append(when)
        if level == "ERROR":
            errors.setdefault(vmid, clean(match.group("msg")))
        elif level == "WARN":
            warnings.setdefault(vmid, clean(match.group("msg")))
    return errors, warnings, times


def _host_from_sender(mail: MailView) -> str | None:
    """``vzdump backup tool <root@pve1.example.com>``: the host is the sender's domain."""
    _, _, domain = mail.sender.partition("@")
    return domain or None
