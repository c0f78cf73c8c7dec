"""The simulator is the yardstick: it must make a wrong client fail visibly.

These tests talk to it with bare ``requests`` (not our client), so a bug in the
client cannot hide a bug in the simulator.
"""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest
import requests

from backupchecks.autotask.simulator import (
    DEMO_INTEGRATION_CODE,
    DEMO_SECRET,
    DEMO_USERNAME,
    SimulatorServer,
)

HEADERS = {
    "UserName": DEMO_USERNAME,
    "Secret": DEMO_SECRET,
    "ApiIntegrationCode": DEMO_INTEGRATION_CODE,
    "Content-Type": "application/json",
}


def call(sim: SimulatorServer, method: str, path: str, body: Any = None,
         headers: dict[str, str] | None = None) -> requests.Response:
    return requests.request(method, f"{sim.base_url}{path}", json=body,
                            headers=HEADERS if headers is None else headers, timeout=10)


def full_ticket(sim: SimulatorServer, ticket_id: int) -> dict[str, Any]:
    return call(sim, "GET", f"/Tickets/{ticket_id}").json()["item"]


STABILISING = (
    "id", "companyID", "queueID", "title", "priority", "status", "dueDateTime",
    "ticketCategory", "issueType", "subIssueType", "source", "organizationalLevelAssociationID",
    "ticketNumber", "completedDate", "resolvedDateTime", "lastTrackedModificationDateTime",
)


def stabilised(item: dict[str, Any], **changes: Any) -> dict[str, Any]:
    body = {k: item[k] for k in STABILISING}
    body.update(changes)
    return body


# --- contract A: connection ---------------------------------------------------

def test_zone_information_for_known_user_points_at_the_simulator(sim: SimulatorServer) -> None:
    r = requests.get(sim.zone_lookup_url, params={"user": DEMO_USERNAME}, timeout=5)
    assert r.status_code == 200
    data = r.json()
    assert data["url"] == f"{sim.url}/ATServicesRest/"
    assert data["webUrl"].startswith(sim.url)
    assert set(data) >= {"zoneName", "url", "webUrl", "ci"}


def test_zone_information_for_unknown_user_is_a_500(sim: SimulatorServer) -> None:
    r = requests.get(sim.zone_lookup_url, params={"user": "nobody@x.example"}, timeout=5)
    assert r.status_code == 500
    assert r.json() == {"errors": ["Zone information could not be determined"]}


def test_bad_secret_is_401(sim: SimulatorServer) -> None:
    r = call(sim, "GET", "/Tickets/5001", headers={**HEADERS, "Secret": "wrong"})
    assert r.status_code == 401


def test_unknown_integration_code_is_500(sim: SimulatorServer) -> None:
    r = call(sim, "GET", "/Tickets/5001", headers={**HEADERS, "ApiIntegrationCode": "NOPE"})
    assert r.status_code == 500
    assert r.json() == {"errors": ["IntegrationCode is invalid."]}


def test_header_names_are_case_insensitive(sim: SimulatorServer) -> None:
    headers = {"username": DEMO_USERNAME, "SECRET": DEMO_SECRET,
               "ApiIntegrationcode": DEMO_INTEGRATION_CODE}
    assert call(sim, "GET", "/Tickets/5001", headers=headers).status_code == 200


def test_moved_tenant_answers_401_at_the_old_zone(sim: SimulatorServer) -> None:
    old_base = sim.base_url
    sim.move_tenant("zone19")
    assert requests.get(f"{old_base}/Tickets/5001", headers=HEADERS, timeout=5).status_code == 401
    assert call(sim, "GET", "/Tickets/5001").status_code == 200  # base_url follows the move
    zone = requests.get(sim.zone_lookup_url, params={"user": DEMO_USERNAME}, timeout=5).json()
    assert zone["url"].endswith("/zone19/ATServicesRest/")


# --- contract B: ticket invariants -------------------------------------------

def test_get_ticket_is_wrapped_in_item(sim: SimulatorServer) -> None:
    data = call(sim, "GET", "/Tickets/5001").json()
    assert set(data) == {"item"}
    assert data["item"]["id"] == 5001


def test_patch_on_tickets_is_405(sim: SimulatorServer) -> None:
    for path in ("/Tickets", "/Tickets/5001"):
        r = call(sim, "PATCH", path, {"id": 5001, "title": "x"})
        assert r.status_code == 405
        assert r.json() == {
            "Message": "The requested resource does not support http method 'PATCH'."
        }
    assert full_ticket(sim, 5001)["title"] != "x"


@pytest.mark.parametrize("path", ["/TicketNotes", "/TicketNote"])
def test_post_ticketnotes_is_404(sim: SimulatorServer, path: str) -> None:
    body = {"ticketID": 5001, "title": "t", "description": "d", "noteType": 1, "publish": 1}
    assert call(sim, "POST", path, body).status_code == 404
    assert sim.state.notes == {}


def test_post_note_under_the_ticket_creates_it(sim: SimulatorServer) -> None:
    body = {"title": "t", "description": "d", "noteType": 1, "publish": 1}
    r = call(sim, "POST", "/Tickets/5001/Notes", body)
    assert r.status_code == 200
    note = sim.state.notes[r.json()["itemId"]]
    assert note["ticketID"] == 5001


def test_note_without_required_fields_is_refused(sim: SimulatorServer) -> None:
    r = call(sim, "POST", "/Tickets/5001/Notes", {"title": "t"})
    assert r.status_code == 500
    assert "noteType" in r.json()["errors"][0]


@pytest.mark.parametrize("missing", ["companyID", "queueID", "title", "status", "priority"])
def test_put_without_a_required_field_fails(sim: SimulatorServer, missing: str) -> None:
    before = full_ticket(sim, 5001)
    body = stabilised(before, resolution="r")
    del body[missing]
    r = call(sim, "PUT", "/Tickets", body)
    assert r.status_code == 500
    assert missing in r.json()["errors"][0]
    assert full_ticket(sim, 5001) == before


@pytest.mark.parametrize(
    "omitted", ["dueDateTime", "issueType", "subIssueType", "source", "ticketCategory",
                "organizationalLevelAssociationID"],
)
def test_put_without_an_optional_field_clears_it(sim: SimulatorServer, omitted: str) -> None:
    before = full_ticket(sim, 5001)
    assert before[omitted] is not None
    body = stabilised(before, resolution="r")
    del body[omitted]
    if omitted == "issueType":
        del body["subIssueType"]  # a sub-issue type cannot outlive its issue type
    assert call(sim, "PUT", "/Tickets", body).status_code == 200
    after = full_ticket(sim, 5001)
    assert after[omitted] is None
    assert after["resolution"] == "r"


def test_put_of_only_the_stabilising_fields_clears_description_and_resolution(
    sim: SimulatorServer,
) -> None:
    before = full_ticket(sim, 5001)
    assert before["description"]
    assert call(sim, "PUT", "/Tickets", stabilised(before, resolution="r")).status_code == 200
    assert call(sim, "PUT", "/Tickets", stabilised(full_ticket(sim, 5001))).status_code == 200
    after = full_ticket(sim, 5001)
    assert after["description"] is None and after["resolution"] is None


def test_put_without_completed_date_clears_it(sim: SimulatorServer) -> None:
    before = full_ticket(sim, 5003)
    assert before["status"] == 5 and before["completedDate"]
    body = stabilised(before, resolution="r")
    del body["completedDate"]
    assert call(sim, "PUT", "/Tickets", body).status_code == 200
    assert full_ticket(sim, 5003)["completedDate"] is None


def test_put_with_every_stabilising_field_keeps_them(sim: SimulatorServer) -> None:
    before = full_ticket(sim, 5001)
    assert call(sim, "PUT", "/Tickets", stabilised(before, resolution="r")).status_code == 200
    after = full_ticket(sim, 5001)
    for name in STABILISING:
        if name != "lastTrackedModificationDateTime":
            assert after[name] == before[name], name
    assert after["resolution"] == "r"


def test_put_wrapped_in_item_is_refused(sim: SimulatorServer) -> None:
    before = full_ticket(sim, 5001)
    r = call(sim, "PUT", "/Tickets", {"item": stabilised(before, resolution="r")})
    assert r.status_code == 500
    assert full_ticket(sim, 5001)["resolution"] is None


def test_status_5_sets_completed_dates_and_8_does_not(sim: SimulatorServer) -> None:
    one, two = full_ticket(sim, 5001), full_ticket(sim, 5005)
    assert call(sim, "PUT", "/Tickets", stabilised(one, status=5)).status_code == 200
    assert call(sim, "PUT", "/Tickets", stabilised(two, status=8)).status_code == 200
    complete, completed = full_ticket(sim, 5001), full_ticket(sim, 5005)
    assert complete["completedDate"] and complete["resolvedDateTime"]
    assert completed["status"] == 8
    assert completed["completedDate"] is None and completed["resolvedDateTime"] is None


def test_create_answers_item_id_and_numbers_the_ticket(sim: SimulatorServer) -> None:
    body = {"companyID": 101, "title": "New", "status": 1, "priority": 2, "queueID": 29682969}
    r = call(sim, "POST", "/Tickets", body)
    assert r.status_code == 200
    assert set(r.json()) == {"itemId"}
    ticket = sim.state.tickets[r.json()["itemId"]]
    assert re.fullmatch(r"T\d{8}\.\d{4}", ticket["ticketNumber"])
    assert ticket["ticketNumber"][1:9] == ticket["createDate"][:10].replace("-", "")


def test_create_needs_queue_or_resource_and_role(sim: SimulatorServer) -> None:
    body = {"companyID": 101, "title": "New", "status": 1, "priority": 2}
    r = call(sim, "POST", "/Tickets", body)
    assert r.status_code == 500 and "queueID" in r.json()["errors"][0]


def test_create_refuses_a_guessed_picklist_value(sim: SimulatorServer) -> None:
    body = {"companyID": 101, "title": "New", "status": 99, "priority": 2, "queueID": 29682969}
    r = call(sim, "POST", "/Tickets", body)
    assert r.status_code == 500 and "status" in r.json()["errors"][0]


def test_unknown_ticket_is_404(sim: SimulatorServer) -> None:
    assert call(sim, "GET", "/Tickets/999999").status_code == 404


def test_picklist_values_are_strings(sim: SimulatorServer) -> None:
    fields = call(sim, "GET", "/Tickets/entityInformation/fields").json()["fields"]
    status = next(f for f in fields if f["name"] == "status")
    values = {v["value"]: v["label"] for v in status["picklistValues"]}
    assert values["5"] == "Complete" and values["8"] == "Completed" and values["1"] == "New"
    subs = next(f for f in fields if f["name"] == "subIssueType")["picklistValues"]
    assert all(v["parentValue"] for v in subs)


# --- contract D: queries ----------------------------------------------------

def query(sim: SimulatorServer, entity: str, body: Any) -> requests.Response:
    return call(sim, "POST", f"/{entity}/query", body)


def company_ids(sim: SimulatorServer, *filters: dict[str, Any]) -> list[int]:
    r = query(sim, "Companies", {"filter": list(filters)})
    assert r.status_code == 200, r.text
    return [c["id"] for c in r.json()["items"]]


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        ({"op": "eq", "field": "companyName", "value": "acme logistics bv"}, [101]),
        ({"op": "noteq", "field": "isActive", "value": True}, [106, 109, 112]),
        ({"op": "gt", "field": "id", "value": 110}, [111, 112]),
        ({"op": "gte", "field": "id", "value": 111}, [111, 112]),
        ({"op": "lt", "field": "id", "value": 103}, [101, 102]),
        ({"op": "lte", "field": "id", "value": "102"}, [101, 102]),
        ({"op": "beginsWith", "field": "companyName", "value": "ACME"}, [101, 112]),
        ({"op": "endsWith", "field": "companyName", "value": "bv"}, [101]),
        ({"op": "contains", "field": "companyName", "value": "zorg"}, [105]),
        ({"op": "exist", "field": "ownerResourceID"}, []),
        ({"op": "notExist", "field": "ownerResourceID"}, list(range(101, 113))),
        ({"op": "in", "field": "id", "value": [103, 101, 999]}, [101, 103]),
        ({"op": "notIn", "field": "id", "value": list(range(101, 111))}, [111, 112]),
        ({"op": "or", "items": [{"op": "eq", "field": "id", "value": 101},
                                {"op": "eq", "field": "id", "value": 105}]}, [101, 105]),
        ({"op": "and", "items": [{"op": "beginsWith", "field": "companyName", "value": "acme"},
                                 {"op": "eq", "field": "isActive", "value": False}]}, [112]),
        ({"op": "eq", "field": "COMPANYNAME", "value": "Brouwer Accountants"}, [102]),
    ],
)
def test_filter_operators(sim: SimulatorServer, flt: dict[str, Any], expected: list[int]) -> None:
    assert company_ids(sim, flt) == expected


def test_top_level_filters_are_anded(sim: SimulatorServer) -> None:
    ids = company_ids(sim, {"op": "beginsWith", "field": "companyName", "value": "acme"},
                      {"op": "eq", "field": "isActive", "value": True})
    assert ids == [101]


def test_date_filters_compare_as_dates(sim: SimulatorServer) -> None:
    created = full_ticket(sim, 5005)["createDate"]  # "...T..:..:..123Z"
    r = query(sim, "Tickets", {"filter": [
        {"op": "gte", "field": "createDate", "value": created[:19] + "Z"}]})
    assert [t["id"] for t in r.json()["items"]] == [5005]


def test_query_requires_a_filter(sim: SimulatorServer) -> None:
    for body in ({}, {"filter": []}):
        r = query(sim, "Companies", body)
        assert r.status_code == 500 and r.json()["errors"]


def test_unknown_field_in_filter_is_refused(sim: SimulatorServer) -> None:
    r = query(sim, "Companies", {"filter": [{"op": "eq", "field": "nme", "value": "x"}]})
    assert r.status_code == 500 and "nme" in r.json()["errors"][0]


@pytest.mark.parametrize("size", [0, 501])
def test_max_records_outside_1_to_500_is_refused(sim: SimulatorServer, size: int) -> None:
    r = query(sim, "Companies", {"filter": [{"op": "exist", "field": "id"}], "MaxRecords": size})
    assert r.status_code == 500


def test_more_than_500_or_conditions_are_refused(sim: SimulatorServer) -> None:
    flt = {"op": "in", "field": "id", "value": list(range(1, 502))}
    r = query(sim, "Companies", {"filter": [flt]})
    assert r.status_code == 500 and "500" in r.json()["errors"][0]


def test_paging_follows_next_page_url_with_post(sim: SimulatorServer) -> None:
    body = {"filter": [{"op": "exist", "field": "id"}], "MaxRecords": 5}
    first = query(sim, "Companies", body).json()
    assert first["pageDetails"]["count"] == 5
    next_url = first["pageDetails"]["nextPageUrl"]
    assert next_url and next_url.startswith(sim.url)
    second = requests.post(next_url, json=body, headers=HEADERS, timeout=5).json()
    third = requests.post(second["pageDetails"]["nextPageUrl"], json=body, headers=HEADERS,
                          timeout=5).json()
    ids = [c["id"] for page in (first, second, third) for c in page["items"]]
    assert ids == list(range(101, 113))
    assert third["pageDetails"]["nextPageUrl"] is None


def test_get_on_a_post_querys_next_page_is_405(sim: SimulatorServer) -> None:
    body = {"filter": [{"op": "exist", "field": "id"}], "MaxRecords": 5}
    next_url = query(sim, "Companies", body).json()["pageDetails"]["nextPageUrl"]
    assert requests.get(next_url, headers=HEADERS, timeout=5).status_code == 405


def test_next_page_with_another_body_is_refused(sim: SimulatorServer) -> None:
    body = {"filter": [{"op": "exist", "field": "id"}], "MaxRecords": 5}
    next_url = query(sim, "Companies", body).json()["pageDetails"]["nextPageUrl"]
    other = {"filter": [{"op": "gt", "field": "id", "value": 0}], "MaxRecords": 5}
    assert requests.post(next_url, json=other, headers=HEADERS, timeout=5).status_code == 500


def test_include_fields_limits_the_answer(sim: SimulatorServer) -> None:
    body = {"filter": [{"op": "eq", "field": "id", "value": 101}],
            "IncludeFields": ["companyName"]}
    assert query(sim, "Companies", body).json()["items"] == [
        {"id": 101, "companyName": "Acme Logistics BV"}
    ]


def test_query_count(sim: SimulatorServer) -> None:
    r = call(sim, "POST", "/Companies/query/count",
             {"filter": [{"op": "eq", "field": "isActive", "value": True}]})
    assert r.json() == {"queryCount": 9}


def test_time_entries_query_by_ticket(sim: SimulatorServer) -> None:
    r = query(sim, "TimeEntries", {"filter": [{"op": "eq", "field": "ticketID", "value": 5002}]})
    assert len(r.json()["items"]) == 2
    r = query(sim, "TimeEntries", {"filter": [{"op": "eq", "field": "ticketID", "value": 5001}]})
    assert r.json()["items"] == []


# --- limits -----------------------------------------------------------------

def test_fourth_concurrent_request_to_an_endpoint_gets_429(sim: SimulatorServer) -> None:
    sim.inject_fault("/Companies/query", count=5, sleep=0.6)
    barrier = threading.Barrier(5)
    results: list[requests.Response] = []
    lock = threading.Lock()

    def worker() -> None:
        barrier.wait()
        r = query(sim, "Companies", {"filter": [{"op": "exist", "field": "id"}]})
        with lock:
            results.append(r)

    threads = [threading.Thread(target=worker) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = sorted(r.status_code for r in results)
    assert statuses == [200, 200, 200, 429, 429]
    refused = next(r for r in results if r.status_code == 429)
    assert refused.headers["Retry-After"]
    assert "thread threshold of 3 threads" in refused.json()["errors"][0]
    # Another endpoint is not affected meanwhile: the limit is per endpoint.
    assert call(sim, "GET", "/Tickets/5001").status_code == 200


def test_hourly_threshold_refuses_past_100_percent(sim: SimulatorServer) -> None:
    sim.set_threshold(3, count=0)
    statuses = [call(sim, "GET", "/Tickets/5001").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    info = call(sim, "GET", "/ThresholdInformation").json()
    assert info == {"externalRequestThreshold": 3, "requestThresholdTimeframe": 60,
                    "currentTimeframeRequestCount": 3}


def test_threshold_information_counts_requests(sim: SimulatorServer) -> None:
    call(sim, "GET", "/Tickets/5001")
    call(sim, "GET", "/Tickets/5002")
    info = call(sim, "GET", "/ThresholdInformation").json()
    assert info["currentTimeframeRequestCount"] == 2
    assert info["externalRequestThreshold"] == 10_000


# --- faults, log and control endpoints ------------------------------------------

def test_fault_answers_the_next_n_requests(sim: SimulatorServer) -> None:
    sim.inject_fault("/Tickets/*", method="GET", count=2, status=503)
    statuses = [call(sim, "GET", "/Tickets/5001").status_code for _ in range(3)]
    assert statuses == [503, 503, 200]


def test_drop_response_fault_creates_but_never_answers(sim: SimulatorServer) -> None:
    sim.inject_fault("/Tickets", method="POST", drop_response=True)
    before = len(sim.state.tickets)
    body = {"companyID": 101, "title": "Lost", "status": 1, "priority": 2, "queueID": 29682969}
    with pytest.raises(requests.ConnectionError):
        call(sim, "POST", "/Tickets", body)
    assert len(sim.state.tickets) == before + 1


def test_request_log_masks_the_secret(sim: SimulatorServer) -> None:
    call(sim, "POST", "/Tickets/5001/Notes",
         {"title": "t", "description": "d", "noteType": 1, "publish": 1})
    recorded = sim.requests[-1]
    assert (recorded.method, recorded.path, recorded.status) == ("POST", "/Tickets/5001/Notes", 200)
    assert recorded.body["title"] == "t"
    assert DEMO_SECRET not in repr(sim.requests)
    dump = requests.get(f"{sim.url}/_sim/requests", timeout=5).json()["requests"]
    assert dump[-1]["path"] == "/Tickets/5001/Notes"
    assert DEMO_SECRET not in str(dump)


def test_control_endpoints(sim: SimulatorServer) -> None:
    r = requests.post(f"{sim.url}/_sim/seed", json={"tickets": 50, "time_entries": 20},
                      timeout=10)
    assert r.json()["tickets"] == 55 and r.json()["timeentries"] == 22
    r = requests.post(f"{sim.url}/_sim/faults",
                      json={"path": "/Companies/*", "status": 500, "count": 1}, timeout=5)
    assert r.status_code == 200
    assert call(sim, "GET", "/Companies/101").status_code == 500
    r = requests.post(f"{sim.url}/_sim/threshold", json={"limit": 1, "count": 1}, timeout=5)
    assert r.json()["externalRequestThreshold"] == 1
    assert call(sim, "GET", "/Companies/101").status_code == 429
    assert requests.post(f"{sim.url}/_sim/reset", timeout=5).status_code == 200
    assert len(sim.state.tickets) == 5
    assert call(sim, "GET", "/Companies/101").status_code == 200


def test_latency_is_added_past_half_the_threshold(sim: SimulatorServer) -> None:
    sim.set_threshold(10, count=4, latency_50=0.3)
    fast = call(sim, "GET", "/Tickets/5001").elapsed.total_seconds()  # 5 of 10: not past 50 %
    slow = call(sim, "GET", "/Tickets/5001").elapsed.total_seconds()  # 6 of 10
    assert fast < 0.3 <= slow


def test_concurrent_creates_get_unique_ids_and_numbers(sim: SimulatorServer) -> None:
    body = {"companyID": 101, "title": "Parallel", "status": 1, "priority": 2,
            "queueID": 29682969}
    ids: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(10):
            r = call(sim, "POST", "/Tickets", body)
            assert r.status_code == 200
            with lock:
                ids.append(r.json()["itemId"])

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(ids)) == 30
    numbers = {sim.state.tickets[i]["ticketNumber"] for i in ids}
    assert len(numbers) == 30
