"""The IMAP source against a real Dovecot over TCP."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import select

from backupchecks.extensions import db
from backupchecks.mail import imap as imap_module
from backupchecks.mail.imap import ImapError, ImapSettings, list_folders, parse_list_line, uid_set
from backupchecks.mail.poller import imap_settings, poll
from backupchecks.models.mail import ImapFolderState, Mail
from backupchecks.security.crypto import Secret
from tests.conftest import ENCRYPTION_KEY, SECRET_KEY
from tests.mail.conftest import count, junk_mail, make_mail

pytestmark = pytest.mark.imap

PROCESSED = "Backupchecks/Processed"


def test_poll_imports_moves_and_a_second_poll_finds_nothing(app, imap_account):
    imap_account.append(make_mail(job="One"), make_mail(job="Two"), junk_mail())
    imap_account.configure()
    result = poll(db.session, imap_settings(), batch_size=2)  # two fetches
    assert result.ok, result.error
    assert (result.stats.imported, result.moved) == (3, 3)
    assert imap_account.uids() == [] and len(imap_account.uids(PROCESSED)) == 3
    mails = db.session.scalars(select(Mail).order_by(Mail.uid)).all()
    assert [m.source for m in mails] == ["imap"] * 3
    assert mails[0].uid == 1 and mails[0].uidvalidity and mails[0].received_at
    again = poll(db.session, imap_settings())
    assert again.ok and again.stats.seen == 0
    assert count(Mail) == 3
    state = db.session.scalar(select(ImapFolderState))
    assert state.last_error is None and state.last_success_at is not None


def test_failed_move_loses_nothing_and_imports_nothing_twice(app, imap_account, monkeypatch):
    imap_account.append(make_mail(job="One"), make_mail(job="Two"))
    imap_account.configure()

    def drop_connection(self, uids, folder):
        # The connection dies right after the commit, before the mails could move.
        self.conn.shutdown()
        raise imap_module.imaplib.IMAP4.abort("connection reset by peer")

    monkeypatch.setattr(imap_module.ImapConnection, "move", drop_connection)
    failed = poll(db.session, imap_settings())
    assert not failed.ok and "lost" in failed.error
    assert count(Mail) == 2  # committed before the move
    assert len(imap_account.uids()) == 2  # still in the folder: nothing lost
    assert db.session.scalar(select(ImapFolderState.last_error)) == failed.error
    monkeypatch.undo()
    imap_account.append(make_mail(job="Three"))
    retry = poll(db.session, imap_settings())
    assert retry.ok, retry.error
    assert (retry.stats.imported, retry.stats.duplicates, retry.moved) == (1, 2, 3)
    assert count(Mail) == 3 and imap_account.uids() == []


def test_connection_drop_during_fetch_keeps_the_mails_for_next_time(app, imap_account,
                                                                     monkeypatch):
    imap_account.append(*(make_mail(job=f"Job {i}") for i in range(4)))
    imap_account.configure()
    real_fetch = imap_module.ImapConnection.fetch
    calls = []

    def flaky_fetch(self, uids):
        calls.append(uids)
        if len(calls) == 2:
            self.conn.shutdown()
        return real_fetch(self, uids)

    monkeypatch.setattr(imap_module.ImapConnection, "fetch", flaky_fetch)
    broken = poll(db.session, imap_settings(), batch_size=2)
    assert not broken.ok
    assert count(Mail) == 2 and len(imap_account.uids()) == 2
    monkeypatch.undo()
    assert poll(db.session, imap_settings()).stats.imported == 2
    assert count(Mail) == 4 and imap_account.uids() == []


def test_without_processed_folder_uids_are_remembered_and_uidvalidity_change_rescans(
        app, imap_account):
    imap_account.append(make_mail(job="One"), make_mail(job="Two"))
    imap_account.configure(processed=None, folder="Reports")  # folder does not exist yet
    assert not poll(db.session, imap_settings()).ok  # cannot open a missing folder
    conn = imap_account.client()
    conn.create('"Reports"')
    conn.logout()
    imap_account.append(make_mail(job="One", message_id="<r1@x>"),
                        make_mail(job="Two", message_id="<r2@x>"), folder="Reports")
    first = poll(db.session, imap_settings())
    assert first.ok and first.stats.imported == 2
    state = db.session.scalar(select(ImapFolderState).where(ImapFolderState.folder == "Reports"))
    old_validity, old_last = state.uidvalidity, state.last_uid
    assert old_last == 2
    assert poll(db.session, imap_settings()).stats.seen == 0  # UIDs 1-2 are done
    # The folder is recreated: new UIDVALIDITY, UIDs start at 1 again.
    conn = imap_account.client()
    conn.delete('"Reports"')
    time.sleep(1.1)  # Dovecot derives UIDVALIDITY from the clock
    conn.create('"Reports"')
    conn.logout()
    imap_account.append(make_mail(job="One", message_id="<r1@x>"),
                        make_mail(job="New", message_id="<r3@x>"), folder="Reports")
    after = poll(db.session, imap_settings())
    assert after.ok and after.uidvalidity_changed
    assert (after.stats.imported, after.stats.duplicates) == (1, 1)
    db.session.refresh(state)
    assert state.uidvalidity != old_validity and state.last_uid == 2
    assert count(Mail) == 3


def test_list_folders_and_bad_login(app, imap_account):
    conn = imap_account.client()
    conn.create(imap_module.quote("Rapporten/Späť"))
    conn.logout()
    settings = ImapSettings(host="127.0.0.1", port=imap_account.server.port, security="none",
                            user=imap_account.user, password=Secret(imap_account.password))
    folders = list_folders(settings)
    assert folders[0] == "INBOX" and "Rapporten/Späť" in folders
    wrong = ImapSettings(host="127.0.0.1", port=imap_account.server.port, security="none",
                         user=imap_account.user, password=Secret("wrong"))
    with pytest.raises(ImapError, match="Login as .* refused"):
        list_folders(wrong)


def test_non_ascii_password_gets_a_clear_refusal_and_is_not_echoed(app, imap_account, caplog):
    wrong = ImapSettings(host="127.0.0.1", port=imap_account.server.port, security="none",
                         user=imap_account.user, password=Secret("wröng-pässwörd"))
    with pytest.raises(ImapError, match="Login as .* refused") as info:
        list_folders(wrong)
    assert "ö" not in str(info.value) and "ä" not in str(info.value)
    assert "pässwörd" not in caplog.text


def test_test_connection_button_lists_folders(as_admin, imap_account):
    imap_account.configure()
    page = as_admin.post("/settings/mail/test").get_data(as_text=True)
    assert "Connected and logged in" in page and "<li>INBOX" in page
    imap_account.configure(processed="X")
    from backupchecks.settings import set_setting

    set_setting("mail.imap_password", "not the password")
    db.session.commit()
    page = as_admin.post("/settings/mail/test").get_data(as_text=True)
    assert "Connection failed" in page and "refused" in page
    assert "not the password" not in page


def test_poll_cli_and_loop_stops_on_sigterm(app, backend, database_urls, imap_account, runner):
    imap_account.append(make_mail(job="Looped"))
    imap_account.configure()
    once = runner.invoke(args=["mail", "poll"])
    assert once.exit_code == 0, once.output
    assert "1 new" in once.output and "1 moved" in once.output
    imap_account.append(make_mail(job="Looped 2"))
    env = {**os.environ, "DATABASE_URL": database_urls[backend], "SECRET_KEY": SECRET_KEY,
           "BACKUPCHECKS_ENCRYPTION_KEY": ENCRYPTION_KEY, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "backupchecks", "mail", "poll", "--loop",
                             "--interval", "60"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    try:
        lines = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = proc.stdout.readline().decode()
            lines.append(line)
            if "missed run(s) recorded" in line:
                break
        assert any("1 new" in line for line in lines), lines
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    assert "Stopped." in out.decode()
    db.session.expire_all()
    assert count(Mail) == 2


def test_imap_helpers():
    assert uid_set([5, 1, 2, 3, 9, 10]) == "1:3,5,9:10"
    assert parse_list_line(b'(\\HasNoChildren) "/" "A &AOQ-b"') == ("A äb", "/",
                                                                    {"\\hasnochildren"})
    assert parse_list_line((b'(\\Noselect) "." {5}', b"Odd.")) == ("Odd.", ".", {"\\noselect"})
    assert imap_module.encode_folder("Späť & co") == "Sp&AOQBZQ- &- co"
    assert imap_module.decode_folder("Sp&AOQBZQ- &- co") == "Späť & co"
