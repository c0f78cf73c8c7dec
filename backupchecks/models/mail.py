"""Report mails as received, the mailbox read position, and admin-written parser rules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from backupchecks.extensions import db
from backupchecks.models.types import UTCDateTime, utcnow

MAIL_STATES = ("parsed", "unparsed", "ignored", "error")


class Mail(db.Model):
    """One mail, kept whole. Unique Message-ID and content hash make imports idempotent."""

    __tablename__ = "mails"
    __table_args__ = (
        # The Inbox lists parsed mails that wait for a job, grouped by job key.
        Index("ix_mails_state_run_id", "state", "run_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Raw RFC 822 bytes as received; deferred so lists never load them.
    raw: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    size: Mapped[int] = mapped_column(Integer, default=0)
    message_id: Mapped[str | None] = mapped_column(String(300), unique=True, nullable=True)
    # sha256 of the bytes with line ends normalised (IMAP CRLF and mbox LF agree).
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    sender: Mapped[str] = mapped_column(String(254), default="")
    subject: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Where it came from: "imap", "file" (with the path in ``folder``) or "upload".
    source: Mapped[str] = mapped_column(String(16), default="file")
    mailbox: Mapped[str | None] = mapped_column(String(300), nullable=True)
    folder: Mapped[str | None] = mapped_column(String(500), nullable=True)
    uid: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger, nullable=True)

    state: Mapped[str] = mapped_column(String(16), default="unparsed")
    # Why a mail is unparsed, ignored or in error, in words a person can act on.
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    parser: Mapped[str | None] = mapped_column(String(64), nullable=True)
    parser_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(
        JSON(none_as_null=True), nullable=True, deferred=True)
    # Copied out of ``result`` so the Inbox list needs no JSON.
    product: Mapped[str | None] = mapped_column(String(100), nullable=True)
    job_type: Mapped[str | None] = mapped_column(String(100), nullable=True)
    job_name: Mapped[str | None] = mapped_column(String(300), nullable=True)
    host: Mapped[str | None] = mapped_column(String(255), nullable=True)
    status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    job_key: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("runs.id", ondelete="SET NULL", use_alter=True), nullable=True, index=True
    )

    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    @property
    def waiting(self) -> bool:
        """Parsed, of a job nobody approved yet: shown in the Inbox."""
        return self.state == "parsed" and self.run_id is None and not self.deleted

    def __repr__(self) -> str:
        return f"<Mail {self.id} {self.state} {self.subject[:40]!r}>"


class ImapFolderState(db.Model):
    """How far a mailbox folder has been read, and how the last poll went."""

    __tablename__ = "imap_folder_state"
    __table_args__ = (UniqueConstraint("account", "folder", name="uq_imap_folder_state_account"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account: Mapped[str] = mapped_column(String(300))  # user@host
    folder: Mapped[str] = mapped_column(String(500))
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    last_poll_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_imported: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)


class ParserRule(db.Model):
    """An admin's rule for a product without a parser (see parsers.generic.GenericRule)."""

    __tablename__ = "parser_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    product: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer, default=0)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    sender_pattern: Mapped[str | None] = mapped_column(String(500), nullable=True)
    subject_pattern: Mapped[str | None] = mapped_column(String(500), nullable=True)
    body_pattern: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    # One word or phrase per line.
    success_words: Mapped[str] = mapped_column(Text, default="")
    warning_words: Mapped[str] = mapped_column(Text, default="")
    failure_words: Mapped[str] = mapped_column(Text, default="")
    job_name_template: Mapped[str | None] = mapped_column(String(300), nullable=True)
    host_template: Mapped[str | None] = mapped_column(String(300), nullable=True)
    job_type: Mapped[str] = mapped_column(String(100), default="Backup")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
