"""Every setting the product knows: key, section, type, default, validation.

Features add their settings here so that the settings page, the store and the
audit log treat them all the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

SECTIONS: tuple[tuple[str, str], ...] = (
    ("general", "General"),
    ("mail", "Mail"),
    ("autotask", "Autotask"),
    ("users", "Users"),
)

KINDS = ("str", "int", "bool", "choice", "secret", "timezone", "text")


class InvalidValue(ValueError):
    """A value a setting does not accept; the message is shown on the form."""


@dataclass(frozen=True)
class SettingDef:
    key: str
    section: str
    label: str
    kind: str = "str"
    default: Any = None
    help: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    min_value: int | None = None
    max_value: int | None = None
    max_length: int = 255
    required: bool = False
    validator: Callable[[Any], None] | None = field(default=None, compare=False)

    @property
    def is_secret(self) -> bool:
        return self.kind == "secret"

    def coerce(self, raw: Any) -> Any:
        """Turn form or CLI input into the typed value, or raise InvalidValue."""
        if self.kind == "bool":
            if isinstance(raw, bool):
                return raw
            text = str(raw or "").strip().lower()
            if text in ("1", "true", "yes", "on", "y"):
                return True
            if text in ("", "0", "false", "no", "off", "n"):
                return False
            raise InvalidValue("Choose yes or no.")
        text = "" if raw is None else str(raw).strip()
        if text == "":
            if self.required:
                raise InvalidValue("This field is required.")
            return None
        if len(text) > self.max_length:
            raise InvalidValue(f"At most {self.max_length} characters.")
        value: Any = text
        if self.kind == "int":
            try:
                value = int(text)
            except ValueError:
                raise InvalidValue("Enter a whole number.") from None
            if self.min_value is not None and value < self.min_value:
                raise InvalidValue(f"Must be at least {self.min_value}.")
            if self.max_value is not None and value > self.max_value:
                raise InvalidValue(f"Must be at most {self.max_value}.")
        elif self.kind == "choice":
            if text not in {c[0] for c in self.choices}:
                raise InvalidValue("Choose one of the listed values.")
        elif self.kind == "timezone":
            try:
                ZoneInfo(text)
            except (ZoneInfoNotFoundError, ValueError):
                raise InvalidValue("Unknown time zone (e.g. Europe/Amsterdam).") from None
        if self.validator is not None:
            self.validator(value)
        return value


def _hostname(value: str) -> None:
    if not re.fullmatch(r"[A-Za-z0-9.\-:\[\]]+", value):
        raise InvalidValue("Enter a host name or address.")


def _https_url(value: str) -> None:
    if not re.match(r"^https?://[^\s/]+", value):
        raise InvalidValue("Enter a URL starting with https://")


def _email(value: str) -> None:
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
        raise InvalidValue("Enter an e-mail address.")


_GUID_RE = r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"


def _guid(value: str) -> None:
    if not re.fullmatch(_GUID_RE, value):
        raise InvalidValue("Enter an ID like 12345678-abcd-1234-abcd-1234567890ab.")


def _tenant(value: str) -> None:
    domain = r"(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
    if not (re.fullmatch(_GUID_RE, value) or re.fullmatch(domain, value)):
        raise InvalidValue("Enter the tenant ID (a GUID) or a domain such as msp.onmicrosoft.com.")


def _mail_section(values: Mapping[str, Any]) -> dict[str, str]:
    """Cross-field check of the Mail section (values: stored merged with submitted)."""
    errors: dict[str, str] = {}
    if values.get("mail.imap_auth") == "m365_oauth2":
        for key in ("mail.m365_tenant_id", "mail.m365_client_id", "mail.m365_client_secret"):
            if not values.get(key):
                errors[key] = "Required for Microsoft 365 OAuth2."
    return errors


# Checks that span fields: section -> callable(values) -> {key: message}.
SECTION_CHECKS: dict[str, Callable[[Mapping[str, Any]], dict[str, str]]] = {
    "mail": _mail_section,
}


def timezone_choices() -> list[str]:
    return sorted(available_timezones())


_DEFS: list[SettingDef] = [
    # General
    SettingDef("general.company_name", "general", "Company name", default="",
               help="Shown in the page header and on reports.", max_length=120),
    SettingDef("general.timezone", "general", "Time zone", kind="timezone",
               default="Europe/Amsterdam", help="Decides when 'today' starts on the dashboard."),
    SettingDef("general.require_dashboard_visit", "general", "Require daily dashboard visit",
               kind="bool", default=False,
               help="An operator's first page each day is the dashboard."),
    SettingDef("general.announcement", "general", "Announcement", kind="text", default="",
               help="Shown to everyone on the dashboard.", max_length=2000),
    SettingDef("general.retention_mail_days", "general", "Keep mails (days)", kind="int",
               default=365, min_value=7, max_value=3650),
    SettingDef("general.retention_run_days", "general", "Keep runs (days)", kind="int",
               default=730, min_value=30, max_value=3650),
    # Mail
    SettingDef("mail.imap_host", "mail", "IMAP host", default="", validator=_hostname),
    SettingDef("mail.imap_port", "mail", "IMAP port", kind="int", default=993,
               min_value=1, max_value=65535),
    SettingDef("mail.imap_security", "mail", "Security", kind="choice", default="tls",
               choices=(("tls", "TLS (port 993)"), ("starttls", "STARTTLS (port 143)"),
                        ("none", "None (test servers only)"))),
    SettingDef("mail.imap_user", "mail", "User name", default=""),
    SettingDef("mail.imap_auth", "mail", "Login with", kind="choice", default="password",
               choices=(("password", "Password"),
                        ("m365_oauth2", "Microsoft 365 OAuth2 (app registration)"))),
    SettingDef("mail.imap_password", "mail", "Password", kind="secret",
               help="For password login."),
    SettingDef("mail.m365_tenant_id", "mail", "Microsoft 365 tenant ID", default="",
               validator=_tenant, help="For OAuth2: directory (tenant) ID or primary domain."),
    SettingDef("mail.m365_client_id", "mail", "Microsoft 365 client ID", default="",
               validator=_guid, help="For OAuth2: application (client) ID."),
    SettingDef("mail.m365_client_secret", "mail", "Microsoft 365 client secret", kind="secret",
               help="For OAuth2: a client secret of the app registration."),
    SettingDef("mail.m365_token_url", "mail", "Token URL (optional)", default="",
               validator=_https_url,
               help="Empty: https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token. "
                    "Only change for testing."),
    SettingDef("mail.imap_folder", "mail", "Folder to read", default="INBOX"),
    SettingDef("mail.imap_processed_folder", "mail", "Move processed mail to",
               default="Backupchecks/Processed",
               help="Leave empty to leave mails where they are (marked as seen)."),
    SettingDef("mail.poll_interval", "mail", "Poll interval (seconds)", kind="int", default=300,
               min_value=30, max_value=86400),
    # Autotask
    SettingDef("autotask.username", "autotask", "API user", default="", validator=_email,
               help="The API-only user's e-mail address."),
    SettingDef("autotask.secret", "autotask", "Secret", kind="secret"),
    SettingDef("autotask.integration_code", "autotask", "Integration code", kind="secret",
               help="The tracking identifier of the API user."),
    SettingDef("autotask.base_url", "autotask", "Base URL (optional)", default="",
               validator=_https_url,
               help="Leave empty to find the zone from the API user; "
                    "or e.g. https://webservices3.autotask.net"),
    # Users: managed on their own page; the idle sign-out is BACKUPCHECKS_SESSION_HOURS.
]

DEFINITIONS: dict[str, SettingDef] = {d.key: d for d in _DEFS}


def register(definition: SettingDef) -> None:
    """Add a setting defined by a feature module."""
    DEFINITIONS[definition.key] = definition


def in_section(section: str) -> list[SettingDef]:
    return [d for d in DEFINITIONS.values() if d.section == section]
