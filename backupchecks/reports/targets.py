"""Scorecard targets and report settings, stored as settings in section "scorecard"."""

from __future__ import annotations

import re

from backupchecks.reports.scorecard import METRICS, Targets
from backupchecks.settings.definitions import InvalidValue, SettingDef, in_section, register
from backupchecks.settings.store import get_all

SECTION = "scorecard"
_NUMBER = re.compile(r"^\d+(\.\d+)?$")


OFF = "off"


def _non_negative_number(value: str) -> None:
    if value.strip().lower() != OFF and not _NUMBER.match(value.replace(",", ".")):
        raise InvalidValue("Enter a number such as 8 or 72.5, or 'off' for no rating.")


def target_key(metric: str) -> str:
    return f"scorecard.target_{metric}"


# Defaults a service desk can start from; "off" means "not rated". (An empty
# field falls back to the default: the store keeps no value for empty.)
_DEFAULT_TARGETS = {
    "opened": OFF,
    "closed": OFF,
    "same_day_close_rate": "50",
    "avg_resolution_hours": "24",
    "median_resolution_hours": "8",
    "utilisation": "70",
}
_HELP = {
    "opened": "At most this many tickets a week is green.",
    "closed": "At least this many closed a week is green.",
    "same_day_close_rate": "Percent; at least this is green.",
    "avg_resolution_hours": "Hours; at most this is green.",
    "median_resolution_hours": "Hours; at most this is green.",
    "utilisation": "Percent billable of all hours; at least this is green.",
}

for _metric in METRICS:
    # Text with a number check: the settings store has no decimal kind, and
    # "8.5 hours" is a fair target.
    register(SettingDef(
        target_key(_metric.key), SECTION, f"Target: {_metric.label.lower()}"
        + (f" ({_metric.unit})" if _metric.unit else ""),
        default=_DEFAULT_TARGETS[_metric.key], max_length=12,
        validator=_non_negative_number, help=_HELP[_metric.key],
    ))
register(SettingDef("scorecard.amber_margin", SECTION, "Amber band (% of the target)", kind="int",
                    default=10, min_value=0, max_value=100,
                    help="Within this far of a target a figure is amber instead of red."))
register(SettingDef("scorecard.cache_minutes", SECTION, "Keep Autotask figures for (minutes)",
                    kind="int", default=5, min_value=1, max_value=240,
                    help="Page views within this time cost no Autotask calls."))


def definitions() -> list[SettingDef]:
    return in_section(SECTION)


def load_targets() -> Targets:
    """The admin's targets, one query for the whole section."""
    values = get_all(SECTION)
    parsed: dict[str, float | None] = {}
    for metric in METRICS:
        raw = values.get(target_key(metric.key))
        text = "" if raw is None else str(raw).strip().replace(",", ".")
        parsed[metric.key] = float(text) if text and _NUMBER.match(text) else None
    margin = values.get("scorecard.amber_margin")
    return Targets(parsed, float(10 if margin is None else margin))


def cache_seconds() -> int:
    minutes = get_all(SECTION).get("scorecard.cache_minutes")
    return int(minutes or 5) * 60
