"""The customer service functions, without HTTP and without Autotask."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from backupchecks.checks import customers as service
from backupchecks.checks.customers import CompanyHit, CustomerError
from backupchecks.extensions import db
from backupchecks.models.jobs import Customer
from backupchecks.models.settings import AuditEntry
from tests.customers.conftest import add_customer


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_create_trims_and_audits(app):
    customer = service.create("  Acme   Logistics ")
    db.session.commit()
    assert customer.name == "Acme Logistics"
    assert customer.active is True
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "customer.created"))
    assert entry.target == f"customer {customer.id}"
    assert entry.detail == "Acme Logistics"


@pytest.mark.parametrize("name, message", [
    ("", "needs a name"),
    ("   ", "needs a name"),
    ("x" * 201, "at most 200"),
    ("Acme\x07", "control characters"),
])
def test_create_refuses_bad_names(app, name, message):
    with pytest.raises(CustomerError, match=message):
        service.create(name)


def test_names_are_unique_without_regard_to_case(app):
    add_customer("Acme")
    with pytest.raises(CustomerError, match="already exists"):
        service.create("ACME")
    other = add_customer("Brouwer")
    with pytest.raises(CustomerError, match="already exists"):
        service.rename(other, "acme")


def test_rename_changes_case_and_audits_old_and_new(app):
    customer = add_customer("acme")
    assert service.rename(customer, "Acme") is True
    assert service.rename(customer, "Acme") is False  # nothing to do, nothing audited
    db.session.commit()
    assert customer.name == "Acme"
    details = list(db.session.scalars(
        select(AuditEntry.detail).where(AuditEntry.action == "customer.renamed")))
    assert details == ["acme -> Acme"]


def test_set_active_only_audits_a_change(app):
    customer = add_customer("Acme")
    assert service.set_active(customer, True) is False
    assert service.set_active(customer, False) is True
    assert service.set_active(customer, True) is True
    db.session.commit()
    assert customer.active is True
    assert audit_actions() == ["customer.deactivated", "customer.activated"]


def test_unmap_clears_the_mapping(app):
    customer = add_customer("Acme", autotask_company_id=101, autotask_company_name="Acme BV",
                            mapping_state="ok")
    assert service.unmap(customer) is True
    assert service.unmap(customer) is False
    db.session.commit()
    assert (customer.autotask_company_id, customer.autotask_company_name,
            customer.mapping_state) == (None, None, None)
    assert audit_actions() == ["customer.unmapped"]


def test_list_counts_jobs_and_archived_jobs(app):
    add_customer("Brouwer", jobs=2, archived=1)
    add_customer("acme")
    add_customer("Cornelis", jobs=1, autotask_company_id=103, autotask_company_name="Cornelis Bouw",
                 mapping_state="ok")
    rows = service.list_customers()
    assert [(r.customer.name, r.jobs, r.archived_jobs, r.state) for r in rows] == [
        ("acme", 0, 0, "unmapped"),  # sorted without regard to case
        ("Brouwer", 2, 1, "unmapped"),
        ("Cornelis", 1, 0, "ok"),
    ]
    assert rows[0].state_label == "not mapped"


def test_list_makes_a_fixed_number_of_queries(app):
    def count_queries() -> int:
        statements: list[str] = []

        def listener(*args: object) -> None:
            statements.append(str(args[2]))

        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            db.session.expire_all()
            rows = service.list_customers()
            assert all(r.jobs >= 0 for r in rows)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    for n in range(3):
        add_customer(f"Small {n}", jobs=2, autotask_company_id=200 + n, autotask_company_name="X",
                     mapping_state="renamed" if n == 0 else "ok")
    few = count_queries()
    for n in range(30):
        add_customer(f"Many {n}", jobs=3, archived=1, autotask_company_id=300 + n,
                     autotask_company_name="Y", mapping_state="missing" if n % 2 else "ok")
    assert count_queries() == few <= 3


def test_the_note_is_shown_only_for_renamed_or_missing_mappings(app):
    add_customer("Acme", autotask_company_id=101, autotask_company_name="Acme BV",
                 mapping_state="renamed", mapping_note="Acme Two")
    add_customer("Brouwer", autotask_company_id=102, autotask_company_name="B",
                 mapping_state="ok", mapping_note="left over from an older check")
    db.session.commit()
    rows = {r.customer.name: r for r in service.list_customers()}
    assert rows["Acme"].note == "Acme Two"
    assert rows["Brouwer"].note is None


@pytest.mark.parametrize("name, query", [
    ("Acme Logistics", "Acme"),
    ("De Vries Tandartsen", "Vries"),
    ("BV IJssel Metaal", "IJssel"),
    ("A B", "A B"),
])
def test_suggestion_query_is_the_first_telling_word(name, query):
    assert service.suggestion_query(name) == query


def test_suggest_picks_the_closest_active_company():
    hits = [
        CompanyHit(1, "Acme Old Holding", False),
        CompanyHit(2, "Acme Logistics BV", True),
        CompanyHit(3, "Acme Logistiek", True),
    ]
    found = service.suggest("Acme Logistics", hits)
    assert found is not None and found.company.id == 2
    assert found.score == pytest.approx(1.0)
    # Close only to an inactive company, or to nothing: no suggestion.
    assert service.suggest("Acme Old Holding", hits[:1]) is None
    assert service.suggest("Zeeland Zorg", hits) is None


def test_customer_row_for_one_customer(app):
    customer = add_customer("Acme", jobs=1, archived=2)
    row = service.customer_row(customer)
    assert (row.jobs, row.archived_jobs, row.state) == (1, 2, "unmapped")
    assert db.session.get(Customer, customer.id) is customer
