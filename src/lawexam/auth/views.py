from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from lawexam.audit import services as audit
from lawexam.auth import services
from lawexam.auth.forms import ChangePasswordForm, LoginForm
from lawexam.auth.passwords import MIN_LENGTH
from lawexam.errors import DomainError
from lawexam.extensions import db
from lawexam.i18n import _

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("main.home")


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.account.data, form.password.data,
                                         request.remote_addr or "")
        except DomainError as error:
            db.session.commit()  # keep the failure count
            form.password.errors.append(error.message)
        else:
            services.start_session(user, request.remote_addr or "", request.user_agent.string)
            db.session.commit()
            session.clear()
            login_user(user)
            session.permanent = True
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    audit.record("auth.logout", object_type="user", object_id=current_user.id)
    services.end_session(current_user.login_key)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password() -> str | Response:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            services.change_password(user, form.current_password.data,
                                     form.new_password.data, form.confirm.data)
        except DomainError as error:
            getattr(form, error.field or "new_password").errors.append(error.message)
        else:
            db.session.commit()
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("main.home"))
    return render_template("auth/change_password.html", form=form, min_length=MIN_LENGTH,
                           forced=current_user.must_change_password)
