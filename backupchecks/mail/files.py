"""Mail files as a source: .eml files and mbox files, streamed one mail at a time.

An mbox is read line by line, so a multi-gigabyte export costs the memory of its
largest mail, not of the file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from backupchecks.mail.pipeline import SourceMail

MAIL_SUFFIXES = {".eml", ".mbox", ".mbx"}
_FROM_QUOTED = re.compile(rb"^>+From ")
# A mail file starts with an mbox separator or a header field (Maildir files have no suffix).
_MAIL_START = re.compile(rb"^(From |[!-9;-~]+:)")


class MailFileError(Exception):
    """A path that is neither a mail, an mbox nor a folder of them."""


def is_mbox(path: Path) -> bool:
    """mbox files start with a 'From ' separator line; .eml files with a header."""
    if path.suffix.lower() in (".mbox", ".mbx"):
        return True
    try:
        with path.open("rb") as fh:
            return fh.read(5) == b"From "
    except OSError:
        return False


def iter_mbox(fh: BinaryIO) -> Iterator[bytes]:
    """Messages of an mbox (mboxo/mboxrd: '>From ' lines are unquoted once)."""
    lines: list[bytes] = []
    started = False
    previous_blank = True
    for line in fh:
        if line.startswith(b"From ") and previous_blank:
            if started and lines:
                yield _finish(lines)
            lines = []
            started = True
            previous_blank = False
            continue
        if not started:
            continue  # garbage before the first separator
        if _FROM_QUOTED.match(line):
            line = line[1:]
        lines.append(line)
        previous_blank = line in (b"\n", b"\r\n")
    if started and lines:
        yield _finish(lines)


def _finish(lines: list[bytes]) -> bytes:
    # The blank line before the next separator belongs to the mbox, not the mail.
    if lines and lines[-1] in (b"\n", b"\r\n"):
        lines = lines[:-1]
    return b"".join(lines)


def _looks_like_mail(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return bool(_MAIL_START.match(fh.read(200)))
    except OSError:
        return False


def _walk(path: Path) -> Iterator[Path]:
    if path.is_dir():
        for root, dirs, files in os.walk(path):
            dirs.sort()
            for name in sorted(files):
                child = Path(root) / name
                if not name.startswith(".") and (child.suffix.lower() in MAIL_SUFFIXES
                                                 or _looks_like_mail(child)):
                    yield child
    elif path.is_file():
        yield path
    else:
        raise MailFileError(f"{path}: no such file or folder")


def iter_paths(paths: Iterable[str | Path]) -> Iterator[SourceMail]:
    """Every mail in the given files and folders, as pipeline input."""
    for given in paths:
        for path in _walk(Path(given)):
            if is_mbox(path):
                with path.open("rb") as fh:
                    for raw in iter_mbox(fh):
                        yield SourceMail(raw=raw, source="file", folder=str(path)[:500])
            else:
                yield SourceMail(raw=path.read_bytes(), source="file", folder=str(path)[:500])
