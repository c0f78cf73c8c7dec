from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from backupchecks import audit
from backupchecks.extensions import db
from backupchecks.security.passwords import verify_password
from backupchecks.users.service import UserError, authenticate, set_password
from backupchecks.web.auth import bp
from backupchecks.web.auth.forms import ChangePasswordForm, LoginForm
from backupchecks.web.forms import safe_local_path


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        result = authenticate(form.email.data or "", form.password.data or "", request.remote_addr)
        if result.user is not None:
            login_user(result.user)
            return redirect(safe_local_path(request.args.get("next"), url_for("dashboard.index")))
        error = result.message
    elif request.method == "POST":
        error = "Enter your e-mail address and password."
    status = 401 if error else 200
    return render_template("auth/login.html", form=form, error=error), status


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    audit.record("logout", current_user.email)
    db.session.commit()
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
def account() -> str | Response:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.current.data or ""):
            form.current.errors.append("This is not your current password.")
        else:
            try:
                set_password(current_user, form.new.data or "")
            except UserError as exc:
                form.new.errors.append(str(exc))
            else:
                db.session.commit()
                login_user(current_user)  # the token rotated: keep this session
                flash("Your password is changed; other sessions are signed out.", "success")
                return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form)
