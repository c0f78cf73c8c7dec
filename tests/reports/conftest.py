"""Fixtures for the reports tests: the simulator holding the hand-computed scenario."""

from __future__ import annotations

from typing import Any

import pytest

from backupchecks.extensions import db
from backupchecks.settings import set_setting
from tests.reports import scenario


@pytest.fixture
def tenant(autotask_sim: Any) -> Any:
    """The simulator with exactly the scenario's tickets and time entries; Amsterdam time."""
    scenario.seed(autotask_sim)
    set_setting("general.timezone", "Europe/Amsterdam")
    db.session.commit()
    autotask_sim.clear_requests()
    return autotask_sim


def api_calls(server: Any) -> list[tuple[str, str]]:
    return server.api_calls()
