"""Facts for /api/health and the dashboard."""

from __future__ import annotations

import os

from backupchecks.settings.store import get_setting, is_set


def autotask_configured() -> bool:
    """API user, secret and integration code are all known (settings or environment)."""
    return bool(
        (os.environ.get("AUTOTASK_USERNAME") or get_setting("autotask.username"))
        and (os.environ.get("AUTOTASK_SECRET") or is_set("autotask.secret"))
        and (os.environ.get("AUTOTASK_INTEGRATION_CODE") or is_set("autotask.integration_code"))
    )
