"""What Settings → Autotask does: connection test in words, reference refresh, ticket defaults."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from backupchecks import audit
from backupchecks.autotask import cache
from backupchecks.autotask.config import TICKET_DEFAULTS, make_client
from backupchecks.autotask.errors import AutotaskAuthError, AutotaskError, AutotaskPermissionError
from backupchecks.autotask.filters import F
from backupchecks.extensions import db
from backupchecks.settings.store import SettingsError, get_setting, set_setting

OTHER_DEFAULTS = ("autotask.on_success", "autotask.note_on_repeat_failure", "autotask.roc_queue")


@dataclass(frozen=True)
class Check:
    ok: bool
    what: str
    detail: str


def connection_report() -> list[Check]:
    """Each step of a connection, said in words; stops at the first step that fails."""
    checks: list[Check] = []
    try:
        client = make_client(timeout=(5, 15), max_retries=0)
    except AutotaskError as exc:
        return [Check(False, "Settings", str(exc))]
    with client:
        try:
            info = client.test_connection()
        except AutotaskAuthError as exc:
            return [Check(False, "Login", f"{exc} Check the API user, secret and integration code.")]
        except AutotaskError as exc:
            return [Check(False, "Zone", f"Could not reach the tenant: {exc}")]
        checks.append(Check(True, "Zone", f"{info['zone_name']} at {info['api_url']}"))
        checks.append(Check(True, "Login", f"accepted for {client.credentials.username}"))
        for entity, what in (("Tickets", "tickets"), ("Companies", "companies")):
            try:
                client.count(entity, F.exist("id"))
            except AutotaskPermissionError as exc:
                checks.append(Check(False, "Permissions", f"cannot read {what}: {exc}"))
            except AutotaskError as exc:
                checks.append(Check(False, "Permissions", f"reading {what} failed: {exc}"))
            else:
                checks.append(Check(True, "Permissions", f"can read {what}"))
        usage = info.get("threshold") or {}
        used = usage.get("currentTimeframeRequestCount")
        limit = usage.get("externalRequestThreshold")
        if isinstance(used, int) and isinstance(limit, int) and limit:
            share = used / limit
            text = f"{used} of {limit} requests this hour ({share:.0%})"
            checks.append(Check(share < 0.5, "API usage",
                                text + ("" if share < 0.5 else ": Autotask slows calls past 50%")))
    return checks


def refresh_reference() -> cache.CachedReference:
    with make_client(timeout=(5, 20)) as client:
        ref = cache.refresh(client)
    audit.record("autotask.reference_synced", "Tickets")
    db.session.commit()
    return ref


def current_defaults() -> dict[str, Any]:
    keys = [k for k, _f, _l in TICKET_DEFAULTS] + list(OTHER_DEFAULTS)
    return {k: get_setting(k) for k in keys}


def save_defaults(form: Mapping[str, str]) -> list[str]:
    """Validate every value against the cached reference data, then store all or nothing."""
    ref = cache.load()
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for key, field, label in TICKET_DEFAULTS:
        value = (form.get(key) or "").strip()
        if value and ref is not None and not ref.is_valid(field, value):
            errors[key] = f"{label}: {value!r} is not an active value in Autotask."
        elif value and ref is None:
            errors[key] = "Refresh the reference data first."
        values[key] = value
    if values.get("autotask.default_sub_issue_type") and ref is not None:
        parents = {v.value: v.parent_value for v in ref.picklist("subIssueType")}
        parent = parents.get(values["autotask.default_sub_issue_type"])
        if parent and parent != values.get("autotask.default_issue_type"):
            errors["autotask.default_sub_issue_type"] = "This sub-issue type belongs to another issue type."
    queue = (form.get("autotask.roc_queue") or "").strip()
    if queue and ref is not None and not ref.is_valid("queueID", queue):
        errors["autotask.roc_queue"] = "Choose a queue from the list."
    values["autotask.roc_queue"] = queue
    values["autotask.on_success"] = form.get("autotask.on_success") or "nothing"
    values["autotask.note_on_repeat_failure"] = bool(form.get("autotask.note_on_repeat_failure"))
    if errors:
        raise SettingsError(errors)
    changed = []
    try:
        for key, value in values.items():
            if set_setting(key, value):
                changed.append(key)
    except SettingsError:
        db.session.rollback()
        raise
    db.session.commit()
    return changed
