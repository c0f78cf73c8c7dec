"""Admins make, list and revoke API tokens; a new token is shown once."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from backupchecks.extensions import db
from backupchecks.models.users import User
from backupchecks.security import api_tokens
from backupchecks.settings.definitions import SECTIONS
from backupchecks.web.api_tokens import bp


def _page(new_token: str | None = None, status: int = 200) -> tuple[str, int]:
    users = list(db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.email)))
    return render_template("api_tokens/index.html", tokens=api_tokens.list_tokens(), users=users,
                           new_token=new_token, sections=SECTIONS), status


@bp.get("/")
def index() -> tuple[str, int]:
    return _page()


@bp.post("/")
def create() -> tuple[str, int]:
    user_id = request.form.get("user_id", "")
    user = db.session.get(User, int(user_id)) if (user_id.isascii() and user_id.isdigit()) else None
    try:
        if user is None:
            raise api_tokens.TokenError("Choose the user the token acts for.")
        _row, token = api_tokens.create_token(request.form.get("name", ""), user,
                                              created_by_id=current_user.id)
    except api_tokens.TokenError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _page(status=400)
    db.session.commit()
    # Rendered, not redirected: the token exists only in this answer (Cache-Control: no-store).
    return _page(new_token=token)


@bp.post("/<int:token_id>/revoke")
def revoke(token_id: int) -> Response:
    try:
        row = api_tokens.revoke_token(token_id)
    except api_tokens.TokenError as exc:
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(f"Revoked the token {row.prefix}… ({row.name}).", "success")
    return redirect(url_for("api_tokens.index"))
