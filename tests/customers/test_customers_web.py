"""The Customers pages over HTTP: roles, the list, add/rename/(de)activate."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import event, func, select

from backupchecks.extensions import db
from backupchecks.models.jobs import Customer
from tests.customers.conftest import add_customer

# Every write of the Customers page, with a body that would work for an operator.
WRITES = [
    ("/customers/add", {"name": "New"}),
    ("/customers/{id}/rename", {"name": "Renamed"}),
    ("/customers/{id}/deactivate", {}),
    ("/customers/{id}/activate", {}),
    ("/customers/{id}/map", {"company_id": "101"}),
    ("/customers/{id}/unmap", {}),
    ("/customers/{id}/accept-name", {}),
    ("/customers/refresh-mappings", {}),
    ("/customers/import", {"file": b"name\nNew\n"}),
]


@pytest.mark.parametrize("path, data", WRITES)
def test_viewer_is_refused_every_write(as_viewer, path, data):
    customer = add_customer("Acme", active=False, autotask_company_id=101,
                            autotask_company_name="Acme", mapping_state="renamed")
    before = (customer.name, customer.active, customer.autotask_company_id, customer.mapping_state)
    # A file is read once: make a fresh one for every run.
    body = {k: (io.BytesIO(v), "c.csv") if isinstance(v, bytes) else v for k, v in data.items()}
    response = as_viewer.post(path.format(id=customer.id), data=body)
    assert response.status_code == 403
    customer = db.session.get(Customer, customer.id)
    assert (customer.name, customer.active, customer.autotask_company_id,
            customer.mapping_state) == before
    assert db.session.scalar(select(func.count(Customer.id))) == 1


def test_viewer_may_not_search_autotask(as_viewer):
    response = as_viewer.get("/customers/companies?q=acme", headers={"Accept": "application/json"})
    assert response.status_code == 403
    assert response.get_json()["status"] == 403


def test_viewer_sees_the_list_and_exports_but_gets_no_buttons(as_viewer):
    customer = add_customer("Acme", jobs=2)
    page = as_viewer.get("/customers").get_data(as_text=True)
    assert 'data-customer="Acme"' in page
    for control in ("Refresh all mappings", "Add a customer", "Import CSV", "Deactivate", "Map…"):
        assert control not in page, control
    assert as_viewer.get("/customers/export.csv").status_code == 200
    edit = as_viewer.get(f"/customers/{customer.id}?q=acme").get_data(as_text=True)
    assert "rename-form" not in edit
    assert "Only operators can search Autotask." not in edit  # no search box for viewers at all


def test_writes_need_a_csrf_token(as_operator):
    response = as_operator.post("/customers/add", data={"name": "Sneaky"}, csrf=False)
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(Customer.id))) == 0


def test_nav_points_at_the_customers_page(as_operator):
    page = as_operator.get("/").get_data(as_text=True)
    assert 'href="/customers"' in page
    assert as_operator.get("/customers").status_code == 200
    assert as_operator.get("/customers/").status_code == 200


def test_operator_adds_renames_and_deactivates(as_operator):
    response = as_operator.post("/customers/add", data={"name": "  Acme  BV "}, follow_redirects=True)
    assert "Customer Acme BV added." in response.get_data(as_text=True)
    customer = db.session.scalar(select(Customer))
    response = as_operator.post("/customers/add", data={"name": "acme bv"}, follow_redirects=True)
    assert "A customer named &#39;Acme BV&#39; already exists." in response.get_data(as_text=True)

    response = as_operator.post(f"/customers/{customer.id}/rename",
                                data={"name": "Acme Logistics", "back": "edit"}, follow_redirects=True)
    assert response.request.path == f"/customers/{customer.id}"
    assert "Acme BV is now called Acme Logistics." in response.get_data(as_text=True)

    response = as_operator.post(f"/customers/{customer.id}/deactivate", follow_redirects=True)
    assert "Acme Logistics deactivated." in response.get_data(as_text=True)
    assert db.session.get(Customer, customer.id).active is False
    assert 'class="inactive"' in response.get_data(as_text=True)
    as_operator.post(f"/customers/{customer.id}/activate")
    assert db.session.get(Customer, customer.id).active is True


def test_unknown_customer_is_404(as_operator):
    assert as_operator.get("/customers/999").status_code == 404
    assert as_operator.post("/customers/999/rename", data={"name": "x"}).status_code == 404


def test_list_page_shows_counts_and_states(as_operator):
    add_customer("Acme", jobs=3, archived=1, autotask_company_id=101,
                 autotask_company_name="Acme Logistics BV", mapping_state="ok")
    add_customer("Brouwer", autotask_company_id=102, autotask_company_name="Brouwer",
                 mapping_state="missing")
    add_customer("Cornelis")
    page = as_operator.get("/customers").get_data(as_text=True)
    assert "3 customer(s) · 2 mapped to Autotask" in page
    assert "1 need attention" in page
    assert '<td class="jobs">3 <small class="muted">(+1 archived)</small></td>' in page
    assert 'data-state="ok"' in page and 'data-state="missing"' in page
    assert 'data-state="unmapped"' in page
    assert "Acme Logistics BV" in page and "#101" in page


def test_list_page_query_count_does_not_grow_with_customers(as_operator):
    def queries_for_list_page() -> int:
        count = 0

        def listener(*_: object) -> None:
            nonlocal count
            count += 1

        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert as_operator.get("/customers").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return count

    add_customer("First", jobs=1, autotask_company_id=1, autotask_company_name="F",
                 mapping_state="renamed")
    few = queries_for_list_page()
    for n in range(40):
        add_customer(f"Customer {n}", jobs=2, archived=1, autotask_company_id=100 + n,
                     autotask_company_name="X", mapping_state="missing" if n % 3 else "ok")
    assert queries_for_list_page() == few
