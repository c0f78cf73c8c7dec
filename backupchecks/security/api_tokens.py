"""API tokens: made by an admin, shown once, stored as a sha256, sent as a bearer token.

A token stands for its user on GET requests under /api/autotask/ only; it
never opens a session and never allows a write.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any

from flask import Flask, jsonify, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from backupchecks import audit
from backupchecks.extensions import db
from backupchecks.models.api import ApiToken
from backupchecks.models.types import utcnow
from backupchecks.models.users import User

TOKEN_PREFIX = "bct_"  # noqa: S105 - a marker that makes leaked tokens easy to grep for
API_PATH_PREFIX = "/api/autotask/"
TOKEN_METHODS = frozenset({"GET", "HEAD"})
#: last_used_at is a hint for admins, not an access log: one write a minute is plenty.
TOUCH_EVERY = timedelta(minutes=1)


class TokenError(ValueError):
    """A refused token change; the message is shown to the admin."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(name: str, user: User, *, created_by_id: int | None = None) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns the row and the token text (shown once, never stored)."""
    name = (name or "").strip()
    if not name:
        raise TokenError("Give the token a name (what uses it, e.g. 'Grafana').")
    if len(name) > 120:
        raise TokenError("The name is at most 120 characters.")
    if not user.active:
        raise TokenError("The user is deactivated.")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(name=name, token_hash=hash_token(token), prefix=token[:12], user_id=user.id,
                   created_by_id=created_by_id)
    db.session.add(row)
    db.session.flush()
    audit.record("api_token.created", f"{row.prefix}… {name}", f"for {user.email}")
    return row, token


def revoke_token(token_id: int) -> ApiToken:
    row = db.session.get(ApiToken, token_id)
    if row is None:
        raise TokenError("No such token.")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record("api_token.revoked", f"{row.prefix}… {row.name}")
    return row


def list_tokens() -> list[ApiToken]:
    return list(db.session.scalars(
        select(ApiToken).options(selectinload(ApiToken.user))
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc())
    ))


def user_for_token(token: str) -> User | None:
    """The active user of an unrevoked token, or None."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    digest = hash_token(token)
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
    # The index found the row by hash; compare once more in constant time anyway.
    if row is None or not hmac.compare_digest(row.token_hash, digest) or row.revoked_at:
        return None
    user = db.session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > TOUCH_EVERY:
        row.last_used_at = now
        db.session.commit()
    return user


def _unauthorised(message: str) -> Any:
    response = jsonify({"error": message, "status": 401})
    response.status_code = 401
    response.headers["WWW-Authenticate"] = 'Bearer realm="backupchecks"'
    return response


def authenticate_api_request() -> Any:
    """before_request, run ahead of the app-wide login check (see install)."""
    if not request.path.startswith(API_PATH_PREFIX):
        return None
    header = request.headers.get("Authorization", "")
    if not header:
        if current_user.is_authenticated:
            return None  # a logged-in session; the app-wide check does the rest
        return _unauthorised("Log in, or send an API token as 'Authorization: Bearer <token>'.")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return _unauthorised("Send the API token as 'Authorization: Bearer <token>'.")
    if request.method not in TOKEN_METHODS:
        return _unauthorised("API tokens may only read (GET).")
    user = user_for_token(token.strip())
    if user is None:
        return _unauthorised("The API token is unknown or revoked.")
    request._api_token_user = user  # type: ignore[attr-defined]
    return None


def install(app: Flask) -> None:
    """Put the token check first: the app-wide login check must already see the token user."""
    app.before_request_funcs.setdefault(None, []).insert(0, authenticate_api_request)
