"""Autotask credentials and ticket defaults, from the settings store and the environment.

The environment names are those of an existing Autotask scorecard tool, so its
users can reuse their .env; an environment value wins over a stored setting.
"""

from __future__ import annotations

import logging
import os

from backupchecks.autotask.client import (
    DEFAULT_ZONE_LOOKUP_URL,
    AutotaskClient,
    AutotaskCredentials,
)
from backupchecks.autotask.errors import AutotaskConfigError
from backupchecks.security.crypto import SecretDecryptError
from backupchecks.settings.definitions import SettingDef, register
from backupchecks.settings.store import get_secret, get_setting

log = logging.getLogger(__name__)

ON_SUCCESS_CHOICES = (
    ("nothing", "Do nothing"),
    ("note", "Add a note to the ticket"),
    ("resolve", "Resolve the ticket safely (note, resolution, close if no time entries)"),
)

# Ticket defaults hold picklist values as the API gives them (strings); they are
# validated against the cached reference data when saved (autotask.settings_form).
TICKET_DEFAULTS: tuple[tuple[str, str, str], ...] = (
    ("autotask.default_queue", "queueID", "Queue for new tickets"),
    ("autotask.default_priority", "priority", "Priority"),
    ("autotask.default_status", "status", "Status of new tickets"),
    ("autotask.default_source", "source", "Source"),
    ("autotask.default_issue_type", "issueType", "Issue type"),
    ("autotask.default_sub_issue_type", "subIssueType", "Sub-issue type"),
    ("autotask.default_ticket_category", "ticketCategory", "Ticket category"),
    ("autotask.completing_status", "status", "Status that completes a ticket"),
)

for _key, _field, _label in TICKET_DEFAULTS:
    register(SettingDef(_key, "autotask_defaults", _label, default="", max_length=20))
register(SettingDef("autotask.zone_lookup_url", "autotask_advanced", "Zone lookup URL",
                    default=DEFAULT_ZONE_LOOKUP_URL,
                    help="Only change this to point at the Autotask simulator."))
register(SettingDef("autotask.on_success", "autotask_defaults",
                    "When a job succeeds again after a ticket", kind="choice",
                    default="nothing", choices=ON_SUCCESS_CHOICES))
register(SettingDef("autotask.note_on_repeat_failure", "autotask_defaults",
                    "Add a note to the open ticket when the job fails again", kind="bool",
                    default=False))
register(SettingDef("autotask.roc_queue", "autotask_defaults", "Queue for the PSA scorecard",
                    default="", max_length=100))


def credentials() -> AutotaskCredentials | None:
    """The configured credentials, or None when Autotask is not set up."""
    username = os.environ.get("AUTOTASK_USERNAME") or get_setting("autotask.username")
    env_secret = os.environ.get("AUTOTASK_SECRET")
    env_code = os.environ.get("AUTOTASK_INTEGRATION_CODE")
    secret = env_secret or _reveal("autotask.secret")
    code = env_code or _reveal("autotask.integration_code")
    if not (username and secret and code):
        return None
    base_url = os.environ.get("AUTOTASK_ZONE_URL") or get_setting("autotask.base_url") or None
    return AutotaskCredentials(
        username=username,
        secret=secret,
        integration_code=code,
        base_url=base_url,
        zone_lookup_url=get_setting("autotask.zone_lookup_url") or DEFAULT_ZONE_LOOKUP_URL,
    )


def _reveal(key: str) -> str | None:
    try:
        secret = get_secret(key)
    except SecretDecryptError as exc:
        # Pages go on as if Autotask were not set up; actions get the reason (make_client).
        log.error("%s: %s", key, exc)
        return None
    return secret.reveal() if secret else None


def make_client(**options: object) -> AutotaskClient:
    """A client for the configured tenant; AutotaskConfigError when not set up."""
    creds = credentials()
    if creds is None:
        for key in ("autotask.secret", "autotask.integration_code"):
            try:
                get_secret(key)
            except SecretDecryptError as exc:
                raise AutotaskConfigError(f"The stored Autotask credentials {exc}.") from None
        raise AutotaskConfigError(
            "Autotask is not configured: an admin sets the API user, secret and "
            "integration code under Settings → Autotask."
        )
    return AutotaskClient(creds, **options)  # type: ignore[arg-type]


def ticket_defaults() -> dict[str, str]:
    """The stored defaults as API field name -> value, empty ones left out."""
    values: dict[str, str] = {}
    for key, field, _label in TICKET_DEFAULTS:
        if key == "autotask.completing_status":
            continue
        value = get_setting(key)
        if value:
            values[field] = str(value)
    return values
