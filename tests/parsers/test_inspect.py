"""describe(): the `mail parse --json` view of one saved mail."""

from __future__ import annotations

import json

from backupchecks.parsers import GenericRule
from backupchecks.parsers.inspect import describe

from .conftest import FIXTURES

KEYS = {"file", "parser", "product", "job_type", "job_name", "host", "status", "started_at",
        "ended_at", "is_retry", "is_summary", "objects", "error"}


def test_describe_eml():
    d = describe(FIXTURES / "veeam-backup-failed-retry2-de.eml")
    assert set(d) == KEYS
    assert (d["parser"], d["status"], d["is_retry"]) == ("veeam", "failed", True)
    assert d["started_at"] == "2026-01-13T00:30:02Z"
    assert d["objects"][0] == {"name": "SRV-APP01", "status": "success", "message": None}
    json.dumps(d)


def test_describe_bare_html_body(tmp_path):
    # The HTML of a Veeam mail saved on its own (no headers).
    import email

    msg = email.message_from_bytes((FIXTURES / "veeam-agent-linux-failed.eml").read_bytes())
    html = msg.get_payload(decode=True)
    path = tmp_path / "report.html"
    path.write_bytes(html)
    d = describe(path)
    assert (d["parser"], d["job_name"], d["status"]) == ("veeam", "nightly-root", "failed")
    assert d["host"] == "web-prod-03"  # from the single object: no subject without headers


def test_describe_bare_text_body(tmp_path):
    path = tmp_path / "dup.txt"
    path.write_text("Duplicati Backup report for Docs\n\nMainOperation: Backup\n"
                    "ParsedResult: Warning\nEndTime: 1/9/2025 1:00:00 AM\n")
    d = describe(path)
    assert (d["parser"], d["job_name"], d["status"]) == ("duplicati", "Docs", "warning")
    assert d["ended_at"] == "2025-01-09T01:00:00Z"


def test_describe_unclaimed_and_rules():
    path = FIXTURES / "generic-msp360-failed.eml"
    d = describe(path)
    assert d["status"] is None and d["parser"] is None and d["error"] is None
    rule = GenericRule(name="MSP360", product="MSP360", sender_pattern="backupservice",
                       failure_words=("Failed",))
    assert describe(path, [rule])["status"] == "failed"


def test_describe_missing_file(tmp_path):
    d = describe(tmp_path / "nope.eml")
    assert d["status"] is None and d["error"].startswith("read: FileNotFoundError")
