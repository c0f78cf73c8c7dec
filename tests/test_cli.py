"""The backupchecks command line."""

from cryptography.fernet import Fernet
from sqlalchemy import select

from backupchecks.cli import run_command
from backupchecks.extensions import db
from backupchecks.models.users import User
from backupchecks.settings import get_secret, set_setting


def test_users_create_with_password_from_stdin(runner):
    result = runner.invoke(args=["users", "create", "Boss@Example.com", "--role", "admin",
                                 "--password-stdin"], input="a long enough password\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "boss@example.com"))
    assert user.role == "admin"
    assert "a long enough password" not in user.password_hash


def test_users_create_prompts_for_the_password(runner):
    result = runner.invoke(args=["users", "create", "p@example.com", "--role", "viewer"],
                           input="prompted password 1\nprompted password 1\n")
    assert result.exit_code == 0, result.output
    assert "prompted password 1" not in result.output


def test_users_create_refuses_bad_role_and_weak_password(runner):
    bad_role = runner.invoke(args=["users", "create", "a@example.com", "--role", "god",
                                   "--password-stdin"], input="a long enough password\n")
    assert bad_role.exit_code == 2
    weak = runner.invoke(args=["users", "create", "a@example.com", "--role", "viewer",
                               "--password-stdin"], input="short\n")
    assert weak.exit_code == 1
    assert "at least 10 characters" in weak.output
    assert db.session.scalar(select(User)) is None


def test_users_list_and_set_password(runner, operator):
    listed = runner.invoke(args=["users", "list"])
    assert "operator@example.com\toperator\tactive" in listed.output
    result = runner.invoke(args=["users", "set-password", "operator@example.com",
                                 "--password-stdin"], input="new cli password\n")
    assert result.exit_code == 0
    missing = runner.invoke(args=["users", "set-password", "nobody@example.com",
                                  "--password-stdin"], input="new cli password\n")
    assert missing.exit_code == 1
    assert "No user with e-mail nobody@example.com" in missing.output


def test_rotate_key_command(app, runner):
    set_setting("autotask.secret", "rotate-me")
    db.session.commit()
    old = app.config["ENCRYPTION_KEY"]
    new = next(k for k in iter(lambda: Fernet.generate_key().decode(), None) if k.startswith("-"))
    wrong = runner.invoke(args=["settings", "rotate-key", Fernet.generate_key().decode(), new])
    assert wrong.exit_code == 1
    assert "nothing changed" in wrong.output
    result = runner.invoke(args=["settings", "rotate-key", old, new])
    assert result.exit_code == 0, result.output
    assert "Re-encrypted 1 secret(s)" in result.output
    app.config["ENCRYPTION_KEY"] = new
    assert get_secret("autotask.secret").reveal() == "rotate-me"


def test_settings_set_refuses_secret_on_command_line(runner):
    result = runner.invoke(args=["settings", "set", "autotask.secret", "on-the-command-line"])
    assert result.exit_code == 1
    assert get_secret("autotask.secret") is None
    ok = runner.invoke(args=["settings", "set", "autotask.secret", "--stdin"], input="from-stdin\n")
    assert ok.exit_code == 0
    assert get_secret("autotask.secret").reveal() == "from-stdin"
    assert runner.invoke(args=["settings", "get", "autotask.secret"]).output.strip() == "(set)"


def test_settings_set_validates(runner):
    result = runner.invoke(args=["settings", "set", "mail.imap_port", "abc"])
    assert result.exit_code == 1
    assert "Enter a whole number." in result.output


def test_run_migrates_and_tells_how_to_create_the_first_admin(app, runner, monkeypatch):
    served = {}
    monkeypatch.setattr("werkzeug.serving.run_simple",
                        lambda host, port, application, **kw: served.update(host=host, port=port))
    result = runner.invoke(run_command, ["--host", "127.0.0.1", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert "backupchecks users create you@example.com --role admin" in result.output
    assert served == {"host": "127.0.0.1", "port": 8123}


def test_db_upgrade_is_idempotent(runner):
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
