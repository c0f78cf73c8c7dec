"""Dashboard figures. Later features add their counts here."""

from __future__ import annotations

from datetime import date
from typing import Any

from backupchecks.settings.store import is_set


def dashboard_figures(today: date) -> dict[str, Any]:
    return {
        "autotask_configured": is_set("autotask.secret"),
    }
