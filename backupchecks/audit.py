"""The audit log: who did what, when. Secret values never go in here."""

from __future__ import annotations

from flask import has_request_context, request
from flask_login import current_user

from backupchecks.extensions import db
from backupchecks.models.settings import AuditEntry


def record(action: str, target: str = "", detail: str = "", *, actor: str | None = None) -> AuditEntry:
    """Add an audit row to the current transaction (the caller commits)."""
    user_id = None
    ip = None
    if has_request_context():
        ip = request.remote_addr
        if current_user and current_user.is_authenticated:
            user_id = current_user.id
            actor = actor or current_user.email
    entry = AuditEntry(
        user_id=user_id,
        actor=(actor or "system")[:254],
        action=action[:64],
        target=target[:300],
        detail=detail[:4000],
        ip=ip,
    )
    db.session.add(entry)
    return entry
