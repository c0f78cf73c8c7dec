"""Server-side role checks.

Every endpoint needs a logged-in user unless it is listed in PUBLIC_ENDPOINTS;
any request that changes something needs at least an operator; blueprints and
views ask for more with ``require_role``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, current_app, request
from flask_login import current_user

from backupchecks.models.users import Role

PUBLIC_ENDPOINTS = frozenset({"auth.login", "api.health", "static"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Writes every logged-in user may make, viewers included: their own session and password.
SELF_SERVICE_ENDPOINTS = frozenset({"auth.logout", "auth.account"})

F = TypeVar("F", bound=Callable[..., Any])


def check_role(minimum: Role) -> None:
    """Abort unless the current user holds at least ``minimum``."""
    if not current_user.is_authenticated:
        abort(current_app.login_manager.unauthorized())
    if not current_user.has_role(minimum):
        abort(403)


def require_role(minimum: Role) -> Callable[[F], F]:
    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            check_role(minimum)
            return view(*args, **kwargs)

        wrapped.required_role = minimum  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def enforce_login_and_write_role() -> Any:
    """App-wide before_request: login everywhere, operator for every write."""
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
        return None
    if getattr(request, "_api_token_user", None) is not None:
        return None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if (
        request.method not in SAFE_METHODS
        and request.endpoint not in SELF_SERVICE_ENDPOINTS
        and not current_user.has_role(Role.OPERATOR)
    ):
        abort(403)
    return None


def admin_blueprint_guard() -> None:
    """before_request for blueprints that only admins may see at all."""
    check_role(Role.ADMIN)
