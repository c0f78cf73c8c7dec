"""Flask-Login wiring: loading users from the cookie, idle expiry."""

from __future__ import annotations

from flask import Flask, session
from sqlalchemy import select

from backupchecks.extensions import db, login_manager
from backupchecks.models.users import User


def init_login(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to see this page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @app.before_request
    def _keep_session_permanent() -> None:
        # Permanent sessions expire after PERMANENT_SESSION_LIFETIME of idleness.
        session.permanent = True


@login_manager.user_loader
def load_user(cookie_id: str) -> User | None:
    user_id, _, token = cookie_id.partition(":")
    if not (user_id.isascii() and user_id.isdigit()) or not token:
        return None
    user = db.session.scalar(select(User).where(User.id == int(user_id)))
    if user is None or not user.active or user.session_token != token:
        return None
    return user
