"""One poll of the mailbox: IMAP source -> pipeline, then move what was committed.

Order matters for "never lost, never twice": a batch is fetched, imported and
committed, and only then moved to the processed folder. If the move fails (or the
connection drops), the mails stay in the folder; the next poll fetches them again,
finds them already stored (unique Message-ID / hash) and moves them then.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backupchecks.mail.imap import (
    NETWORK_ERRORS,
    ImapConnection,
    ImapError,
    ImapSettings,
    plan_batches,
)
from backupchecks.mail.oauth import fetch_token
from backupchecks.mail.pipeline import BATCH_SIZE, Importer, ImportStats, SourceMail
from backupchecks.models.mail import ImapFolderState
from backupchecks.models.types import utcnow
from backupchecks.security.crypto import Secret

log = logging.getLogger(__name__)

MAX_BATCH_BYTES = 32 * 1024 * 1024


@dataclass
class PollResult:
    stats: ImportStats = field(default_factory=ImportStats)
    moved: int = 0
    error: str | None = None
    uidvalidity_changed: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None


def imap_settings() -> ImapSettings | None:
    """The mailbox settings, or None while no IMAP host is configured."""
    from backupchecks.settings import get_secret, get_setting

    host = (get_setting("mail.imap_host") or "").strip()
    if not host:
        return None
    oauth_token = None
    if get_setting("mail.imap_auth") == "m365_oauth2":
        oauth_token = _m365_token_source(
            tenant_id=get_setting("mail.m365_tenant_id") or "",
            client_id=get_setting("mail.m365_client_id") or "",
            client_secret=get_secret("mail.m365_client_secret"),
            token_url=(get_setting("mail.m365_token_url") or "").strip() or None,
        )
    return ImapSettings(
        host=host,
        port=int(get_setting("mail.imap_port") or 993),
        security=get_setting("mail.imap_security") or "tls",
        user=get_setting("mail.imap_user") or "",
        password=get_secret("mail.imap_password"),
        folder=get_setting("mail.imap_folder") or "INBOX",
        processed_folder=(get_setting("mail.imap_processed_folder") or "").strip() or None,
        oauth_token=oauth_token,
    )


def _m365_token_source(tenant_id: str, client_id: str, client_secret: Secret | None,
                       token_url: str | None) -> Callable[[], str]:
    """A callable that fetches (or reuses) a Microsoft 365 token at login time."""

    def token() -> str:
        return fetch_token(tenant_id, client_id,
                           client_secret.reveal() if client_secret else "", token_url)

    return token


def _state(session: Session, settings: ImapSettings) -> ImapFolderState:
    state = session.scalar(select(ImapFolderState).where(
        ImapFolderState.account == settings.account, ImapFolderState.folder == settings.folder))
    if state is None:
        state = ImapFolderState(account=settings.account, folder=settings.folder, last_uid=0,
                                last_imported=0)
        session.add(state)
    return state


def poll(session: Session, settings: ImapSettings, *, stop: threading.Event | None = None,
         batch_size: int = BATCH_SIZE, now: datetime | None = None) -> PollResult:
    """Import new mail from the configured folder once. Never raises for IMAP trouble:
    the error is returned and kept on the folder's state row for the Settings page.
    """
    result = PollResult()
    state = _state(session, settings)
    state.last_poll_at = now or utcnow()
    session.commit()
    try:
        with ImapConnection(settings) as conn:
            _poll(session, conn, settings, state, result, stop, batch_size)
    except ImapError as exc:
        result.error = str(exc)
    except NETWORK_ERRORS as exc:
        result.error = f"Connection to {settings.host} lost: {type(exc).__name__}: {exc}"
    if result.error:
        session.rollback()
        log.warning("mail poll of %s failed: %s", settings.account, result.error)
    state = _state(session, settings)
    state.last_error = result.error
    state.last_imported = result.stats.imported
    if result.ok:
        state.last_success_at = now or utcnow()
    session.commit()
    return result


def _poll(session: Session, conn: ImapConnection, settings: ImapSettings,
          state: ImapFolderState, result: PollResult, stop: threading.Event | None,
          batch_size: int) -> None:
    target = settings.processed_folder
    if target:
        conn.ensure_folder(target)
    uidvalidity = conn.select(settings.folder)
    if state.uidvalidity != uidvalidity:
        # Old UIDs mean nothing now: read the folder from the start; dedupe keeps it once.
        result.uidvalidity_changed = state.uidvalidity is not None
        state.uidvalidity, state.last_uid = uidvalidity, 0
    # With a processed folder everything still in the folder is to do (including mails
    # whose move failed last time); without one, only what is newer than last time.
    uids = conn.search_uids(0 if target else state.last_uid)
    importer = Importer(session)
    for batch in plan_batches(uids, conn.sizes(uids), batch_size, MAX_BATCH_BYTES):
        if stop is not None and stop.is_set():
            break
        fetched = conn.fetch(batch)
        stats = importer.import_batch([
            SourceMail(raw=f.raw, source="imap", mailbox=settings.account,
                       folder=settings.folder, uid=f.uid, uidvalidity=uidvalidity,
                       received_at=f.internaldate)
            for f in fetched
        ])
        result.stats.add(stats)
        # Committed by import_batch: only now may the mails leave the folder.
        done = [f.uid for f in fetched]
        if target:
            conn.move(done, target)
            result.moved += len(done)
        else:
            conn.mark_seen(done)
        state.last_uid = max([state.last_uid, *done])
        session.commit()
    importer.file_waiting()
