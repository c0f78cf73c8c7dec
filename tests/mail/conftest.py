"""Fixtures for mail ingestion: generated report mails, query counting, a real Dovecot."""

from __future__ import annotations

import imaplib
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select

from backupchecks.demo.mailgen import generate_mail
from backupchecks.extensions import db
from backupchecks.mail.pipeline import ImportStats, SourceMail, import_mails
from backupchecks.models.jobs import Run
from backupchecks.models.mail import Mail
from tests.conftest import need

START = datetime(2026, 11, 2, 21, 0, tzinfo=UTC)  # a Monday evening
_counter = itertools.count(1)


def make_mail(product: str = "veeam_backup", status: str = "success", *,
              job: str = "Daily VMs", host: str = "hv01", customer: str = "Acme",
              start: datetime = START, retry: int | None = None,
              message_id: str | None = None, seed: int | None = None) -> bytes:
    """A realistic report mail; every call gets its own Message-ID unless one is given."""
    n = next(_counter)
    return generate_mail(product, status, job_name=job, host=host, customer=customer,
                         started_at=start, retry=retry,
                         message_id=message_id or f"<test-{n}@mail.example>",
                         seed=seed if seed is not None else n)


def summary_mail() -> bytes:
    return (b"From: Acronis Cyber Protect <noreply@acronis.example>\r\n"
            b"To: backups@msp.example\r\nSubject: Daily status report\r\n"
            b"Message-ID: <summary-1@acronis.example>\r\n"
            b"Date: Tue, 03 Nov 2026 06:00:00 +0000\r\n\r\n"
            b"Acronis Cyber Protect Cloud\r\n12 machines protected, 1 failed.\r\n")


def junk_mail(n: int = 1) -> bytes:
    return (f"From: someone@example.org\r\nTo: backups@msp.example\r\n"
            f"Subject: Lunch on Friday? {n}\r\nMessage-ID: <junk-{n}@example.org>\r\n"
            f"Date: Tue, 03 Nov 2026 10:00:00 +0000\r\n\r\nAnyone up for lunch?\r\n").encode()


def run_import(*raws: bytes) -> ImportStats:
    return import_mails(db.session, [SourceMail(raw=r) for r in raws])


def count(model: Any, *where: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def mails_and_runs() -> tuple[int, int]:
    return count(Mail), count(Run)


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def queries(app: Any) -> Iterator[QueryCounter]:
    """Counts SQL statements sent while the test runs (read ``.count`` between steps)."""
    counter = QueryCounter()
    event.listen(db.engine, "before_cursor_execute", counter)
    yield counter
    event.remove(db.engine, "before_cursor_execute", counter)


# --- a private Dovecot over TCP ---------------------------------------------------------

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
IMAP_PASSWORD = "imap-password-1"
ACCOUNTS = tuple(f"user{i}" for i in range(1, 201))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Dovecot:
    root: Path
    port: int
    process: subprocess.Popen[bytes]
    passwd: Path

    def client(self, user: str, password: str) -> imaplib.IMAP4:
        conn = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        conn.login(user, password)
        return conn

    @property
    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _dovecot_conf(root: Path, port: int, passwd: Path) -> str:
    if os.geteuid() == 0:
        # Dovecot refuses to open mailboxes as root: they belong to nobody.
        mail_user = pwd.getpwnam("nobody")
        privileged = ""
    else:
        mail_user = pwd.getpwuid(os.getuid())
        # Not root: every dovecot process runs as us.
        privileged = (f"default_internal_user = {mail_user.pw_name}\n"
                      f"default_login_user = {mail_user.pw_name}\n")
    uid, gid = mail_user.pw_uid, mail_user.pw_gid
    return f"""
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
first_valid_uid = 1
mail_uid = {uid}
mail_gid = {gid}
mail_location = maildir:{root}/mail/%u:LAYOUT=fs
{privileged}
namespace inbox {{
  inbox = yes
  separator = /
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {passwd}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
# No growing delay after failed logins (the tests fail logins on purpose).
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


def dovecot_root(prefix: str) -> Path:
    """A folder for a private Dovecot that Dovecot's own users can read.

    Not under pytest's tmp dir: that is private to us (0700), and Dovecot's
    users (auth, mail) must reach the passwd file and the mail folders.
    """
    root = Path(tempfile.mkdtemp(prefix=prefix))
    os.chmod(root, 0o755)  # noqa: S103 - a throwaway test server, readable on purpose
    for sub in ("run", "state", "mail", "home"):
        (root / sub).mkdir()
    if os.geteuid() == 0:  # Dovecot will not run mail as root: hand the folders to nobody
        nobody = pwd.getpwnam("nobody")
        for sub in ("mail", "home"):
            os.chown(root / sub, nobody.pw_uid, nobody.pw_gid)
    return root


@contextmanager
def running_dovecot(root: Path, port: int, conf_text: str) -> Iterator[subprocess.Popen[bytes]]:
    """Start Dovecot with this config, wait for its greeting, stop and clean up after."""
    conf = root / "dovecot.conf"
    conf.write_text(conf_text)
    process = subprocess.Popen([DOVECOT, "-F", "-c", str(conf)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    deadline = time.monotonic() + 15
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                if s.recv(100).startswith(b"* OK"):
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            err = process.stderr.read().decode(errors="replace") if process.stderr else ""
            log = root / "dovecot.log"
            pytest.fail(f"dovecot did not start: {err}\n"
                        f"{log.read_text(errors='replace') if log.exists() else ''}")
        time.sleep(0.1)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    if not os.path.exists(DOVECOT):
        need("dovecot not installed (apt-get install dovecot-imapd)")
    root = dovecot_root("bc-dovecot-")
    passwd = root / "passwd"
    # Every account up front: Dovecot may not notice a passwd file changed within a second.
    passwd.write_text("".join(f"{u}:{{PLAIN}}{IMAP_PASSWORD}\n" for u in ACCOUNTS))
    os.chmod(passwd, 0o644)
    port = _free_port()
    with running_dovecot(root, port, _dovecot_conf(root, port, passwd)) as process:
        yield Dovecot(root, port, process, passwd)


_users = iter(ACCOUNTS)


@dataclass
class ImapAccount:
    server: Dovecot
    user: str
    password: str

    def client(self) -> imaplib.IMAP4:
        return self.server.client(self.user, self.password)

    def append(self, *raws: bytes, folder: str = "INBOX") -> None:
        conn = self.client()
        try:
            for raw in raws:
                typ, data = conn.append(folder, None, None, raw.replace(b"\r\n", b"\n")
                                        .replace(b"\n", b"\r\n"))
                assert typ == "OK", data
        finally:
            conn.logout()

    def uids(self, folder: str = "INBOX") -> list[int]:
        conn = self.client()
        try:
            typ, _ = conn.select(f'"{folder}"', readonly=True)
            if typ != "OK":
                return []
            _, data = conn.uid("SEARCH", None, "ALL")
            return [int(u) for u in data[0].split()]
        finally:
            conn.logout()

    def configure(self, processed: str | None = "Backupchecks/Processed",
                  folder: str = "INBOX") -> None:
        """Store this account as the mail settings of the app under test."""
        from backupchecks.settings import set_setting

        for key, value in (("mail.imap_host", "127.0.0.1"), ("mail.imap_port", self.server.port),
                           ("mail.imap_security", "none"), ("mail.imap_user", self.user),
                           ("mail.imap_password", self.password), ("mail.imap_folder", folder),
                           ("mail.imap_processed_folder", processed or "")):
            set_setting(key, value)
        db.session.commit()


@pytest.fixture
def imap_account(dovecot: Dovecot) -> ImapAccount:
    """A fresh, empty mailbox on the shared Dovecot for each test."""
    return ImapAccount(dovecot, next(_users), IMAP_PASSWORD)


def later(days: int = 0, hours: int = 0) -> datetime:
    return START + timedelta(days=days, hours=hours)
