"""Reports, scorecard and API tokens in a real browser (Playwright driving Debian's chromium)."""

from __future__ import annotations

import pytest

from tests.browser_support import browser_login
from tests.conftest import PASSWORD
from tests.reports.test_runs_report import seed_report

pytestmark = pytest.mark.browser


def test_viewer_filters_the_backup_report_and_opens_the_print_page(page, viewer):
    seed_report()
    browser_login(page, viewer.email, PASSWORD)
    page.wait_for_url("**/")
    page.click("header nav >> text=Reports")
    page.wait_for_url("**/reports/")
    page.fill("#runs-filter input[name=start_date]", "2025-03-01")
    page.fill("#runs-filter input[name=end_date]", "2025-03-03")
    page.select_option("#runs-filter select[name=customer]", label="Acme")
    page.click("#runs-filter button[type=submit]")
    page.wait_for_url("**/reports/?start_date=2025-03-01*")
    table = page.locator("#runs-report")
    assert "Daily VMs" in table.inner_text() and "Brouwer" not in table.inner_text()
    assert page.locator("#status-chart rect.bar-failed").count() == 2  # 2 and 3 March
    assert "60.0" in page.locator("#runs-report tbody tr", has_text="Daily VMs").inner_text()
    with page.context.expect_page() as opened:
        page.click("#runs-print")
    printable = opened.value
    printable.wait_for_load_state()
    assert printable.locator("#print-button").is_visible()
    assert printable.locator("header.topbar").count() == 0
    assert "Daily VMs" in printable.locator("#runs-report").inner_text()
    printable.close()


def test_viewer_picks_a_queue_and_switches_to_the_quarterly_view(page, tenant, viewer):
    browser_login(page, viewer.email, PASSWORD)
    page.wait_for_url("**/")
    page.goto("/reports/scorecard")
    page.select_option("#scorecard-filter select[name=queue]", label="Backup (ROC)")
    page.fill("#scorecard-filter input[name=start_date]", "2025-03-03")
    page.fill("#scorecard-filter input[name=end_date]", "2025-03-16")
    page.click("#scorecard-filter button[type=submit]")
    week = page.locator('#scorecard-weeks tr[data-week="2025-03-03"]')
    week.wait_for()
    cell = week.locator('td[data-metric="utilisation"]')
    assert cell.inner_text().strip() == "66.7 %"
    assert "rag-amber" in cell.get_attribute("class")  # within 10 % of the 70 % target
    tenant.clear_requests()
    page.select_option("#scorecard-filter select[name=view]", "quarterly")
    page.click("#scorecard-filter button[type=submit]")
    page.locator('#scorecard-quarters tr[data-quarter="2025-Q1"]').wait_for()
    assert "(cached)" in page.locator("#figures-age").inner_text()
    assert tenant.api_calls() == []
    assert page.locator("#refresh").count() == 0  # refreshing spends API budget: operators only


def test_admin_creates_a_token_sees_it_once_and_revokes_it(page, admin):
    browser_login(page, admin.email, PASSWORD)
    page.wait_for_url("**/")
    page.goto("/settings/general")
    page.click("nav.tabs >> text=API tokens")
    page.wait_for_url("**/settings/api-tokens/")
    page.fill("#token-form input[name=name]", "Grafana")
    page.click("#token-form button[type=submit]")
    token = page.locator("#new-token").inner_text()
    assert token.startswith("bct_") and len(token) > 40
    page.goto("/settings/api-tokens/")
    assert page.locator("#new-token").count() == 0
    row = page.locator("#tokens tbody tr", has_text="Grafana")
    assert "active" in row.inner_text()
    page.once("dialog", lambda dialog: dialog.accept())
    row.locator("button", has_text="Revoke").click()
    page.locator(".flash-success").wait_for()
    assert "revoked" in page.locator("#tokens tbody tr", has_text="Grafana").inner_text()
