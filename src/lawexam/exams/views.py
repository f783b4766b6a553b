"""The examinee's exam pages: my exams, the start page, the exam page, the result and review.

The exam page is one form that works without JavaScript; ``static/js/exam.js`` turns it into
one question per screen with autosave through the JSON API (``exams/api.py``). The rules
(clock, seq, grading, results policy) all live in the services; these views only call them.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import (
    Blueprint, abort, flash, jsonify, make_response, redirect, render_template, request, url_for,
)
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from werkzeug.wrappers import Response

from lawexam.db import utcnow
from lawexam.exams import attempts as service
from lawexam.exams import catalogue, timing
from lawexam.exams.audience import is_enrolled
from lawexam.exams.models import Attempt, AttemptState, Exam, ExamPhase, ExamStatus
from lawexam.exams.presentation import paper_contents, review_items
from lawexam.exams.results import answers_visible, score_visible, visible_result
from lawexam.extensions import db
from lawexam.i18n import _
from lawexam.localtime import format_local_time

bp = Blueprint("exams", __name__, url_prefix="/exams")

# The offline cache the service worker keeps (exam page shell only); bump to drop old copies.
SW_CACHE = "lawexam-exam-v1"


def _me():
    return current_user._get_current_object()


# ---- my exams (also on the home page) -------------------------------------------------------

@dataclass(frozen=True)
class ExamEntry:
    exam: Exam
    summary: dict[str, Any]
    counted: Attempt | None  # the finished attempt that counts, if any
    running: Attempt | None  # the unfinished attempt, if any


@dataclass(frozen=True)
class MyExams:
    open: list[ExamEntry]
    upcoming: list[ExamEntry]
    finished: list[ExamEntry]

    @property
    def empty(self) -> bool:
        return not (self.open or self.upcoming or self.finished)


def my_exams(user, now: datetime) -> MyExams:
    """The person's exams in three groups: open now, upcoming, finished (with a result)."""
    open_now, upcoming, finished = [], [], []
    for exam in catalogue.visible_exams(user):
        summary = catalogue.summary_for(exam, user, now)
        running = service.open_attempt(exam, user) if summary["in_progress_attempt_id"] else None
        entry = ExamEntry(exam, summary, catalogue.counting_attempt(exam, user), running)
        if running is not None or (summary["state"] == ExamPhase.OPEN and summary["attempts_left"] > 0
                                   and is_enrolled(exam, user)):
            open_now.append(entry)
        elif summary["state"] == ExamPhase.UPCOMING:
            upcoming.append(entry)
        if entry.counted is not None:
            finished.append(entry)
    open_now.sort(key=lambda e: e.exam.closes_at)
    upcoming.sort(key=lambda e: e.exam.opens_at)
    return MyExams(open_now, upcoming, finished)


@bp.route("/")
@login_required
def index() -> str:
    return render_template("exams/index.html", my=my_exams(_me(), utcnow()), now=utcnow())


# ---- start page ----------------------------------------------------------------------------

def _exam_or_404(exam_id: int) -> Exam:
    exam = db.session.get(Exam, exam_id)
    if exam is None or exam.status == ExamStatus.DRAFT:
        abort(404)
    return exam


def paper_size(exam: Exam) -> tuple[int, float]:
    """How many questions the paper has and what they are worth (from its blueprint)."""
    count = sum(r.count for r in exam.rules) + len(exam.fixed_items)
    points = sum(r.count * r.points for r in exam.rules) + sum(f.points for f in exam.fixed_items)
    return count, points


@bp.route("/<int:exam_id>")
@login_required
def start_page(exam_id: int) -> str:
    now = utcnow()
    exam = _exam_or_404(exam_id)
    user = _me()
    running = service.open_attempt(exam, user)
    if running is not None:
        running = service.bring_up_to_date(running, now)
        db.session.commit()
        if running.state != AttemptState.IN_PROGRESS:
            running = None
    phase = exam.phase(now)
    enrolled = is_enrolled(exam, user)
    left = service.attempts_left(exam, user)
    # Why the person cannot start, if they cannot (the service refuses the same cases).
    if running is not None:
        blocker = None
    elif phase == ExamPhase.UPCOMING:
        blocker = _("This exam opens at %(time)s.", time=format_local_time(exam.opens_at))
    elif phase != ExamPhase.OPEN:
        blocker = _("This exam closed at %(time)s.", time=format_local_time(exam.closes_at))
    elif not enrolled:
        blocker = _("You are not on the list for this exam. If you think you should be, ask your training officer.")
    elif left <= 0:
        blocker = _("You have used all your attempts for this exam.")
    else:
        blocker = None
    count, points = paper_size(exam)
    counted = catalogue.counting_attempt(exam, user)
    return render_template("exams/start.html", exam=exam, phase=phase, running=running, blocker=blocker,
                           attempts_left=left, question_count=count, total_points=points,
                           counted=counted, show_score=counted is not None and score_visible(exam, now),
                           now=now)


@bp.route("/<int:exam_id>/start", methods=["POST"])
@login_required
def start(exam_id: int) -> Response:
    exam = _exam_or_404(exam_id)
    try:
        attempt, _created = service.start_attempt(exam, _me(), utcnow())
    except service.AttemptError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("exams.start_page", exam_id=exam.id))
    db.session.commit()
    return redirect(url_for("exams.attempt_page", attempt_id=attempt.id))


# ---- the exam page -------------------------------------------------------------------------

def _own_attempt(attempt_id: int) -> Attempt:
    try:
        return service.get_own_attempt(attempt_id, _me())
    except service.AttemptError:
        abort(404)


def _current(attempt_id: int, now: datetime) -> Attempt:
    """The person's own attempt (404 otherwise), finished first if its time ran out."""
    attempt = service.bring_up_to_date(_own_attempt(attempt_id), now)
    db.session.commit()
    return attempt


def _is_answered(answer: Any) -> bool:
    if answer is None:
        return False
    if isinstance(answer, list):
        return any(a.strip() if isinstance(a, str) else a for a in answer)
    return True


@bp.route("/attempts/<int:attempt_id>")
@login_required
def attempt_page(attempt_id: int) -> str | Response:
    now = utcnow()
    attempt = _current(attempt_id, now)
    if attempt.state != AttemptState.IN_PROGRESS:
        return redirect(url_for("exams.result", attempt_id=attempt.id))
    saved = service.saved_answers(attempt)
    questions = []
    for slot, content in paper_contents(attempt):
        row = saved.get(slot["slot"])
        questions.append({"slot": slot, "content": content, "response": row.answer if row else None,
                          "flagged": bool(row and row.flagged),
                          "answered": bool(row and _is_answered(row.answer))})
    time_left = timing.time_left_s(attempt.deadline, now)
    page_data = {
        "attempt_id": attempt.id, "server_time": now.isoformat(), "time_left_s": time_left,
        "urls": {"status": url_for("exam_api.attempt_status", attempt_id=attempt.id),
                 "save": url_for("exam_api.save", attempt_id=attempt.id, slot=0)[:-1],
                 "submit": url_for("exam_api.submit", attempt_id=attempt.id),
                 "beacon": url_for("exams.beacon", attempt_id=attempt.id),
                 "result": url_for("exams.result", attempt_id=attempt.id),
                 "sw": url_for("exams.service_worker"),
                 "sw_scope": url_for("exams.attempt_page", attempt_id=0)[:-1]},
        "sw_cache": SW_CACHE,
        "csrf": generate_csrf(),
        "slots": [{"slot": q["slot"]["slot"], "type": q["content"].type} for q in questions],
        "answers": {str(slot): {"answer": row.answer, "seq": row.seq, "flagged": row.flagged}
                    for slot, row in saved.items()},
        "strings": {
            "saved": _("Saved"),
            "saving": _("Saving…"),
            "unsaved": _("%(count)s not saved yet; they will be sent when the network is back", count="{n}"),
            "signed_out": _("You have been signed out. Sign in again (in a new tab) and your answers "
                            "kept on this device will be sent."),
            "bad_answer": _("This answer was not saved: it does not fit the question."),
            "time_up": _("Time is up. Handing in…"),
            "unanswered": _("%(count)s questions are still unanswered.", count="{n}"),
            "all_answered": _("You have answered every question."),
            "submitting": _("Handing in…"),
            "submit_offline": _("The server cannot be reached. Your answers are kept on this device; "
                                "hand in again when the network is back."),
            "finished": _("This attempt has been handed in."),
            "time_left": _("Time left"),
            "hand_in": _("Hand in"),
            "expired": _("This page has expired. Reload it; your answers are kept on this device."),
            "item_answered": _("answered"),
            "item_unanswered": _("unanswered"),
            "item_flagged": _("flagged"),
        },
    }
    return render_template("exams/attempt.html", attempt=attempt, exam=attempt.exam, questions=questions,
                           answered=sum(q["answered"] for q in questions), time_left=time_left,
                           page_data=page_data)


def _answer_from_form(entry: dict[str, Any], form) -> Any:  # noqa: ANN001 - a werkzeug MultiDict
    """The answer in the JSON API shape from the no-JavaScript form's fields for one slot."""
    name = f"q{entry['slot']}"
    kind = entry["type"]
    if kind == "single":
        return form.get(name) or None
    if kind == "multiple":
        picked = sorted(set(form.getlist(name)))
        return picked or None
    if kind == "truefalse":
        return {"true": True, "false": False}.get(form.get(name, ""), form.get(name) or None)
    texts = [form.get(f"{name}-{n}", "") for n in range(1, entry.get("blanks", 0) + 1)]
    return texts if any(t.strip() for t in texts) else None


@bp.route("/attempts/<int:attempt_id>/answers", methods=["POST"])
@login_required
def post_answers(attempt_id: int) -> Response:
    """The exam page without JavaScript: save every answer in the form, then hand in if asked."""
    now = utcnow()
    user = _me()
    attempt = _current(attempt_id, now)
    if attempt.state != AttemptState.IN_PROGRESS:
        flash(_("This attempt has already been handed in."), "info")
        return redirect(url_for("exams.result", attempt_id=attempt.id))
    saved = service.saved_answers(attempt)
    refused: list[int] = []
    try:
        for entry in attempt.paper:
            slot = entry["slot"]
            answer = _answer_from_form(entry, request.form)
            flagged = bool(request.form.get(f"f{slot}"))
            row = saved.get(slot)
            if row is not None and row.answer == answer and row.flagged == flagged:
                continue
            if row is None and answer is None and not flagged:
                continue
            try:
                service.save_answer(user, attempt.id, slot, answer, (row.seq if row else 0) + 1, now, flagged)
            except service.AttemptError as error:
                if error.code not in ("bad_answer", "bad_slot"):
                    raise
                refused.append(slot)
    except service.AttemptError as error:
        db.session.rollback()
        if error.code == "time_up":
            service.bring_up_to_date(service.get_own_attempt(attempt.id, user), now)
            db.session.commit()
        flash(error.message, "error")
        return redirect(url_for("exams.result", attempt_id=attempt.id))
    db.session.commit()
    if refused:
        flash(_("These answers did not fit their questions and were not saved: %(slots)s",
                slots=", ".join(str(s) for s in refused)), "error")
    if request.form.get("action") == "submit":
        service.submit_attempt(user, attempt.id, now)
        db.session.commit()
        return redirect(url_for("exams.result", attempt_id=attempt.id))
    flash(_("Your answers are saved."), "success")
    return redirect(url_for("exams.attempt_page", attempt_id=attempt.id))


@bp.route("/attempts/<int:attempt_id>/beacon", methods=["POST"])
@login_required
def beacon(attempt_id: int) -> tuple[Response, int]:
    """Unsent answers from a page being closed (``navigator.sendBeacon``): a form post with
    ``csrf_token`` and ``answers`` = JSON ``[{slot, answer, seq, flagged}]``. Each goes through
    ``save_answer``, so a seq not above the stored one never overwrites it."""
    now = utcnow()
    user = _me()
    try:
        items = json.loads(request.form.get("answers", ""))
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise ValueError
    except ValueError:
        return jsonify(code="bad_request", message=_("Send the answers as a JSON list.")), 400
    stored: dict[str, int] = {}
    refused: dict[str, str] = {}
    time_left = 0
    try:
        for item in items[:500]:
            slot = item.get("slot")
            if not isinstance(slot, int) or isinstance(slot, bool):
                continue
            flagged = item.get("flagged")
            try:
                receipt = service.save_answer(user, attempt_id, slot, item.get("answer"), item.get("seq"), now,
                                              flagged if isinstance(flagged, bool) else None)
            except service.AttemptError as error:
                if error.code not in ("bad_answer", "bad_slot", "bad_seq"):
                    raise
                refused[str(slot)] = error.code
                continue
            stored[str(slot)] = receipt.seq
            time_left = receipt.time_left_s
    except service.AttemptError as error:
        db.session.rollback()
        if error.code == "time_up":
            service.bring_up_to_date(service.get_own_attempt(attempt_id, user), now)
            db.session.commit()
        return jsonify(code=error.code, message=error.message), error.http_status
    db.session.commit()
    return jsonify(saved=stored, refused=refused, time_left_s=time_left), 200


@bp.route("/sw.js")
def service_worker() -> Response:
    """The service worker that lets an exam page reload offline (scope: the exam pages)."""
    shell = [url_for("static", filename=f) for f in ("css/app.css", "js/exam.js", "img/favicon.svg")]
    body = render_template("exams/sw.js", cache=SW_CACHE, shell=shell,
                           scope=url_for("exams.attempt_page", attempt_id=0)[:-1])
    response = make_response(body)
    response.mimetype = "application/javascript"
    response.headers["Cache-Control"] = "no-cache"
    return response


# ---- result and review ---------------------------------------------------------------------

@bp.route("/attempts/<int:attempt_id>/result")
@login_required
def result(attempt_id: int) -> str | Response:
    now = utcnow()
    attempt = _current(attempt_id, now)
    if attempt.state == AttemptState.IN_PROGRESS:
        return redirect(url_for("exams.attempt_page", attempt_id=attempt.id))
    exam = attempt.exam
    shown = visible_result(attempt, now)
    used_s = None
    if attempt.finished_at is not None:
        used_s = max(0, int((attempt.finished_at - attempt.started_at).total_seconds()))
    can_retry = (attempt.state != AttemptState.VOIDED and exam.phase(now) == ExamPhase.OPEN
                 and service.attempts_left(exam, attempt.user) > 0 and is_enrolled(exam, attempt.user))
    return render_template("exams/result.html", attempt=attempt, exam=exam, shown=shown, used_s=used_s,
                           review_open=attempt.state.finished and answers_visible(exam, now),
                           can_retry=can_retry, now=now)


@bp.route("/attempts/<int:attempt_id>/review")
@login_required
def review(attempt_id: int) -> str:
    now = utcnow()
    attempt = _current(attempt_id, now)
    if not attempt.state.finished or not answers_visible(attempt.exam, now):
        abort(403)
    return render_template("exams/review.html", attempt=attempt, exam=attempt.exam, items=review_items(attempt),
                           shown=visible_result(attempt, now))


@bp.app_template_filter("exam_duration")
def _duration(seconds: int | None) -> str:
    if seconds is None:
        return "—"
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return _("%(hours)d h %(minutes)d min", hours=hours, minutes=minutes)
    if minutes:
        return _("%(minutes)d min %(seconds)d s", minutes=minutes, seconds=secs)
    return _("%(seconds)d s", seconds=secs)


@bp.app_template_filter("exam_points")
def _points(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"
