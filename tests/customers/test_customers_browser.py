"""Mapping a customer in a real browser: type, pick a company, see the state ok."""

from __future__ import annotations

import pytest

from backupchecks.extensions import db
from backupchecks.models.jobs import Customer
from tests.browser_support import browser_login
from tests.conftest import PASSWORD
from tests.customers.conftest import add_customer, companies_queries, company_id

pytestmark = pytest.mark.browser


def test_search_as_you_type_and_map(page, operator, autotask):
    customer = add_customer("Brouwer", jobs=1)
    browser_login(page, operator.email, PASSWORD)
    page.wait_for_url("**/")
    page.goto("/customers")
    row = page.locator(f'tr[data-id="{customer.id}"]')
    assert row.locator("[data-state]").inner_text() == "not mapped"

    row.locator("a.map-open").click()
    dialog = page.locator("#map-dialog")
    dialog.wait_for(state="visible")
    # Opening searches for the customer's first word and suggests the close name.
    dialog.locator(".suggestion").wait_for()
    assert "Did you mean Brouwer Accountants?" in dialog.locator(".suggestion").inner_text()

    autotask.clear_requests()
    search = dialog.locator("input.mapper-q")
    search.fill("")
    search.press_sequentially("Acm", delay=40)  # typed faster than the debounce
    dialog.locator(".mapper-results li", has_text="Acme Old Holding").wait_for()
    assert companies_queries(autotask) == 1  # one search for the whole word, not one per key
    results = dialog.locator(".mapper-results li")
    assert results.nth(0).locator(".company-name").inner_text() == "Acme Logistics BV"
    inactive = results.filter(has_text="Acme Old Holding")
    assert "inactive in Autotask" in inactive.inner_text()
    assert inactive.locator("button").count() == 0  # an inactive company cannot be picked

    results.filter(has_text="Acme Logistics BV").locator("button.map-company").click()
    # The page reloads; wait for the row in its new state (the CSP forbids wait_for_function).
    state = page.locator(f'tr[data-id="{customer.id}"] [data-state="ok"]')
    state.wait_for()
    assert state.inner_text() == "ok"
    assert "Acme Logistics BV" in page.locator(f'tr[data-id="{customer.id}"] td.company').inner_text()
    assert "Brouwer is mapped to Acme Logistics BV" in page.locator(".flash").inner_text()
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).autotask_company_id == company_id(
        autotask, "Acme Logistics BV")
