"""The home page and site-wide small things (language switch, health check)."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import text
from werkzeug.wrappers import Response

from lawexam.extensions import db
from lawexam.people.services import count_people
from lawexam.people.units import unit_path, unit_tree

bp = Blueprint("main", __name__)


@bp.route("/")
def index() -> Response:
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    return redirect(url_for("auth.login"))


@bp.route("/home")
@login_required
def home() -> str:
    context: dict[str, object] = {"unit_path": unit_path(current_user.unit) if current_user.unit else ""}
    from lawexam.db import utcnow
    from lawexam.exams.views import my_exams

    now = utcnow()
    context.update(my=my_exams(current_user._get_current_object(), now), now=now)
    if current_user.is_manager:
        nodes = unit_tree(include_inactive=False)
        context.update(people_count=count_people(), unit_count=len(nodes))
    return render_template("main/home.html", **context)


@bp.route("/language", methods=["POST"])
def set_language() -> Response:
    locale = request.form.get("locale", "")
    target = request.form.get("next") or url_for("main.index")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("main.index")
    response = redirect(target)
    if locale in current_app.config["LAWEXAM_LOCALES"]:
        response.set_cookie("lang", locale, max_age=365 * 24 * 3600, httponly=True, samesite="Lax",
                            secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


@bp.route("/healthz")
def health() -> tuple[Response, int]:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any database failure means "not ready"
        return jsonify(status="unavailable"), 503
    return jsonify(status="ok"), 200
