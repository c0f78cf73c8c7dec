"""The key that ties a parsed mail to a job, and the dedupe hash of a raw mail."""

from __future__ import annotations

import hashlib
import re

_WS = re.compile(r"\s+")


def normalise(value: str | None) -> str:
    """Case and whitespace do not make a different job ("Daily VMs" == "daily  vms")."""
    return _WS.sub(" ", (value or "").replace("\xa0", " ")).strip().casefold()


def job_key(product: str | None, job_type: str | None, job_name: str | None,
            host: str | None) -> str:
    """sha256 hex of the normalised (product, job type, job name, host)."""
    text = "\x1f".join(normalise(v) for v in (product, job_type, job_name, host))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def content_hash(raw: bytes) -> str:
    """sha256 of the mail with line ends normalised: IMAP gives CRLF, mbox files LF."""
    return hashlib.sha256(raw.replace(b"\r\n", b"\n")).hexdigest()


def clean_message_id(value: str | None) -> str | None:
    """The Message-ID as stored: stripped, and hashed when absurdly long (index limits)."""
    value = (value or "").strip()
    if not value:
        return None
    if len(value) > 250:
        return "sha256:" + hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()
    return value
