"""Officer pages for exams: the list, the definition form, the exam page with its feasibility
check and sample draw, the lifecycle buttons, make-up exams, the live monitor with per-person
corrections, and joining by phone (short link, QR code, printable notice).

Views stay thin: every rule lives in ``lawexam.exams.services`` / ``attempts``; these only read
forms, call them, and show what they return or refuse.
"""
from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable

import segno
from flask import (Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, send_file,
                   url_for)
from flask_login import current_user, login_required
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from lawexam.auth.access import manager_required
from lawexam.auth.models import User
from lawexam.db import utcnow
from lawexam.errors import DomainError, NotFound
from lawexam.exams import attempts as attempt_service
from lawexam.exams import papers, services, timing
from lawexam.exams.audience import enrolled_query
from lawexam.exams.composition import InfeasiblePaper, IssueCode
from lawexam.exams.forms import AttemptActionForm, ExamForm, MakeupForm, exam_accounts, split_list, to_utc
from lawexam.exams.models import Attempt, AttemptState, AudienceKind, Exam, ExamPhase, ExamStatus
from lawexam.extensions import db
from lawexam.forms_support import apply_domain_error
from lawexam.i18n import _
from lawexam.localtime import to_local
from lawexam.people import units
from lawexam.people.forms import ActionForm
from lawexam.questions import bank
from lawexam.questions.models import QuestionVersion
from lawexam.questions.presentation import type_label

bp = Blueprint("exam_admin", __name__, url_prefix="/admin/exams")
# The short link people type or scan on their phones lives outside /admin.
join_bp = Blueprint("exam_join", __name__)

MONITOR_POLL_S = 10
NOT_STARTED_SHOWN = 300


def _actor() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined]


def _exam_or_404(exam_id: int) -> Exam:
    try:
        return services.get_exam(exam_id)
    except NotFound:
        abort(404)


def phase_labels() -> dict[str, str]:
    return {ExamPhase.DRAFT: _("Draft"), ExamPhase.UPCOMING: _("Upcoming"), ExamPhase.OPEN: _("Open"),
            ExamPhase.CLOSED: _("Closed"), ExamPhase.ARCHIVED: _("Archived")}


def state_labels() -> dict[str, str]:
    return {AttemptState.IN_PROGRESS: _("In progress"), AttemptState.SUBMITTED: _("Handed in"),
            AttemptState.OVERDUE: _("Finished at the deadline"), AttemptState.VOIDED: _("Voided")}


# Which corrections make sense in which state (the services refuse the rest anyway).
ACTIONS_BY_STATE = {
    AttemptState.IN_PROGRESS: ("extend", "force_submit", "void"),
    AttemptState.SUBMITTED: ("reopen", "void"),
    AttemptState.OVERDUE: ("reopen", "void"),
    AttemptState.VOIDED: (),
}


def join_url(exam: Exam) -> str:
    return url_for("exam_join.join", code=exam.join_code, _external=True)


def _qr(exam: Exam) -> segno.QRCode:
    # A full QR code, never a Micro QR (WeChat's scanner does not read those).
    return segno.make_qr(join_url(exam), error="m")


def _page_number() -> int:
    return max(1, request.args.get("page", 1, type=int) or 1)


# ---- list ----------------------------------------------------------------------------------

@bp.route("/")
@manager_required
def exam_list() -> str:
    show = request.args.get("show", "current")
    query = select(Exam).order_by(Exam.opens_at.desc(), Exam.id.desc())
    if show == "current":
        query = query.where(Exam.status != ExamStatus.ARCHIVED)
    elif show == "archived":
        query = query.where(Exam.status == ExamStatus.ARCHIVED)
    elif show != "all":
        abort(400)
    page = db.paginate(query, page=_page_number(), per_page=30, error_out=False)
    return render_template("exams/officer_list.html", page=page, show=show, now=utcnow(),
                           figures=services.attendance(list(page.items)), phase_labels=phase_labels(),
                           args=request.args)


# ---- definition form -----------------------------------------------------------------------

def _module_choices() -> list[tuple[int, str]]:
    return [(m.id, m.name if m.active else _("%(name)s (deactivated)", name=m.name))
            for m in bank.all_modules(include_inactive=True)]


def _default_window(form: ExamForm | MakeupForm) -> None:
    """Tomorrow 09:00 to a week later 18:00, town time."""
    tomorrow = (to_local(utcnow()) + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    form.opens_at.data = tomorrow.replace(tzinfo=None)
    form.closes_at.data = (tomorrow + timedelta(days=7)).replace(hour=18, tzinfo=None)


def _show_error(form: ExamForm, error: DomainError) -> None:
    if error.field == "rules":
        form.rule_errors.append(error.message)
    else:
        apply_domain_error(form, error)


@bp.route("/new", methods=["GET", "POST"])
@bp.route("/<int:exam_id>/edit", methods=["GET", "POST"])
@manager_required
def exam_edit(exam_id: int | None = None) -> str | Response:
    exam = _exam_or_404(exam_id) if exam_id else None
    stored = services.input_from(exam) if exam else None
    frozen = exam is not None and exam.frozen_at is not None
    form = ExamForm()
    module_choices = _module_choices()
    form.set_module_choices(module_choices)
    if request.method == "GET":
        if exam is not None and stored is not None:
            form.load(stored, exam_accounts(exam))
        else:
            _default_window(form)
            form.duration_minutes.data, form.pass_mark.data = 60, "60"
    if form.validate_on_submit():
        try:
            people = services.people_by_accounts(split_list(form.people.data))
            data = form.to_input(people, stored if frozen else None)
            if exam is None:
                exam = services.create_exam(data, _actor())
            else:
                services.update_exam(exam, data, _actor())
        except DomainError as error:
            db.session.rollback()
            _show_error(form, error)
            if exam_id is None:
                exam = None
        else:
            db.session.commit()
            flash(_("Exam “%(title)s” saved.", title=exam.title), "success")
            return redirect(url_for("exam_admin.exam_detail", exam_id=exam.id))
    if request.method == "POST":
        form.compact_rules()
        form.set_module_choices(module_choices)
    rule_words = [_rule_words(rule, dict(module_choices)) for rule in stored.rules] if stored else []
    return render_template("exams/officer_edit.html", form=form, exam=exam, frozen=frozen, stored=stored,
                           failed=request.method == "POST", rule_words=rule_words,
                           unit_nodes=units.unit_tree(include_inactive=False), module_choices=module_choices,
                           modules=dict(module_choices), tags=bank.all_tags(),
                           total_points=_stored_total(stored) if frozen else form.total_points(),
                           action_form=ActionForm())


def _stored_total(data: services.ExamInput | None) -> float:
    if data is None:
        return 0.0
    return sum(r.count * r.points for r in data.rules) + sum(p for _q, p in data.fixed)


# ---- the exam page -------------------------------------------------------------------------

@dataclass(frozen=True)
class SampleItem:
    slot: int
    question_id: int
    type: str
    points: float
    stem: str


def _sample(exam: Exam, seed: int) -> list[SampleItem]:
    try:
        slots = papers.sample_paper(exam, seed)
    except InfeasiblePaper:
        return []
    versions = {v.id: v for v in db.session.scalars(select(QuestionVersion).where(
        QuestionVersion.id.in_([s.version_id for s in slots])))}
    return [SampleItem(s.slot, s.question_id, versions[s.version_id].type, s.points, versions[s.version_id].stem)
            for s in slots]


def _audience_summary(exam: Exam) -> dict[str, list[str]]:
    """Each audience row by kind, in words."""
    by_kind: dict[str, list[str]] = {kind.value: [] for kind in AudienceKind}
    unit_names = {u.id: u.name for u in units.all_units()}
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(
        [int(a.value) for a in exam.audience if a.kind == AudienceKind.PERSON])))}
    from lawexam.auth.models import Category, Role

    for row in exam.audience:
        if row.kind == AudienceKind.UNIT:
            text = unit_names.get(int(row.value), f"#{row.value}")
        elif row.kind == AudienceKind.CATEGORY:
            text = Category(row.value).label
        elif row.kind == AudienceKind.ROLE:
            text = Role(row.value).label
        else:
            person = people.get(int(row.value))
            text = f"{person.real_name}（{person.account}）" if person else f"#{row.value}"
        by_kind[row.kind.value].append(text)
    return by_kind


def _rule_words(rule: Any, modules: dict[int, str]) -> list[str]:
    """A rule's filters as short phrases ("any" when it has none)."""
    words = []
    if rule.module_ids:
        words.append("、".join(modules.get(m, f"#{m}") for m in rule.module_ids))
    if rule.types:
        words.append("、".join(type_label(t) for t in rule.types))
    if rule.tags:
        words.append(_("tags: %(tags)s", tags="、".join(rule.tags)))
    if (rule.min_difficulty, rule.max_difficulty) != (1, 5):
        words.append(_("difficulty %(low)d–%(high)d", low=rule.min_difficulty, high=rule.max_difficulty))
    return words or [_("any question in the bank")]


def _issue_text(issue: Any) -> str:
    """The feasibility check's findings, phrased for the officer."""
    if issue.code == IssueCode.RULE_SHORT:
        return _("Rule %(rule)d needs %(needed)d questions but only %(available)d can be drawn.",
                 rule=issue.rule, needed=issue.needed, available=issue.available)
    if issue.code == IssueCode.POOL_SMALL:
        return _("Rule %(rule)d draws %(needed)d questions from a pool of only %(available)d (less than twice "
                 "the count): papers will be much alike.", rule=issue.rule, needed=issue.needed,
                 available=issue.available)
    if issue.code == IssueCode.FIXED_MISSING:
        return _("Fixed question No. %(id)d is not in the bank or is retired.", id=issue.question_id)
    if issue.code == IssueCode.FIXED_DUPLICATE:
        return _("Fixed question No. %(id)d is listed more than once.", id=issue.question_id)
    if issue.code == IssueCode.EMPTY_PAPER:
        return _("The paper has no questions.")
    return issue.message


@bp.route("/<int:exam_id>")
@manager_required
def exam_detail(exam_id: int) -> str:
    exam = _exam_or_404(exam_id)
    now = utcnow()
    phase = exam.phase(now)
    report = papers.feasibility(exam)
    seed = request.args.get("seed", type=int)
    if seed is None:
        seed = secrets.randbelow(10**6)
    modules = dict(_module_choices())
    enrolled = db.paginate(enrolled_query(exam).options(selectinload(User.unit)), page=_page_number(),
                           per_page=50, error_out=False)
    makeup_count = None
    if exam.makeup_of_id is None and phase in (ExamPhase.CLOSED, ExamPhase.ARCHIVED):
        makeup_count = len(services.makeup_candidates(exam))
    makeups = list(db.session.scalars(select(Exam).where(Exam.makeup_of_id == exam.id).order_by(Exam.opens_at)))
    fixed_stems = {}
    if exam.fixed_items:
        for item in exam.fixed_items:
            try:
                question = bank.get_question(item.question_id)
            except NotFound:
                continue
            fixed_stems[item.question_id] = question.current_version.stem if question.current_version else ""
    return render_template(
        "exams/officer_detail.html", exam=exam, phase=phase, phase_labels=phase_labels(), report=report,
        rule_words=[_rule_words(rule, modules) for rule in exam.rules],
        problems=[_issue_text(i) for i in report.problems], warnings={i.rule: _issue_text(i) for i in report.warnings},
        warning_texts=[_issue_text(i) for i in report.warnings],
        sample=_sample(exam, seed) if report.ok else [], seed=seed, next_seed=secrets.randbelow(10**6),
        enrolled=enrolled, figures=services.attendance([exam])[exam.id], audience=_audience_summary(exam),
        makeup_count=makeup_count, makeups=makeups, fixed_stems=fixed_stems, join_url=join_url(exam),
        action_form=ActionForm(), now=now, ExamPhase=ExamPhase, ExamStatus=ExamStatus,
        pager_args={**request.args.to_dict(), "exam_id": exam.id})


# ---- lifecycle -----------------------------------------------------------------------------

def _change(exam_id: int, change: Callable[[Exam], object], done: str) -> Response:
    exam = _exam_or_404(exam_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        change(exam)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(done, "success")
    return redirect(url_for("exam_admin.exam_detail", exam_id=exam_id))


@bp.route("/<int:exam_id>/publish", methods=["POST"])
@manager_required
def exam_publish(exam_id: int) -> Response:
    return _change(exam_id, lambda exam: services.publish(exam, _actor()),
                   _("Published: enrolled people see the exam and can start it when it opens."))


@bp.route("/<int:exam_id>/unpublish", methods=["POST"])
@manager_required
def exam_unpublish(exam_id: int) -> Response:
    return _change(exam_id, lambda exam: services.unpublish(exam, _actor()), _("The exam is a draft again."))


@bp.route("/<int:exam_id>/close", methods=["POST"])
@manager_required
def exam_close(exam_id: int) -> Response:
    return _change(exam_id, lambda exam: services.close_now(exam, _actor(), utcnow()),
                   _("The exam is closed; running attempts end now."))


@bp.route("/<int:exam_id>/archive", methods=["POST"])
@manager_required
def exam_archive(exam_id: int) -> Response:
    return _change(exam_id, lambda exam: services.archive(exam, _actor(), utcnow()), _("The exam is archived."))


@bp.route("/<int:exam_id>/clone", methods=["POST"])
@manager_required
def exam_clone(exam_id: int) -> Response:
    exam = _exam_or_404(exam_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        copy = services.clone(exam, _actor())
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("exam_admin.exam_detail", exam_id=exam_id))
    db.session.commit()
    flash(_("This is a copy of “%(title)s” as a draft: change what you need, then publish it.", title=exam.title),
          "success")
    return redirect(url_for("exam_admin.exam_edit", exam_id=copy.id))


@bp.route("/<int:exam_id>/makeup", methods=["GET", "POST"])
@manager_required
def exam_makeup(exam_id: int) -> str | Response:
    exam = _exam_or_404(exam_id)
    form = MakeupForm()
    if request.method == "GET":
        _default_window(form)
    if form.validate_on_submit():
        try:
            makeup = services.create_makeup(exam, to_utc(form.opens_at.data), to_utc(form.closes_at.data), _actor())
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Make-up exam created as a draft for %(num)d people. Check it and publish it.",
                    num=len(makeup.audience)), "success")
            return redirect(url_for("exam_admin.exam_detail", exam_id=makeup.id))
    candidates = services.makeup_candidates(exam)
    return render_template("exams/officer_makeup.html", exam=exam, form=form, candidates=candidates,
                           phase=exam.phase(utcnow()), ExamPhase=ExamPhase)


# ---- live monitor --------------------------------------------------------------------------

def _attempt_rows(exam: Exam, now: datetime) -> list[dict[str, Any]]:
    attempts = db.session.scalars(select(Attempt).where(Attempt.exam_id == exam.id)
                                  .options(selectinload(Attempt.user).selectinload(User.unit))
                                  .order_by(Attempt.user_id, Attempt.number)).all()
    labels = state_labels()
    rows = []
    for attempt in attempts:
        running = attempt.state == AttemptState.IN_PROGRESS
        rows.append({
            "id": attempt.id, "user_id": attempt.user_id, "name": attempt.user.real_name,
            "account": attempt.user.account, "unit": attempt.user.unit.name if attempt.user.unit else "",
            "number": attempt.number, "state": attempt.state.value, "state_label": labels[attempt.state],
            "started_at": attempt.started_at, "deadline": attempt.deadline, "finished_at": attempt.finished_at,
            "time_left_s": timing.time_left_s(attempt.deadline, now) if running else None,
            "score": attempt.score, "max_score": attempt.max_score, "passed": attempt.passed,
            "extension_min": attempt.extension_s // 60, "void_reason": attempt.void_reason,
            "actions": ACTIONS_BY_STATE[attempt.state],
        })
    order = {AttemptState.IN_PROGRESS.value: 0, AttemptState.SUBMITTED.value: 1, AttemptState.OVERDUE.value: 1,
             AttemptState.VOIDED.value: 2}
    rows.sort(key=lambda r: (order[r["state"]], r["name"], r["number"]))
    return rows


def _not_started(exam: Exam) -> tuple[list[User], int]:
    sat = select(Attempt.user_id).where(Attempt.exam_id == exam.id, Attempt.state != AttemptState.VOIDED)
    query = enrolled_query(exam).where(User.id.not_in(sat))
    from sqlalchemy import func

    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    people = list(db.session.scalars(query.options(selectinload(User.unit)).limit(NOT_STARTED_SHOWN)))
    return people, total


def _figures_json(figures: services.Attendance) -> dict[str, int]:
    return {"enrolled": figures.enrolled, "started": figures.started, "in_progress": figures.in_progress,
            "submitted": figures.submitted, "passed": figures.passed}


@bp.route("/<int:exam_id>/monitor")
@manager_required
def monitor(exam_id: int) -> str:
    exam = _exam_or_404(exam_id)
    now = utcnow()
    not_started, not_started_total = _not_started(exam)
    return render_template("exams/officer_monitor.html", exam=exam, phase=exam.phase(now), phase_labels=phase_labels(),
                           rows=_attempt_rows(exam, now), figures=services.attendance([exam])[exam.id],
                           not_started=not_started, not_started_total=not_started_total, now=now,
                           action_form=AttemptActionForm(), action_labels=dict(AttemptActionForm().action.choices),
                           poll_s=MONITOR_POLL_S)


@bp.route("/<int:exam_id>/monitor.json")
@manager_required
def monitor_json(exam_id: int) -> Response:
    exam = _exam_or_404(exam_id)
    now = utcnow()
    rows = [{"id": r["id"], "user_id": r["user_id"], "name": r["name"], "state": r["state"],
             "state_label": r["state_label"], "time_left_s": r["time_left_s"],
             "deadline": r["deadline"].isoformat(), "score": r["score"], "passed": r["passed"]}
            for r in _attempt_rows(exam, now)]
    return jsonify(server_time=now.isoformat(), phase=exam.phase(now).value, phase_label=phase_labels()[exam.phase(now)],
                   counts=_figures_json(services.attendance([exam])[exam.id]), attempts=rows)


@bp.route("/<int:exam_id>/attempts/<int:attempt_id>/action", methods=["POST"])
@manager_required
def attempt_action(exam_id: int, attempt_id: int) -> Response:
    exam = _exam_or_404(exam_id)
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.exam_id != exam.id:
        abort(404)
    back = redirect(url_for("exam_admin.monitor", exam_id=exam.id, _anchor=f"attempt-{attempt.id}"))
    form = AttemptActionForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
        return back
    name = attempt.user.real_name
    actor, now, reason, minutes = _actor(), utcnow(), form.reason.data or "", form.minutes.data or 0
    done = {
        "extend": lambda: attempt_service.extend_time(attempt, minutes, reason, actor, now),
        "reopen": lambda: attempt_service.reopen_attempt(attempt, minutes, reason, actor, now),
        "void": lambda: attempt_service.void_attempt(attempt, reason, actor, now),
        "force_submit": lambda: attempt_service.force_submit(attempt, reason, actor, now),
    }
    messages = {
        "extend": _("%(name)s has %(num)d more minutes.", name=name, num=minutes),
        "reopen": _("%(name)s's attempt is open again for %(num)d minutes.", name=name, num=minutes),
        "void": _("%(name)s's attempt is voided.", name=name),
        "force_submit": _("%(name)s's attempt is handed in and graded.", name=name),
    }
    try:
        done[form.action.data]()
    except DomainError as error:
        db.session.rollback()
        flash(_("%(name)s: %(problem)s", name=name, problem=error.message), "error")
    else:
        db.session.commit()
        flash(messages[form.action.data], "success")
    return back


# ---- join by phone -------------------------------------------------------------------------

@bp.route("/<int:exam_id>/qr.<any(svg, png):fmt>")
@manager_required
def exam_qr(exam_id: int, fmt: str) -> Response:
    exam = _exam_or_404(exam_id)
    buffer = io.BytesIO()
    _qr(exam).save(buffer, kind=fmt, scale=10, border=4)
    buffer.seek(0)
    return send_file(buffer, mimetype="image/svg+xml" if fmt == "svg" else "image/png",
                     as_attachment=request.args.get("download") == "1",
                     download_name=f"exam-{exam.id}-{exam.join_code}.{fmt}", max_age=0)


def _inline_qr(exam: Exam) -> Markup:
    svg = _qr(exam).svg_inline(scale=1, border=4, omitsize=True, svgclass="qr-code", dark="#000", light="#fff")
    label = escape(_("QR code"))
    return Markup(svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1))  # noqa: S704 - segno's own SVG


@bp.route("/<int:exam_id>/notice")
@manager_required
def exam_notice(exam_id: int) -> str:
    exam = _exam_or_404(exam_id)
    count = sum(r.count for r in exam.rules) + len(exam.fixed_items)
    total = sum(r.count * r.points for r in exam.rules) + sum(f.points for f in exam.fixed_items)
    return render_template("exams/officer_notice.html", exam=exam, join_url=join_url(exam), qr=_inline_qr(exam),
                           question_count=count, total_points=total,
                           login_url=url_for("auth.login", _external=True))


@join_bp.route("/j/<code>")
@login_required
def join(code: str) -> Response:
    exam = db.session.scalar(select(Exam).where(Exam.join_code == code.strip().upper()[:12]))
    if exam is None:
        abort(404)
    if "exams.start_page" in current_app.view_functions:
        return redirect(url_for("exams.start_page", exam_id=exam.id))
    return redirect(f"/exams/{exam.id}")


# Template helpers for these pages (prefixed: filters are app-wide).
@bp.app_template_filter("officer_points")
def _points_filter(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


@bp.app_template_filter("officer_clock")
def _clock(seconds: int | None) -> str:
    """Time left as H:MM:SS or M:SS."""
    if seconds is None:
        return ""
    hours, rest = divmod(max(0, seconds), 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"
