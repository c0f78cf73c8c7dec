"""Read and write settings; secrets go through Fernet and never come back out in a form."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from backupchecks import audit
from backupchecks.extensions import db
from backupchecks.models.settings import Setting
from backupchecks.security.crypto import Secret, decrypt, encrypt
from backupchecks.settings.definitions import (
    DEFINITIONS,
    SECTION_CHECKS,
    InvalidValue,
    SettingDef,
    in_section,
)

# What a form shows in place of a stored secret. Submitting it unchanged keeps
# the stored value.
MASK = "********"


class SettingsError(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _definition(key: str) -> SettingDef:
    try:
        return DEFINITIONS[key]
    except KeyError:
        raise KeyError(f"unknown setting {key!r}") from None


def _row(key: str) -> Setting | None:
    return db.session.get(Setting, key)


def get_setting(key: str) -> Any:
    """The typed value, or the definition's default. Secrets are refused here."""
    definition = _definition(key)
    if definition.is_secret:
        raise TypeError(f"{key} is a secret: use get_secret()")
    row = _row(key)
    if row is None or row.value is None:
        return definition.default
    return json.loads(row.value)


def get_all(section: str) -> dict[str, Any]:
    """Every non-secret value of a section in one query."""
    defs = in_section(section)
    rows = {
        r.key: r
        for r in db.session.scalars(select(Setting).where(Setting.key.in_([d.key for d in defs])))
    }
    values: dict[str, Any] = {}
    for d in defs:
        row = rows.get(d.key)
        if d.is_secret:
            values[d.key] = MASK if row is not None and row.value else ""
        elif row is None or row.value is None:
            values[d.key] = d.default
        else:
            values[d.key] = json.loads(row.value)
    return values


def get_secret(key: str) -> Secret | None:
    definition = _definition(key)
    if not definition.is_secret:
        raise TypeError(f"{key} is not a secret")
    row = _row(key)
    if row is None or not row.value:
        return None
    return Secret(decrypt(row.value))


def is_set(key: str) -> bool:
    row = _row(key)
    return row is not None and bool(row.value)


def _store(definition: SettingDef, value: Any, user_id: int | None) -> bool:
    """Write one value; True when it changed."""
    row = _row(definition.key)
    if definition.is_secret:
        stored = encrypt(value) if value else None
        if row is not None and row.value and value and decrypt(row.value) == value:
            return False
    else:
        stored = None if value is None else json.dumps(value)
    if row is None:
        if stored is None:
            return False
        row = Setting(key=definition.key)
        db.session.add(row)
    elif row.value == stored:
        return False
    row.value = stored
    row.updated_by_id = user_id
    return True


def set_setting(key: str, value: Any, *, user_id: int | None = None, actor: str | None = None) -> bool:
    """Validate and store one value (not committed). Raises SettingsError."""
    definition = _definition(key)
    try:
        typed = definition.coerce(value)
    except InvalidValue as exc:
        raise SettingsError({key: str(exc)}) from None
    changed = _store(definition, typed, user_id)
    if changed:
        audit.record("setting.changed", key, "secret replaced" if definition.is_secret else
                     f"set to {typed!r}", actor=actor)
    return changed


def _merged(section: str, typed: Mapping[str, Any]) -> dict[str, Any]:
    """The section's values after a save: submitted over stored; secrets as set/unset."""
    values = get_all(section)
    for definition in in_section(section):
        key = definition.key
        if key in typed:
            values[key] = typed[key]
        elif definition.is_secret:
            values[key] = bool(values.get(key))
    return values


def save_settings(
    section: str,
    submitted: Mapping[str, Any],
    *,
    user_id: int | None = None,
    clear_secrets: frozenset[str] = frozenset(),
) -> list[str]:
    """Validate every field of a section, then store all or nothing.

    Returns the keys that changed. A secret submitted as MASK or empty keeps
    its stored value unless it is named in ``clear_secrets``.
    """
    errors: dict[str, str] = {}
    typed: dict[str, Any] = {}
    for definition in in_section(section):
        raw = submitted.get(definition.key)
        if definition.is_secret:
            if definition.key in clear_secrets:
                typed[definition.key] = None
            elif raw in (None, "", MASK):
                continue
            else:
                typed[definition.key] = str(raw)
            continue
        if definition.kind != "bool" and raw is None:
            continue
        try:
            typed[definition.key] = definition.coerce(raw)
        except InvalidValue as exc:
            errors[definition.key] = str(exc)
    check = SECTION_CHECKS.get(section)
    if check is not None and not errors:
        errors = check(_merged(section, typed))
    if errors:
        raise SettingsError(errors)
    changed = []
    for key, value in typed.items():
        definition = DEFINITIONS[key]
        if _store(definition, value, user_id):
            changed.append(key)
            if definition.is_secret:
                detail = "secret cleared" if value is None else "secret replaced"
            else:
                detail = f"set to {value!r}"
            audit.record("setting.changed", key, detail)
    return changed


def rotate_key(old_key: str, new_key: str) -> int:
    """Re-encrypt every stored secret from old_key to new_key; returns how many."""
    count = 0
    secret_keys = [d.key for d in DEFINITIONS.values() if d.is_secret]
    for row in db.session.scalars(select(Setting).where(Setting.key.in_(secret_keys))):
        if row.value:
            row.value = encrypt(decrypt(row.value, old_key), new_key)
            count += 1
    return count
