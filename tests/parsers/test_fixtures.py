"""Hand-written fixtures, one per product and outcome: the full parse result is pinned."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from backupchecks.parsers import parse_mail

from .conftest import fixture_bytes


def _t(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


CASES = {
    "veeam-backup-warning-nl-forwarded.eml": dict(
        parser="veeam", product="Veeam Backup & Replication", job_type="Backup",
        job_name="Dagelijkse VM's", host=None, status="warning",
        started_at=_t(2026, 1, 12, 21, 0, 14), ended_at=_t(2026, 1, 12, 21, 47, 51),
        objects=[("KL-DC01", "success", None), ("KL-FS01", "success", None),
                 ("KL-SQL01", "warning",
                  "Changed block tracking cannot be enabled: one or more snapshots present.")],
    ),
    "veeam-backup-failed-retry2-de.eml": dict(
        parser="veeam", job_type="Backup", job_name="Server Tagessicherung", status="failed",
        is_retry=True, retry_number=2,
        started_at=_t(2026, 1, 13, 0, 30, 2), ended_at=_t(2026, 1, 13, 0, 41, 10),
        objects=[("SRV-APP01", "success", None),
                 ("SRV-EXCH01", "failed", "Error: Failed to create VM snapshot. Error: "
                  "CreateSnapshot failed, vmRef vm-1024, timeout 1800000")],
    ),
    "veeam-backup-copy-subject-success-body-warning.eml": dict(
        parser="veeam", job_type="Backup Copy", job_name="Offsite copy", status="warning",
        started_at=_t(2026, 1, 13, 4, 5, 0), ended_at=_t(2026, 1, 13, 4, 58, 30),
        objects=[("ACME-DC01", "success", None),
                 ("ACME-FS01", "warning",
                  "Restore point is located in backup file with different block size")],
    ),
    "veeam-replica-success-midnight.eml": dict(
        parser="veeam", job_type="Replica", job_name="DR replica", status="success",
        started_at=_t(2026, 1, 16, 23, 50, 0), ended_at=_t(2026, 1, 17, 0, 20, 31),
        objects=[("ACME-WEB01", "success", None)],
    ),
    "veeam-config-backup-success.eml": dict(
        parser="veeam", job_type="Configuration Backup", job_name="Configuration Backup",
        status="success", objects=[], started_at=_t(2026, 1, 17, 9, 0, 1),
    ),
    "veeam-agent-linux-failed.eml": dict(
        parser="veeam", product="Veeam Agent for Linux", job_type="Agent Backup",
        job_name="nightly-root", host="web-prod-03", status="failed",
        objects=[("web-prod-03", "failed",
                  "Failed to connect to the backup repository: connection refused")],
    ),
    "veeam-m365-warning.eml": dict(
        parser="veeam_m365", product="Veeam Backup for Microsoft 365", job_type="Backup",
        job_name="Exchange Online", host="contoso.onmicrosoft.com", status="warning",
        started_at=_t(2026, 1, 18, 2, 0, 0),
        objects=[("info@contoso.example", "success", None),
                 ("finance@contoso.example", "success", None),
                 ("Sales Team", "warning", "Item skipped: file is checked out.")],
    ),
    "proxmox-ve-legacy-failed.eml": dict(
        parser="proxmox_ve", product="Proxmox VE", job_type="vzdump", job_name="nas",
        host="pve1.example.lan", status="failed",
        started_at=_t(2023, 5, 31, 23, 0, 2), ended_at=_t(2023, 5, 31, 23, 3, 23),
        objects=[("100 web01", "success", None),
                 ("101 db01", "failed",
                  "Backup of VM 101 failed - VM 101 qmp command 'backup' failed - got timeout"),
                 ("102 VM 102", "warning", "no lock found trying to remove 'backup' lock")],
    ),
    "pbs-gc-success.eml": dict(
        parser="proxmox_backup_server", product="Proxmox Backup Server",
        job_type="Garbage Collect", job_name="backup-store", host="pbs01.example.net",
        status="success", started_at=_t(2025, 1, 13, 5, 21, 4),
        objects=[("backup-store", "success", None)],
    ),
    "pbs-verify-failed.eml": dict(
        parser="proxmox_backup_server", job_type="Verify", job_name="backup-store",
        host="pbs01.example.net", status="failed",
        objects=[("vm/101/2025-01-12T23:00:02Z", "failed", "verification failed"),
                 ("ct/105/2025-01-12T23:10:44Z", "failed", "verification failed")],
    ),
    "pbs-sync-failed.eml": dict(
        parser="proxmox_backup_server", job_type="Sync", job_name="offsite",
        host="pbs02.example.net", status="failed",
        objects=[("offsite", "failed",
                  "remote connection to 'pbs-main' failed - connection timed out")],
    ),
    "synology-hyperbackup-failed-en.eml": dict(
        parser="synology", product="Synology Hyper Backup", job_name="Office-NAS to C2",
        host="NAS-OFFICE", status="failed", objects=[],
        started_at=_t(2025, 1, 19, 0, 0, 0), ended_at=_t(2025, 1, 19, 1, 2, 5),
    ),
    "synology-abb-warning-de.eml": dict(
        parser="synology", product="Synology Active Backup for Business",
        job_name="PCs Buchhaltung", host="DS920", status="warning",
        started_at=_t(2025, 1, 20, 11, 30, 0), ended_at=_t(2025, 1, 20, 12, 5, 40),
        objects=[("BUCH-PC01", "success", None),
                 ("BUCH-PC02", "warning", "Einige Dateien konnten nicht gesichert werden.")],
    ),
    "nakivo-warning.eml": dict(
        parser="nakivo", product="NAKIVO Backup & Replication", job_name="Hyper-V hosts",
        status="warning", started_at=_t(2025, 1, 21, 20, 0, 0),
        ended_at=_t(2025, 1, 21, 20, 44, 12),
        objects=[("HV-DC01", "success", None),
                 ("HV-SQL02", "warning", "Application-aware mode could not be enabled.")],
    ),
    "acronis-failed.eml": dict(
        parser="acronis", product="Acronis Cyber Protect Cloud", job_name="Servers daily",
        host="SRV-FILE01", status="failed", started_at=_t(2025, 1, 22, 22, 0, 0),
        objects=[("SRV-FILE01", "failed", "Failed to connect to the backup location.")],
    ),
    "acronis-status-report.eml": dict(
        parser="acronis", is_summary=True, status=None, objects=[],
    ),
    "duplicati-fatal.eml": dict(
        parser="duplicati", job_type="Backup", job_name="Documents to B2", status="failed",
        # The Unix times in parentheses are exact: no locale or zone guessing.
        started_at=_t(2025, 1, 24, 2, 0, 1), ended_at=_t(2025, 1, 24, 2, 0, 9), objects=[],
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_fixture(name):
    outcome = parse_mail(fixture_bytes(name))
    assert outcome.error is None
    result = outcome.result
    assert result is not None, f"{name} not claimed"
    expected = dict(CASES[name])
    objects = expected.pop("objects", None)
    expected.setdefault("is_retry", False)
    expected.setdefault("is_summary", False)
    for key, value in expected.items():
        assert getattr(result, key) == value, key
    if objects is not None:
        assert [(o.name, o.status, o.message) for o in result.objects] == objects
    assert result.subject  # the original subject is kept
    if result.started_at is not None:
        assert result.started_at.utcoffset().total_seconds() == 0


def test_unknown_product_is_not_claimed_without_rules():
    outcome = parse_mail(fixture_bytes("generic-msp360-failed.eml"))
    assert outcome.result is None and outcome.parser is None and outcome.error is None


def test_to_dict_is_json_ready():
    import json

    result = parse_mail(fixture_bytes("veeam-backup-failed-retry2-de.eml")).result
    data = json.loads(json.dumps(result.to_dict()))
    assert data["started_at"] == "2026-01-13T00:30:02Z"
    assert data["retry_number"] == 2
    assert data["objects"][1] == {"name": "SRV-EXCH01", "status": "failed", "type": "vm",
                                  "message": result.objects[1].message}
