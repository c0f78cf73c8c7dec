"""The Run Checks page and its actions (server side)."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import event, select

from backupchecks.checks import overrides, review
from backupchecks.extensions import db
from backupchecks.models.checks import Override, Remark, RunOverride
from backupchecks.models.jobs import Run
from backupchecks.models.settings import AuditEntry
from tests.factories import make_customer, make_job, make_run


def _three_customers():
    acme = make_customer("Acme Logistics")
    brouwer = make_customer("Brouwer Accountants")
    calm = make_customer("Calm Dental")
    runs = {
        "acme_ok": make_run(make_job(acme, "Daily VMs"), "success"),
        "brouwer_fail": make_run(make_job(brouwer, "File server"), "failed"),
        "calm_warn": make_run(make_job(calm, "NAS to cloud", product="Synology Hyper Backup"), "warning"),
    }
    db.session.commit()
    return runs


def test_worklist_groups_by_customer_worst_first(app):
    _three_customers()
    work = review.worklist()
    assert [c.customer.name for c in work.customers] == [
        "Brouwer Accountants", "Calm Dental", "Acme Logistics"]
    assert work.total == 3


def test_page_lists_unreviewed_runs_worst_first(as_viewer):
    _three_customers()
    html = as_viewer.get("/run-checks/").get_data(as_text=True)
    order = [html.index(f'data-customer="{n}"') for n in ("Brouwer Accountants", "Calm Dental",
                                                          "Acme Logistics")]
    assert order == sorted(order)
    assert "Disk full" in html
    assert 'name="run_id"' not in html  # viewers get no action controls


def test_filters_by_status_customer_product_and_date(app, as_operator):
    runs = _three_customers()
    html = as_operator.get("/run-checks/?status=failed").get_data(as_text=True)
    assert 'data-customer="Brouwer Accountants"' in html and 'data-customer="Calm Dental"' not in html
    customer_id = runs["calm_warn"].job.customer_id
    html = as_operator.get(f"/run-checks/?customer={customer_id}").get_data(as_text=True)
    assert 'data-customer="Calm Dental"' in html and 'data-customer="Brouwer' not in html
    html = as_operator.get("/run-checks/?product=Synology+Hyper+Backup").get_data(as_text=True)
    assert "NAS to cloud" in html and "File server" not in html
    tomorrow = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    html = as_operator.get(f"/run-checks/?from={tomorrow}").get_data(as_text=True)
    assert "Nothing to review" in html


def test_bad_filter_date_gets_a_message(as_operator):
    response = as_operator.get("/run-checks/?from=yesterday")
    assert response.status_code == 200
    assert "is not a date" in response.get_data(as_text=True)


def test_mark_reviewed_records_who_and_when(as_operator, operator):
    runs = _three_customers()
    run_id = runs["brouwer_fail"].id
    response = as_operator.post("/run-checks/review", data={"run_id": [str(run_id)]})
    assert response.status_code == 302
    run = db.session.get(Run, run_id)
    assert run.reviewed_by_id == operator.id and run.reviewed_at is not None
    assert 'data-customer="Brouwer' not in as_operator.get("/run-checks/").get_data(as_text=True)


def test_bulk_review(as_operator):
    runs = _three_customers()
    ids = [str(r.id) for r in runs.values()]
    as_operator.post("/run-checks/review", data={"run_id": ids})
    assert db.session.scalar(select(Run).where(Run.reviewed_at.is_(None))) is None
    assert "Nothing to review" in as_operator.get("/run-checks/").get_data(as_text=True)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "run.reviewed"))
    assert entry.target == "3 run(s)"


def test_viewer_cannot_review(as_viewer):
    runs = _three_customers()
    response = as_viewer.post("/run-checks/review", data={"run_id": [str(runs["brouwer_fail"].id)]})
    assert response.status_code == 403
    assert db.session.get(Run, runs["brouwer_fail"].id).reviewed_at is None


def test_mark_success_shows_override_colour_and_reviews(as_operator, operator):
    runs = _three_customers()
    run_id = runs["brouwer_fail"].id
    as_operator.post(f"/run-checks/runs/{run_id}/success")
    marker = db.session.get(RunOverride, run_id)
    assert marker.by_user_id == operator.id
    run = db.session.get(Run, run_id)
    assert run.status == "failed" and run.reviewed_at is not None  # the real status is kept
    html = as_operator.get(f"/run-checks/runs/{run_id}").get_data(as_text=True)
    assert "success (override)" in html


def test_mark_success_offers_an_override_that_applies_to_future_runs(app, as_operator):
    runs = _three_customers()
    run = runs["calm_warn"]
    response = as_operator.post(f"/run-checks/runs/{run.id}/success", data={"with_override": "1"})
    assert response.headers["Location"].endswith(f"/run-checks/runs/{run.id}/override")
    response = as_operator.post(f"/run-checks/runs/{run.id}/override", data={
        "object_name": "", "match_status": "warning", "match_kind": "contains", "match_text": "disk"})
    assert response.status_code == 302
    rule = db.session.scalar(select(Override))
    later = make_run(run.job, "warning", objects=[("VM01", "warning", "Disk almost full")])
    other = make_run(run.job, "warning", objects=[("VM01", "warning", "Network timeout")])
    db.session.commit()
    assert overrides.apply_to_runs([later, other]) == 1
    db.session.commit()
    assert db.session.get(RunOverride, later.id).override_id == rule.id
    assert db.session.get(RunOverride, other.id) is None
    assert db.session.get(Override, rule.id).matched_count == 1


def test_bad_regex_override_is_refused_on_the_form(as_operator):
    runs = _three_customers()
    response = as_operator.post(f"/run-checks/runs/{runs['calm_warn'].id}/override", data={
        "match_kind": "regex", "match_text": "(unclosed"})
    assert response.status_code == 400
    assert "regular expression is not valid" in response.get_data(as_text=True)
    assert db.session.scalar(select(Override)) is None


def test_add_remark_with_end_date(as_operator):
    runs = _three_customers()
    run = runs["brouwer_fail"]
    as_operator.post(f"/run-checks/runs/{run.id}/remark", data={
        "text": "Disk replacement ordered", "object_name": "VM01", "ends_on": "2999-01-01"})
    remark = db.session.scalar(select(Remark))
    assert remark.text == "Disk replacement ordered" and remark.object_name == "VM01"
    assert "Disk replacement ordered" in as_operator.get("/run-checks/").get_data(as_text=True)


def test_empty_or_past_remark_is_refused(as_operator):
    runs = _three_customers()
    run = runs["brouwer_fail"]
    response = as_operator.post(f"/run-checks/runs/{run.id}/remark", data={"text": " "},
                                follow_redirects=True)
    assert "Write the remark first." in response.get_data(as_text=True)
    response = as_operator.post(f"/run-checks/runs/{run.id}/remark",
                                data={"text": "x", "ends_on": "2000-01-01"}, follow_redirects=True)
    assert "The end date lies in the past." in response.get_data(as_text=True)
    assert db.session.scalar(select(Remark)) is None


def _count_queries(app, fn):
    count = 0

    def before(*_args, **_kw):
        nonlocal count
        count += 1

    engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return count


def test_page_query_count_does_not_grow_with_rows(app, as_operator):
    def build(n):
        for i in range(n):
            customer = make_customer(f"Customer {i:03d} {n}")
            job = make_job(customer, f"Job {i}")
            make_run(job, "failed", objects=[("A", "failed", "x"), ("B", "warning", "y")])
            make_run(job, "warning")
        db.session.commit()

    build(3)
    small = _count_queries(app, lambda: as_operator.get("/run-checks/"))
    build(30)
    large = _count_queries(app, lambda: as_operator.get("/run-checks/"))
    assert large == small


def test_overrides_page_lists_rules_with_their_match_count(as_operator):
    runs = _three_customers()
    run = runs["calm_warn"]
    as_operator.post("/overrides/", data={"job_id": str(run.job_id), "match_kind": "contains",
                                          "match_text": "disk"})
    html = as_operator.get("/overrides/").get_data(as_text=True)
    assert "Calm Dental" in html and "NAS to cloud" in html
    assert '<td class="matched">1</td>' in html  # the waiting run it covered
    rule = db.session.scalar(select(Override))
    as_operator.post(f"/overrides/{rule.id}/active", data={"active": "0"})
    assert db.session.get(Override, rule.id).active is False


def test_override_without_job_is_refused(as_operator):
    html = as_operator.post("/overrides/", data={"match_kind": "contains"},
                            follow_redirects=True).get_data(as_text=True)
    assert "Choose a job." in html
    assert db.session.scalar(select(Override)) is None


def test_viewer_sees_overrides_but_cannot_create(as_viewer):
    runs = _three_customers()
    assert as_viewer.get("/overrides/").status_code == 200
    response = as_viewer.post("/overrides/", data={"job_id": str(runs["calm_warn"].job_id)})
    assert response.status_code == 403


def test_object_override_must_cover_every_failed_object(app):
    customer = make_customer("Objects BV")
    job = make_job(customer, "Hyper-V")
    run = make_run(job, "failed", objects=[("VM-A", "failed", "Snapshot failed"),
                                          ("VM-B", "failed", "Network error")])
    db.session.commit()
    rule_a = Override(job_id=job.id, object_name="VM-A", match_kind="contains", match_text="snapshot")
    db.session.add(rule_a)
    db.session.commit()
    assert overrides.covering_rule(run, [rule_a], run.started_at.date()) is None
    rule_b = Override(job_id=job.id, object_name="vm-b", match_kind="regex", match_text="^network",
                      active=True)
    assert overrides.covering_rule(run, [rule_a, rule_b], run.started_at.date()) is rule_a


def test_override_outside_its_dates_does_not_apply(app):
    from datetime import date

    customer = make_customer("Dates BV")
    job = make_job(customer, "Nightly")
    run = make_run(job, "warning", objects=[("X", "warning", "slow")])
    rule = Override(job_id=job.id, match_kind="contains", match_text="slow",
                    valid_from=date(2000, 1, 1), valid_until=date(2000, 12, 31), active=True)
    assert overrides.covering_rule(run, [rule], run.started_at.date()) is None
    assert overrides.covering_rule(run, [rule], date(2000, 6, 1)) is rule


def test_long_worklists_are_paged_by_whole_customers_worst_first(app, as_operator, monkeypatch):
    monkeypatch.setattr(review, "PAGE_RUNS", 3)
    for i in range(4):
        job = make_job(make_customer(f"Paged {i}"), f"Job {i}")
        make_run(job, "success")
        make_run(job, "failed" if i == 3 else "success")
    db.session.commit()
    first = as_operator.get("/run-checks/").get_data(as_text=True)
    assert "Page 1 of 4" in first
    assert 'data-customer="Paged 3"' in first and 'data-customer="Paged 0"' not in first
    second = as_operator.get("/run-checks/?page=2").get_data(as_text=True)
    assert 'data-customer="Paged 0"' in second
    assert review.worklist(review.Filters(), page=99).page == 4  # clamped


def test_backtracking_regex_override_is_refused(as_operator):
    runs = _three_customers()
    response = as_operator.post(f"/run-checks/runs/{runs['calm_warn'].id}/override", data={
        "match_kind": "regex", "match_text": "(a+)+$"})
    assert response.status_code == 400
    assert "nested repeats" in response.get_data(as_text=True)
    assert db.session.scalar(select(Override)) is None
