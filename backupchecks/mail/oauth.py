"""Microsoft 365 OAuth2 for IMAP: the client-credentials flow of an app registration.

The app registration needs the *IMAP.AccessAsApp* application permission (Office 365
Exchange Online) and an Exchange service principal with access to the mailbox. The
token is cached per (token URL, client id) until a minute before it expires.

Error messages name the problem in words and never contain the client secret or a token.
"""

from __future__ import annotations

import hashlib
import ipaddress
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests

DEFAULT_TOKEN_URL = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"  # noqa: S105
SCOPE = "https://outlook.office365.com/.default"
TIMEOUT = (10, 30)  # connect, read (seconds)
EXPIRY_MARGIN = 60

_cache: dict[tuple[str, str], tuple[str, float, str]] = {}
_lock = threading.Lock()


class OAuthError(Exception):
    """Getting a token failed; the message is fit for an admin and holds no secrets."""


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def token_url_for(tenant_id: str, token_url: str | None = None) -> str:
    template = (token_url or "").strip() or DEFAULT_TOKEN_URL
    return template.replace("{tenant}", tenant_id.strip())


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_url(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not host or parts.scheme not in ("https", "http"):
        raise OAuthError(f"The token URL {url!r} is not an https:// URL.")
    if parts.scheme != "https" and not _is_loopback(host):
        raise OAuthError(f"The token URL must use https (got {parts.scheme}://{host}).")
    return host


def _secret_fingerprint(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _scrub(text: str, *secrets: str) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def _error_text(response: requests.Response) -> str:
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        description = str(body.get("error_description") or "").strip()
        if description:
            return description.splitlines()[0].strip()
        if body.get("error"):
            return str(body["error"])
    return f"HTTP {response.status_code} {response.reason or ''}".strip()


def fetch_token(tenant_id: str, client_id: str, client_secret: str,
                token_url: str | None = None, *, session: requests.Session | None = None,
                now: Callable[[], float] = time.monotonic) -> str:
    """An access token for IMAP (scope outlook.office365.com/.default); raises OAuthError."""
    tenant_id, client_id = (tenant_id or "").strip(), (client_id or "").strip()
    if not tenant_id or not client_id or not client_secret:
        raise OAuthError("Microsoft 365 OAuth2 needs a tenant ID, a client ID and a client secret.")
    url = token_url_for(tenant_id, token_url)
    host = _check_url(url)
    key = (url, client_id)
    fingerprint = _secret_fingerprint(client_secret)
    with _lock:
        cached = _cache.get(key)
        if cached and cached[2] == fingerprint and now() < cached[1]:
            return cached[0]
    data = {"grant_type": "client_credentials", "client_id": client_id,
            "client_secret": client_secret, "scope": SCOPE}
    http = session or requests
    try:
        response = http.post(url, data=data, timeout=TIMEOUT,
                             headers={"Accept": "application/json"})
    except requests.Timeout:
        raise OAuthError(f"Could not reach {host} for a token: timed out.") from None
    except requests.RequestException as exc:
        raise OAuthError(f"Could not reach {host} for a token ({type(exc).__name__}).") from None
    if response.status_code != 200:
        reason = _scrub(_error_text(response), client_secret)
        raise OAuthError(f"Microsoft 365 refused the token request: {reason}")
    try:
        body = response.json()
    except ValueError:
        body = None
    token = body.get("access_token") if isinstance(body, dict) else None
    if not isinstance(token, str) or not token:
        raise OAuthError(f"The token answer from {host} holds no access token.")
    try:
        lifetime = float(body.get("expires_in", 3600))  # type: ignore[union-attr]
    except (TypeError, ValueError):
        lifetime = 3600.0
    with _lock:
        _cache[key] = (token, now() + lifetime - EXPIRY_MARGIN, fingerprint)
    return token
