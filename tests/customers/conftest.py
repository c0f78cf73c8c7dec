"""Fixtures for the Customers tests: an Autotask simulator the app is pointed at."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from backupchecks.autotask import clear_zone_cache
from backupchecks.autotask.simulator import SimulatorServer
from backupchecks.extensions import db
from backupchecks.models.jobs import Customer, Job
from backupchecks.settings import set_setting


@pytest.fixture(scope="session")
def sim_server() -> Iterator[SimulatorServer]:
    with SimulatorServer() as server:
        yield server


@pytest.fixture
def sim(sim_server: SimulatorServer) -> Iterator[SimulatorServer]:
    """The simulator with its demo tenant, no faults and an empty request log."""
    assert sim_server.wait_idle(), "a request from an earlier test is still being served"
    sim_server.reset()
    clear_zone_cache()
    yield sim_server
    clear_zone_cache()


def point_app_at(sim: SimulatorServer, *, secret: str | None = None) -> None:
    """Store the simulator's credentials as the app's Autotask settings."""
    creds = sim.credentials()
    set_setting("autotask.username", creds.username)
    set_setting("autotask.secret", secret or creds.secret)
    set_setting("autotask.integration_code", creds.integration_code)
    set_setting("autotask.zone_lookup_url", sim.zone_lookup_url)
    db.session.commit()


@pytest.fixture
def autotask(app: Flask, sim: SimulatorServer) -> SimulatorServer:
    """The app configured for the simulator; the request log starts empty."""
    point_app_at(sim)
    sim.clear_requests()
    return sim


def company_id(sim: SimulatorServer, name: str) -> int:
    return next(cid for cid, row in sim.state.companies.items() if row["companyName"] == name)


def add_customer(name: str, *, jobs: int = 0, archived: int = 0, **values: object) -> Customer:
    customer = Customer(name=name, **values)
    db.session.add(customer)
    db.session.flush()
    for n in range(jobs + archived):
        db.session.add(Job(customer_id=customer.id, product="Veeam", job_name=f"{name} job {n}",
                           match_key=f"{customer.id:08d}{n:056d}", archived=n >= jobs))
    db.session.commit()
    return customer


def companies_queries(sim: SimulatorServer) -> int:
    return sum(1 for call in sim.api_calls() if call == ("POST", "/Companies/query"))
