"""The real mails in shared/samples must give exactly what shared/samples/README.md says."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage

from backupchecks.parsers import parse_mail
from backupchecks.parsers.inspect import describe
from backupchecks.parsers.message import decode_body_only
from backupchecks.parsers.registry import parse_view

from .conftest import render_hbs


def test_veeam_agent_windows_sample(samples):
    outcome = parse_mail((samples / "veeam-agent-windows-success.eml").read_bytes())
    assert outcome.error is None
    r = outcome.result
    assert (r.parser, r.product, r.job_type) == (
        "veeam", "Veeam Agent for Microsoft Windows", "Agent Backup")
    assert (r.job_name, r.host, r.status) == ("BackUp-base", "WIN-EXAMPLE01", "success")
    assert not r.is_retry and not r.is_summary
    assert [(o.name, o.status, o.message) for o in r.objects] == [
        ("WIN-EXAMPLE01", "success", None)]
    # The session ran 21:00:00-21:03:35 sender local time. The Date header says
    # 11:03:36 -0700 (= 18:03:36Z): a relay rewrote it into its own zone. Read in -0700
    # the job would end ten hours after the mail was sent, so the sender's offset is
    # taken from the gap between the local end and the Date instant: +03:00.
    assert r.started_at == datetime(2026, 10, 5, 18, 0, 0, tzinfo=UTC)
    assert r.ended_at == datetime(2026, 10, 5, 18, 3, 35, tzinfo=UTC)
    assert r.subject.startswith("[Success] WIN-EXAMPLE01 - BackUp-base - Monday, 05 October")


def _synology_sample_as_mail(samples) -> bytes:
    """Rebuild the mail from the sender/subject lines its author typed above the body."""
    lines = (samples / "synology-hyperbackup-success-de.txt").read_text("utf-8").splitlines()
    sender = next(line.split(":", 1)[1].strip() for line in lines if line.startswith("Absender:"))
    subject = next(line.split(":", 1)[1].strip() for line in lines if line.startswith("Betreff:"))
    body_start = next(i for i, line in enumerate(lines) if line.startswith("Betreff:")) + 1
    msg = EmailMessage()
    msg["From"], msg["Subject"] = sender, subject
    msg.set_content("\n".join(lines[body_start:]), subtype="html")
    return msg.as_bytes()


def test_synology_hyperbackup_german_sample(samples):
    r = parse_mail(_synology_sample_as_mail(samples)).result
    assert (r.parser, r.product) == ("synology", "Synology Hyper Backup")
    assert (r.job_name, r.host, r.status) == ("Cloud-Backup zu Hetzner", "DiskStation", "success")
    assert r.objects == []
    # "Startzeit: Sa, 25 Jan 2025 02:00:01", "Dauer: 14 Minuten 26 Sekunden"; no Date: UTC.
    assert r.started_at == datetime(2025, 1, 25, 2, 0, 1, tzinfo=UTC)
    assert r.ended_at == datetime(2025, 1, 25, 2, 14, 27, tzinfo=UTC)


def test_synology_sample_file_as_bare_body(samples):
    d = describe(samples / "synology-hyperbackup-success-de.txt")
    assert (d["parser"], d["job_name"], d["host"], d["status"]) == (
        "synology", "Cloud-Backup zu Hetzner", "DiskStation", "success")
    assert d["started_at"] == "2025-01-25T02:00:01Z"
    assert d["objects"] == []


def test_duplicati_sample(samples):
    mail = decode_body_only((samples / "duplicati-backup-success.txt").read_bytes())
    r = parse_view(mail).result
    assert (r.parser, r.product, r.job_type) == ("duplicati", "Duplicati", "Backup")
    assert (r.job_name, r.host, r.status) == ("test", None, "success")
    # 1/8/2018 10:09:16 PM is US month-first: 8 January.
    assert r.started_at == r.ended_at == datetime(2018, 1, 8, 22, 9, 16, tzinfo=UTC)


def _pve_helpers() -> dict:
    def duration(seconds):
        seconds = int(seconds or 0)
        return f"{seconds // 60}m {seconds % 60}s" if seconds >= 60 else f"{seconds}s"

    def human_bytes(size):
        return f"{int(size or 0) / 2**30:.3f} GiB"

    def table(spec):
        columns = [c["id"] for c in spec["schema"]["columns"]]
        labels = [c["label"] for c in spec["schema"]["columns"]]
        rows = [[str(row.get(c, "")) for c in columns] for row in spec["data"]]
        widths = [max(len(x) for x in col) + 4 for col in zip(labels, *rows, strict=False)]
        return "\n".join("".join(cell.ljust(w) for cell, w in zip(line, widths, strict=False))
                         .rstrip() for line in [labels, *rows])

    return {"duration": duration, "human-bytes": human_bytes, "table": table}


def _render_pve_mail(samples, guests, error: str, status_text: str, with_text: bool = True) -> bytes:
    templates = samples / "proxmox-vzdump-templates"
    columns = [{"label": label, "id": key} for label, key in (
        ("VMID", "vmid"), ("Name", "name"), ("Status", "status"), ("Time", "time"),
        ("Size", "size"), ("Filename", "filename"))]
    logs = "vzdump 100 101 --mode snapshot --storage pbs-main --node pve2\n\n" + "\n".join(
        f"{g['vmid']}: 2024-03-04 01:00:0{i} INFO: Starting Backup of VM {g['vmid']} (qemu)"
        + (f"\n{g['vmid']}: 2024-03-04 01:00:0{i} ERROR: Backup of VM {g['vmid']} failed - "
           "no such logical volume" if g["status"] == "err" else "")
        for i, g in enumerate(guests))
    context = {"fqdn": "pve2.example.com", "status-text": status_text, "error": error,
               "guest-table": {"schema": {"columns": columns}, "data": guests},
               "total-time": 95, "total-size": 2**33, "logs": logs}
    helpers = _pve_helpers()
    subject = render_hbs((templates / "pve-vzdump-subject.txt.hbs").read_text(), context, helpers)
    text = render_hbs((templates / "pve-vzdump-body.txt.hbs").read_text(), context, helpers)
    html = render_hbs((templates / "pve-vzdump-body.html.hbs").read_text(), context, helpers)
    msg = EmailMessage()
    msg["From"] = "Proxmox VE <root@pve2.example.com>"
    msg["Subject"] = subject.strip()
    msg["Date"] = "Mon, 04 Mar 2024 01:02:00 +0100"
    if with_text:
        msg.set_content(text)
        msg.add_alternative(html, subtype="html")
    else:
        msg.set_content(html, subtype="html")
    return msg.as_bytes()


def test_pve_81_template_rendered_success(samples):
    guests = [{"vmid": 100, "name": "web01", "status": "ok", "time": 61, "size": 2**31,
               "filename": "vzdump-qemu-100-2024_03_04-01_00_00.vma.zst"},
              {"vmid": 101, "name": "mail01", "status": "ok", "time": 34, "size": 2**30,
               "filename": "vzdump-qemu-101-2024_03_04-01_01_01.vma.zst"}]
    r = parse_mail(_render_pve_mail(samples, guests, "", "backup successful")).result
    assert (r.parser, r.product, r.job_type, r.job_name) == (
        "proxmox_ve", "Proxmox VE", "vzdump", "pbs-main")
    assert (r.host, r.status) == ("pve2.example.com", "success")
    assert [(o.name, o.status) for o in r.objects] == [("100 web01", "success"),
                                                       ("101 mail01", "success")]
    assert r.started_at == datetime(2024, 3, 4, 0, 0, 0, tzinfo=UTC)


def test_pve_81_template_rendered_failed_html_only(samples):
    guests = [{"vmid": 100, "name": "web01", "status": "ok", "time": 61, "size": 2**31,
               "filename": "vzdump-qemu-100.vma.zst"},
              {"vmid": 101, "name": "mail01", "status": "err", "time": 2, "size": 0,
               "filename": ""}]
    raw = _render_pve_mail(samples, guests, "job errors", "backup failed: multiple problems")
    r = parse_mail(raw).result
    assert r.status == "failed"
    assert [(o.name, o.status) for o in r.objects] == [("100 web01", "success"),
                                                       ("101 mail01", "failed")]
    assert r.objects[1].message == "Backup of VM 101 failed - no such logical volume"
    # Same mail with only the HTML part (some relays drop text/plain): same guests.
    html_only = _render_pve_mail(samples, guests, "job errors", "backup failed", with_text=False)
    r = parse_mail(html_only).result
    assert r.status == "failed"
    assert [(o.name, o.status) for o in r.objects] == [("100 web01", "success"),
                                                       ("101 mail01", "failed")]
