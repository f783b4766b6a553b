"""Officer pages for study: the hours and completion figures, their export, and the targets."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from lawexam.auth.access import manager_required
from lawexam.auth.models import Category
from lawexam.db import utcnow
from lawexam.downloads import send_bytes
from lawexam.errors import DomainError
from lawexam.extensions import db
from lawexam.forms_support import apply_domain_error
from lawexam.i18n import _
from lawexam.questions.bank import all_modules
from lawexam.study import services
from lawexam.study.forms import TargetForm
from lawexam.study.models import centi_to_hours

bp = Blueprint("study_admin", __name__, url_prefix="/admin/study")


def _actor():
    return current_user._get_current_object()


def _year_from_args() -> int:
    raw = request.args.get("year", "")
    if not raw:
        return services.study_year(utcnow())
    if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
        abort(400)
    return int(raw)


def _unit_choices() -> list[tuple[object, str]]:
    from lawexam.people.units import unit_tree

    return [("", _("All units"))] + [(n.unit.id, "\u3000" * n.depth + n.unit.name)
                                     for n in unit_tree(include_inactive=False)]


def _filter_from_args() -> services.PersonFilter:
    args = request.args
    try:
        category = Category(args["category"]) if args.get("category") else None
        unit_id = int(args["unit"]) if args.get("unit") else None
    except ValueError:
        abort(400)
    status = args.get("status", "")
    return services.PersonFilter(text=args.get("q", "")[:64], unit_id=unit_id, category=category,
                                 status=status if status in services.STATUSES else "")


@bp.route("/")
@manager_required
def overview() -> str:
    year = _year_from_args()
    criteria = _filter_from_args()
    try:
        page_number = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page_number = 1
    return render_template(
        "study/admin/overview.html", year=year, years=services.years_with_study(utcnow()),
        overall=services.overall_figures(year), units=services.unit_figures(year),
        categories=services.category_figures(year), page=services.person_page(year, criteria, page_number),
        criteria=criteria, unit_choices=_unit_choices(), Category=Category, args=request.args,
        targets=services.targets_for_year(year))


@bp.route("/export.xlsx")
@manager_required
def export() -> Response:
    year = _year_from_args()
    kind = request.args.get("kind", "people")
    if kind not in services.EXPORT_KINDS:
        abort(400)
    data, filename = services.export_xlsx(kind, year, _filter_from_args(), _actor())
    db.session.commit()  # the export is recorded in the audit log
    return send_bytes(data, filename)


@bp.route("/targets")
@manager_required
def targets() -> str:
    year = _year_from_args()
    return render_template("study/admin/targets.html", year=year, years=services.years_with_study(utcnow()),
                           targets=services.targets_for_year(year), Category=Category,
                           modules={m.id: m for m in all_modules(include_inactive=True)})


@bp.route("/targets/<int:year>/<category>", methods=["GET", "POST"])
@manager_required
def target_edit(year: int, category: str) -> str | Response:
    try:
        chosen = Category(category)
    except ValueError:
        abort(404)
    if not 2000 <= year <= 2100:
        abort(404)
    target = services.get_target(year, chosen)
    form = TargetForm()
    modules = all_modules(include_inactive=False)
    form.modules.choices = [(m.id, m.name) for m in modules]
    if request.method == "GET":
        form.hours.data = f"{centi_to_hours(target.hours_centi):g}" if target else "0"
        form.modules.data = sorted(target.module_ids) if target else []
    if form.validate_on_submit():
        try:
            services.save_target(year, chosen, services.parse_hours(form.hours.data or "0"),
                                 set(form.modules.data or []), _actor(), utcnow())
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("The %(year)d requirement for %(category)s is saved.", year=year, category=chosen.label),
                  "success")
            return redirect(url_for("study_admin.targets", year=year))
    return render_template("study/admin/target_edit.html", form=form, year=year, category=chosen, target=target)
