"""Mapping customers to Autotask companies, against the simulator over real HTTP."""

from __future__ import annotations

import socket

from sqlalchemy import select

from backupchecks.autotask.simulator import SimulatorServer
from backupchecks.extensions import db
from backupchecks.models.jobs import Customer
from backupchecks.models.settings import AuditEntry
from backupchecks.settings import set_setting
from tests.customers.conftest import add_customer, companies_queries, company_id, point_app_at

JSON = {"Accept": "application/json"}


def audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


# ------------------------------------------------------------------ search


def test_search_lists_active_companies_first_and_marks_inactive(as_operator, autotask):
    response = as_operator.get("/customers/companies?q=acme", headers=JSON)
    assert response.status_code == 200
    data = response.get_json()
    assert [(c["name"], c["active"]) for c in data["companies"]] == [
        ("Acme Logistics BV", True), ("Acme Old Holding", False)]
    assert data["companies"][0]["id"] == company_id(autotask, "Acme Logistics BV")
    assert data["suggestion"] is None  # no customer given
    assert companies_queries(autotask) == 1


def test_search_suggests_a_close_name_for_the_customer(as_operator, autotask):
    customer = add_customer("Acme Logistics")
    data = as_operator.get(f"/customers/companies?q=Acme&customer={customer.id}",
                           headers=JSON).get_json()
    assert data["suggestion"]["name"] == "Acme Logistics BV"
    assert data["suggestion"]["id"] == company_id(autotask, "Acme Logistics BV")


def test_search_needs_two_characters_and_makes_no_call(as_operator, autotask):
    response = as_operator.get("/customers/companies?q=a", headers=JSON)
    assert response.status_code == 400
    assert "at least 2 characters" in response.get_json()["error"]
    assert autotask.api_calls() == []


def test_edit_page_searches_without_script(as_operator, autotask):
    customer = add_customer("Brouwer")
    page = as_operator.get(f"/customers/{customer.id}?q=brouwer").get_data(as_text=True)
    assert "Brouwer Accountants" in page
    assert "Did you mean <strong>Brouwer Accountants</strong>?" in page


# ----------------------------------------------------------------- mapping


def test_map_takes_the_name_from_autotask_not_from_the_browser(as_operator, autotask):
    customer = add_customer("Acme")
    acme = company_id(autotask, "Acme Logistics BV")
    response = as_operator.post(f"/customers/{customer.id}/map",
                                data={"company_id": acme, "name": "Forged"}, headers=JSON)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["state"] == "ok"
    customer = db.session.get(Customer, customer.id)
    assert (customer.autotask_company_id, customer.autotask_company_name,
            customer.mapping_state) == (acme, "Acme Logistics BV", "ok")
    assert ("GET", f"/Companies/{acme}") in autotask.api_calls()
    assert "Acme Logistics BV" in audit("customer.mapped")[0].detail
    row = as_operator.get("/customers").get_data(as_text=True)
    assert 'data-state="ok"' in row


def test_map_to_an_inactive_or_unknown_company_is_refused(as_operator, autotask):
    customer = add_customer("Friesland")
    inactive = company_id(autotask, "Friesland Transport")
    response = as_operator.post(f"/customers/{customer.id}/map", data={"company_id": inactive},
                                headers=JSON)
    assert response.status_code == 400
    assert "inactive in Autotask" in response.get_json()["error"]
    response = as_operator.post(f"/customers/{customer.id}/map", data={"company_id": 99999},
                                headers=JSON)
    assert response.get_json()["error"] == "Autotask has no company with id 99999."
    assert db.session.get(Customer, customer.id).autotask_company_id is None
    assert len(audit("customer.map_failed")) == 2


def test_plain_form_map_redirects_with_a_message(as_operator, autotask):
    customer = add_customer("Brouwer")
    response = as_operator.post(f"/customers/{customer.id}/map", follow_redirects=True, data={
        "company_id": company_id(autotask, "Brouwer Accountants"), "back": "edit"})
    assert response.status_code == 200
    assert "Brouwer is mapped to Brouwer Accountants" in response.get_data(as_text=True)
    assert response.request.path == f"/customers/{customer.id}"


# ----------------------------------------------------------------- refresh


def _mapped(sim: SimulatorServer, name: str, company: str, label: str | None = None) -> Customer:
    return add_customer(name, autotask_company_id=company_id(sim, company),
                        autotask_company_name=label or company, mapping_state="ok")


def test_refresh_marks_ok_renamed_and_missing_in_one_query(as_operator, autotask):
    ok = _mapped(autotask, "Brouwer", "Brouwer Accountants")
    renamed = _mapped(autotask, "Acme", "Acme Logistics BV")
    gone = _mapped(autotask, "Cornelis", "Cornelis Bouw")
    inactive = _mapped(autotask, "Eikenhof", "Eikenhof Zorg")
    unlabelled = add_customer("Groen", autotask_company_id=company_id(autotask, "Groen & Zonen"))
    add_customer("Hendriks")  # not mapped: not asked for
    # Change the tenant behind the app's back.
    autotask.state.companies[renamed.autotask_company_id]["companyName"] = "Acme Logistics NV"
    del autotask.state.companies[gone.autotask_company_id]
    autotask.state.companies[inactive.autotask_company_id]["isActive"] = False

    response = as_operator.post("/customers/refresh-mappings", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Checked 5 mapped customer(s) in 1 Autotask query: 2 ok, 1 renamed, 2 missing." in page
    assert companies_queries(autotask) == 1
    query = next(r for r in autotask.requests if r.path == "/Companies/query")
    assert query.body["filter"][0]["op"] == "in"

    states = {c.name: (c.mapping_state, c.autotask_company_name)
              for c in db.session.scalars(select(Customer))}
    assert states["Brouwer"] == ("ok", "Brouwer Accountants")
    assert states["Acme"] == ("renamed", "Acme Logistics BV")  # label kept until accepted
    assert states["Cornelis"][0] == "missing"
    assert states["Eikenhof"][0] == "missing"
    assert states["Groen"] == ("ok", "Groen & Zonen")  # a missing label is filled in
    assert states["Hendriks"] == (None, None)
    # The page shows both names, and says why a mapping is missing.
    assert "Autotask now:" in page and "Acme Logistics NV" in page
    assert f"Autotask company {gone.autotask_company_id} no longer exists" in page
    assert f"Autotask company {inactive.autotask_company_id} (Eikenhof Zorg) is inactive" in page
    del ok, unlabelled


def test_refresh_again_writes_no_duplicate_notes(as_operator, autotask):
    renamed = _mapped(autotask, "Acme", "Acme Logistics BV")
    autotask.state.companies[renamed.autotask_company_id]["companyName"] = "Acme NV"
    as_operator.post("/customers/refresh-mappings")
    as_operator.post("/customers/refresh-mappings")
    assert len(audit("customer.mapping_renamed")) == 1
    assert len(audit("customer.mappings_refreshed")) == 2
    autotask.state.companies[renamed.autotask_company_id]["companyName"] = "Acme Group"
    as_operator.post("/customers/refresh-mappings")
    notes = audit("customer.mapping_renamed")
    assert len(notes) == 2 and notes[-1].detail.endswith("is now called Acme Group")
    assert db.session.get(Customer, renamed.id).mapping_note == "Acme Group"


def test_refresh_batches_five_hundred_ids_a_query(app, as_operator, autotask):
    for n in range(501):
        autotask.state.add("Companies", {"companyName": f"Bulk {n:03d}", "companyType": 1,
                                         "isActive": True})
    bulk = {row["companyName"]: cid for cid, row in autotask.state.companies.items()}
    db.session.add_all([
        Customer(name=f"Bulk {n:03d}", autotask_company_id=bulk[f"Bulk {n:03d}"],
                 autotask_company_name=f"Bulk {n:03d}", mapping_state="ok")
        for n in range(501)
    ])
    db.session.commit()
    response = as_operator.post("/customers/refresh-mappings", follow_redirects=True)
    assert "Checked 501 mapped customer(s) in 2 Autotask queries: 501 ok" in response.get_data(
        as_text=True)
    assert companies_queries(autotask) == 2


def test_accept_new_name_reads_it_fresh_from_autotask(as_operator, autotask):
    customer = _mapped(autotask, "Acme", "Acme Logistics BV")
    autotask.state.companies[customer.autotask_company_id]["companyName"] = "Acme NV"
    as_operator.post("/customers/refresh-mappings")
    page = as_operator.get("/customers").get_data(as_text=True)
    assert "Accept new name" in page
    response = as_operator.post(f"/customers/{customer.id}/accept-name", follow_redirects=True)
    assert "Acme: the Autotask name is now Acme NV." in response.get_data(as_text=True)
    customer = db.session.get(Customer, customer.id)
    assert (customer.autotask_company_name, customer.mapping_state) == ("Acme NV", "ok")


def test_unmap_from_the_page(as_operator, autotask):
    customer = _mapped(autotask, "Acme", "Acme Logistics BV")
    as_operator.post(f"/customers/{customer.id}/unmap")
    assert db.session.get(Customer, customer.id).autotask_company_id is None
    assert autotask.api_calls() == []  # unmapping needs no Autotask call


# ------------------------------------------------------------ Autotask down


def test_not_configured_says_so(as_operator, sim):
    customer = add_customer("Acme", autotask_company_id=101, autotask_company_name="Acme",
                            mapping_state="ok")
    page = as_operator.get("/customers").get_data(as_text=True)
    assert "Autotask is not configured" in page
    response = as_operator.get("/customers/companies?q=acme", headers=JSON)
    assert response.status_code == 503
    assert "Autotask is not configured" in response.get_json()["error"]
    response = as_operator.post("/customers/refresh-mappings", follow_redirects=True)
    assert "Refresh all mappings failed: Autotask is not configured" in response.get_data(as_text=True)
    assert db.session.get(Customer, customer.id).mapping_state == "ok"
    assert sim.requests == []


def test_wrong_secret_gives_a_clear_message(app, as_operator, sim):
    point_app_at(sim, secret="not-the-secret")
    response = as_operator.get("/customers/companies?q=acme", headers=JSON)
    assert response.status_code == 502
    assert response.get_json()["error"] == (
        "Autotask search failed: Autotask refused the API user name or secret (HTTP 401).")


def test_server_error_on_refresh_changes_nothing(as_operator, autotask):
    customer = _mapped(autotask, "Acme", "Acme Logistics BV")
    autotask.state.companies[customer.autotask_company_id]["companyName"] = "Acme NV"
    autotask.inject_fault("/Companies/query", status=500, count=5)
    response = as_operator.post("/customers/refresh-mappings", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Refresh all mappings failed: Autotask refused POST /Companies/query" in page
    assert "Nothing was changed." in page
    assert db.session.get(Customer, customer.id).mapping_state == "ok"
    failed = audit("customer.mappings_refresh_failed")
    assert len(failed) == 1 and "Companies/query" in failed[0].detail
    assert audit("customer.mappings_refreshed") == []


def test_rate_limit_on_search_gives_a_clear_message(as_operator, autotask):
    autotask.inject_fault("/Companies/query", status=429, count=5, headers={"Retry-After": "0"},
                          body={"errors": ["thread threshold of 3 threads has been exceeded"]})
    response = as_operator.get("/customers/companies?q=acme", headers=JSON)
    assert response.status_code == 502
    assert "refusing requests for now" in response.get_json()["error"]


def test_unreachable_autotask_on_map_changes_nothing(app, as_operator, sim):
    point_app_at(sim)
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    set_setting("autotask.zone_lookup_url",
                f"http://127.0.0.1:{closed}/ATServicesRest/V1.0/zoneInformation")
    db.session.commit()
    customer = add_customer("Acme")
    response = as_operator.post(f"/customers/{customer.id}/map", data={"company_id": 101},
                                headers=JSON)
    assert response.status_code == 502
    assert "Could not connect to Autotask" in response.get_json()["error"]
    assert db.session.get(Customer, customer.id).autotask_company_id is None
    assert len(audit("customer.map_failed")) == 1


def test_slow_autotask_times_out_with_a_clear_message(as_operator, autotask, monkeypatch):
    from backupchecks.checks import customers as service

    # Short waits keep the test quick; the code path is the one a slow tenant takes.
    monkeypatch.setitem(service.SEARCH_CLIENT_OPTIONS, "timeout", (1.0, 0.3))
    monkeypatch.setitem(service.SEARCH_CLIENT_OPTIONS, "max_retries", 0)
    autotask.inject_fault("/Companies/query", sleep=0.8)
    response = as_operator.get("/customers/companies?q=acme", headers=JSON)
    assert response.status_code == 502
    assert response.get_json()["error"] == (
        "Autotask search failed: Autotask did not answer in time. (POST /Companies/query)")
