"""Officer pages for units and people."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from lawexam.auth.access import manager_required
from lawexam.auth.models import Category, Role, UnitKind
from lawexam.downloads import send_bytes
from lawexam.errors import DomainError, NotFound
from lawexam.extensions import db
from lawexam.forms_support import apply_domain_error
from lawexam.i18n import _
from lawexam.people import roster, services, units
from lawexam.people.forms import ActionForm, PersonForm, RosterConfirmForm, RosterUploadForm, UnitForm
from lawexam.staging import discard, fetch, stage

bp = Blueprint("people", __name__, url_prefix="/admin")


def _actor():
    return current_user._get_current_object()


def _unit_choices(blank: str | None = None, include_inactive: bool = False) -> list[tuple[object, str]]:
    choices: list[tuple[object, str]] = [("", blank)] if blank is not None else []
    for node in units.unit_tree(include_inactive):
        label = node.unit.name if node.unit.active else _("%(name)s (deactivated)", name=node.unit.name)
        label = "\u3000" * node.depth + label
        choices.append((node.unit.id, label))
    return choices


# ---- units ---------------------------------------------------------------------------------

@bp.route("/units")
@manager_required
def unit_list() -> str:
    return render_template("people/units.html", nodes=units.unit_tree(), form=ActionForm())


@bp.route("/units/new", methods=["GET", "POST"])
@bp.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
@manager_required
def unit_edit(unit_id: int | None = None) -> str | Response:
    unit = _or_404(units.get_unit, unit_id) if unit_id else None
    form = UnitForm(obj=unit)
    if unit is not None and request.method == "GET":
        form.kind.data = unit.kind.value
    form.parent_id.choices = _unit_choices(blank=_("— none (top level) —"))
    if form.validate_on_submit():
        try:
            kind = UnitKind(form.kind.data)
            if unit is None:
                unit = units.create_unit(form.name.data, kind, form.parent_id.data)
            else:
                units.update_unit(unit, form.name.data, kind, form.parent_id.data)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Unit %(name)s saved.", name=unit.name), "success")
            return redirect(url_for("people.unit_list"))
    return render_template("people/unit_edit.html", form=form, unit=unit)


@bp.route("/units/<int:unit_id>/active", methods=["POST"])
@manager_required
def unit_set_active(unit_id: int) -> Response:
    unit = _or_404(units.get_unit, unit_id)
    if ActionForm().validate_on_submit():
        try:
            units.set_unit_active(unit, request.form.get("active") == "1")
        except DomainError as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("Unit %(name)s updated.", name=unit.name), "success")
    return redirect(url_for("people.unit_list"))


# ---- people --------------------------------------------------------------------------------

def _filter_from_args() -> services.PeopleFilter:
    args = request.args
    active = {"1": True, "0": False, "all": None}.get(args.get("active", "1"), True)
    try:
        category = Category(args["category"]) if args.get("category") else None
        role = Role(args["role"]) if args.get("role") else None
        unit_id = int(args["unit"]) if args.get("unit") else None
    except ValueError:
        abort(400)
    return services.PeopleFilter(text=args.get("q", "")[:64], unit_id=unit_id,
                                 category=category, role=role, active=active)


@bp.route("/people")
@manager_required
def person_list() -> str:
    criteria = _filter_from_args()
    page = db.paginate(services.people_query(criteria), per_page=30, error_out=False)
    return render_template("people/list.html", page=page, criteria=criteria,
                           unit_choices=_unit_choices(blank=_("All units"), include_inactive=True),
                           Category=Category, args=request.args)


@bp.route("/people/export.xlsx")
@manager_required
def person_export() -> Response:
    people = list(db.session.scalars(services.people_query(_filter_from_args())))
    data = roster.export_xlsx(people, _actor())
    db.session.commit()
    return send_bytes(data, "人员名单.xlsx")


def _person_data(form: PersonForm) -> services.PersonData:
    return services.PersonData(
        real_name=form.real_name.data or "", account=(form.account.data or "").strip(),
        unit_id=form.unit_id.data, categories={Category(c) for c in form.categories.data},
        roles={Role(r) for r in form.roles.data}, enforcement_cert_no=form.enforcement_cert_no.data or "")


@bp.route("/people/new", methods=["GET", "POST"])
@manager_required
def person_new() -> str | Response:
    form = PersonForm()
    form.unit_id.choices = _unit_choices(blank=_("— choose —"))
    if request.method == "GET":
        form.roles.data = [Role.EXAMINEE.value]
    if form.validate_on_submit():
        try:
            user, password = services.create_person(_person_data(form), _actor())
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            db.session.commit()
            return render_template("people/password_shown.html", person=user, password=password, created=True)
    return render_template("people/edit.html", form=form, person=None)


@bp.route("/people/<int:user_id>/edit", methods=["GET", "POST"])
@manager_required
def person_edit(user_id: int) -> str | Response:
    person = _or_404(services.get_person, user_id)
    form = PersonForm(obj=person)
    form.unit_id.choices = _unit_choices(blank=_("— choose —"), include_inactive=True)
    if request.method == "GET":
        form.categories.data = [c.value for c in person.categories]
        form.roles.data = [r.value for r in person.roles]
    if form.validate_on_submit():
        try:
            services.update_person(person, _person_data(form), _actor())
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("%(name)s saved.", name=person.real_name), "success")
            return redirect(url_for("people.person_list"))
    return render_template("people/edit.html", form=form, person=person, action_form=ActionForm())


@bp.route("/people/<int:user_id>/active", methods=["POST"])
@manager_required
def person_set_active(user_id: int) -> Response:
    person = _or_404(services.get_person, user_id)
    if ActionForm().validate_on_submit():
        try:
            services.set_person_active(person, request.form.get("active") == "1", _actor())
        except DomainError as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("%(name)s updated.", name=person.real_name), "success")
    return redirect(url_for("people.person_edit", user_id=user_id))


@bp.route("/people/<int:user_id>/reset-password", methods=["POST"])
@manager_required
def person_reset_password(user_id: int) -> str | Response:
    person = _or_404(services.get_person, user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        password = services.reset_person_password(person, _actor())
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("people.person_edit", user_id=user_id))
    db.session.commit()
    return render_template("people/password_shown.html", person=person, password=password, created=False)


# ---- roster import -------------------------------------------------------------------------

@bp.route("/people/import", methods=["GET", "POST"])
@manager_required
def roster_upload() -> str:
    form = RosterUploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read()
        plan = roster.plan_import(upload.filename or "roster", data, _actor())
        token = ""
        if plan.can_import:
            token = stage("roster", current_user.id, upload.filename or "roster", data).token
            db.session.commit()
        return render_template("people/import_preview.html", plan=plan,
                               confirm=RosterConfirmForm(token=token), RowStatus=roster.RowStatus)
    return render_template("people/import.html", form=form)


@bp.route("/people/import/confirm", methods=["POST"])
@manager_required
def roster_confirm() -> str | Response:
    form = RosterConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        staged = fetch("roster", current_user.id, form.token.data)
    except NotFound as error:
        flash(error.message, "error")
        return redirect(url_for("people.roster_upload"))
    # Validate again: the roster or the units may have changed since the preview.
    plan = roster.plan_import(staged.filename, staged.data, _actor())
    try:
        outcome = roster.apply_import(plan, skip_invalid=form.skip_invalid.data, actor=_actor())
    except roster.RosterInvalid as error:
        db.session.rollback()
        flash(str(error), "error")
        return render_template("people/import_preview.html", plan=plan, confirm=form, RowStatus=roster.RowStatus)
    discard(staged)
    db.session.commit()
    return render_template("people/import_done.html", outcome=outcome)


@bp.route("/people/import/template.<fmt>")
@manager_required
def roster_template(fmt: str) -> Response:
    if fmt == "xlsx":
        return send_bytes(roster.template_xlsx(), "人员导入模板.xlsx")
    if fmt == "csv":
        return send_bytes(roster.template_csv(), "人员导入模板.csv")
    abort(404)


def _or_404(getter, ident):
    try:
        return getter(ident)
    except NotFound:
        abort(404)
