"""The examinee's study pages: modules and lessons, the lesson reader and its heartbeat."""
from __future__ import annotations

import os

from flask import Blueprint, abort, current_app, jsonify, render_template, request
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from lawexam.db import utcnow
from lawexam.errors import DomainError, NotFound
from lawexam.extensions import db
from lawexam.i18n import _
from lawexam.study import services

bp = Blueprint("study", __name__, url_prefix="/study")

DEFAULT_BEAT_SECONDS = 20


def beat_seconds() -> float:
    """How often the lesson page beats (``LAWEXAM_STUDY_BEAT_SECONDS``, default 20). Only the
    page's sampling rate: the server credits real time between beats whatever this is."""
    raw = current_app.config.get("LAWEXAM_STUDY_BEAT_SECONDS") or os.environ.get("LAWEXAM_STUDY_BEAT_SECONDS")
    try:
        value = float(raw) if raw is not None else DEFAULT_BEAT_SECONDS
    except ValueError:
        value = DEFAULT_BEAT_SECONDS
    return min(max(value, 1.0), 55.0)


@bp.route("/")
@login_required
def index() -> str:
    now = utcnow()
    year = services.study_year(now)
    modules = services.study_modules()
    progress = services.progress_for(current_user, year)
    return render_template("study/index.html", modules=modules, progress=progress, year=year,
                           summary=services.year_summary(current_user, year),
                           target=services.target_for(current_user, year))


@bp.route("/lessons/<int:lesson_id>")
@login_required
def lesson(lesson_id: int) -> str:
    try:
        item = services.get_lesson(lesson_id)
    except NotFound:
        abort(404)
    year = services.study_year(utcnow())
    previous, following = services.neighbours(item)
    progress = services.progress_for(current_user, year, [item.id]).get(item.id)
    return render_template("study/lesson.html", lesson=item, previous=previous, following=following,
                           progress=progress, year=year, beat_seconds=beat_seconds())


def _error(code: str, message: str, status: int) -> tuple[Response, int]:
    return jsonify(code=code, message=message), status


@bp.post("/lessons/<int:lesson_id>/beat")
@login_required
def beat(lesson_id: int) -> tuple[Response, int]:
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict) or not isinstance(payload.get("visible"), bool) \
            or not isinstance(payload.get("tab"), str):
        return _error("bad_request", _("Send {tab, visible} as JSON."), 400)
    read_to_end = payload.get("read_to_end", False)
    if not isinstance(read_to_end, bool):
        return _error("bad_request", _("“read_to_end” must be true or false."), 400)
    now = utcnow()  # the server's clock is the only one that counts
    try:
        result = services.record_beat(current_user, lesson_id, tab=payload["tab"], visible=payload["visible"],
                                      read_to_end=read_to_end, client_time=payload.get("client_time"), now=now)
    except DomainError as error:
        db.session.rollback()
        return _error("not_found" if isinstance(error, NotFound) else "invalid", error.message, error.http_status)
    db.session.commit()
    return jsonify(result.as_json()), 200
