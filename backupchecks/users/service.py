"""Users: creation, roles, passwords, and authentication with throttling."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from backupchecks import audit
from backupchecks.extensions import db
from backupchecks.models.types import utcnow
from backupchecks.models.users import LoginThrottle, Role, User, new_session_token
from backupchecks.security.passwords import (
    burn_time,
    hash_password,
    password_problem,
    verify_password,
)

EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


class UserError(ValueError):
    """A refused user change; the message is shown to the person."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def get_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def count_users() -> int:
    return db.session.scalar(select(func.count(User.id))) or 0


def create_user(email: str, password: str, role: str | Role, name: str = "") -> User:
    email = normalise_email(email)
    if not EMAIL_RE.match(email) or len(email) > 254:
        raise UserError("Enter a valid e-mail address.")
    try:
        role = Role(role)
    except ValueError:
        raise UserError("Role must be admin, operator or viewer.") from None
    problem = password_problem(password)
    if problem:
        raise UserError(problem)
    if get_by_email(email) is not None:
        raise UserError(f"A user with e-mail {email} already exists.")
    user = User(email=email, name=name.strip()[:120], password_hash=hash_password(password),
                role=role.value)
    db.session.add(user)
    db.session.flush()
    audit.record("user.created", email, f"role {role.value}")
    return user


def _last_active_admin(user: User) -> bool:
    if user.role != Role.ADMIN.value or not user.active:
        return False
    others = db.session.scalar(
        select(func.count(User.id)).where(
            User.role == Role.ADMIN.value, User.active.is_(True), User.id != user.id
        )
    )
    return not others


def set_role(user: User, role: str | Role) -> None:
    try:
        role = Role(role)
    except ValueError:
        raise UserError("Role must be admin, operator or viewer.") from None
    if role != Role.ADMIN and _last_active_admin(user):
        raise UserError("This is the last active admin; make another admin first.")
    if user.role != role.value:
        audit.record("user.role_changed", user.email, f"{user.role} -> {role.value}")
        user.role = role.value


def set_active(user: User, active: bool) -> None:
    if not active and _last_active_admin(user):
        raise UserError("This is the last active admin; it cannot be deactivated.")
    if user.active != active:
        user.active = active
        user.session_token = new_session_token()  # signs the user out everywhere
        audit.record("user.activated" if active else "user.deactivated", user.email)


def set_password(user: User, password: str) -> None:
    problem = password_problem(password)
    if problem:
        raise UserError(problem)
    user.password_hash = hash_password(password)
    user.session_token = new_session_token()
    audit.record("user.password_set", user.email)


@dataclass
class LoginResult:
    user: User | None
    message: str | None = None


def _throttle_row(key: str) -> LoginThrottle | None:
    return db.session.get(LoginThrottle, key)


def _locked_for(keys: list[str], now: datetime) -> timedelta | None:
    longest = None
    for key in keys:
        row = _throttle_row(key)
        if row and row.locked_until and row.locked_until > now:
            remaining = row.locked_until - now
            longest = max(longest, remaining) if longest else remaining
    return longest


def _note_failure(keys: list[str], now: datetime) -> None:
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    lock = timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
    for key in keys:
        row = _throttle_row(key)
        if row is None:
            row = LoginThrottle(key=key, failures=0, first_failure_at=now)
            db.session.add(row)
        elif now - row.first_failure_at > lock:
            row.failures, row.first_failure_at, row.locked_until = 0, now, None
        row.failures += 1
        # A whole office may share one address: allow it more tries than one account.
        if row.failures >= (limit * 4 if key.startswith("ip:") else limit):
            row.locked_until = now + lock


def authenticate(email: str, password: str, client_ip: str | None) -> LoginResult:
    """Check a login; commits the throttle and audit rows either way."""
    email = normalise_email(email)[:254]
    now = utcnow()
    keys = [f"email:{email}"] + ([f"ip:{client_ip}"] if client_ip else [])
    locked = _locked_for(keys, now)
    if locked:
        minutes = max(1, int(locked.total_seconds() // 60) + 1)
        audit.record("login.throttled", email, actor=email)
        db.session.commit()
        return LoginResult(None, f"Too many failed attempts. Try again in {minutes} minutes.")
    user = get_by_email(email)
    if user is None:
        burn_time(password)
        ok = False
    else:
        ok = verify_password(user.password_hash, password)
    if not ok or user is None or not user.active:
        _note_failure(keys, now)
        audit.record("login.failed", email, actor=email)
        db.session.commit()
        if ok and user is not None and not user.active:
            return LoginResult(None, "This account is deactivated. Ask an admin.")
        return LoginResult(None, "Wrong e-mail address or password.")
    for key in keys:
        row = _throttle_row(key)
        if row is not None:
            db.session.delete(row)
    user.last_login_at = now
    audit.record("login.ok", email, actor=email)
    db.session.commit()
    return LoginResult(user)
