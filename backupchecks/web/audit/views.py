from __future__ import annotations

from flask import render_template, request
from sqlalchemy import select

from backupchecks.extensions import db
from backupchecks.models.settings import AuditEntry
from backupchecks.web.audit import bp

PAGE_SIZE = 100


@bp.route("/")
def index() -> str:
    page = max(1, request.args.get("page", 1, type=int) or 1)
    action = (request.args.get("action") or "").strip()[:64]
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if action:
        query = query.where(AuditEntry.action.startswith(action))
    entries = db.session.scalars(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).all()
    return render_template("audit/index.html", entries=entries[:PAGE_SIZE],
                           has_next=len(entries) > PAGE_SIZE, page=page, action=action)
