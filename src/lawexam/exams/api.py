"""The JSON API the exam page talks to (documented in docs/api.md).

Session cookie plus ``X-CSRFToken`` on writes; errors are ``{code, message}``.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from lawexam.db import utcnow
from lawexam.exams import attempts as service
from lawexam.exams import catalogue, timing
from lawexam.exams.models import Exam
from lawexam.exams.presentation import paper_for_browser
from lawexam.exams.results import visible_result
from lawexam.extensions import db
from lawexam.i18n import _
from lawexam.write_retry import retry_write

bp = Blueprint("exam_api", __name__, url_prefix="/api")


def _error(code: str, message: str, status: int) -> tuple[Response, int]:
    return jsonify(code=code, message=message), status


@bp.errorhandler(service.AttemptError)
def attempt_error(error: service.AttemptError) -> tuple[Response, int]:
    db.session.rollback()
    # A time-up refusal may have finished the attempt; that part must still be kept.
    response, status = _error(error.code, error.message, error.http_status)
    if status == 429:
        response.headers["Retry-After"] = "1"
    return response, status


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


@bp.get("/exams")
@login_required
def exam_list() -> Response:
    now = utcnow()
    return jsonify([catalogue.summary_for(exam, current_user, now) for exam in catalogue.visible_exams(current_user)])


@bp.post("/exams/<int:exam_id>/attempts")
@retry_write
@login_required
def start(exam_id: int) -> tuple[Response, int]:
    now = utcnow()
    exam = db.session.get(Exam, exam_id)
    if exam is None:
        return _error("not_found", _("No such exam."), 404)
    attempt, created = service.start_attempt(exam, current_user, now)
    body = {"attempt_id": attempt.id, "deadline": _iso(attempt.deadline), "server_time": _iso(now),
            "time_left_s": timing.time_left_s(attempt.deadline, now),
            "questions": paper_for_browser(attempt)}
    db.session.commit()
    return jsonify(body), 201 if created else 200


@bp.get("/attempts/<int:attempt_id>")
@retry_write
@login_required
def attempt_status(attempt_id: int) -> Response:
    now = utcnow()
    attempt = service.bring_up_to_date(service.get_own_attempt(attempt_id, current_user), now)
    answers = service.saved_answers(attempt)
    body = {"attempt_id": attempt.id, "state": attempt.state.value, "deadline": _iso(attempt.deadline),
            "server_time": _iso(now), "time_left_s": timing.time_left_s(attempt.deadline, now)
            if attempt.state.value == "in_progress" else 0,
            "answers": {str(slot): {"answer": row.answer, "seq": row.seq} for slot, row in answers.items()},
            "flagged": sorted(slot for slot, row in answers.items() if row.flagged)}
    db.session.commit()
    return jsonify(body)


@bp.put("/attempts/<int:attempt_id>/answers/<int:slot>")
@retry_write
@login_required
def save(attempt_id: int, slot: int) -> tuple[Response, int]:
    now = utcnow()
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict) or "seq" not in payload or "answer" not in payload:
        return _error("bad_request", _("Send {answer, seq} as JSON."), 400)
    flagged = payload.get("flagged")
    if flagged is not None and not isinstance(flagged, bool):
        return _error("bad_request", _("“flagged” must be true or false."), 400)
    try:
        receipt = service.save_answer(current_user, attempt_id, slot, payload["answer"], payload["seq"], now, flagged)
    except service.AttemptError as error:
        db.session.rollback()
        if error.code == "time_up":
            # Finish it now with what was saved, then refuse.
            service.bring_up_to_date(service.get_own_attempt(attempt_id, current_user), now)
            db.session.commit()
        raise
    db.session.commit()
    return jsonify(slot=receipt.slot, seq=receipt.seq, saved_at=_iso(receipt.saved_at),
                   time_left_s=receipt.time_left_s), 200


@bp.post("/attempts/<int:attempt_id>/submit")
@retry_write
@login_required
def submit(attempt_id: int) -> Response:
    now = utcnow()
    attempt = service.submit_attempt(current_user, attempt_id, now)
    body = visible_result(attempt, now)
    db.session.commit()
    return jsonify(body)
