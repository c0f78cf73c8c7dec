"""Microsoft 365 OAuth2: the token fetch against a real local HTTP server, and XOAUTH2
login against a real Dovecot that checks the token with that same server."""

from __future__ import annotations

import imaplib
import json
import os
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from backupchecks.extensions import db
from backupchecks.mail import oauth
from backupchecks.mail.imap import ImapError, ImapSettings, list_folders
from backupchecks.mail.oauth import OAuthError, fetch_token
from backupchecks.mail.poller import imap_settings, poll
from backupchecks.settings import SettingsError, save_settings, set_setting
from tests.conftest import need
from tests.mail.conftest import (
    DOVECOT,
    _dovecot_conf,
    _free_port,
    dovecot_root,
    make_mail,
    running_dovecot,
)

SECRET = "s3cr3t~Value.With-Odd_chars"  # noqa: S105 - a test client secret
TENANT = "11111111-2222-3333-4444-555555555555"
CLIENT = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"


class TokenServer:
    """A tiny Microsoft identity platform + token-info endpoint on 127.0.0.1."""

    def __init__(self) -> None:
        self.posts: list[dict[str, list[str]]] = []
        self.paths: list[str] = []
        self.answer: tuple[int, dict[str, Any]] | None = None  # None: issue a token
        self.valid: dict[str, str] = {}  # token -> mailbox user (for Dovecot's tokeninfo)
        self.lifetime = 3600
        self._n = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode())
                server.posts.append(form)
                server.paths.append(self.path)
                if server.answer is not None:
                    self._send(*server.answer)
                    return
                server._n += 1
                token = f"token-{server._n}"
                self._send(200, {"token_type": "Bearer", "expires_in": server.lifetime,
                                 "access_token": token})

            def do_GET(self) -> None:  # noqa: N802
                parts = urlsplit(self.path)
                token = parse_qs(parts.query).get("access_token", [""])[0]
                user = server.valid.get(token)
                if parts.path == "/tokeninfo" and user:
                    self._send(200, {"username": user, "active": "true"})
                else:
                    self._send(401, {"error": "invalid_token"})

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/{{tenant}}/oauth2/v2.0/token"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def token_server() -> Iterator[TokenServer]:
    server = TokenServer()
    yield server
    server.stop()


@pytest.fixture
def idp(token_server: TokenServer) -> Iterator[TokenServer]:
    """The module's token server, reset, with an empty token cache."""
    token_server.posts.clear()
    token_server.paths.clear()
    token_server.answer = None
    token_server.lifetime = 3600
    token_server._n = 0
    token_server.valid.clear()
    oauth.clear_cache()
    yield token_server
    oauth.clear_cache()


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


# --- the token fetch ----------------------------------------------------------------

def test_fetch_posts_client_credentials_and_caches(idp):
    clock = Clock()
    token = fetch_token(TENANT, CLIENT, SECRET, idp.url, now=clock)
    assert token == "token-1"
    assert idp.paths == [f"/{TENANT}/oauth2/v2.0/token"]
    assert idp.posts == [{"grant_type": ["client_credentials"], "client_id": [CLIENT],
                          "client_secret": [SECRET],
                          "scope": ["https://outlook.office365.com/.default"]}]
    clock.t += 3000  # still more than 60 s before expiry
    assert fetch_token(TENANT, CLIENT, SECRET, idp.url, now=clock) == "token-1"
    assert len(idp.posts) == 1  # the second call made no request


def test_token_is_fetched_again_a_minute_before_expiry(idp):
    clock = Clock()
    idp.lifetime = 600
    assert fetch_token(TENANT, CLIENT, SECRET, idp.url, now=clock) == "token-1"
    clock.t += 539
    assert fetch_token(TENANT, CLIENT, SECRET, idp.url, now=clock) == "token-1"
    clock.t += 1  # 540 s = expires_in - 60
    assert fetch_token(TENANT, CLIENT, SECRET, idp.url, now=clock) == "token-2"
    assert len(idp.posts) == 2


def test_cache_is_per_client_and_per_secret(idp):
    clock = Clock()
    assert fetch_token(TENANT, CLIENT, SECRET, idp.url, now=clock) == "token-1"
    other = "bbbbbbbb-bbbb-cccc-dddd-eeeeeeeeeeee"
    assert fetch_token(TENANT, other, SECRET, idp.url, now=clock) == "token-2"
    assert fetch_token(TENANT, CLIENT, "a new secret", idp.url, now=clock) == "token-3"


def test_error_answer_names_the_problem_without_the_secret(idp):
    idp.answer = (401, {"error": "invalid_client",
                        "error_description": "AADSTS7000215: Invalid client secret provided. "
                                             f"Got {SECRET}.\r\nTrace ID: 1234\r\nTimestamp: x"})
    with pytest.raises(OAuthError) as info:
        fetch_token(TENANT, CLIENT, SECRET, idp.url)
    message = str(info.value)
    assert "AADSTS7000215: Invalid client secret provided." in message
    assert "Trace ID" not in message
    assert SECRET not in message


def test_error_answer_without_description_gives_the_error_code(idp):
    idp.answer = (400, {"error": "invalid_scope"})
    with pytest.raises(OAuthError, match="invalid_scope"):
        fetch_token(TENANT, CLIENT, SECRET, idp.url)


def test_answer_without_token_is_an_error_not_cached(idp):
    idp.answer = (200, {"token_type": "Bearer"})
    with pytest.raises(OAuthError, match="no access token"):
        fetch_token(TENANT, CLIENT, SECRET, idp.url)
    idp.answer = None
    assert fetch_token(TENANT, CLIENT, SECRET, idp.url) == "token-1"


def test_unreachable_token_url_says_so():
    oauth.clear_cache()
    port = _free_port()  # nothing listens there
    with pytest.raises(OAuthError) as info:
        fetch_token(TENANT, CLIENT, SECRET, f"http://127.0.0.1:{port}/token")
    assert "Could not reach 127.0.0.1" in str(info.value)
    assert SECRET not in str(info.value)


@pytest.mark.parametrize("url", ["http://login.example.com/token", "ftp://127.0.0.1/token",
                                 "not a url"])
def test_https_required_except_loopback(idp, url):
    with pytest.raises(OAuthError) as info:
        fetch_token(TENANT, CLIENT, SECRET, url)
    assert "https" in str(info.value)
    assert idp.posts == []


def test_default_token_url_is_microsofts():
    assert oauth.token_url_for(TENANT) == (
        f"https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/token")


def test_missing_credentials_are_refused_before_any_request(idp):
    with pytest.raises(OAuthError, match="client secret"):
        fetch_token(TENANT, CLIENT, "", idp.url)
    assert idp.posts == []


# --- settings -----------------------------------------------------------------------

def test_oauth_settings_validate(app):
    with pytest.raises(SettingsError) as info:
        save_settings("mail", {"mail.imap_auth": "m365_oauth2", "mail.m365_tenant_id": "",
                               "mail.m365_client_id": ""})
    assert set(info.value.errors) == {"mail.m365_tenant_id", "mail.m365_client_id",
                                      "mail.m365_client_secret"}
    with pytest.raises(SettingsError) as info:
        save_settings("mail", {"mail.m365_tenant_id": "not a tenant!",
                               "mail.m365_client_id": "12345"})
    assert set(info.value.errors) == {"mail.m365_tenant_id", "mail.m365_client_id"}
    save_settings("mail", {"mail.imap_auth": "m365_oauth2", "mail.m365_tenant_id": "msp.onmicrosoft.com",
                           "mail.m365_client_id": CLIENT, "mail.m365_client_secret": SECRET})
    # The stored secret counts: saving again without retyping it is fine.
    save_settings("mail", {"mail.imap_auth": "m365_oauth2", "mail.m365_tenant_id": TENANT,
                           "mail.m365_client_id": CLIENT, "mail.m365_client_secret": ""})


def test_mail_tab_shows_the_oauth_fields_after_the_password(as_admin):
    page = as_admin.get("/settings/mail").get_data(as_text=True)
    positions = [page.index(f'name="{key}"') for key in (
        "mail.imap_password", "mail.m365_tenant_id", "mail.m365_client_id",
        "mail.m365_client_secret", "mail.m365_token_url")]
    assert positions == sorted(positions)
    assert "Microsoft 365 OAuth2 (app registration)" in page
    assert 'name="mail.m365_client_secret" value="" ' in page  # a password input, empty


# --- XOAUTH2 against a real Dovecot -------------------------------------------------------

class OAuthDovecot:
    def __init__(self, root: Path, port: int, process: subprocess.Popen[bytes]) -> None:
        self.root, self.port, self.process = root, port, process

    @property
    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""


@pytest.fixture(scope="module")
def oauth_dovecot(token_server: TokenServer) -> Iterator[OAuthDovecot]:
    """A Dovecot whose only passdb is oauth2, checking tokens at our token server."""
    if not os.path.exists(DOVECOT):
        need("dovecot not installed (apt-get install dovecot-imapd)")
    root = dovecot_root("bc-dovecot-oauth-")
    oauth_conf = root / "oauth2.conf.ext"
    oauth_conf.write_text(
        f"tokeninfo_url = http://127.0.0.1:{token_server.port}/tokeninfo?access_token=\n"
        "username_attribute = username\n"
        "active_attribute = active\n"
        "active_value = true\n")
    os.chmod(oauth_conf, 0o644)
    port = _free_port()
    conf = _dovecot_conf(root, port, root / "passwd")
    start = conf.index("passdb {")
    end = conf.index("}", start) + 1
    conf = (conf[:start] + f"passdb {{\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n"
            f"  args = {oauth_conf}\n}}" + conf[end:])
    conf = conf.replace("auth_mechanisms = plain login", "auth_mechanisms = xoauth2 oauthbearer")
    with running_dovecot(root, port, conf) as process:
        yield OAuthDovecot(root, port, process)


def _settings(server: OAuthDovecot, user: str, token: Any) -> ImapSettings:
    return ImapSettings(host="127.0.0.1", port=server.port, security="none", user=user,
                        oauth_token=token, timeout=10)


@pytest.mark.imap
def test_xoauth2_login_with_a_valid_token(oauth_dovecot, idp):
    idp.valid["token-ok"] = "oauthuser1"
    assert "INBOX" in list_folders(_settings(oauth_dovecot, "oauthuser1", lambda: "token-ok"))


@pytest.mark.imap
def test_xoauth2_login_with_a_bad_token_is_refused(oauth_dovecot, idp):
    with pytest.raises(ImapError) as info:
        list_folders(_settings(oauth_dovecot, "oauthuser2", lambda: "token-wrong"))
    assert "OAuth2 login as oauthuser2 refused" in str(info.value)
    assert "token-wrong" not in str(info.value)


@pytest.mark.imap
def test_token_error_becomes_an_imap_error(oauth_dovecot, idp):
    def failing() -> str:
        raise OAuthError("Microsoft 365 refused the token request: AADSTS700016: no such app")

    with pytest.raises(ImapError, match="AADSTS700016: no such app"):
        list_folders(_settings(oauth_dovecot, "oauthuser3", failing))


@pytest.mark.imap
def test_poll_with_m365_settings_fetches_a_token_and_logs_in(app, oauth_dovecot, idp):
    user = "oauthuser4"
    for key, value in (("mail.imap_host", "127.0.0.1"), ("mail.imap_port", oauth_dovecot.port),
                       ("mail.imap_security", "none"), ("mail.imap_user", user),
                       ("mail.imap_processed_folder", ""), ("mail.imap_auth", "m365_oauth2"),
                       ("mail.m365_tenant_id", TENANT), ("mail.m365_client_id", CLIENT),
                       ("mail.m365_client_secret", SECRET), ("mail.m365_token_url", idp.url)):
        set_setting(key, value)
    db.session.commit()
    idp.valid["token-1"] = user  # the first token the server issues
    idp.valid["append-token"] = user
    conn = imaplib.IMAP4("127.0.0.1", oauth_dovecot.port, timeout=10)
    sasl = f"user={user}\x01auth=Bearer append-token\x01\x01".encode()
    conn.authenticate("XOAUTH2", lambda _challenge: sasl)
    conn.append("INBOX", None, None, make_mail(job="Via OAuth"))
    conn.logout()
    settings = imap_settings()
    assert settings is not None and settings.oauth_token is not None
    result = poll(db.session, settings)
    assert result.ok, f"{result.error}\n{oauth_dovecot.log}"
    assert result.stats.imported == 1
    assert idp.posts[0]["client_secret"] == [SECRET]
    # A wrong secret: Microsoft says so, and the poll reports it in words.
    oauth.clear_cache()
    idp.answer = (401, {"error": "invalid_client",
                        "error_description": "AADSTS7000215: Invalid client secret provided."})
    failed = poll(db.session, imap_settings())
    assert not failed.ok and "AADSTS7000215" in failed.error
    assert SECRET not in failed.error
