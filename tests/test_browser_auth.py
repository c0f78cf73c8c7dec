"""Logging in and out in a real browser (Playwright driving Debian's chromium)."""

import pytest

from tests.browser_support import browser_login
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_login_and_logout(page, operator):
    browser_login(page, operator.email, PASSWORD)
    page.wait_for_url("**/")
    assert page.locator("h1").first.inner_text().startswith("Dashboard")
    assert "Settings" not in page.locator("header nav").inner_text()  # operator: no admin menu
    page.click("#logout")
    page.wait_for_url("**/login")
    assert "You are logged out." in page.content()
    page.goto("/")
    assert "/login" in page.url


def test_wrong_password_shows_a_message(page, operator):
    browser_login(page, operator.email, "not the password")
    error = page.locator("#login-error")
    error.wait_for()
    assert error.inner_text() == "Wrong e-mail address or password."
    assert "/login" in page.url


def test_viewer_is_refused_an_admin_page(page, viewer):
    browser_login(page, viewer.email, PASSWORD)
    page.wait_for_url("**/")
    response = page.goto("/settings/users/")
    assert response.status == 403
    assert "Not allowed" in page.locator("h1").inner_text()


def test_admin_changes_a_setting_and_secret_stays_masked(page, admin):
    browser_login(page, admin.email, PASSWORD)
    page.wait_for_url("**/")
    page.click("text=Settings")
    page.click("nav.tabs >> text=Autotask")
    page.fill("input[name='autotask.username']", "api@msp.example")
    page.fill("input[name='autotask.secret']", "typed-in-browser")
    page.click("button:has-text('Save Autotask settings')")
    assert "Saved 2 change(s)." in page.content()
    assert "typed-in-browser" not in page.content()
    assert page.input_value("input[name='autotask.secret']") == "********"


def test_mail_tab_shows_the_fields_of_the_chosen_login(page, admin):
    browser_login(page, admin.email, PASSWORD)
    page.wait_for_url("**/")
    page.goto("/settings/mail")
    password = page.locator('[data-setting="mail.imap_password"]')
    client_id = page.locator('[data-setting="mail.m365_client_id"]')
    assert password.is_visible() and not client_id.is_visible()
    page.select_option('select[name="mail.imap_auth"]', "m365_oauth2")
    assert client_id.is_visible() and not password.is_visible()
