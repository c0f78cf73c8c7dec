"""The HTTP client against the simulator: zones, headers, retries, paging, errors."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from backupchecks.autotask.client import (
    AutotaskClient,
    AutotaskCredentials,
    normalize_api_base,
    require_secure,
)
from backupchecks.autotask.errors import (
    AutotaskAuthError,
    AutotaskConfigError,
    AutotaskError,
    AutotaskNotFound,
    AutotaskRateLimited,
    AutotaskUnavailable,
    AutotaskValidationError,
)
from backupchecks.autotask.filters import F
from backupchecks.autotask.simulator import DEMO_SECRET, SimulatorServer

# --- configuration ---------------------------------------------------------------


def test_credentials_repr_masks_the_secret() -> None:
    creds = AutotaskCredentials("api@x.example", "s3cr3t-value", "INTEGRATIONXYZ")
    for text in (repr(creds), str(creds), f"{creds}"):
        assert "s3cr3t-value" not in text
        assert "INTEGRATIONXYZ" not in text
        assert "api@x.example" in text


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://webservices3.autotask.net",
         "https://webservices3.autotask.net/ATServicesRest/V1.0/"),
        ("https://webservices3.autotask.net/", "https://webservices3.autotask.net/ATServicesRest/V1.0/"),
        ("https://webservices19.autotask.net/ATServicesRest",
         "https://webservices19.autotask.net/ATServicesRest/V1.0/"),
        ("https://webservices19.autotask.net/atservicesrest/v1.0/",
         "https://webservices19.autotask.net/ATServicesRest/V1.0/"),
        ("  https://webservices14.autotask.net/ATServicesRest/V1.0  ",
         "https://webservices14.autotask.net/ATServicesRest/V1.0/"),
    ],
)
def test_base_url_override_is_normalised(given: str, expected: str) -> None:
    assert normalize_api_base(given) == expected


@pytest.mark.parametrize(
    "url",
    ["http://webservices3.autotask.net", "http://10.0.0.5:8089", "ftp://webservices3.autotask.net",
     "webservices3.autotask.net"],
)
def test_https_is_required_for_remote_hosts(url: str) -> None:
    with pytest.raises(AutotaskConfigError):
        AutotaskClient(AutotaskCredentials("u@x.example", "s", "c", base_url=url))


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8089", "http://127.5.6.7", "http://localhost:1", "http://[::1]:8089"]
)
def test_plain_http_is_allowed_on_loopback(url: str) -> None:
    require_secure(url)
    AutotaskClient(AutotaskCredentials("u@x.example", "s", "c", base_url=url)).close()


def test_zone_lookup_url_must_be_https_too() -> None:
    creds = AutotaskCredentials("u@x.example", "s", "c",
                                zone_lookup_url="http://webservices.autotask.net/zoneInformation")
    with pytest.raises(AutotaskConfigError):
        AutotaskClient(creds)


def test_zone_answer_with_plain_http_remote_url_is_refused(
    sim: SimulatorServer, make_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = make_client()
    # The zone answer now names a remote http host.
    monkeypatch.setattr(sim.sim, "url", "http://198.51.100.7:8089")
    with pytest.raises(AutotaskConfigError):
        client.get_ticket(5001)
    assert sim.api_calls() == []  # nothing was sent there


def test_missing_credentials_are_a_config_error() -> None:
    with pytest.raises(AutotaskConfigError):
        AutotaskClient(AutotaskCredentials("u@x.example", "", "c"))


# --- zone and headers -------------------------------------------------------------


def test_zone_is_discovered_without_auth_headers(sim: SimulatorServer, client: AutotaskClient) -> None:
    client.get_ticket(5001)
    lookup, get = sim.requests
    assert lookup.path == "/zoneInformation"
    assert lookup.query == {"user": ["api@demo.example"]}
    assert not {"username", "secret", "apiintegrationcode"} & {h.lower() for h in lookup.headers}
    assert get.path == "/Tickets/5001"


def test_auth_headers_on_every_api_call(sim: SimulatorServer, make_client: Any) -> None:
    client = make_client(credentials=sim.credentials(impersonation_resource_id=29682001))
    client.get_ticket(5001)
    client.query_all("Companies", F.eq("id", 101))
    for recorded in sim.requests[1:]:
        headers = {k.lower(): v for k, v in recorded.headers.items()}
        assert headers["username"] == "api@demo.example"
        assert headers["secret"] == "***"  # present (masked by the simulator's log)
        assert headers["apiintegrationcode"] == "DEMOINTEGRATIONCODE"
        assert headers["content-type"] == "application/json"
        assert headers["impersonationresourceid"] == "29682001"


def test_zone_is_cached_per_user_across_clients(sim: SimulatorServer, make_client: Any) -> None:
    make_client().get_ticket(5001)
    make_client().get_ticket(5002)
    assert [r.path for r in sim.requests].count("/zoneInformation") == 1


def test_admin_override_skips_zone_lookup(sim: SimulatorServer, make_client: Any) -> None:
    client = make_client(credentials=sim.credentials(base_url=sim.url))
    assert client.get_ticket(5001)["id"] == 5001
    assert [r.path for r in sim.requests] == ["/Tickets/5001"]


def test_401_looks_up_the_zone_again_and_retries_once(sim: SimulatorServer, client: AutotaskClient) -> None:
    client.get_ticket(5001)
    sim.move_tenant("zone19")
    sim.clear_requests()
    assert client.get_ticket(5001)["id"] == 5001
    seen = [(r.zone, r.path, r.status) for r in sim.requests]
    assert seen == [
        ("", "/Tickets/5001", 401),
        ("", "/zoneInformation", 200),
        ("/zone19", "/Tickets/5001", 200),
    ]
    assert client.api_base().endswith("/zone19/ATServicesRest/V1.0/")


def test_wrong_secret_raises_auth_error_after_one_relookup(sim: SimulatorServer,
                                                           make_client: Any) -> None:
    client = make_client(credentials=sim.credentials(secret="wrong-secret"))
    with pytest.raises(AutotaskAuthError) as info:
        client.get_ticket(5001)
    assert info.value.permanent and info.value.status_code == 401
    paths = [r.path for r in sim.requests]
    assert paths == ["/zoneInformation", "/Tickets/5001", "/zoneInformation"]


def test_unknown_user_is_an_auth_error(sim: SimulatorServer, make_client: Any) -> None:
    client = make_client(credentials=sim.credentials(username="nobody@x.example"))
    with pytest.raises(AutotaskAuthError) as info:
        client.get_ticket(5001)
    assert "nobody@x.example" in str(info.value)


def test_invalid_integration_code_is_an_auth_error(sim: SimulatorServer, make_client: Any) -> None:
    client = make_client(credentials=sim.credentials(integration_code="WRONGCODE"))
    with pytest.raises(AutotaskAuthError) as info:
        client.get_ticket(5001)
    assert "integration code" in str(info.value)
    assert "WRONGCODE" not in str(info.value)


def test_web_links(sim: SimulatorServer, client: AutotaskClient) -> None:
    assert client.ticket_web_url(5001) == (
        f"{sim.url}/web/Mvc/ServiceDesk/TicketDetail.mvc?ticketId=5001"
    )


# --- retries ------------------------------------------------------------------------


def test_429_retry_after_is_honoured_for_reads(sim: SimulatorServer, client: AutotaskClient,
                                               calls: Any) -> None:
    sim.inject_fault("/Tickets/5001", count=2, status=429, headers={"Retry-After": "7"},
                     body={"errors": ["thread threshold of 3 threads has been exceeded"]})
    assert client.get_ticket(5001)["id"] == 5001
    assert calls.sleeps == [7.0, 7.0]
    assert [s for _, p, s, _ in calls.calls if p == "/Tickets/5001"] == [429, 429, 200]


def test_real_concurrency_429_is_retried(sim: SimulatorServer, client: AutotaskClient,
                                         calls: Any) -> None:
    busy = ("demointegrationcode", "tickets")
    sim.sim.in_flight[busy] = 3  # three other threads are being served
    try:
        with pytest.raises(AutotaskRateLimited) as info:
            client.get_ticket(5001)
    finally:
        sim.sim.in_flight[busy] = 0
    assert info.value.retry_after == 1.0
    assert calls.sleeps == [1.0, 1.0, 1.0]  # max_retries=3, then give up
    assert client.get_ticket(5001)["id"] == 5001


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_errors_are_retried_with_backoff(sim: SimulatorServer, client: AutotaskClient,
                                                 calls: Any, status: int) -> None:
    sim.inject_fault("/Companies/query", count=2, status=status, body={})
    assert len(client.query_all("Companies", F.all())) == 12
    assert calls.sleeps == [0.5, 1.0]


def test_retries_give_up_after_max_retries(sim: SimulatorServer, make_client: Any,
                                           calls: Any) -> None:
    client = make_client(max_retries=2)
    sim.inject_fault("/Tickets/5001", count=10, status=503, body={})
    with pytest.raises(AutotaskUnavailable) as info:
        client.get_ticket(5001)
    assert not info.value.permanent
    assert len([c for c in calls.calls if c[1] == "/Tickets/5001"]) == 3


def test_read_timeout_is_retried(sim: SimulatorServer, make_client: Any, calls: Any) -> None:
    client = make_client(timeout=(2, 0.3))
    sim.inject_fault("/Tickets/5001", count=1, sleep=0.8)
    assert client.get_ticket(5001)["id"] == 5001
    assert [s for _, p, s, _ in calls.calls if p == "/Tickets/5001"] == [None, 200]


def test_long_retry_after_is_not_waited_for(sim: SimulatorServer, client: AutotaskClient,
                                            calls: Any) -> None:
    sim.set_threshold(1, count=1)
    with pytest.raises(AutotaskRateLimited) as info:
        client.get_ticket(5001)
    assert info.value.retry_after and info.value.retry_after > 60
    assert "threshold" in str(info.value)
    assert calls.sleeps == []


@pytest.mark.parametrize("status", [429, 503])
def test_create_is_never_retried(sim: SimulatorServer, client: AutotaskClient, calls: Any,
                                 status: int) -> None:
    sim.inject_fault("/Tickets", method="POST", count=5, status=status, body={},
                     headers={"Retry-After": "1"})
    payload = {"companyID": 101, "title": "x", "status": 1, "priority": 2, "queueID": 29682969}
    with pytest.raises((AutotaskRateLimited, AutotaskUnavailable)):
        client.create_ticket(payload)
    assert sim.api_calls() == [("POST", "/Tickets")]
    assert calls.sleeps == []


def test_update_is_never_retried(sim: SimulatorServer, client: AutotaskClient, calls: Any) -> None:
    ticket = client.get_ticket(5001)
    sim.inject_fault("/Tickets", method="PUT", count=5, status=503, body={})
    with pytest.raises(AutotaskUnavailable):
        client.update_ticket_raw(ticket)
    assert [c for c in sim.api_calls() if c[0] == "PUT"] == [("PUT", "/Tickets")]
    assert calls.sleeps == []


def test_create_timeout_is_not_retried(sim: SimulatorServer, make_client: Any) -> None:
    client = make_client(timeout=(2, 0.3))
    sim.inject_fault("/Tickets", method="POST", drop_response=True, sleep=0.8)
    payload = {"companyID": 101, "title": "x", "status": 1, "priority": 2, "queueID": 29682969}
    with pytest.raises(AutotaskUnavailable) as info:
        client.create_ticket(payload)
    assert sim.api_calls() == [("POST", "/Tickets")]
    assert "may still have made the change" in str(info.value)
    assert not info.value.permanent


# --- errors ---------------------------------------------------------------------------


def test_not_found(client: AutotaskClient) -> None:
    with pytest.raises(AutotaskNotFound) as info:
        client.get_ticket(424242)
    assert info.value.permanent and info.value.status_code == 404
    assert str(info.value) == "Autotask has no ticket with id 424242."


def test_validation_error_carries_the_api_errors(client: AutotaskClient) -> None:
    with pytest.raises(AutotaskValidationError) as info:
        client.create_ticket({"companyID": 101, "title": "x"})
    assert info.value.permanent and info.value.status_code == 500
    assert any("status" in e for e in info.value.errors)
    assert "status" in str(info.value)


def test_500_without_errors_is_unavailable_and_not_retried(sim: SimulatorServer,
                                                          client: AutotaskClient,
                                                          calls: Any) -> None:
    sim.inject_fault("/Tickets/5001", status=500, body={})
    with pytest.raises(AutotaskUnavailable):
        client.get_ticket(5001)
    assert calls.sleeps == []


def test_patch_is_not_offered_by_the_client(client: AutotaskClient) -> None:
    assert not [name for name in dir(client) if "patch" in name.lower()]


def test_next_page_on_another_host_is_refused(client: AutotaskClient) -> None:
    base = client.api_base()
    with pytest.raises(AutotaskError):
        client._resolve(base, "https://evil.example/ATServicesRest/V1.0/Tickets/query/next")


# --- secrets ------------------------------------------------------------------------


def _chain(exc: BaseException | None) -> list[BaseException]:
    out = []
    while exc is not None:
        out.append(exc)
        exc = exc.__cause__ or exc.__context__
    return out


def test_secret_never_in_logs_or_errors(sim: SimulatorServer, make_client: Any,
                                        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    errors: list[BaseException] = []
    good = make_client()
    good.get_ticket(5001)
    sim.inject_fault("/Tickets/5001", status=500,
                     body={"errors": [f"echoing {DEMO_SECRET} back"]})
    sim.inject_fault("/Tickets/5002", sleep=0.6, count=4)
    for client, action in (
        (good, lambda c: c.get_ticket(5001)),
        (make_client(timeout=(2, 0.2), max_retries=1), lambda c: c.get_ticket(5002)),
        (good, lambda c: c.create_ticket({"title": "x"})),
        (make_client(credentials=sim.credentials(base_url=sim.url, secret=DEMO_SECRET + "x")),
         lambda c: c.get_ticket(5001)),
    ):
        with pytest.raises(AutotaskError) as info:
            action(client)
        errors.append(info.value)
    assert len(errors) == 4
    for exc in errors:
        for item in _chain(exc):
            assert DEMO_SECRET not in str(item) and DEMO_SECRET not in repr(item)
            assert not hasattr(item, "request")  # no requests exception with headers inside
    assert "***" in str(errors[0])
    assert caplog.records, "the client logs its calls at DEBUG"
    assert DEMO_SECRET not in caplog.text
    assert DEMO_SECRET not in repr(good) and DEMO_SECRET not in repr(good.credentials)


def test_calls_are_logged_with_method_path_status_and_time(client: AutotaskClient,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="backupchecks.autotask.client")
    client.get_ticket(5001)
    messages = [r.getMessage() for r in caplog.records if r.name == "backupchecks.autotask.client"]
    assert any(m.startswith("Autotask GET /Tickets/5001 -> 200 in ") for m in messages)


# --- queries, paging, batching -----------------------------------------------------


def test_on_request_counts_calls(client: AutotaskClient, calls: Any) -> None:
    client.get_ticket(5001)
    client.count("Companies", F.all())
    assert calls.api_calls == [("GET", "/Tickets/5001"), ("POST", "/Companies/query/count")]
    assert all(status == 200 and elapsed >= 0 for _, _, status, elapsed in calls.calls)


def test_query_without_filter_is_refused_before_any_call(client: AutotaskClient,
                                                         calls: Any) -> None:
    with pytest.raises(ValueError):
        client.query("Companies", [])
    with pytest.raises(ValueError):
        client.query("Companies", F.all(), max_records=501)
    assert calls.calls == []


def test_paging_across_more_than_500_records(sim: SimulatorServer, client: AutotaskClient) -> None:
    sim.seed(tickets=1200)
    rows = client.query_all("Tickets", F.all(), include_fields=["status"])
    assert len(rows) == 1205
    assert [r["id"] for r in rows] == sorted(sim.state.tickets)
    posts = [r for r in sim.requests if r.path.startswith("/Tickets/query")]
    assert [r.path for r in posts] == ["/Tickets/query", "/Tickets/query/next",
                                       "/Tickets/query/next"]
    assert all(r.method == "POST" and r.body == posts[0].body for r in posts)


def test_query_is_lazy(sim: SimulatorServer, client: AutotaskClient) -> None:
    rows = client.query("Companies", F.all(), max_records=5)
    first = next(iter(rows))
    assert first["id"] == 101
    assert sim.api_calls() == [("POST", "/Companies/query")]


def test_small_pages(client: AutotaskClient, calls: Any) -> None:
    rows = client.query_all("Companies", F.all(), max_records=5)
    assert len(rows) == 12
    assert len(calls.api_calls) == 3


def test_in_batches_of_500(sim: SimulatorServer, client: AutotaskClient) -> None:
    sim.seed(tickets=1200)
    ids = sorted(sim.state.tickets)[:1100]
    rows = client.get_tickets(ids + ids[:50])  # repeats cost nothing
    assert sorted(r["id"] for r in rows) == ids
    batches = [r.body["filter"][0]["value"] for r in sim.requests if r.path == "/Tickets/query"]
    assert [len(b) for b in batches] == [500, 500, 100]


def test_query_in_with_no_ids_makes_no_call(client: AutotaskClient, calls: Any) -> None:
    assert client.get_tickets([]) == []
    assert calls.calls == []


def test_count(client: AutotaskClient) -> None:
    assert client.count("Companies", F.eq("isActive", True)) == 9


def test_search_companies_active_first(client: AutotaskClient) -> None:
    found = client.search_companies("acme")
    assert [c["companyName"] for c in found] == ["Acme Logistics BV", "Acme Old Holding"]
    assert len(client.search_companies("", limit=4)) == 4
    assert all(c["isActive"] for c in client.search_companies("", limit=9))


def test_get_company_and_companies(client: AutotaskClient) -> None:
    assert client.get_company(102)["companyName"] == "Brouwer Accountants"
    assert {c["id"] for c in client.get_companies([101, 103])} == {101, 103}


def test_time_entries_and_resources(client: AutotaskClient) -> None:
    entries = client.time_entries_for_tickets([5001, 5002])
    assert {e["ticketID"] for e in entries} == {5002} and len(entries) == 2
    assert client.count_time_entries(5002) == 2
    assert client.count_time_entries(5001) == 0
    resources = client.get_resources([29682001, 29682002])
    assert [r["firstName"] for r in resources] == ["Sanne", "Daan"]


def test_find_ticket_by_number(client: AutotaskClient, sim: SimulatorServer) -> None:
    number = sim.state.tickets[5002]["ticketNumber"]
    assert client.find_ticket_by_number(number)["id"] == 5002
    assert client.find_ticket_by_number("T19990101.0001") is None


def test_reference_data_in_one_call(client: AutotaskClient, calls: Any) -> None:
    fields = client.ticket_fields()
    assert any(f["name"] == "status" for f in fields)
    assert calls.api_calls == [("GET", "/Tickets/entityInformation/fields")]


def test_threshold_information_and_test_connection(client: AutotaskClient) -> None:
    info = client.threshold_information()
    assert info["externalRequestThreshold"] == 10_000
    result = client.test_connection()
    assert result["zone_name"].startswith("Simulator")
    assert result["threshold"]["externalRequestThreshold"] == 10_000
