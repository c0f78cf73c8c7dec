"""The operator's morning in a real browser, against the Autotask simulator."""

import pytest

from backupchecks.extensions import db
from tests.browser_support import browser_login
from tests.conftest import PASSWORD
from tests.factories import make_customer, make_job, make_run

pytestmark = pytest.mark.browser


def test_the_whole_morning(page, operator, autotask_sim):
    customer = make_customer("Acme Logistics", autotask_company_id=101,
                             autotask_company_name="Acme Logistics BV", mapping_state="ok")
    job = make_job(customer, "Daily VMs", host="veeam01")
    run = make_run(job, "failed", objects=[("SQL01", "failed", "Snapshot creation failed")])
    make_run(make_job(make_customer("Brouwer Accountants"), "NAS"), "success")
    db.session.commit()
    run_id = run.id

    browser_login(page, operator.email, PASSWORD)
    page.wait_for_url("**/")
    page.click("nav >> text=Run Checks")
    first_group = page.locator("section.customer-group").first
    assert first_group.get_attribute("data-customer") == "Acme Logistics"  # worst first
    assert "Snapshot creation failed" in first_group.inner_text()

    page.click(f"tr[data-run='{run_id}'] >> text=Open")
    assert page.input_value("input[name=title]") == "Backup failed: Acme Logistics - Daily VMs"
    page.click("#create-ticket-button")
    flash = page.locator(".flash-success").first.inner_text()
    assert "created in Autotask" in flash
    tickets_text = page.locator("#tickets").inner_text()
    assert "New" in tickets_text  # live status label from the picklist
    link = page.locator("#tickets a.ticket-link").first.get_attribute("href")
    assert "TicketDetail.mvc?ticketId=" in link

    page.click("#mark-reviewed")
    page.goto("/run-checks/")
    assert page.locator("section[data-customer='Acme Logistics']").count() == 0

    page.click("nav >> text=Tickets")
    page.click("summary:has-text('Resolve')")
    page.fill("textarea[name=note]", "Snapshot issue fixed, backup ran fine.")
    page.click("button:has-text('Resolve safely')")
    assert "Resolved: status set to Complete" in page.locator(".flash-success").first.inner_text()

    calls = [(r.method, r.path) for r in autotask_sim.requests if r.path != "/zoneInformation"]
    assert ("POST", "/Tickets") in calls
    assert not [c for c in calls if c[0] == "PATCH"]
    assert not [c for c in calls if c[1] in ("/TicketNotes", "/TicketNote")]
    puts = [i for i, c in enumerate(calls) if c == ("PUT", "/Tickets")]
    assert len(puts) == 2
    for index in puts:  # every update was preceded by a fresh GET of the ticket
        assert calls[index - 1][0] == "GET" or calls[index - 2][0] == "GET"
    ticket = next(iter(t for t in autotask_sim.state.tickets.values() if t["companyID"] == 101
                       and t["title"].startswith("Backup failed: Acme")))
    assert ticket["status"] == 5 and ticket["completedDate"]
