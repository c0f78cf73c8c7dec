"""Veeam Backup for Microsoft 365 (formerly for Office 365) job reports.

The mail reuses Veeam's report layout (see :mod:`backupchecks.parsers.veeam`); what
differs is the footer product, an Organization line (the tenant, used as host) and
Details rows that are mailboxes, OneDrives, sites and teams. Subjects are built by the
admin from %JobName%, %JobResult%, %OrgName%... in any order, so the body decides.
"""

from __future__ import annotations

import re

from backupchecks.parsers.base import ParseResult
from backupchecks.parsers.message import MailView
from backupchecks.parsers.veeam import (
    extract_report,
    is_summary,
    overall_status,
    report_objects,
    report_times,
)

NAME = "veeam_m365"
VERSION = 1
PRODUCT = "Veeam Backup for Microsoft 365"

_MARKER_RE = re.compile(r"Veeam Backup for Microsoft (?:Office )?365", re.IGNORECASE)
_TENANT_RE = re.compile(r"\b[\w\-]+\.onmicrosoft\.com\b", re.IGNORECASE)
_JOB_TYPES = {"backup": "Backup", "backup copy": "Backup Copy", "copy": "Backup Copy"}


def parse(mail: MailView) -> ParseResult | None:
    html = mail.html
    # Plain substring tests first: a case-insensitive regex over 15 KB of HTML costs more
    # than all the other parsers' checks together.
    if not html or ("Microsoft 365" not in html and "Office 365" not in html) \
            or not _MARKER_RE.search(html):
        return None
    report = extract_report(mail)
    if report is None:
        return None
    objects = report_objects(report, "mailbox")
    summary = is_summary(report, mail)
    started_at, ended_at = report_times(report, mail)
    return ParseResult(
        parser=NAME,
        parser_version=VERSION,
        product=PRODUCT,
        job_type=_JOB_TYPES.get(report.kind.lower(), report.kind.title() or "Backup"),
        job_name=report.name,
        host=_organization(report.counters, mail),
        status=None if summary else overall_status(report, mail, objects),
        started_at=started_at,
        ended_at=ended_at,
        is_retry=report.retry is not None,
        retry_number=report.retry,
        is_summary=summary,
        objects=objects,
        subject=mail.subject,
    )


def _organization(counters: dict[str, str], mail: MailView) -> str | None:
    org = counters.get("organization") or counters.get("organisation")
    if org:
        return org
    tenant = _TENANT_RE.search(mail.subject) or _TENANT_RE.search(mail.text)
    return tenant.group(0) if tenant else None
