"""The IMAP reader: the only module that speaks IMAP (imaplib).

It connects (TLS, STARTTLS or plain for test servers), lists folders, reads a
folder's UIDs and UIDVALIDITY, fetches mails in batches (one round trip per batch,
never per mail) with BODY.PEEK so nothing is marked read by accident, and moves or
flags mails once the caller has committed them.
"""

from __future__ import annotations

import base64
import imaplib
import re
import socket
import ssl
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType

from backupchecks.mail.oauth import OAuthError
from backupchecks.security.crypto import Secret

TIMEOUT = 60
SECURITIES = ("tls", "starttls", "none")


class ImapError(Exception):
    """Connecting, logging in or talking to the server failed; message fit for an admin."""


# imaplib raises these for protocol errors and dropped connections.
NETWORK_ERRORS = (imaplib.IMAP4.error, OSError, socket.timeout, ssl.SSLError, EOFError)


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int = 993
    security: str = "tls"
    user: str = ""
    password: Secret | None = None
    folder: str = "INBOX"
    processed_folder: str | None = None
    timeout: float = TIMEOUT
    # Set for OAuth2 (Microsoft 365): returns an access token; login is then XOAUTH2.
    oauth_token: Callable[[], str] | None = None

    @property
    def account(self) -> str:
        return f"{self.user}@{self.host}:{self.port}"


@dataclass(frozen=True, slots=True)
class FetchedMail:
    uid: int
    raw: bytes
    internaldate: datetime | None


# --- modified UTF-7 (RFC 3501 5.1.3) folder names -------------------------------------

def decode_folder(name: str) -> str:
    def repl(match: re.Match[str]) -> str:
        chunk = match.group(1)
        if not chunk:
            return "&"
        data = chunk.replace(",", "/")
        data += "=" * (-len(data) % 4)
        return base64.b64decode(data).decode("utf-16-be", "replace")

    return re.sub(r"&([A-Za-z0-9+,]*)-", repl, name)


def encode_folder(name: str) -> str:
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            data = base64.b64encode("".join(pending).encode("utf-16-be")).decode("ascii")
            out.append("&" + data.rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            pending.append(ch)
    flush()
    return "".join(out)


def quote(name: str) -> str:
    """A mailbox name as an IMAP quoted string (imaplib does not quote for us)."""
    encoded = encode_folder(name)
    return '"' + encoded.replace("\\", "\\\\").replace('"', '\\"') + '"'


_LIST_RE = re.compile(rb'\((?P<flags>[^)]*)\) (?P<delim>"(?:[^"\\]|\\.)*"|NIL) (?P<name>.*)$')


def parse_list_line(item: bytes | tuple[bytes, bytes]) -> tuple[str, str | None, set[str]] | None:
    """One LIST response -> (decoded name, delimiter, flags)."""
    literal = None
    if isinstance(item, tuple):
        item, literal = item
    match = _LIST_RE.match(item)
    if not match:
        return None
    flags = {f.decode("ascii", "replace").lower() for f in match.group("flags").split()}
    delim_raw = match.group("delim")
    delim = None if delim_raw == b"NIL" else delim_raw[1:-1].replace(b"\\", b"").decode()
    name_raw = literal if literal is not None else match.group("name").strip()
    if name_raw.startswith(b'"') and name_raw.endswith(b'"'):
        name_raw = re.sub(rb"\\(.)", rb"\1", name_raw[1:-1])
    return decode_folder(name_raw.decode("utf-8", "replace")), delim, flags


def uid_set(uids: Iterable[int]) -> str:
    """Compress UIDs into an IMAP sequence set: 1:3,7,9:10."""
    ordered = sorted(set(uids))
    parts: list[str] = []
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        parts.append(str(ordered[i]) if i == j else f"{ordered[i]}:{ordered[j]}")
        i = j + 1
    return ",".join(parts)


def _internaldate(header: bytes) -> datetime | None:
    match = re.search(rb'INTERNALDATE "([^"]+)"', header)
    if not match:
        return None
    try:
        return datetime.strptime(match.group(1).decode().strip(),
                                 "%d-%b-%Y %H:%M:%S %z").astimezone(UTC)
    except ValueError:
        return None


def _uid(text: bytes) -> int | None:
    match = re.search(rb"\bUID (\d+)", text)
    return int(match.group(1)) if match else None


def parse_fetch(data: list[bytes | tuple[bytes, bytes] | None]) -> list[FetchedMail]:
    """Mails out of a UID FETCH (UID INTERNALDATE BODY.PEEK[]) answer.

    Servers may put UID after the literal, and may interleave unsolicited FETCH
    responses (flag changes): those have no literal and are skipped.
    """
    out = []
    for index, item in enumerate(data):
        if not isinstance(item, tuple):
            continue
        header, raw = item
        uid = _uid(header)
        if uid is None and index + 1 < len(data) and isinstance(data[index + 1], bytes):
            uid = _uid(data[index + 1])  # type: ignore[arg-type]
        if uid is not None and b"BODY[" in header:
            out.append(FetchedMail(uid, raw, _internaldate(header)))
    return out


class ImapConnection:
    """One logged-in session; use as a context manager."""

    def __init__(self, settings: ImapSettings) -> None:
        self.settings = settings
        self.conn: imaplib.IMAP4 | None = None
        self.capabilities: set[str] = set()
        self.delimiter: str | None = None

    # -- session -------------------------------------------------------------------
    def __enter__(self) -> ImapConnection:
        self.open()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def open(self) -> None:
        s = self.settings
        if s.security not in SECURITIES:
            raise ImapError(f"Unknown security setting {s.security!r}.")
        try:
            if s.security == "tls":
                self.conn = imaplib.IMAP4_SSL(s.host, s.port, ssl_context=ssl.create_default_context(),
                                              timeout=s.timeout)
            else:
                self.conn = imaplib.IMAP4(s.host, s.port, timeout=s.timeout)
                if s.security == "starttls":
                    self.conn.starttls(ssl_context=ssl.create_default_context())
        except (OSError, ssl.SSLError, imaplib.IMAP4.error) as exc:
            raise ImapError(f"Cannot connect to {s.host}:{s.port}: {_reason(exc)}") from None
        if s.oauth_token is not None:
            self._login_xoauth2()
        else:
            self._login_password()
        self.capabilities = self._capabilities()

    def _login_xoauth2(self) -> None:
        s = self.settings
        try:
            token = s.oauth_token()  # type: ignore[misc]
        except OAuthError as exc:
            self.close()
            raise ImapError(str(exc)) from None
        sasl = f"user={s.user}\x01auth=Bearer {token}\x01\x01".encode()

        def respond(challenge: bytes) -> bytes:
            # A non-empty challenge is the server's error report (JSON): answer empty.
            return b"" if challenge else sasl

        try:
            self._conn.authenticate("XOAUTH2", respond)
        except UnicodeError:
            self.close()
            raise ImapError(f"Login as {s.user} failed: the server cannot take these "
                            "characters in a user name.") from None
        except imaplib.IMAP4.error as exc:
            self.close()
            raise ImapError(f"OAuth2 login as {s.user} refused: "
                            f"{_reason(exc).replace(token, '***')}") from None
        except NETWORK_ERRORS as exc:
            self.close()
            raise ImapError(f"Connection lost while logging in: {_reason(exc)}") from None

    def _login_password(self) -> None:
        s = self.settings
        password = s.password.reveal() if s.password else ""
        try:
            if (s.user + password).isascii():
                self.conn.login(s.user, password)
            else:
                # LOGIN is ASCII only; SASL PLAIN carries UTF-8 user names and passwords.
                credentials = f"\0{s.user}\0{password}".encode()
                self.conn.authenticate("PLAIN", lambda _challenge: credentials)
        except UnicodeError:
            # Never echo the codec's message: it quotes a character of the password.
            self.close()
            raise ImapError(f"Login as {s.user} failed: the server cannot take these "
                            "characters in a user name or password.") from None
        except imaplib.IMAP4.error as exc:
            self.close()
            raise ImapError(f"Login as {s.user} refused: {_reason(exc)}") from None
        except NETWORK_ERRORS as exc:
            self.close()
            raise ImapError(f"Connection lost while logging in: {_reason(exc)}") from None

    def close(self) -> None:
        if self.conn is None:
            return
        try:
            self.conn.logout()
        except NETWORK_ERRORS:
            pass  # the server may already have gone; nothing left to clean up
        finally:
            self.conn = None

    def _capabilities(self) -> set[str]:
        typ, data = self._conn.capability()
        words = b" ".join(d for d in data if isinstance(d, bytes)).decode("ascii", "replace")
        return {w.upper() for w in words.split()} if typ == "OK" else set()

    @property
    def _conn(self) -> imaplib.IMAP4:
        if self.conn is None:
            raise ImapError("Not connected.")
        return self.conn

    def _check(self, response: tuple[str, list[object]], what: str) -> list[object]:
        typ, data = response
        if typ != "OK":
            detail = b" ".join(d for d in data if isinstance(d, bytes)).decode("utf-8", "replace")
            raise ImapError(f"{what} failed: {detail or typ}")
        return data

    # -- folders -------------------------------------------------------------------
    def list_folders(self) -> list[str]:
        """Selectable folders, decoded, sorted with INBOX first."""
        data = self._check(self._conn.list(), "LIST")
        names = []
        for item in data:
            parsed = parse_list_line(item)  # type: ignore[arg-type]
            if parsed is None:
                continue
            name, delim, flags = parsed
            self.delimiter = self.delimiter or delim
            if "\\noselect" not in flags and "\\nonexistent" not in flags:
                names.append(name)
        return sorted(names, key=lambda n: (n.upper() != "INBOX", n.lower()))

    def server_name(self, folder: str) -> str:
        """Our '/'-separated name in the server's own hierarchy delimiter."""
        if self.delimiter is None:
            typ, data = self._conn.list('""', '""')
            if typ == "OK" and data and data[0]:
                parsed = parse_list_line(data[0])  # type: ignore[arg-type]
                self.delimiter = parsed[1] if parsed else None
            self.delimiter = self.delimiter or "/"
        return folder.replace("/", self.delimiter) if self.delimiter != "/" else folder

    def ensure_folder(self, folder: str) -> None:
        name = quote(self.server_name(folder))
        # LIST, not SELECT: checking must not change the selected folder.
        typ, data = self._conn.list('""', name)
        if typ == "OK" and any(item for item in data):
            return
        self._check(self._conn.create(name), f"Creating folder {folder}")

    def select(self, folder: str) -> int:
        """Open ``folder`` read-write; returns its UIDVALIDITY."""
        self._check(self._conn.select(quote(self.server_name(folder))), f"Opening {folder}")
        _, values = self._conn.response("UIDVALIDITY")
        try:
            return int(values[0])  # type: ignore[index,arg-type]
        except (TypeError, ValueError, IndexError):
            raise ImapError(f"The server gave no UIDVALIDITY for {folder}.") from None

    # -- reading -------------------------------------------------------------------
    def search_uids(self, above: int = 0) -> list[int]:
        """UIDs in the selected folder greater than ``above``."""
        criteria = f"UID {above + 1}:*" if above else "ALL"
        data = self._check(self._conn.uid("SEARCH", None, criteria), "SEARCH")
        uids = [int(u) for d in data if isinstance(d, bytes) for u in d.split()]
        # "N:*" always matches the highest UID, even when it is below N.
        return sorted(u for u in uids if u > above)

    def sizes(self, uids: list[int]) -> dict[int, int]:
        """RFC822.SIZE per UID: one round trip for the whole folder."""
        if not uids:
            return {}
        data = self._check(self._conn.uid("FETCH", uid_set(uids), "(RFC822.SIZE)"), "FETCH")
        out = {}
        for item in data:
            line = item[0] if isinstance(item, tuple) else item
            if not isinstance(line, bytes):
                continue
            uid = _uid(line)
            size = re.search(rb"RFC822\.SIZE (\d+)", line)
            if uid is not None and size:
                out[uid] = int(size.group(1))
        return out

    def fetch(self, uids: list[int]) -> list[FetchedMail]:
        """Whole mails for ``uids`` in one round trip, without setting \\Seen."""
        if not uids:
            return []
        data = self._check(
            self._conn.uid("FETCH", uid_set(uids), "(UID INTERNALDATE BODY.PEEK[])"), "FETCH")
        return parse_fetch(data)  # type: ignore[arg-type]

    # -- after the commit ------------------------------------------------------------
    def move(self, uids: list[int], folder: str) -> None:
        """Move mails to ``folder`` (MOVE, or COPY + delete + expunge on old servers)."""
        if not uids:
            return
        target = quote(self.server_name(folder))
        uid_text = uid_set(uids)
        if "MOVE" in self.capabilities:
            self._check(self._conn.uid("MOVE", uid_text, target), f"Moving mails to {folder}")
            return
        self._check(self._conn.uid("COPY", uid_text, target), f"Copying mails to {folder}")
        self._check(self._conn.uid("STORE", uid_text, "+FLAGS.SILENT", r"(\Deleted)"), "STORE")
        if "UIDPLUS" in self.capabilities:
            self._check(self._conn.uid("EXPUNGE", uid_text), "EXPUNGE")
        else:
            self._check(self._conn.expunge(), "EXPUNGE")

    def mark_seen(self, uids: list[int]) -> None:
        if uids:
            self._check(self._conn.uid("STORE", uid_set(uids), "+FLAGS.SILENT", r"(\Seen)"),
                        "STORE")


def plan_batches(uids: list[int], sizes: dict[int, int], max_count: int,
                 max_bytes: int) -> Iterator[list[int]]:
    """Group UIDs so one fetch holds at most ``max_count`` mails or ``max_bytes`` bytes."""
    batch: list[int] = []
    total = 0
    for uid in uids:
        size = sizes.get(uid, 0)
        if batch and (len(batch) >= max_count or total + size > max_bytes):
            yield batch
            batch, total = [], 0
        batch.append(uid)
        total += size
    if batch:
        yield batch


def _reason(exc: BaseException) -> str:
    text = str(exc)
    if isinstance(exc, imaplib.IMAP4.error) and text.startswith("b'"):
        text = text[2:-1]
    return text or type(exc).__name__


def list_folders(settings: ImapSettings) -> list[str]:
    """Connect, log in and list the folders: the Settings page's *Test connection*."""
    with ImapConnection(settings) as conn:
        try:
            return conn.list_folders()
        except NETWORK_ERRORS as exc:
            raise ImapError(f"Listing folders failed: {_reason(exc)}") from None
