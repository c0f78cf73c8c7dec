"""Typed, validated settings stored in the database."""

from backupchecks.settings.definitions import DEFINITIONS, SECTIONS, SettingDef
from backupchecks.settings.store import (
    MASK,
    SettingsError,
    get_secret,
    get_setting,
    is_set,
    save_settings,
    set_setting,
)

__all__ = [
    "DEFINITIONS",
    "MASK",
    "SECTIONS",
    "SettingDef",
    "SettingsError",
    "get_secret",
    "get_setting",
    "is_set",
    "save_settings",
    "set_setting",
]
