"""Fixtures: one Autotask simulator over real HTTP, reset before every test."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Let `pytest tests/autotask` work even when the package is not installed.
_ROOT = Path(__file__).resolve().parents[2]
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

from backupchecks.autotask.client import AutotaskClient, clear_zone_cache  # noqa: E402
from backupchecks.autotask.simulator import SimulatorServer  # noqa: E402


@pytest.fixture(scope="session")
def sim_server() -> Iterator[SimulatorServer]:
    with SimulatorServer() as server:
        yield server


@pytest.fixture
def sim(sim_server: SimulatorServer) -> SimulatorServer:
    """The simulator with the demo tenant, no faults, an empty request log."""
    assert sim_server.wait_idle(), "a request from an earlier test is still being served"
    sim_server.reset()
    clear_zone_cache()
    return sim_server


class CallLog:
    """What the client reports through on_request, and what it slept."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, int | None, float]] = []
        self.sleeps: list[float] = []

    def on_request(self, method: str, path: str, status: int | None, elapsed: float) -> None:
        self.calls.append((method, path, status, elapsed))

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    @property
    def api_calls(self) -> list[tuple[str, str]]:
        return [(m, p) for m, p, _, _ in self.calls if p != "/zoneInformation"]


@pytest.fixture
def calls() -> CallLog:
    return CallLog()


@pytest.fixture
def make_client(sim: SimulatorServer, calls: CallLog) -> Iterator[Any]:
    made: list[AutotaskClient] = []

    def make(**kwargs: Any) -> AutotaskClient:
        creds = kwargs.pop("credentials", None) or sim.credentials()
        kwargs.setdefault("timeout", (2, 5))
        kwargs.setdefault("sleep", calls.sleep)
        kwargs.setdefault("on_request", calls.on_request)
        client = AutotaskClient(creds, **kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(make_client: Any) -> AutotaskClient:
    return make_client()

