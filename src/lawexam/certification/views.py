"""Officer pages for enforcement certificates (/admin/certificates) and the holder's own page.

The home page shows a holder's certificates through the ``my_certificates()`` template global
installed here, so ``main/views.py`` needs no change.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from lawexam.auth.access import manager_required
from lawexam.auth.models import User
from lawexam.certification import exporting, importing, services
from lawexam.certification.compliance import Check, CertificateStatus, Evaluation, Period, describe, format_hours
from lawexam.certification.forms import (
    ActionForm,
    ApplyForm,
    CertificateForm,
    ImportConfirmForm,
    ImportUploadForm,
    ReasonForm,
    RenewForm,
    TypeForm,
)
from lawexam.certification.models import (
    PERIOD_LABELS,
    STATUS_LABELS,
    ApplicationStatus,
    Certificate,
    CertificateType,
)
from lawexam.certification.records import local_today
from lawexam.db import utcnow
from lawexam.downloads import send_bytes
from lawexam.errors import DomainError, NotFound
from lawexam.extensions import db
from lawexam.forms_support import apply_domain_error
from lawexam.i18n import _, gettext
from lawexam.paging import Page, page_of
from lawexam.people.units import unit_path, unit_tree
from lawexam.questions.models import QuestionModule
from lawexam.staging import discard, fetch, stage

bp = Blueprint("certificates", __name__, url_prefix="/admin/certificates")
mine_bp = Blueprint("my_certificates", __name__, url_prefix="/certificates")

PER_PAGE = 50
T = TypeVar("T")


# ---- template helpers ------------------------------------------------------------------------

def status_label(status: CertificateStatus) -> str:
    return str(STATUS_LABELS[status])


def describe_check(check: Check, evaluation: Evaluation) -> str:
    return describe(check, evaluation, gettext)


def check_url(check: Check) -> str | None:
    """Where the holder acts on a check (the lessons, a module, an exam), when that page exists."""
    link = check.link
    if link is None:
        return None
    endpoints = current_app.view_functions
    if link.kind in ("study", "module") and "study.index" in endpoints:
        anchor = f"module-{link.target}" if link.kind == "module" else None
        return url_for("study.index", _anchor=anchor)
    if link.kind == "exam" and "exams.start_page" in endpoints:
        return url_for("exams.start_page", exam_id=link.target)
    return None


@dataclass(frozen=True)
class MyCertificates:
    rows: list[services.Row]
    applications: list[Any]

    @property
    def empty(self) -> bool:
        return not self.rows and not self.applications


def my_certificates() -> MyCertificates:
    """The signed-in person's certificates (not revoked) with what they still need, and their open
    applications; empty for everyone else."""
    if not current_user or not current_user.is_authenticated:
        return MyCertificates([], [])
    user = current_user._get_current_object()
    rows = services.holder_rows(user, utcnow(), include_revoked=False)
    open_apps = [a for a in services.applications_of(user)
                 if a.status in (ApplicationStatus.CANDIDATE, ApplicationStatus.APPLIED)]
    return MyCertificates(rows, open_apps)


def _install_helpers(state: BlueprintSetupState) -> None:
    state.app.add_template_global(my_certificates, "my_certificates")
    state.app.add_template_global(status_label, "certificate_status_label")
    state.app.add_template_global(describe_check, "describe_check")
    state.app.add_template_global(check_url, "check_url")
    state.app.add_template_filter(format_hours, "hours")


bp.record_once(_install_helpers)


# ---- small helpers ---------------------------------------------------------------------------

def _actor() -> User:
    return current_user._get_current_object()


def _or_404(getter, ident):  # noqa: ANN001, ANN202 - any getter raising NotFound
    try:
        return getter(ident)
    except NotFound:
        abort(404)


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    try:
        return int(value) if value else None
    except ValueError:
        abort(400)


def _date_arg(name: str, default: date) -> date:
    value = request.args.get(name, "")
    if not value:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        flash(_("%(text)s is not a date; showing today instead.", text=value[:20]), "error")
        return default


def _paginate(rows: list[T]) -> Page[T]:
    return page_of(rows, max(1, _int_arg("page") or 1), PER_PAGE)


def _type_choices(blank: str | None = None, include_inactive: bool = False) -> list[tuple[object, str]]:
    choices: list[tuple[object, str]] = [("", blank)] if blank is not None else []
    return choices + [(t.id, t.label if t.active else _("%(name)s (not in use)", name=t.label))
                      for t in services.all_types(include_inactive)]


def _unit_choices() -> list[tuple[object, str]]:
    return [("", _("All units"))] + [(n.unit.id, "\u3000" * n.depth + n.unit.name) for n in unit_tree()]


# ---- dashboard, registry, due list ------------------------------------------------------------

@bp.route("/")
@manager_required
def dashboard() -> str:
    now = utcnow()
    today = _date_arg("on", local_today(now))
    type_id = _int_arg("type")
    figures = services.dashboard(now, today, type_id)
    due = services.due_list(now, today=today, type_id=type_id)
    new = services.new_holders(today.year, today, type_id)
    return render_template("certification/dashboard.html", figures=figures, due=due, new=new, today=today,
                           type_choices=_type_choices(_("All certificate types")), type_id=type_id,
                           is_today=today == local_today(now))


def _registry_filter() -> services.RegistryFilter:
    args = request.args
    status = args.get("status", "")
    if status not in {"", "all", services.IN_FORCE} | {s.value for s in CertificateStatus}:
        abort(400)
    return services.RegistryFilter(text=args.get("q", "")[:64], type_id=_int_arg("type"), status=status,
                                   unit_id=_int_arg("unit"), unmet=args.get("unmet") == "1")


@bp.route("/registry")
@manager_required
def registry() -> str:
    now = utcnow()
    criteria = _registry_filter()
    rows = services.registry(criteria, now)
    return render_template("certification/registry.html", page=_paginate(rows), criteria=criteria, args=request.args,
                           type_choices=_type_choices(_("All certificate types"), include_inactive=True),
                           unit_choices=_unit_choices(), statuses=list(CertificateStatus), today=local_today(now))


@bp.route("/registry/export.xlsx")
@manager_required
def registry_export() -> Response:
    now = utcnow()
    criteria = _registry_filter()
    rows = services.registry(criteria, now)
    data = exporting.registry_xlsx(rows, local_today(now), _actor(),
                                   {k: v for k, v in request.args.items() if k != "page"})
    db.session.commit()
    return send_bytes(data, "执法证件登记.xlsx")


def _within() -> int:
    within = _int_arg("within")
    if within is None:
        return 60
    if not 0 <= within <= 3650:
        abort(400)
    return within


@bp.route("/due")
@manager_required
def due() -> str:
    now = utcnow()
    listing = services.due_list(now, within=_within(), type_id=_int_arg("type"))
    return render_template("certification/due.html", listing=listing, args=request.args,
                           type_choices=_type_choices(_("All certificate types")))


@bp.route("/due/export.xlsx")
@manager_required
def due_export() -> Response:
    listing = services.due_list(utcnow(), within=_within(), type_id=_int_arg("type"))
    data = exporting.due_xlsx(listing, _actor())
    db.session.commit()
    return send_bytes(data, "执法证件到期提醒.xlsx")


# ---- one person's certificates -------------------------------------------------------------

@bp.route("/people/<int:user_id>")
@manager_required
def person(user_id: int) -> str:
    from lawexam.people.services import get_person

    holder = _or_404(get_person, user_id)
    now = utcnow()
    rows = services.holder_rows(holder, now)
    return render_template("certification/person.html", holder=holder, rows=rows,
                           applications=services.applications_of(holder),
                           unit_path=unit_path(holder.unit) if holder.unit else "",
                           action_form=ActionForm(), today=local_today(now))


def _people_for_datalist() -> list[User]:
    return list(db.session.scalars(select(User).where(User.active.is_(True))
                                   .order_by(User.unit_id, User.real_name).limit(3000)))


def _certificate_data(form: CertificateForm) -> services.CertificateData:
    return services.CertificateData(
        type_id=form.type_id.data, holder_account=(form.holder_account.data or "").strip(),
        number=form.number.data or "", authority=form.authority.data or "",
        enforcement_field=form.enforcement_field.data or "", issued_on=form.issued_on.data,
        valid_until=form.valid_until.data)


@bp.route("/new", methods=["GET", "POST"])
@bp.route("/<int:certificate_id>/edit", methods=["GET", "POST"])
@manager_required
def edit(certificate_id: int | None = None) -> str | Response:
    cert: Certificate | None = _or_404(services.get_certificate, certificate_id) if certificate_id else None
    form = CertificateForm(obj=cert)
    form.type_id.choices = _type_choices(_("— choose —"), include_inactive=cert is not None)
    application = None
    hidden = form.application_id.data or ""
    application_id = _int_arg("application") or (int(hidden) if hidden.isdigit() else None)
    if cert is None and application_id:
        application = _or_404(services.get_application, application_id)
        if application.status != ApplicationStatus.APPLIED:
            application = None
    if request.method == "GET":
        if cert is not None:
            form.holder_account.data = cert.holder.account
        else:
            if application is not None:
                form.holder_account.data = application.user.account
                form.type_id.data = application.type_id
                form.application_id.data = str(application.id)
            elif _int_arg("user"):
                person = db.session.get(User, _int_arg("user"))
                form.holder_account.data = person.account if person else ""
            if _int_arg("type"):
                form.type_id.data = _int_arg("type")
            elif form.type_id.data is None:
                form.type_id.data = services.preset_type("enforcement").id
    if form.validate_on_submit():
        now = utcnow()
        try:
            if cert is None:
                cert = services.create_certificate(_certificate_data(form), _actor(), now, application=application)
                message = _("Certificate %(number)s entered.", number=cert.number)
            else:
                changed = services.correct_certificate(cert, _certificate_data(form), form.reason.data or "",
                                                       _actor(), now)
                message = _("Certificate %(number)s corrected.", number=cert.number) if changed \
                    else _("Nothing was changed.")
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(message, "success")
            return redirect(url_for("certificates.person", user_id=cert.holder_id, _anchor=f"cert-{cert.id}"))
    return render_template("certification/edit.html", form=form, cert=cert, application=application,
                           people=_people_for_datalist())


@bp.route("/<int:certificate_id>/renew", methods=["GET", "POST"])
@manager_required
def renew(certificate_id: int) -> str | Response:
    cert = _or_404(services.get_certificate, certificate_id)
    now = utcnow()
    today = local_today(now)
    form = RenewForm()
    if request.method == "GET":
        form.valid_until.data = services.proposed_valid_until(cert, today)
    if form.validate_on_submit():
        try:
            services.renew(cert, services.RenewalData(valid_until=form.valid_until.data, number=form.number.data or "",
                                                      override_reason=form.override_reason.data or ""), _actor(), now)
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Certificate %(number)s renewed until %(date)s.", number=cert.number,
                    date=cert.valid_until.isoformat()), "success")
            return redirect(url_for("certificates.person", user_id=cert.holder_id, _anchor=f"cert-{cert.id}"))
    cert = services.get_certificate(certificate_id)
    evaluation = services.evaluate_one(cert, today, now)
    return render_template("certification/renew.html", form=form, cert=cert, evaluation=evaluation, today=today)


@bp.route("/<int:certificate_id>/status/<action>", methods=["GET", "POST"])
@manager_required
def change_status(certificate_id: int, action: str) -> str | Response:
    """Suspend (暂扣), revoke (注销) or reinstate, with a reason."""
    if action not in services.STATUS_ACTIONS:
        abort(404)
    cert = _or_404(services.get_certificate, certificate_id)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            services.change_status(cert, action, form.reason.data or "", _actor(), utcnow())
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            messages = {"suspend": _("Certificate %(number)s suspended."),
                        "revoke": _("Certificate %(number)s revoked."),
                        "reinstate": _("Certificate %(number)s reinstated.")}
            flash(messages[action] % {"number": cert.number}, "success")
            return redirect(url_for("certificates.person", user_id=cert.holder_id, _anchor=f"cert-{cert.id}"))
        cert = services.get_certificate(certificate_id)
    return render_template("certification/status.html", form=form, cert=cert, action=action)


# ---- types and requirements ----------------------------------------------------------------

@bp.route("/types")
@manager_required
def types() -> str:
    return render_template("certification/types.html", types=services.all_types(include_inactive=True),
                           PERIOD_LABELS=PERIOD_LABELS)


@bp.route("/types/new", methods=["GET", "POST"])
@bp.route("/types/<int:type_id>/edit", methods=["GET", "POST"])
@manager_required
def type_edit(type_id: int | None = None) -> str | Response:
    ctype: CertificateType | None = _or_404(services.get_type, type_id) if type_id else None
    form = TypeForm(obj=ctype)
    modules = list(db.session.scalars(select(QuestionModule).where(QuestionModule.active.is_(True))
                                      .order_by(QuestionModule.sort_order, QuestionModule.name)))
    form.module_ids.choices = [(m.id, m.name) for m in modules]
    exams = services.exam_choices()
    if ctype is not None:
        known = {e.id for e in exams}
        exams += [row.exam for row in ctype.exam_rows if row.exam_id not in known]
    form.exam_ids.choices = [(e.id, f"{e.title}（{e.opens_at:%Y-%m-%d}）") for e in exams]
    if request.method == "GET" and ctype is not None:
        form.hours.data = format_hours(ctype.hours)
        form.period.data = ctype.period.value
        form.module_ids.data = sorted(ctype.module_ids)
        form.exam_ids.data = sorted(ctype.exam_ids)
    if form.validate_on_submit():
        data = services.TypeData(
            name=form.name.data or "", description=form.description.data or "", hours=form.hours.data or "0",
            period=Period(form.period.data), module_ids=set(form.module_ids.data or []),
            exam_required=bool(form.exam_required.data), exam_ids=set(form.exam_ids.data or []),
            lead_days=form.lead_days.data if form.lead_days.data is not None else 60,
            validity_years=form.validity_years.data, active=bool(form.active.data))
        try:
            ctype = services.save_type(ctype, data, _actor(), utcnow())
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Certificate type %(name)s saved.", name=ctype.name), "success")
            return redirect(url_for("certificates.types"))
    return render_template("certification/type_edit.html", form=form, ctype=ctype)


# ---- applications (申领) -------------------------------------------------------------------

@bp.route("/candidates")
@manager_required
def candidates() -> str:
    now = utcnow()
    today = local_today(now)
    type_id = _int_arg("type")
    issued = [a for a in services.applications(ApplicationStatus.ISSUED, type_id)
              if a.issued_on and a.issued_on.year == today.year]
    return render_template("certification/candidates.html", candidates=services.candidates(now, type_id),
                           applied=services.applications(ApplicationStatus.APPLIED, type_id), issued=issued,
                           form=ApplyForm(), action_form=ActionForm(), today=today,
                           type_choices=_type_choices(_("All certificate types")), type_id=type_id)


@bp.route("/candidates/apply", methods=["POST"])
@manager_required
def apply() -> Response:
    form = ApplyForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        user = db.session.get(User, int(form.user_id.data))
        ctype = services.get_type(int(form.type_id.data))
        passed_on = date.fromisoformat(form.passed_on.data) if form.passed_on.data else None
        exam_id = int(form.exam_id.data) if form.exam_id.data else None
    except (ValueError, NotFound):
        abort(400)
    if user is None:
        abort(404)
    try:
        services.mark_applied(user, ctype, _actor(), utcnow(), exam_id=exam_id, passed_on=passed_on)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("%(name)s is marked as applied for the %(type)s.", name=user.real_name, type=ctype.label), "success")
    return redirect(url_for("certificates.candidates"))


@bp.route("/applications/<int:application_id>/withdraw", methods=["GET", "POST"])
@manager_required
def withdraw(application_id: int) -> str | Response:
    application = _or_404(services.get_application, application_id)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            services.withdraw_application(application, form.reason.data or "", _actor(), utcnow())
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("The application of %(name)s was withdrawn.", name=application.user.real_name), "success")
            return redirect(url_for("certificates.candidates"))
    return render_template("certification/withdraw.html", form=form, application=application)


# ---- import --------------------------------------------------------------------------------

@bp.route("/import", methods=["GET", "POST"])
@manager_required
def import_upload() -> str:
    form = ImportUploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read()
        plan = importing.plan_import(upload.filename or "certificates.xlsx", data, utcnow())
        token = ""
        if plan.can_import:
            token = stage("certificates", current_user.id, upload.filename or "certificates.xlsx", data).token
        db.session.commit()
        return render_template("certification/import_preview.html", plan=plan,
                               confirm=ImportConfirmForm(token=token), RowStatus=importing.RowStatus)
    return render_template("certification/import.html", form=form)


@bp.route("/import/confirm", methods=["POST"])
@manager_required
def import_confirm() -> str | Response:
    form = ImportConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        staged = fetch("certificates", current_user.id, form.token.data)
    except NotFound as error:
        flash(error.message, "error")
        return redirect(url_for("certificates.import_upload"))
    now = utcnow()
    # Validate again: the registry or the roster may have changed since the preview.
    plan = importing.plan_import(staged.filename, staged.data, now)
    try:
        outcome = importing.apply_import(plan, skip_invalid=form.skip_invalid.data, actor=_actor(), now=now)
    except importing.ImportInvalid as error:
        db.session.rollback()
        flash(str(error), "error")
        return render_template("certification/import_preview.html", plan=plan, confirm=form,
                               RowStatus=importing.RowStatus)
    discard(staged)
    db.session.commit()
    return render_template("certification/import_done.html", outcome=outcome)


@bp.route("/import/template.xlsx")
@manager_required
def import_template() -> Response:
    return send_bytes(importing.template_xlsx(), "执法证件导入模板.xlsx")


# ---- the holder's own page -------------------------------------------------------------------

@mine_bp.route("/")
@login_required
def index() -> str:
    user = current_user._get_current_object()
    now = utcnow()
    return render_template("certification/mine.html", rows=services.holder_rows(user, now),
                           applications=services.applications_of(user), today=local_today(now))
