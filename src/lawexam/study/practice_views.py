"""Examinee pages: practice with instant feedback, the wrong-answer notebook, my progress.

Every page works without JavaScript: a question is a form that posts the answer, and the
feedback is a page the server renders (post, then redirect to the answered question).
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from lawexam.db import utcnow
from lawexam.errors import DomainError, NotFound
from lawexam.extensions import db
from lawexam.forms_support import apply_domain_error
from lawexam.i18n import _
from lawexam.localtime import to_local
from lawexam.people.forms import ActionForm
from lawexam.questions import bank
from lawexam.study import notebook, practice
from lawexam.study.practice_forms import PracticeStartForm, response_from_form
from lawexam.study.practice_models import NotebookState, PracticeSession

bp = Blueprint("practice", __name__, url_prefix="/study")


def _me():
    return current_user._get_current_object()


def _own_session(session_id: int) -> PracticeSession:
    try:
        return practice.get_own_session(session_id, _me())
    except NotFound:
        abort(404)


# ---- practice: start page ------------------------------------------------------------------

def _start_form() -> PracticeStartForm:
    form = PracticeStartForm()
    form.module_id.choices = [("", _("All modules (mixed)"))] + [
        (m.id, _("%(name)s (%(count)d questions)", name=m.name, count=m.questions))
        for m in practice.practice_modules()]
    return form


def _start_page(form: PracticeStartForm) -> str:
    now = utcnow()
    me = _me()
    daily = practice.daily_session(me, now)
    if daily is not None:
        practice.bring_up_to_date(daily, now)
    page = render_template("study/practice_start.html", form=form, daily=daily, today=practice.local_day(now),
                           unfinished=[s for s in practice.unfinished_sessions(me) if s is not daily],
                           finished=practice.finished_sessions(me), action_form=ActionForm())
    db.session.commit()
    return page


@bp.route("/practice/")
@login_required
def index() -> str:
    return _start_page(_start_form())


@bp.route("/practice/start", methods=["POST"])
@login_required
def start() -> str | Response:
    form = _start_form()
    if form.validate_on_submit():
        try:
            session = practice.start_session(_me(), form.module_id.data, form.count.data, utcnow())
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            db.session.commit()
            if session.size < form.count.data:
                flash(_("Only %(count)d questions are available here; this set has all of them.",
                        count=session.size), "info")
            return redirect(url_for("practice.question", session_id=session.id, number=1))
    return _start_page(form)


@bp.route("/practice/daily", methods=["POST"])
@login_required
def daily() -> Response:
    if not ActionForm().validate_on_submit():
        return redirect(url_for("practice.index"))
    try:
        session, _created = practice.start_daily(_me(), utcnow())
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("practice.index"))
    db.session.commit()
    return redirect(url_for("practice.resume", session_id=session.id))


# ---- practice: one question per screen -----------------------------------------------------

@bp.route("/practice/<int:session_id>")
@login_required
def resume(session_id: int) -> Response:
    session = practice.bring_up_to_date(_own_session(session_id), utcnow())
    db.session.commit()
    if session.finished:
        return redirect(url_for("practice.summary", session_id=session.id))
    return redirect(url_for("practice.question", session_id=session.id, number=session.answered + 1))


def _feedback_note(answer: Any, entry: Any) -> str | None:
    """What the answer did to the notebook, in one sentence."""
    streak_needed = notebook.clear_streak()
    if entry is None:
        return None
    if entry.state == NotebookState.ACTIVE:
        if entry.starred:
            return _("Starred: it stays in your wrong-answer notebook until you unstar it.")
        if not answer.correct:
            return _("This question is in your wrong-answer notebook.")
        return _("Right %(streak)d times in a row; %(left)d more and it leaves your wrong-answer notebook.",
                 streak=entry.streak, left=max(1, streak_needed - entry.streak))
    if entry.state == NotebookState.CLEARED and answer.correct and entry.left_at == answer.answered_at:
        return _("Right %(streak)d times in a row: it has left your wrong-answer notebook.", streak=entry.streak)
    return None


def _question_page(session: PracticeSession, position: int, error: str | None = None,
                   response: Any = None) -> str:
    version = practice.version_at(session, position)
    content = version.content()
    answer = practice.answer_at(session, position) if position < session.answered else None
    context: dict[str, Any] = {"session": session, "number": position + 1, "content": content,
                               "answer": answer, "error": error, "action_form": ActionForm()}
    if answer is not None:
        entry = notebook.entry_for(_me(), answer.question_id)
        context.update(response=answer.response, key_text=bank.answer_text(content),
                       explanation=content.explanation, basis=content.basis,
                       note=_feedback_note(answer, entry),
                       starred=entry is not None and entry.state == NotebookState.ACTIVE and entry.starred,
                       last=position + 1 >= session.size)
    else:
        context.update(response=response)
    return render_template("study/practice_question.html", **context)


@bp.route("/practice/<int:session_id>/<int:number>")
@login_required
def question(session_id: int, number: int) -> str | Response:
    now = utcnow()
    session = practice.bring_up_to_date(_own_session(session_id), now)
    db.session.commit()
    position = number - 1
    if position >= session.answered:
        if session.finished:
            return redirect(url_for("practice.summary", session_id=session.id))
        if position > session.answered:
            return redirect(url_for("practice.question", session_id=session.id, number=session.answered + 1))
    if position < 0:
        abort(404)
    return _question_page(session, position)


@bp.route("/practice/<int:session_id>/<int:number>", methods=["POST"])
@login_required
def post_answer(session_id: int, number: int) -> str | Response:
    now = utcnow()
    session = _own_session(session_id)
    position = number - 1
    if position < 0 or position >= len(session.items):
        abort(404)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("practice.question", session_id=session.id, number=number))
    content = practice.version_at(session, position).content()
    reveal = request.form.get("action") == "reveal"
    response = None if reveal else response_from_form(content, request.form, number)
    if response is None and not reveal and position >= session.answered:
        return _question_page(session, position, error=_("Choose or type an answer first, or press “Show the answer”."))
    try:
        practice.answer(_me(), session, position, response, now)
    except DomainError as error:
        db.session.rollback()
        session = practice.bring_up_to_date(_own_session(session_id), now)
        db.session.commit()
        if session.finished or position != session.answered:
            flash(error.message, "error")
            return redirect(url_for("practice.resume", session_id=session.id))
        return _question_page(session, position, error=error.message, response=response)
    db.session.commit()
    return redirect(url_for("practice.question", session_id=session.id, number=number, _anchor="feedback"))


@bp.route("/practice/<int:session_id>/<int:number>/star", methods=["POST"])
@login_required
def star_from_practice(session_id: int, number: int) -> Response:
    session = _own_session(session_id)
    position = number - 1
    answer = practice.answer_at(session, position) if 0 <= position < session.answered else None
    if answer is None:
        abort(404)
    if ActionForm().validate_on_submit():
        now = utcnow()
        if request.form.get("starred") == "1":
            notebook.star_question(_me(), answer.question_id, now)
            flash(_("Starred: the question stays in your wrong-answer notebook until you unstar it."), "success")
        else:
            entry = notebook.entry_for(_me(), answer.question_id)
            if entry is not None and entry.state == NotebookState.ACTIVE:
                notebook.set_starred(_me(), entry.id, False, now)
            flash(_("Unstarred."), "success")
        db.session.commit()
    return redirect(url_for("practice.question", session_id=session.id, number=number))


@bp.route("/practice/<int:session_id>/summary")
@login_required
def summary(session_id: int) -> str | Response:
    session = practice.bring_up_to_date(_own_session(session_id), utcnow())
    db.session.commit()
    answers = practice.session_answers(session)
    rows = []
    for position, item in enumerate(session.items):
        version = practice.version_at(session, position)
        rows.append({"number": position + 1, "stem": version.stem, "type": version.type,
                     "answer": answers.get(position)})
    return render_template("study/practice_summary.html", session=session, rows=rows,
                           wrong=sum(1 for a in answers.values() if not a.correct))


# ---- the wrong-answer notebook -------------------------------------------------------------

def _notebook_filter() -> tuple[int | None, bool]:
    try:
        module_id = int(request.values["module"]) if request.values.get("module") else None
    except ValueError:
        abort(400)
    return module_id, request.values.get("starred") == "1"


@bp.route("/notebook/")
@login_required
def notebook_index() -> str:
    now = utcnow()
    me = _me()
    collected = notebook.collect_from_exams(me, now)
    db.session.commit()
    module_id, starred_only = _notebook_filter()
    page = db.paginate(notebook.entries_query(me, module_id, starred_only), per_page=30, error_out=False)
    return render_template("study/notebook.html", page=page, entries=page.items, args=request.args,
                           counts=notebook.counts(me), module_id=module_id, starred_only=starred_only,
                           collected=collected, clear_streak=notebook.clear_streak(), action_form=ActionForm())


def _back_to_notebook() -> Response:
    module_id, starred_only = _notebook_filter()
    params: dict[str, Any] = {}
    if module_id:
        params["module"] = module_id
    if starred_only:
        params["starred"] = "1"
    return redirect(url_for("practice.notebook_index", **params))


@bp.route("/notebook/redo", methods=["POST"])
@bp.route("/notebook/<int:entry_id>/redo", methods=["POST"])
@login_required
def notebook_redo(entry_id: int | None = None) -> Response:
    if not ActionForm().validate_on_submit():
        return _back_to_notebook()
    module_id, starred_only = _notebook_filter()
    try:
        session = notebook.start_redo(_me(), utcnow(), module_id=module_id, entry_id=entry_id,
                                      starred_only=starred_only)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _back_to_notebook()
    db.session.commit()
    return redirect(url_for("practice.question", session_id=session.id, number=1))


@bp.route("/notebook/<int:entry_id>/star", methods=["POST"])
@login_required
def notebook_star(entry_id: int) -> Response:
    if ActionForm().validate_on_submit():
        try:
            entry = notebook.set_starred(_me(), entry_id, request.form.get("starred") == "1", utcnow())
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            if entry.state == NotebookState.CLEARED:
                flash(_("Unstarred. It was already answered right %(streak)d times in a row, so it has left the notebook.",
                        streak=entry.streak), "success")
            else:
                flash(_("Starred.") if entry.starred else _("Unstarred."), "success")
    return _back_to_notebook()


@bp.route("/notebook/<int:entry_id>/remove", methods=["POST"])
@login_required
def notebook_remove(entry_id: int) -> Response:
    if ActionForm().validate_on_submit():
        try:
            notebook.remove(_me(), entry_id, utcnow())
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("Removed from the wrong-answer notebook."), "success")
    return _back_to_notebook()


# ---- my progress ---------------------------------------------------------------------------

@bp.route("/progress")
@login_required
def progress() -> str:
    now = utcnow()
    me = _me()
    notebook.collect_from_exams(me, now)
    db.session.commit()
    accuracy = practice.accuracy_by_module(me)
    year = to_local(now).year
    chart = {"labels": [row.name for row in accuracy], "values": [row.percent for row in accuracy],
             "label": _("Accuracy (%)")}
    return render_template("study/progress.html", accuracy=accuracy, overall=practice.overall_accuracy(accuracy),
                           counts=notebook.counts(me), year=year, chart=chart,
                           study=practice.progress_study_summary(me, year))
