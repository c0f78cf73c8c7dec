"""The settings store and page: typed values, encrypted secrets, masking, audit."""

import logging

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from backupchecks.extensions import db
from backupchecks.models.settings import AuditEntry, Setting
from backupchecks.settings import MASK, SettingsError, get_secret, get_setting, save_settings, set_setting
from backupchecks.settings.store import rotate_key
from tests.conftest import form_errors


def test_defaults_and_typed_values(app):
    assert get_setting("mail.imap_port") == 993
    set_setting("mail.imap_port", "143")
    db.session.commit()
    assert get_setting("mail.imap_port") == 143
    assert get_setting("general.require_dashboard_visit") is False


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("mail.imap_port", "abc", "Enter a whole number."),
        ("mail.imap_port", "70000", "Must be at most 65535."),
        ("general.timezone", "Mars/Olympus", "Unknown time zone"),
        ("mail.imap_security", "ssl3", "Choose one of the listed values."),
        ("autotask.username", "not-an-email", "Enter an e-mail address."),
        ("general.company_name", "x" * 500, "At most 120 characters."),
    ],
)
def test_bad_values_are_refused_with_a_message(app, key, value, message):
    with pytest.raises(SettingsError) as info:
        set_setting(key, value)
    assert message in info.value.errors[key]
    db.session.rollback()
    assert db.session.get(Setting, key) is None


def test_secret_is_encrypted_at_rest_and_readable(app):
    set_setting("autotask.secret", "s3cr3t-value")
    db.session.commit()
    stored = db.session.get(Setting, "autotask.secret").value
    assert "s3cr3t-value" not in stored
    assert get_secret("autotask.secret").reveal() == "s3cr3t-value"
    assert "s3cr3t" not in repr(get_secret("autotask.secret"))
    with pytest.raises(TypeError):
        get_setting("autotask.secret")


def test_submitting_the_mask_keeps_the_stored_secret(app):
    set_setting("mail.imap_password", "first-password")
    db.session.commit()
    changed = save_settings("mail", {"mail.imap_password": MASK, "mail.imap_host": "imap.example.com"})
    db.session.commit()
    assert changed == ["mail.imap_host"]
    assert get_secret("mail.imap_password").reveal() == "first-password"


def test_a_section_is_saved_all_or_nothing(app):
    with pytest.raises(SettingsError) as info:
        save_settings("mail", {"mail.imap_host": "imap.example.com", "mail.imap_port": "nope"})
    db.session.rollback()
    assert set(info.value.errors) == {"mail.imap_port"}
    assert get_setting("mail.imap_host") == ""


def test_settings_page_never_shows_a_secret(as_admin):
    set_setting("autotask.secret", "do-not-show-me")
    db.session.commit()
    html = as_admin.get("/settings/autotask").get_data(as_text=True)
    assert "do-not-show-me" not in html
    assert MASK in html
    assert Fernet  # the ciphertext is not shown either:
    assert db.session.get(Setting, "autotask.secret").value not in html


def test_settings_page_saves_and_audits_without_secret_values(as_admin, caplog):
    caplog.set_level(logging.DEBUG)
    response = as_admin.post("/settings/autotask", data={
        "autotask.username": "api@msp.example", "autotask.secret": "brand-new-secret",
        "autotask.integration_code": MASK, "autotask.base_url": ""})
    assert response.status_code == 302
    assert get_secret("autotask.secret").reveal() == "brand-new-secret"
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "setting.changed")).all()
    assert {e.target for e in entries} == {"autotask.username", "autotask.secret"}
    assert all("brand-new-secret" not in e.detail for e in entries)
    assert entries[0].actor == "admin@example.com"
    assert "brand-new-secret" not in caplog.text


def test_settings_page_shows_field_errors_and_saves_nothing(as_admin):
    response = as_admin.post("/settings/mail", data={"mail.imap_port": "99999", "mail.imap_host": "h"})
    assert response.status_code == 400
    assert "Must be at most 65535." in form_errors(response.get_data(as_text=True))
    assert get_setting("mail.imap_host") == ""


def test_oversized_field_is_refused_on_the_form(as_admin):
    response = as_admin.post("/settings/general", data={"general.company_name": "y" * 10_000,
                                                        "general.timezone": "UTC"})
    assert response.status_code == 400
    assert "At most 120 characters." in form_errors(response.get_data(as_text=True))


def test_secret_can_be_cleared_on_purpose(as_admin):
    set_setting("mail.imap_password", "old")
    db.session.commit()
    as_admin.post("/settings/mail", data={"mail.imap_password": MASK,
                                          "clear_secret": "mail.imap_password"})
    assert get_secret("mail.imap_password") is None


def test_rotate_key_reencrypts_every_secret(app):
    set_setting("autotask.secret", "one")
    set_setting("mail.imap_password", "two")
    db.session.commit()
    new_key = Fernet.generate_key().decode()
    assert rotate_key(app.config["ENCRYPTION_KEY"], new_key) == 2
    db.session.commit()
    app.config["ENCRYPTION_KEY"] = new_key
    assert get_secret("autotask.secret").reveal() == "one"
    assert get_secret("mail.imap_password").reveal() == "two"


def test_health_says_autotask_configured_when_credentials_stored(app, client):
    set_setting("autotask.username", "api@msp.example")
    set_setting("autotask.secret", "x")
    set_setting("autotask.integration_code", "y")
    db.session.commit()
    assert client.get("/api/health").json["autotask"] == "configured"


def test_company_name_is_shown_in_the_header(as_viewer):
    set_setting("general.company_name", "Demo <MSP>")
    db.session.commit()
    html = as_viewer.get("/").get_data(as_text=True)
    assert '<small class="muted" id="company-name">Demo &lt;MSP&gt;</small>' in html
