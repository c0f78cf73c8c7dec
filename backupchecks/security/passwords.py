"""Password hashing: Werkzeug's scrypt (memory-hard, salted)."""

from __future__ import annotations

from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 10
MAX_LENGTH = 256


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def verify_password(password_hash: str, password: str) -> bool:
    if len(password) > MAX_LENGTH:
        return False
    return check_password_hash(password_hash, password)


# A hash of nothing anyone knows, checked for unknown users so that a wrong
# e-mail address costs the same time as a wrong password.
_DUMMY_HASH: str | None = None


def burn_time(password: str) -> None:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password("not-a-real-password-xx")
    check_password_hash(_DUMMY_HASH, password[:MAX_LENGTH])


def password_problem(password: str) -> str | None:
    """Why a new password is refused, or None."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    if password.strip() != password:
        return "The password must not start or end with a space."
    return None
