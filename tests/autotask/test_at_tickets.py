"""Contract B and C, rule by rule, through the safe workflows in tickets.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from backupchecks.autotask import tickets
from backupchecks.autotask.client import AutotaskClient
from backupchecks.autotask.errors import (
    AutotaskNotFound,
    AutotaskUnavailable,
    AutotaskValidationError,
)
from backupchecks.autotask.simulator import SimulatorServer, iso
from backupchecks.autotask.tickets import (
    STABILISING_FIELDS,
    MemoryIntentStore,
    add_note,
    create_ticket_idempotent,
    external_id_for,
    resolve,
    resolve_ticket_reference,
    set_resolution,
    update_ticket,
)

OPEN, WITH_TIME, COMPLETE, OPEN_NO_SUB = 5001, 5002, 5003, 5005


def puts(sim: SimulatorServer) -> list[dict[str, Any]]:
    return [r.body for r in sim.requests if r.method == "PUT"]


# --- B2 / B4 / B5: update -------------------------------------------------------------


def test_update_gets_the_ticket_before_the_put(sim: SimulatorServer, client: AutotaskClient) -> None:
    update_ticket(client, OPEN, title="Renamed")
    assert sim.api_calls() == [("GET", f"/Tickets/{OPEN}"), ("PUT", "/Tickets")]


def test_update_sends_the_plain_object_with_every_stabilising_field(
    sim: SimulatorServer, client: AutotaskClient
) -> None:
    before = dict(sim.state.tickets[OPEN])
    update_ticket(client, OPEN, title="Renamed")
    (body,) = puts(sim)
    assert "item" not in body
    assert set(STABILISING_FIELDS) <= set(body)
    assert set(body) == set(before)  # everything the GET returned goes back
    for name in STABILISING_FIELDS:
        expected = "Renamed" if name == "title" else before[name]
        assert body[name] == expected, name


def test_update_reads_fields_from_item(sim: SimulatorServer, client: AutotaskClient,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # If fields were read from the root of {"item": {...}} they would all be missing.
    seen: list[dict[str, Any]] = []
    original = client.get_ticket

    def spy(ticket_id: int) -> dict[str, Any]:
        item = original(ticket_id)
        seen.append(item)
        return item

    monkeypatch.setattr(client, "get_ticket", spy)
    body = update_ticket(client, OPEN, priority=1)
    assert seen and body["companyID"] == seen[0]["companyID"] == 101
    assert body["queueID"] == 29682969 and body["dueDateTime"] == seen[0]["dueDateTime"]


def test_update_changes_only_the_named_field(sim: SimulatorServer, client: AutotaskClient) -> None:
    before = dict(sim.state.tickets[OPEN])
    update_ticket(client, OPEN, priority=1)
    after = sim.state.tickets[OPEN]
    changed = {k for k in before if before[k] != after[k]}
    assert changed == {"priority", "lastTrackedModificationDateTime", "lastActivityDate"}


def test_update_keeps_completed_dates_of_a_completed_ticket(
    sim: SimulatorServer, client: AutotaskClient
) -> None:
    before = dict(sim.state.tickets[COMPLETE])
    update_ticket(client, COMPLETE, title="Renamed")
    after = sim.state.tickets[COMPLETE]
    assert after["completedDate"] == before["completedDate"]
    assert after["resolvedDateTime"] == before["resolvedDateTime"]


def test_update_without_changes_or_changing_id_is_refused(client: AutotaskClient) -> None:
    with pytest.raises(ValueError):
        update_ticket(client, OPEN)
    with pytest.raises(ValueError):
        update_ticket(client, OPEN, id=OPEN + 1)


def test_raw_put_of_a_wrapped_ticket_is_refused(client: AutotaskClient, calls: Any) -> None:
    with pytest.raises(ValueError):
        client.update_ticket_raw({"item": {"id": OPEN}})
    assert calls.calls == []


# --- B3: never PATCH -------------------------------------------------------------------


def test_no_workflow_ever_sends_patch(sim: SimulatorServer, client: AutotaskClient) -> None:
    update_ticket(client, OPEN, title="x")
    set_resolution(client, OPEN, "done")
    add_note(client, OPEN, "t", "d")
    resolve(client, OPEN, note_title="t", note_text="d", resolution="r", completing_status=5)
    resolve(client, WITH_TIME, note_title="t", note_text="d", resolution="r",
            completing_status=5)
    create_ticket_idempotent(client, MemoryIntentStore(), key="k", payload={
        "companyID": 101, "title": "n", "status": 1, "priority": 2, "queueID": 29682969})
    methods = {method for method, _ in sim.api_calls()}
    assert methods <= {"GET", "POST", "PUT"} and "PUT" in methods
    assert "PATCH" not in methods


# --- B6 / C: notes, resolution, status --------------------------------------------------


def test_note_goes_to_tickets_id_notes(sim: SimulatorServer, client: AutotaskClient) -> None:
    note_id = add_note(client, OPEN, "Backup OK again", "The job succeeded.", note_type=1,
                       publish=1)
    assert sim.api_calls() == [("POST", f"/Tickets/{OPEN}/Notes")]
    body = sim.requests[-1].body
    assert {k: body[k] for k in ("title", "description", "noteType", "publish")} == {
        "title": "Backup OK again", "description": "The job succeeded.", "noteType": 1,
        "publish": 1,
    }
    assert sim.state.notes[note_id]["ticketID"] == OPEN
    assert [n["id"] for n in client.query_ticket_notes(OPEN)] == [note_id]


def test_note_does_not_touch_the_status(sim: SimulatorServer, client: AutotaskClient) -> None:
    add_note(client, OPEN, "t", "d")
    assert sim.state.tickets[OPEN]["status"] == 1
    assert not puts(sim)


def test_note_needs_title_and_text(client: AutotaskClient, calls: Any) -> None:
    with pytest.raises(ValueError):
        add_note(client, OPEN, " ", "d")
    assert calls.calls == []


def test_resolution_text_does_not_resolve(sim: SimulatorServer, client: AutotaskClient) -> None:
    set_resolution(client, OPEN, "Fixed the repository path.")
    ticket = sim.state.tickets[OPEN]
    assert ticket["resolution"] == "Fixed the repository path."
    assert ticket["status"] == 1
    assert ticket["completedDate"] is None and ticket["resolvedDateTime"] is None
    assert sim.api_calls() == [("GET", f"/Tickets/{OPEN}"), ("PUT", "/Tickets")]


def test_resolution_is_limited_to_32000_chars(client: AutotaskClient, calls: Any) -> None:
    with pytest.raises(ValueError):
        set_resolution(client, OPEN, "x" * 32_001)
    assert calls.calls == []


def test_resolve_without_time_entries_completes_with_status_5(
    sim: SimulatorServer, client: AutotaskClient
) -> None:
    outcome = resolve(client, OPEN, note_title="Resolved", note_text="Backup OK",
                      resolution="Job succeeded again.", completing_status="5",
                      completing_label="Complete")
    assert sim.api_calls() == [
        ("GET", f"/Tickets/{OPEN}"),
        ("POST", f"/Tickets/{OPEN}/Notes"),
        ("PUT", "/Tickets"),
        ("POST", "/TimeEntries/query"),
        ("GET", f"/Tickets/{OPEN}"),
        ("PUT", "/Tickets"),
    ]
    ticket = sim.state.tickets[OPEN]
    assert ticket["status"] == 5 and ticket["resolution"] == "Job succeeded again."
    assert ticket["completedDate"] and ticket["resolvedDateTime"]
    assert outcome.status_changed and outcome.resolution_set
    assert outcome.time_entry_count == 0 and outcome.note_id in sim.state.notes
    assert outcome.message == "Resolved: status set to Complete"


def test_resolve_first_put_changes_only_the_resolution(
    sim: SimulatorServer, client: AutotaskClient
) -> None:
    resolve(client, OPEN, note_title="t", note_text="d", resolution="r", completing_status=None)
    (body,) = puts(sim)
    assert body["status"] == 1 and body["resolution"] == "r"
    assert set(STABILISING_FIELDS) <= set(body)
    assert body["description"] == sim.state.tickets[OPEN]["description"]  # kept, not cleared


def test_resolve_status_put_comes_from_a_fresh_get(sim: SimulatorServer,
                                                    client: AutotaskClient) -> None:
    resolve(client, OPEN, note_title="t", note_text="d", resolution="r", completing_status=5)
    first, second = puts(sim)
    # The fresh GET saw what the first PUT changed (its modification time moved on).
    assert second["lastTrackedModificationDateTime"] != first["lastTrackedModificationDateTime"]
    assert second["status"] == 5 and second["resolution"] == "r"  # carried from the fresh GET
    assert set(STABILISING_FIELDS) <= set(second)
    assert sim.state.tickets[OPEN]["resolution"] == "r"  # not cleared by the second PUT


def test_status_8_completed_label_lies(sim: SimulatorServer, client: AutotaskClient) -> None:
    outcome = resolve(client, OPEN, note_title="t", note_text="d", resolution="r",
                      completing_status=8, completing_label="Completed")
    ticket = sim.state.tickets[OPEN]
    assert outcome.status_changed and ticket["status"] == 8
    assert ticket["completedDate"] is None and ticket["resolvedDateTime"] is None


def test_resolve_with_time_entries_leaves_the_ticket_open(
    sim: SimulatorServer, client: AutotaskClient
) -> None:
    outcome = resolve(client, WITH_TIME, note_title="t", note_text="d", resolution="r",
                      completing_status=5)
    assert sim.api_calls() == [
        ("GET", f"/Tickets/{WITH_TIME}"), ("POST", f"/Tickets/{WITH_TIME}/Notes"),
        ("PUT", "/Tickets"), ("POST", "/TimeEntries/query"),
    ]
    ticket = sim.state.tickets[WITH_TIME]
    assert ticket["status"] == 10 and ticket["completedDate"] is None
    assert ticket["resolution"] == "r"
    assert not outcome.status_changed and outcome.time_entry_count == 2
    assert outcome.message == "Left open: 2 time entries"


def test_time_entry_query_filters_on_the_ticket(sim: SimulatorServer,
                                                client: AutotaskClient) -> None:
    resolve(client, WITH_TIME, note_title="t", note_text="d", resolution="r",
            completing_status=5)
    query = next(r for r in sim.requests if r.path == "/TimeEntries/query")
    assert query.body["filter"] == [{"op": "eq", "field": "ticketID", "value": WITH_TIME}]


def test_resolve_without_completing_status_leaves_it_open(
    sim: SimulatorServer, client: AutotaskClient
) -> None:
    outcome = resolve(client, OPEN, note_title="t", note_text="d", resolution="r",
                      completing_status=None)
    assert sim.state.tickets[OPEN]["status"] == 1
    assert not outcome.status_changed
    assert outcome.message == "Left open: no completing status configured"
    assert len(puts(sim)) == 1


def test_resolve_refuses_a_non_numeric_status(client: AutotaskClient, calls: Any) -> None:
    with pytest.raises(ValueError):
        resolve(client, OPEN, note_title="t", note_text="d", resolution="r",
                completing_status="Complete")
    assert calls.calls == []


# --- B1: ticket numbers -----------------------------------------------------------------


def test_ticket_number_resolves_to_id_by_query(sim: SimulatorServer,
                                               client: AutotaskClient) -> None:
    number = sim.state.tickets[WITH_TIME]["ticketNumber"]
    assert resolve_ticket_reference(client, number) == WITH_TIME
    (query,) = [r for r in sim.requests if r.path == "/Tickets/query"]
    assert query.method == "POST"
    assert query.body["filter"] == [{"op": "eq", "field": "ticketNumber", "value": number}]


def test_lowercase_ticket_number(sim: SimulatorServer, client: AutotaskClient) -> None:
    number = sim.state.tickets[OPEN]["ticketNumber"]
    assert resolve_ticket_reference(client, f"  {number.lower()} ") == OPEN


def test_numeric_reference_needs_no_call(client: AutotaskClient, calls: Any) -> None:
    assert resolve_ticket_reference(client, "5002") == 5002
    assert resolve_ticket_reference(client, 5002) == 5002
    link = "https://ww3.autotask.net/Mvc/ServiceDesk/TicketDetail.mvc?ticketId=5003"
    assert resolve_ticket_reference(client, link) == 5003
    assert calls.calls == []


def test_unknown_ticket_number(client: AutotaskClient) -> None:
    with pytest.raises(AutotaskNotFound):
        resolve_ticket_reference(client, "T19990101.0001")


def test_garbage_reference(client: AutotaskClient) -> None:
    with pytest.raises(ValueError):
        resolve_ticket_reference(client, "ticket five")


# --- idempotent creation ----------------------------------------------------------------

PAYLOAD = {"companyID": 101, "title": "Backup failed: Veeam 'Nightly'", "status": 1,
           "priority": 2, "queueID": 29682969, "description": "From Backupchecks"}


def tickets_titled(sim: SimulatorServer, title: str) -> list[dict[str, Any]]:
    return [t for t in sim.state.tickets.values() if t["title"] == title]


def test_create_records_the_intent_and_the_id(sim: SimulatorServer,
                                              client: AutotaskClient) -> None:
    store = MemoryIntentStore()
    outcome = create_ticket_idempotent(client, store, key="job-7:failed", payload=PAYLOAD)
    assert outcome.created and outcome.ticket_id in sim.state.tickets
    assert outcome.ticket_number == sim.state.tickets[outcome.ticket_id]["ticketNumber"]
    intent = store.get("job-7:failed")
    assert intent is not None and intent.state == "done"
    assert intent.ticket_id == outcome.ticket_id
    assert sim.state.tickets[outcome.ticket_id]["externalID"] == external_id_for("job-7:failed")


def test_intent_is_saved_before_the_post(sim: SimulatorServer, client: AutotaskClient) -> None:
    store = MemoryIntentStore()
    seen: list[str | None] = []
    original = client.create_ticket

    def spy(payload: dict[str, Any]) -> int:
        intent = store.get("k")
        seen.append(intent.state if intent else None)
        return original(payload)

    client.create_ticket = spy  # type: ignore[method-assign]
    create_ticket_idempotent(client, store, key="k", payload=PAYLOAD)
    assert seen == ["pending"]


def test_second_call_with_the_same_key_does_not_post(sim: SimulatorServer,
                                                     client: AutotaskClient) -> None:
    store = MemoryIntentStore()
    first = create_ticket_idempotent(client, store, key="k", payload=PAYLOAD)
    sim.clear_requests()
    second = create_ticket_idempotent(client, store, key="k", payload=PAYLOAD)
    assert (second.ticket_id, second.created) == (first.ticket_id, False)
    assert sim.api_calls() == []


def test_timeout_during_create_makes_no_duplicate(sim: SimulatorServer,
                                                  make_client: Any) -> None:
    client = make_client(timeout=(2, 0.3))
    store = MemoryIntentStore()
    sim.inject_fault("/Tickets", method="POST", drop_response=True, sleep=0.8)
    outcome = create_ticket_idempotent(client, store, key="k", payload=PAYLOAD)
    assert len(tickets_titled(sim, PAYLOAD["title"])) == 1
    assert outcome.ticket_id == tickets_titled(sim, PAYLOAD["title"])[0]["id"]
    assert [c for c in sim.api_calls() if c == ("POST", "/Tickets")] == [("POST", "/Tickets")]
    # A retry (double click) afterwards finds the recorded ticket and posts nothing.
    again = create_ticket_idempotent(client, store, key="k", payload=PAYLOAD)
    assert (again.ticket_id, again.created) == (outcome.ticket_id, False)
    assert len(tickets_titled(sim, PAYLOAD["title"])) == 1


def test_pending_intent_after_a_crash_reuses_the_ticket(sim: SimulatorServer,
                                                        client: AutotaskClient) -> None:
    # An earlier process saved the intent, posted, and died before hearing back.
    store = MemoryIntentStore()
    body = {**PAYLOAD, "externalID": external_id_for("k")}
    store.save_pending("k", body, datetime.now(UTC))
    made = client.create_ticket(body)
    sim.clear_requests()
    outcome = create_ticket_idempotent(client, store, key="k", payload=PAYLOAD)
    assert (outcome.ticket_id, outcome.created) == (made, False)
    assert ("POST", "/Tickets") not in sim.api_calls()
    assert store.get("k").state == "done"


def test_pending_intent_falls_back_to_title_company_and_time(sim: SimulatorServer,
                                                             client: AutotaskClient) -> None:
    started = datetime.now(UTC) - timedelta(seconds=30)
    store = MemoryIntentStore()
    store.save_pending("k", dict(PAYLOAD), started)  # no externalID (older attempt)
    old = sim.state.add_ticket(started - timedelta(days=3), **PAYLOAD)  # an older, other one
    made = client.create_ticket(dict(PAYLOAD))
    outcome = create_ticket_idempotent(client, store, key="k", payload=PAYLOAD)
    assert (outcome.ticket_id, outcome.created) == (made, False)
    assert outcome.ticket_id != old["id"]


def test_pending_intent_with_nothing_found_posts_once(sim: SimulatorServer,
                                                      client: AutotaskClient) -> None:
    store = MemoryIntentStore()
    store.save_pending("k", {**PAYLOAD, "externalID": external_id_for("k")}, datetime.now(UTC))
    outcome = create_ticket_idempotent(client, store, key="k", payload=PAYLOAD)
    assert outcome.created
    assert sim.api_calls().count(("POST", "/Tickets")) == 1


def test_unavailable_create_stays_pending(sim: SimulatorServer, client: AutotaskClient) -> None:
    store = MemoryIntentStore()
    sim.inject_fault("/Tickets", method="POST", status=503, body={})
    with pytest.raises(AutotaskUnavailable):
        create_ticket_idempotent(client, store, key="k", payload=PAYLOAD)
    assert store.get("k").state == "pending"
    assert tickets_titled(sim, PAYLOAD["title"]) == []
    outcome = create_ticket_idempotent(client, store, key="k", payload=PAYLOAD)
    assert outcome.created and len(tickets_titled(sim, PAYLOAD["title"])) == 1


def test_permanent_error_marks_the_intent_failed(sim: SimulatorServer,
                                                 client: AutotaskClient) -> None:
    store = MemoryIntentStore()
    with pytest.raises(AutotaskValidationError):
        create_ticket_idempotent(client, store, key="k", payload={**PAYLOAD, "status": 99})
    intent = store.get("k")
    assert intent.state == "failed" and "status" in (intent.error or "")


def test_external_id_fits_the_field() -> None:
    value = external_id_for("x" * 1000)
    assert len(value) <= 50 and value == external_id_for("x" * 1000)
    assert value != external_id_for("y")


def test_module_exports_the_workflows() -> None:
    assert tickets.resolve is resolve
    assert iso(datetime(2025, 10, 24, 8, 15, tzinfo=UTC)) == "2025-10-24T08:15:00.000Z"
