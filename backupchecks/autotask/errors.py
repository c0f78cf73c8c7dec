"""Errors raised by the Autotask client.

Every message is written for the person looking at the screen: plain words,
what went wrong, never a credential.  ``permanent`` tells the caller whether
trying again later can help (a timeout can; a wrong password cannot).
"""

from __future__ import annotations


class AutotaskError(Exception):
    """Base class: something went wrong talking to Autotask."""

    permanent: bool = True

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        errors: list[str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.errors: list[str] = list(errors or [])

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, status_code={self.status_code!r})"


class AutotaskAuthError(AutotaskError):
    """Autotask refused the API user, its secret or the integration code."""

    permanent = True


class AutotaskNotFound(AutotaskError):
    """The record (or the path) does not exist in this tenant."""

    permanent = True


class AutotaskValidationError(AutotaskError):
    """Autotask refused the data (HTTP 500 with an ``errors`` list)."""

    permanent = True


class AutotaskPermissionError(AutotaskValidationError):
    """The API user lacks a security-level permission for this entity."""

    permanent = True


class AutotaskRateLimited(AutotaskError):
    """Too many requests (thread limit per endpoint, or the hourly threshold)."""

    permanent = False

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = 429,
        errors: list[str] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, status_code=status_code, errors=errors)
        self.retry_after = retry_after


class AutotaskUnavailable(AutotaskError):
    """Timeouts, dropped connections and server errors: worth another try later."""

    permanent = False


class AutotaskConfigError(AutotaskError):
    """The connection settings cannot work (e.g. plain http to a remote host)."""

    permanent = True
