from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from backupchecks.extensions import db
from backupchecks.models.users import User
from backupchecks.users import service
from backupchecks.web.users import bp
from backupchecks.web.users.forms import CreateUserForm, ResetPasswordForm, RoleForm


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _render(form: CreateUserForm, status: int = 200) -> tuple[str, int]:
    users = db.session.scalars(select(User).order_by(User.email)).all()
    return render_template("users/index.html", users=users, form=form,
                           role_form=RoleForm(), reset_form=ResetPasswordForm()), status


@bp.route("/", methods=["GET", "POST"])
def index() -> tuple[str, int] | Response:
    form = CreateUserForm()
    if form.validate_on_submit():
        try:
            service.create_user(form.email.data or "", form.password.data or "",
                                form.role.data or "viewer", form.name.data or "")
        except service.UserError as exc:
            db.session.rollback()
            form.email.errors = [*form.email.errors, str(exc)]
            return _render(form, 400)
        db.session.commit()
        flash(f"User {form.email.data} created.", "success")
        return redirect(url_for("users.index"))
    return _render(form, 400 if request.method == "POST" else 200)


def _apply(user_id: int, change: str) -> Response:
    user = _user_or_404(user_id)
    try:
        if change == "role":
            form = RoleForm()
            if not form.validate_on_submit():
                raise service.UserError("Choose a role.")
            service.set_role(user, form.role.data or "")
            message = f"{user.email} is now {user.role}."
        elif change == "password":
            form = ResetPasswordForm()
            if not form.validate_on_submit():
                errors = [e for errs in form.errors.values() for e in errs]
                raise service.UserError(" ".join(errors) or "Enter a new password.")
            service.set_password(user, form.password.data or "")
            message = f"Password of {user.email} reset; their sessions are signed out."
        else:
            active = change == "activate"
            service.set_active(user, active)
            message = f"{user.email} {'activated' if active else 'deactivated'}."
    except service.UserError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("users.index"))
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("users.index"))


@bp.route("/<int:user_id>/role", methods=["POST"])
def change_role(user_id: int) -> Response:
    return _apply(user_id, "role")


@bp.route("/<int:user_id>/password", methods=["POST"])
def reset_password(user_id: int) -> Response:
    return _apply(user_id, "password")


@bp.route("/<int:user_id>/deactivate", methods=["POST"])
def deactivate(user_id: int) -> Response:
    return _apply(user_id, "deactivate")


@bp.route("/<int:user_id>/activate", methods=["POST"])
def activate(user_id: int) -> Response:
    return _apply(user_id, "activate")
