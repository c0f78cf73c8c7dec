"""`backupchecks mail …` commands."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from backupchecks.extensions import db
from backupchecks.models.jobs import Run
from backupchecks.models.mail import Mail, ParserRule
from tests.mail.conftest import count, junk_mail, make_mail


def write_mbox(path, *raws: bytes) -> None:
    with path.open("wb") as fh:
        for raw in raws:
            fh.write(b"From MAILER-DAEMON Tue Nov  3 06:00:00 2026\n")
            body = raw.replace(b"\r\n", b"\n")
            # mboxrd: a body line starting with "From " is quoted.
            body = b"\n".join(b">" + line if line.startswith(b"From ") else line
                              for line in body.split(b"\n"))
            fh.write(body.rstrip(b"\n") + b"\n\n")


def test_import_eml_files_mbox_and_folders_once(runner, tmp_path):
    folder = tmp_path / "mails"
    (folder / "sub").mkdir(parents=True)
    (folder / "one.eml").write_bytes(make_mail(job="One"))
    (folder / "sub" / "two.eml").write_bytes(make_mail(job="Two"))
    (folder / "notes.txt").write_text("just notes, not a mail")
    tricky = junk_mail(7).replace(b"Anyone up for lunch?", b"From the kitchen: lunch?")
    write_mbox(tmp_path / "archive.mbox", make_mail(job="Three"), tricky, junk_mail(8))
    result = runner.invoke(args=["mail", "import", str(folder), str(tmp_path / "archive.mbox")])
    assert result.exit_code == 0, result.output
    assert "5 seen, 5 new" in result.output and "3 waiting in the Inbox" in result.output
    assert count(Mail) == 5
    kept = db.session.scalar(select(Mail).where(Mail.subject == "Lunch on Friday? 7"))
    assert kept is not None and kept.folder.endswith("archive.mbox")
    again = runner.invoke(args=["mail", "import", str(folder), str(tmp_path / "archive.mbox")])
    assert "5 seen, 0 new, 5 already known" in again.output
    assert count(Mail) == 5


def test_import_of_a_missing_path_fails_cleanly(runner, tmp_path):
    result = runner.invoke(args=["mail", "import", str(tmp_path / "nope.eml")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_parse_prints_one_json_object_per_line_and_stores_nothing(runner, tmp_path):
    good = tmp_path / "good.eml"
    good.write_bytes(make_mail(status="failed"))
    junk = tmp_path / "junk.eml"
    junk.write_bytes(junk_mail())
    result = runner.invoke(args=["mail", "parse", str(good), str(junk), "--json"])
    assert result.exit_code == 0, result.output
    first, second = (json.loads(line) for line in result.output.splitlines())
    assert first["parser"] == "veeam" and first["status"] == "failed"
    assert first["job_name"] == "Daily VMs" and first["objects"]
    assert second["status"] is None and second["file"].endswith("junk.eml")
    human = runner.invoke(args=["mail", "parse", str(good), str(junk)])
    assert "veeam" in human.output and "failed" in human.output
    assert "not parsed (no parser recognised it)" in human.output
    assert count(Mail) == 0


def test_parse_uses_the_generic_rules(runner, tmp_path):
    db.session.add(ParserRule(name="Lunch", product="Lunch Backup", subject_pattern="Lunch on",
                              success_words="lunch"))
    db.session.commit()
    path = tmp_path / "junk.eml"
    path.write_bytes(junk_mail())
    info = json.loads(runner.invoke(args=["mail", "parse", str(path), "--json"]).output)
    assert info["product"] == "Lunch Backup" and info["status"] == "success"


def test_reparse_files_mails_after_a_rule_is_added(runner, tmp_path):
    path = tmp_path / "junk.eml"
    path.write_bytes(junk_mail())
    runner.invoke(args=["mail", "import", str(path)])
    assert db.session.scalar(select(Mail.state)) == "unparsed"
    db.session.add(ParserRule(name="Lunch", product="Lunch Backup", subject_pattern="Lunch on",
                              success_words="lunch"))
    db.session.commit()
    result = runner.invoke(args=["mail", "reparse"])
    assert result.exit_code == 0, result.output
    assert "Re-parsed 1 mail(s): 0 filed as runs, 1 waiting in the Inbox" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(Mail.product)) == "Lunch Backup"


def test_check_missed_command_is_idempotent(runner):
    from backupchecks.models.types import utcnow
    from tests.factories import make_customer, make_job

    job = make_job(make_customer(), schedule_source="manual", schedule_kind="daily",
                   schedule_minute=0, grace_hours=1)
    job.created_at = utcnow() - timedelta(days=3)
    db.session.commit()
    first = runner.invoke(args=["mail", "check-missed"])
    assert first.exit_code == 0, first.output
    recorded = count(Run, Run.status == "missed")
    assert recorded >= 2
    assert f"{recorded} missed run(s) recorded" in first.output
    second = runner.invoke(args=["mail", "check-missed"])
    assert "0 missed run(s) recorded" in second.output
    assert count(Run, Run.status == "missed") == recorded


def test_poll_without_imap_settings_says_so(runner):
    result = runner.invoke(args=["mail", "poll"])
    assert result.exit_code == 1
    assert "IMAP is not configured" in result.output
