"""Tickets from Run Checks against the Autotask simulator over real HTTP."""

import threading

from sqlalchemy import func, select

from backupchecks.checks import tickets as ticket_service
from backupchecks.extensions import db
from backupchecks.models.settings import AuditEntry
from backupchecks.models.tickets import RunTicket, Ticket, TicketIntent
from tests.factories import make_customer, make_job, make_run

ACME_COMPANY = 101  # the simulator's first company


def _failed_run(mapped: bool = True):
    customer = make_customer("Acme Logistics",
                             autotask_company_id=ACME_COMPANY if mapped else None,
                             autotask_company_name="Acme Logistics BV" if mapped else None,
                             mapping_state="ok" if mapped else None)
    job = make_job(customer, "Daily VMs", host="veeam01")
    run = make_run(job, "failed", objects=[("SQL01", "failed", "Snapshot failed"),
                                           ("WEB01", "success", None)])
    db.session.commit()
    return run


def _create(client, run, **extra):
    run_id = run if isinstance(run, int) else run.id
    return client.post(f"/run-checks/runs/{run_id}/ticket", data={
        "title": "Backup failed: Acme Logistics - Daily VMs", "description": "see Backupchecks",
        **extra}, follow_redirects=True)


def _posts(sim, path="/Tickets"):
    return [r for r in sim.requests if r.method == "POST" and r.path == path]


def test_draft_is_prefilled_from_the_run(app, autotask_sim):
    run = _failed_run()
    draft = ticket_service.draft_for_run(run)
    assert draft.title == "Backup failed: Acme Logistics - Daily VMs"
    assert "SQL01: failed - Snapshot failed" in draft.description
    assert "WEB01" not in draft.description
    assert draft.fields["status"] == "1" and draft.fields["queueID"]


def test_create_ticket_links_it_with_its_live_status(as_operator, autotask_sim):
    run = _failed_run()
    html = _create(as_operator, run).get_data(as_text=True)
    assert "created in Autotask" in html
    ticket = db.session.scalar(select(Ticket))
    sent = _posts(autotask_sim)[0].body
    assert sent["companyID"] == ACME_COMPANY and sent["status"] == 1 or sent["status"] == "1"
    assert sent["externalID"].startswith("bc-")
    assert db.session.get(RunTicket, (run.id, ticket.id)) is not None
    page = as_operator.get(f"/run-checks/runs/{run.id}").get_data(as_text=True)
    assert ticket.number in page and "New" in page  # status label from the picklist
    assert "TicketDetail.mvc?ticketId=" in page  # opens in Autotask's web UI
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "autotask.ticket_created"))


def test_double_click_makes_one_ticket(as_operator, autotask_sim):
    run = _failed_run()
    _create(as_operator, run)
    html = _create(as_operator, run).get_data(as_text=True)
    assert "open ticket" in html
    assert len(_posts(autotask_sim)) == 1
    assert db.session.scalar(select(func.count(Ticket.id))) == 1


def test_second_failure_of_same_job_links_to_the_open_ticket(as_operator, autotask_sim):
    run = _failed_run()
    _create(as_operator, run)
    later = make_run(run.job, "failed")
    db.session.commit()
    html = _create(as_operator, later).get_data(as_text=True)
    assert "Linked to the open ticket" in html
    assert len(_posts(autotask_sim)) == 1
    assert db.session.scalar(select(func.count(RunTicket.run_id))) == 2


def test_two_operators_at_once_make_one_ticket(app, operator, admin, autotask_sim):
    from tests.conftest import login

    run_id = _failed_run().id
    autotask_sim.inject_fault("/Tickets", method="POST", sleep=0.5)  # keep the first one busy
    clients = [app.test_client(), app.test_client()]
    login(clients[0], operator)
    login(clients[1], admin)
    results = []
    threads = [threading.Thread(target=lambda c=c: results.append(_create(c, run_id).get_data(as_text=True)))
               for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(_posts(autotask_sim)) == 1
    assert any("created in Autotask" in r for r in results)


def test_timeout_during_create_then_retry_makes_no_duplicate(as_operator, autotask_sim, monkeypatch):
    run = _failed_run()
    monkeypatch.setattr(ticket_service, "make_client", _fast_client_factory())
    autotask_sim.inject_fault("/Tickets", method="POST", drop_response=True, sleep=1.5)
    html = _create(as_operator, run).get_data(as_text=True)
    assert "did not create the ticket" in html or "created in Autotask" in html
    # Autotask did make it although we never heard back; no Ticket recorded unless found.
    html = _create(as_operator, run).get_data(as_text=True)
    assert "earlier attempt" in html or "open ticket" in html
    assert len(_posts(autotask_sim)) == 1
    assert len(autotask_sim.state.tickets) == 6  # 5 demo tickets + exactly one new
    assert db.session.scalar(select(func.count(Ticket.id))) == 1


def _fast_client_factory():
    from backupchecks.autotask import config

    def make(**options):
        options["timeout"] = (2, 0.8)
        return config.make_client(**options)

    return make


def test_unmapped_customer_gets_a_clear_message_and_no_call(as_operator, autotask_sim):
    run = _failed_run(mapped=False)
    page = as_operator.get(f"/run-checks/runs/{run.id}").get_data(as_text=True)
    assert "is not mapped to an Autotask company" in page
    html = _create(as_operator, run).get_data(as_text=True)
    assert "not mapped to an Autotask company yet" in html
    assert _posts(autotask_sim) == []


def test_autotask_500_is_shown_in_words_and_nothing_recorded(as_operator, autotask_sim):
    run = _failed_run()
    autotask_sim.inject_fault("/Tickets", method="POST", status=500,
                              body={"errors": ["Queue is required."]})
    html = _create(as_operator, run).get_data(as_text=True)
    assert "Autotask did not create the ticket" in html and "Queue is required." in html
    assert db.session.scalar(select(func.count(Ticket.id))) == 0
    intent = db.session.scalar(select(TicketIntent))
    assert intent.state == "failed" and intent.open_job_id is None  # the job is free again
    html = _create(as_operator, run).get_data(as_text=True)
    assert "created in Autotask" in html


def test_autotask_401_is_explained(as_operator, autotask_sim):
    from backupchecks.settings import set_setting

    run = _failed_run()
    set_setting("autotask.secret", "wrong-secret")
    db.session.commit()
    html = _create(as_operator, run).get_data(as_text=True)
    assert "Autotask did not create the ticket" in html
    assert "wrong-secret" not in html
    assert db.session.scalar(select(func.count(Ticket.id))) == 0


def test_invalid_picklist_value_is_refused_before_any_call(as_operator, autotask_sim):
    run = _failed_run()
    html = _create(as_operator, run, queueID="99999").get_data(as_text=True)
    assert "is not a current value in Autotask" in html
    assert _posts(autotask_sim) == []


def test_viewer_cannot_create_tickets(as_viewer, autotask_sim):
    run = _failed_run()
    response = as_viewer.post(f"/run-checks/runs/{run.id}/ticket", data={"title": "x"})
    assert response.status_code == 403
    assert _posts(autotask_sim) == []


def test_link_existing_ticket_by_number(as_operator, autotask_sim):
    run = _failed_run()
    number = next(iter(autotask_sim.state.tickets.values()))["ticketNumber"]
    html = as_operator.post(f"/run-checks/runs/{run.id}/link", data={"reference": number},
                            follow_redirects=True).get_data(as_text=True)
    assert f"Run linked to ticket {number}" in html
    ticket = db.session.scalar(select(Ticket))
    assert ticket.origin == "linked" and ticket.status == "1"


def test_link_unknown_ticket_number(as_operator, autotask_sim):
    run = _failed_run()
    html = as_operator.post(f"/run-checks/runs/{run.id}/link", data={"reference": "T20990101.0001"},
                            follow_redirects=True).get_data(as_text=True)
    assert "Autotask has no ticket T20990101.0001" in html
    assert db.session.scalar(select(Ticket)) is None


def test_statuses_refresh_in_one_batched_query(as_operator, autotask_sim):
    from backupchecks.models.tickets import Ticket as T

    run = _failed_run()
    for row in list(autotask_sim.state.tickets.values()):
        db.session.add(T(autotask_id=row["id"], number=row["ticketNumber"], job_id=run.job_id,
                         customer_id=run.job.customer_id))
    db.session.commit()
    autotask_sim.clear_requests()
    html = as_operator.get("/tickets/?state=all").get_data(as_text=True)
    queries = [r for r in autotask_sim.requests if r.path == "/Tickets/query"]
    assert len(queries) == 1
    assert not [r for r in autotask_sim.requests if r.method == "GET" and r.path.startswith("/Tickets/")]
    assert "Complete" in html and "In Progress" in html


def test_ticket_deleted_in_autotask_is_marked_missing(as_operator, autotask_sim):
    run = _failed_run()
    _create(as_operator, run)
    ticket = db.session.scalar(select(Ticket))
    del autotask_sim.state.tickets[ticket.autotask_id]
    ticket.status_checked_at = None
    db.session.commit()
    html = as_operator.get("/tickets/?state=all").get_data(as_text=True)
    assert "missing in Autotask" in html
    assert db.session.get(Ticket, ticket.id).missing


def test_autotask_down_the_page_still_renders_with_a_notice(as_operator, autotask_sim):
    from backupchecks.settings import set_setting

    run = _failed_run()
    _create(as_operator, run)
    db.session.scalar(select(Ticket)).status_checked_at = None
    set_setting("autotask.zone_lookup_url", "http://127.0.0.1:9/ATServicesRest/V1.0/zoneInformation")
    db.session.commit()
    from backupchecks.autotask import clear_zone_cache

    clear_zone_cache()
    response = as_operator.get("/run-checks/")
    assert response.status_code == 200
    assert "Ticket statuses are shown as last seen" in response.get_data(as_text=True)


def test_resolve_closes_a_ticket_without_time_entries(as_operator, autotask_sim):
    run = _failed_run()
    _create(as_operator, run)
    ticket = db.session.scalar(select(Ticket))
    autotask_sim.clear_requests()
    html = as_operator.post(f"/tickets/{ticket.id}/resolve", data={"note": "Fixed the snapshot"},
                            follow_redirects=True).get_data(as_text=True)
    assert "Resolved: status set to Complete" in html
    calls = [(r.method, r.path) for r in autotask_sim.requests if r.path != "/zoneInformation"]
    assert calls == [("GET", f"/Tickets/{ticket.autotask_id}"),
                     ("POST", f"/Tickets/{ticket.autotask_id}/Notes"), ("PUT", "/Tickets"),
                     ("POST", "/TimeEntries/query"), ("GET", f"/Tickets/{ticket.autotask_id}"),
                     ("PUT", "/Tickets")]
    assert not [r for r in autotask_sim.requests if r.method == "PATCH"]
    row = autotask_sim.state.tickets[ticket.autotask_id]
    assert row["status"] == 5 and row["completedDate"] and row["resolution"] == "Fixed the snapshot"
    assert db.session.get(Ticket, ticket.id).resolved_at is not None
    # The job is free for a new ticket now.
    assert db.session.scalar(select(TicketIntent)).open_job_id is None


def test_resolve_leaves_a_ticket_with_time_entries_open(as_operator, autotask_sim):
    run = _failed_run()
    _create(as_operator, run)
    ticket = db.session.scalar(select(Ticket))
    autotask_sim.state.add_time_entry(ticket.autotask_id, 0.5)
    autotask_sim.state.add_time_entry(ticket.autotask_id, 1.0)
    html = as_operator.post(f"/tickets/{ticket.id}/resolve", data={"note": "ok"},
                            follow_redirects=True).get_data(as_text=True)
    assert "Left open: 2 time entries" in html
    assert autotask_sim.state.tickets[ticket.autotask_id]["status"] == 1
    assert db.session.get(Ticket, ticket.id).resolved_at is None


def test_success_after_ticket_resolves_when_configured(app, as_operator, autotask_sim):
    from backupchecks.settings import set_setting

    run = _failed_run()
    _create(as_operator, run)
    set_setting("autotask.on_success", "resolve")
    db.session.commit()
    good = make_run(run.job, "success")
    db.session.commit()
    ticket_service.after_runs_filed([good])
    ticket = db.session.scalar(select(Ticket))
    assert ticket.resolved_at is not None
    assert autotask_sim.state.tickets[ticket.autotask_id]["status"] == 5


def test_new_failure_on_import_links_to_open_ticket_and_notes_it(app, as_operator, autotask_sim):
    from backupchecks.settings import set_setting

    run = _failed_run()
    _create(as_operator, run)
    set_setting("autotask.note_on_repeat_failure", True)
    db.session.commit()
    again = make_run(run.job, "failed")
    db.session.commit()
    ticket_service.after_runs_filed([again])
    ticket = db.session.scalar(select(Ticket))
    assert db.session.get(RunTicket, (again.id, ticket.id)) is not None
    notes = _posts(autotask_sim, f"/Tickets/{ticket.autotask_id}/Notes")
    assert len(notes) == 1 and "failed again" in notes[0].body["description"]


def test_wrong_encryption_key_keeps_pages_up_and_says_why(app, as_operator, autotask_sim):
    from cryptography.fernet import Fernet

    run = _failed_run()
    _create(as_operator, run)
    app.config["ENCRYPTION_KEY"] = Fernet.generate_key().decode()  # as after a lost key
    assert as_operator.get("/run-checks/").status_code == 200
    assert as_operator.get("/tickets/").status_code == 200
    later = make_run(run.job, "failed")
    db.session.commit()
    ticket = db.session.scalar(select(Ticket))
    ticket.resolved_at = ticket.created_at  # free the job so a new ticket is attempted
    db.session.commit()
    html = _create(as_operator, later).get_data(as_text=True)
    assert "cannot be decrypted with BACKUPCHECKS_ENCRYPTION_KEY" in html


def test_autotask_dates_without_zone_are_utc():
    from datetime import UTC, datetime

    assert ticket_service.parse_api_datetime("2025-10-24T08:15:00") == datetime(2025, 10, 24, 8, 15,
                                                                                  tzinfo=UTC)
    assert ticket_service.parse_api_datetime("2025-10-24T08:15:00.000Z").tzinfo is not None
    assert ticket_service.parse_api_datetime("not a date") is None


def test_one_click_ticket_from_the_list_uses_the_draft(as_operator, autotask_sim):
    run = _failed_run()
    page = as_operator.get("/run-checks/").get_data(as_text=True)
    assert f'action="/run-checks/runs/{run.id}/ticket"' in page
    response = as_operator.post(f"/run-checks/runs/{run.id}/ticket",
                                data={"from_list": "1", "next": "/run-checks/?status=failed"})
    assert response.headers["Location"] == "/run-checks/?status=failed"
    sent = _posts(autotask_sim)[0].body
    assert sent["title"] == "Backup failed: Acme Logistics - Daily VMs"
    assert "SQL01: failed - Snapshot failed" in sent["description"]
    page = as_operator.get("/run-checks/").get_data(as_text=True)
    assert f'action="/run-checks/runs/{run.id}/ticket"' not in page  # the job has its ticket now
