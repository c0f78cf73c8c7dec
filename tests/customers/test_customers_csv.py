"""CSV export and import: round trip, Excel's dialects, per-line errors, all or nothing."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from backupchecks.checks import customers as service
from backupchecks.checks.customers import ImportRejected
from backupchecks.extensions import db
from backupchecks.models.jobs import Customer
from backupchecks.models.settings import AuditEntry
from tests.customers.conftest import add_customer, companies_queries, company_id


def no_autotask():
    raise AssertionError("this import must not ask Autotask")


def snapshot() -> list[tuple]:
    db.session.expire_all()
    return [(c.name, c.active, c.autotask_company_id, c.autotask_company_name, c.mapping_state)
            for c in db.session.scalars(select(Customer).order_by(Customer.name))]


def upload(client, data: bytes, filename: str = "customers.csv"):
    return client.post("/customers/import", data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data", follow_redirects=True)


def test_export_then_import_changes_nothing(as_operator):
    add_customer("Acme", autotask_company_id=101, autotask_company_name="Acme Logistics BV",
                 mapping_state="ok")
    add_customer("Brouwer; Zonen, \"BV\"", active=False)
    add_customer("=HYPERLINK(\"x\")")  # a name a spreadsheet would run as a formula
    add_customer("Ééntje ünïcode")
    response = as_operator.get("/customers/export.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.data
    assert body.startswith(b"\xef\xbb\xbf" + b"name,active,autotask_company_id\r\n")
    text = body.decode("utf-8-sig")
    assert "Acme,yes,101\r\n" in text
    assert '"Brouwer; Zonen, ""BV""",no,\r\n' in text
    assert "'=HYPERLINK" in text  # guarded against formula injection
    before = snapshot()
    result = service.import_csv(body, no_autotask)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 4)
    db.session.commit()
    assert snapshot() == before


def test_excel_semicolons_and_bom_create_and_update_by_name(app, autotask):
    add_customer("Acme", active=True)
    add_customer("Brouwer", active=True, autotask_company_id=102,
                 autotask_company_name="Brouwer Accountants", mapping_state="ok")
    acme_id = company_id(autotask, "Acme Logistics BV")
    data = ("\ufeffName;Active;Autotask company id\r\n"
            f"ACME;ja;{acme_id}\r\n"
            "Brouwer;nee;\r\n"
            ";;\r\n"
            "Cornelis Bouw;;\r\n").encode()

    def factory():
        from backupchecks.autotask.config import make_client
        return make_client()

    result = service.import_csv(data, factory)
    db.session.commit()
    assert (result.created, result.updated, result.unchanged) == (1, 2, 0)
    assert snapshot() == [
        ("Acme", True, acme_id, "Acme Logistics BV", "ok"),  # matched without regard to case
        ("Brouwer", False, 102, "Brouwer Accountants", "ok"),  # empty id: mapping left alone
        ("Cornelis Bouw", True, None, None, None),
    ]
    assert companies_queries(autotask) == 1
    imported = db.session.scalars(select(AuditEntry.detail).where(
        AuditEntry.action == "customer.imported")).all()
    assert any("mapped to Autotask company" in d for d in imported)


def test_bad_lines_are_reported_in_words_and_nothing_is_saved(as_operator):
    add_customer("Existing")
    before = snapshot()
    data = ("name,active,autotask_company_id\n"
            "Good One,yes,\n"
            ",yes,\n"
            "Maybe,perhaps,\n"
            "Bad Id,yes,12a\n"
            "good one,no,\n"
            "Too,many,1,values\n"
            f"{'x' * 201},,\n").encode()
    response = upload(as_operator, data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Nothing was imported." in page
    for expected in (
        "Line 3: A customer needs a name.",
        "Line 4: active must be yes or no, not &#39;perhaps&#39;.",
        "Line 5: autotask_company_id must be a whole number like 123, not &#39;12a&#39;.",
        "Line 6: &#39;good one&#39; is already on line 2.",
        "Line 7: 4 values, but the header has 3 columns.",
        "Line 8: A customer name has at most 200 characters.",
    ):
        assert expected in page, expected
    assert snapshot() == before  # "Good One" was not saved either


@pytest.mark.parametrize("data, message", [
    (b"", "The file is empty."),
    (b"\xef\xbb\xbf\r\n\r\n", "The file is empty."),
    (b"name,active\n", "The file has a header but no customers."),
    (b"naam,actief\nAcme,ja\n", "unknown column(s) naam, actief"),
    (b"active\nyes\n", "the header needs a name column"),
    (b"name,name\nA,B\n", "column(s) name appear more than once"),
    ("name\nCaf\u00e9\n".encode("cp1252"), "not UTF-8"),
    (b"name\n\x00\n", "not a CSV text file"),
])
def test_unreadable_files_are_refused(app, data, message):
    with pytest.raises(ImportRejected) as caught:
        service.parse_csv(data)
    assert message in " ".join(caught.value.errors)


def test_unknown_and_inactive_company_ids_are_refused(app, autotask):
    inactive = company_id(autotask, "Friesland Transport")
    data = f"name,autotask_company_id\nA,{inactive}\nB,99999\nC,101\n".encode()
    from backupchecks.autotask.config import make_client
    with pytest.raises(ImportRejected) as caught:
        service.import_csv(data, make_client)
    assert caught.value.errors == [
        f"Line 2: Autotask company {inactive} (Friesland Transport) is inactive.",
        "Line 3: Autotask has no company with id 99999.",
    ]
    db.session.rollback()
    assert snapshot() == []


def test_autotask_down_during_import_imports_nothing(as_operator, autotask):
    autotask.inject_fault("/Companies/query", status=500, count=5)
    response = upload(as_operator, b"name,autotask_company_id\nNew Customer,101\n")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Could not check the Autotask company ids: Autotask refused POST /Companies/query" in page
    assert db.session.scalar(select(func.count(Customer.id))) == 0
    failed = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "customer.import_failed")).all()
    assert len(failed) == 1


def test_upload_without_a_file_says_so(as_operator):
    response = upload(as_operator, b"", filename="")
    assert "Choose a CSV file to import." in response.get_data(as_text=True)


def test_upload_imports_and_says_what_it_did(as_operator):
    response = upload(as_operator, b"name\nAcme\nBrouwer\n")
    assert response.status_code == 200
    assert "Imported: 2 created, 0 updated, 0 unchanged." in response.get_data(as_text=True)
    assert [row[0] for row in snapshot()] == ["Acme", "Brouwer"]


def test_too_large_a_file_is_refused(app):
    with pytest.raises(ImportRejected, match="larger than 2 MB"):
        service.parse_csv(b"name\n" + b"x" * service.CSV_MAX_BYTES)
