"""Report pages for the town office (reviewers), unit heads, training officers and admins.

Thin views: every figure comes from the report services, which take the viewer's
``ReportScope``; these views read the filter from the URL, pick a page of a list, build the
tables and charts and send files.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any, Callable

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from lawexam.auth.access import roles_required
from lawexam.auth.models import Category, OrgUnit
from lawexam.db import utcnow
from lawexam.downloads import send_bytes
from lawexam.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from lawexam.exams.models import Exam
from lawexam.extensions import db
from lawexam.i18n import _
from lawexam.localtime import local_zone
from lawexam.people.units import unit_tree
from lawexam.reports import exam_report as exams
from lawexam.reports import models as _indexes  # noqa: F401 - the covering indexes of migration 0007
from lawexam.reports import external, presentation
from lawexam.reports.exporting import FORMATS, export_table
from lawexam.reports.figures import round_half_up
from lawexam.reports.item_report import item_report, sample_limit_setting
from lawexam.reports.scope import REPORT_ROLES, ReportFilter, ReportScope, check_filter, parse_filter, scope_for
from lawexam.reports.tables import Column, Table, page_value
from lawexam.reports.year_report import (
    Period, exam_rows, hours_by_unit, people_in_view, period_report, trend, trend_years,
)

bp = Blueprint("reports", __name__, url_prefix="/reports")
report_access = roles_required(*REPORT_ROLES)

PER_PAGE = 100
ITEMS_PER_PAGE = 50
# Below this many answers a question's facility and discrimination are shown as rough.
FEW_ANSWERS = 20
# Item table orders: the weakest questions first.
ITEM_ORDERS: dict[str, Callable[[Any], Any]] = {
    "facility": lambda i: (i.stats.facility is None, i.stats.facility or 0.0),
    "discrimination": lambda i: (i.stats.discrimination is None, i.stats.discrimination or 0.0),
}
MIN_YEAR, MAX_YEAR = 2000, 2100


def _me() -> Any:
    return current_user._get_current_object()


def _guard(call: Callable[[], Any]) -> Any:
    """Run a service call, turning domain refusals into HTTP answers."""
    try:
        return call()
    except PermissionDenied:
        abort(403)
    except NotFound:
        abort(404)
    except InvalidInput:
        abort(400)
    except DomainError:
        abort(409)


def _context(*, period: bool = False) -> tuple[ReportScope, ReportFilter]:
    """The viewer's scope and the filter from the URL. Only the index takes a period and an
    exam from the query; the other pages have theirs in the path."""
    scope = _guard(lambda: scope_for(_me()))
    criteria = _guard(lambda: parse_filter(request.args))
    if not period:
        criteria = replace(criteria, year=None, date_from=None, date_to=None, exam_id=None)
    _guard(lambda: check_filter(scope, criteria))
    return scope, criteria


def _page_arg(name: str) -> int:
    raw = request.args.get(name, "1")
    return int(raw) if raw.isdigit() and len(raw) < 7 else 1


def _unit_choices(scope: ReportScope) -> list[tuple[int, str]]:
    nodes = [n for n in unit_tree(include_inactive=True) if scope.allows_unit(n.unit.id)]
    top = min((n.depth for n in nodes), default=0)
    return [(n.unit.id, "\u3000" * (n.depth - top) + n.unit.name
             + ("" if n.unit.active else _(" (deactivated)"))) for n in nodes]


def _place(scope: ReportScope, criteria: ReportFilter) -> str:
    """How the summary names the place: the filtered unit, the unit head's unit, or "our town"."""
    if criteria.unit_id:
        unit = db.session.get(OrgUnit, criteria.unit_id)
        if unit is not None:
            return unit.name
    if not scope.everything and scope.name:
        return scope.name
    return _("our town")


def _common(scope: ReportScope, criteria: ReportFilter) -> dict[str, Any]:
    return {"scope": scope, "criteria": criteria, "unit_choices": _unit_choices(scope), "Category": Category,
            "args": criteria.args(), "formats": FORMATS}


def _unit_link(endpoint: str, criteria: ReportFilter, **values: Any) -> Callable[[Any], str | None]:
    def link(unit_id: Any) -> str | None:
        if unit_id is None:
            return None
        return url_for(endpoint, **values, **criteria.args(unit=unit_id))
    return link


def _category_link(endpoint: str, criteria: ReportFilter, **values: Any) -> Callable[[Any], str | None]:
    return lambda category: url_for(endpoint, **values, **criteria.args(category=category.value))


def _chart(table: Table, label_column: int, series: list[tuple[int, str]], kind: str = "bar", *,
           stacked: bool = False, percent: bool = False, label: str = "", horizontal: bool = False) -> dict[str, Any]:
    """Chart data from a table's columns, so the chart and its data table always agree."""
    labels = [str(row.cells[label_column]) for row in table.rows]
    datasets = []
    for column, name in series:
        values = [row.cells[column] for row in table.rows]
        datasets.append({"label": name, "data": [None if v is None else round_half_up(float(v), 1) for v in values]})
    return {"type": kind, "labels": labels, "datasets": datasets, "stacked": stacked, "percent": percent,
            "label": label, "horizontal": horizontal}


# ---- index: a period's sittings --------------------------------------------------------------

def _period(criteria: ReportFilter) -> Period:
    if criteria.date_from or criteria.date_to:
        today = utcnow().astimezone(local_zone()).date()
        first = criteria.date_from or date(today.year, 1, 1)
        last = criteria.date_to or today
        if last < first:
            abort(400)
        return Period.of_days(first, last)
    return Period.of_year(criteria.year or utcnow().astimezone(local_zone()).year)


def _index_report(period: Period, scope: ReportScope, criteria: ReportFilter) -> Any:
    """The index shows the period's overview and its exams (no unit or category tables)."""
    report = period_report(period, scope, criteria, detail=False)
    return replace(report, exams=exam_rows(period, scope, criteria))


@bp.route("/")
@report_access
def index() -> str | Response:
    scope, criteria = _context(period=True)
    if criteria.exam_id:
        return redirect(url_for("reports.exam_page", exam_id=criteria.exam_id,
                                **replace(criteria, exam_id=None, year=None, date_from=None, date_to=None).args()))
    period = _period(criteria)
    report = _index_report(period, scope, criteria)
    overview = presentation.period_overview_table(report, None, None)
    people_args = replace(criteria, exam_id=None, year=None, date_from=None, date_to=None).args()
    exams_table = presentation.period_exams_table(
        report, lambda exam: url_for("reports.exam_page", exam_id=exam.id, **people_args))
    this_year = utcnow().astimezone(local_zone()).year
    years = list(reversed(trend_years(this_year)))
    exam_choices = [(row.exam.id, row.exam.title) for row in report.exams]
    return render_template("reports/index.html", report=report, period=period, overview=overview,
                           exams_table=exams_table, years=years, exam_choices=exam_choices,
                           **_common(scope, criteria))


@bp.route("/export/<table>.<fmt>")
@report_access
def index_export(table: str, fmt: str) -> Response:
    scope, criteria = _context(period=True)
    period = _period(criteria)
    report = _index_report(period, scope, criteria)
    tables = {"overview": lambda: presentation.period_overview_table(report, None, None),
              "exams": lambda: presentation.period_exams_table(report)}
    name = f"{period.first_day.isoformat()}至{period.last_day.isoformat()}"
    return _send(tables, table, fmt, name, {"from": period.first_day.isoformat(), "to": period.last_day.isoformat()},
                 scope, criteria)


# ---- one exam ------------------------------------------------------------------------------

def _exam(exam_id: int) -> Exam:
    return _guard(lambda: exams.get_report_exam(exam_id))


def _exam_tables(report: exams.ExamReport, criteria: ReportFilter) -> dict[str, Table]:
    main_id = report.sitting.main.id
    return {
        "overview": presentation.exam_overview_table(report),
        "histogram": presentation.histogram_table(report),
        "units": presentation.unit_table(report.units, report.overview,
                                         _unit_link("reports.exam_page", criteria, exam_id=main_id)),
        "categories": presentation.category_table(report.categories,
                                                  _category_link("reports.exam_page", criteria, exam_id=main_id)),
    }


@bp.route("/exams/<int:exam_id>")
@report_access
def exam_page(exam_id: int) -> str | Response:
    scope, criteria = _context()
    exam = _exam(exam_id)
    if exam.makeup_of_id is not None:
        # A make-up is reported with its main exam, as one sitting.
        return redirect(url_for("reports.exam_page", exam_id=exam.makeup_of_id, **request.args.to_dict()))
    sitting = exams.sitting_of(exam)
    report = exams.exam_report(sitting, scope, criteria)
    tables = _exam_tables(report, criteria)
    absent = exams.paginate(exams.absent_query(sitting, scope, criteria), _page_arg("absent_page"), PER_PAGE,
                            exams.absent_row, total=report.overview.absent)
    charts = {
        "histogram": _chart(tables["histogram"], 0, [(1, _("People"))], label=_("Score band")),
        "units": _chart(tables["units"], 0, [(4, _("People who passed")), (2, _("People who took part")),
                                             (1, _("People enrolled"))], horizontal=True),
    }
    return render_template("reports/exam.html", exam=exam, sitting=sitting, report=report, tables=tables,
                           absent=absent, absent_table=presentation.absent_table(absent.items, absent.first_number),
                           charts=charts, now=utcnow(), **_common(scope, criteria))


@bp.route("/exams/<int:exam_id>/attempts")
@report_access
def attempt_list(exam_id: int) -> str | Response:
    scope, criteria = _context()
    exam = _exam(exam_id)
    if exam.makeup_of_id is not None:
        return redirect(url_for("reports.attempt_list", exam_id=exam.makeup_of_id, **request.args.to_dict()))
    sitting = exams.sitting_of(exam)
    page = exams.paginate(exams.attempts_query(sitting, scope, criteria), _page_arg("page"), PER_PAGE,
                          exams.attempt_row)
    return render_template("reports/attempts.html", exam=exam, sitting=sitting, page=page,
                           table=presentation.attempts_table(page.items), **_common(scope, criteria))


@bp.route("/exams/<int:exam_id>/items")
@report_access
def item_analysis(exam_id: int) -> str:
    scope, criteria = _context()
    exam = _exam(exam_id)
    sitting = exams.sitting_of(exam)
    _guard(lambda: exams.check_keys_may_be_shown(sitting, _me(), utcnow()))
    report = item_report(exam, scope, criteria, sample_limit_setting())
    edit = (lambda item: url_for("questions.edit", question_id=item.question_id)) if _me().is_manager else None
    only_flagged = request.args.get("flagged") == "1"
    items = [i for i in report.items if i.stats.flags] if only_flagged else list(report.items)
    order = request.args.get("sort", "")
    if order in ITEM_ORDERS:
        items.sort(key=ITEM_ORDERS[order])
    items_page = exams.Page(items, 1, ITEMS_PER_PAGE, len(items))
    number = min(max(1, _page_arg("page")), items_page.pages)
    items_page = exams.Page(items[(number - 1) * ITEMS_PER_PAGE:number * ITEMS_PER_PAGE], number, ITEMS_PER_PAGE,
                            len(items))
    scatter = {"type": "scatter", "label": _("Facility (share correct)"), "y_label": _("Discrimination"),
               "points": [{"x": round_half_up(i.stats.facility, 3), "y": round_half_up(i.stats.discrimination, 3),
                           "label": f"#{i.number}"} for i in report.items
                          if i.stats.facility is not None and i.stats.discrimination is not None]}
    page_args = {k: v for k, v in (("flagged", "1" if only_flagged else None), ("sort", order or None)) if v}

    def item_url(**changes: Any) -> str:
        values: dict[str, Any] = {**criteria.args(), **page_args}
        for key, value in changes.items():
            if value is None:
                values.pop(key, None)
            else:
                values[key] = value
        return url_for("reports.item_analysis", exam_id=exam.id, **values)
    return render_template("reports/items.html", exam=exam, sitting=sitting, report=report,
                           items=items_page, only_flagged=only_flagged, order=order, page_args=page_args,
                           item_url=item_url, few_answers=FEW_ANSWERS,
                           scatter=scatter, edit=edit,
                           flag_label=presentation.flag_label, type_label=presentation.type_label,
                           **_common(scope, criteria))


@bp.route("/exams/<int:exam_id>/export/<table>.<fmt>")
@report_access
def exam_export(exam_id: int, table: str, fmt: str) -> Response:
    scope, criteria = _context()
    exam = _exam(exam_id)
    sitting = exams.sitting_of(exam)
    if table == "items":
        _guard(lambda: exams.check_keys_may_be_shown(sitting, _me(), utcnow()))
        tables: dict[str, Callable[[], Table]] = {
            "items": lambda: presentation.items_table(item_report(exam, scope, criteria, sample_limit_setting()))}
        return _send(tables, table, fmt, exam.title, {"exam_id": exam.id}, scope, criteria)
    if exam.makeup_of_id is not None:
        abort(404)

    def full(query: Any, convert: Callable[[Any], Any]) -> list[Any]:
        return [convert(row) for row in db.session.execute(query)]

    def built() -> dict[str, Table]:
        return _exam_tables(exams.exam_report(sitting, scope, criteria), criteria)

    tables = {
        "overview": lambda: built()["overview"],
        "histogram": lambda: built()["histogram"],
        "units": lambda: built()["units"],
        "categories": lambda: built()["categories"],
        "absent": lambda: presentation.absent_table(full(exams.absent_query(sitting, scope, criteria), exams.absent_row)),
        "attempts": lambda: presentation.attempts_table(full(exams.attempts_query(sitting, scope, criteria),
                                                             exams.attempt_row)),
    }
    return _send(tables, table, fmt, exam.title, {"exam_id": exam.id}, scope, criteria)


def _send(tables: dict[str, Callable[[], Table]], key: str, fmt: str, name: str, context: dict[str, Any],
          scope: ReportScope, criteria: ReportFilter) -> Response:
    if key not in tables or fmt not in FORMATS:
        abort(404)
    context = {**context, **criteria.args(), "scope_unit_id": scope.root_unit_id}
    data, filename = export_table(tables[key](), fmt, name=name, actor=_me(), context=context)
    db.session.commit()  # the audit entry of an export with personal data
    return send_bytes(data, filename)


# ---- a year --------------------------------------------------------------------------------

def _year(year: int) -> Period:
    if not MIN_YEAR <= year <= MAX_YEAR:
        abort(404)
    return Period.of_year(year)


def _study_and_certificates(scope: ReportScope, criteria: ReportFilter, period: Period) -> tuple[Any, Any]:
    if not (external.study_available() or external.certification_available()):
        return None, None
    user_ids = None
    if not scope.everything or criteria.people_narrowed:
        user_ids = list(db.session.scalars(people_in_view(scope, criteria, period)))
    return (external.study_figures(period.year, user_ids) if external.study_available() else None,
            external.certificate_figures(period.year, user_ids, utcnow()) if external.certification_available() else None)


def _year_tables(report: Any, study: Any, certificates: Any, criteria: ReportFilter, year: int,
                 years: list[int], scope: ReportScope) -> dict[str, Table]:
    extra: list[Any] = []
    if study is not None:
        by_unit = hours_by_unit(study.hours_by_user)
        extra = [(Column("study_hours", _("Study hours"), "学法学时", "score", 12),
                  lambda group: by_unit.get(group.key, 0.0), study.total_hours)]
    return {
        "overview": presentation.period_overview_table(report, study, certificates),
        "exams": presentation.period_exams_table(report, lambda exam: url_for("reports.exam_page", exam_id=exam.id,
                                                                              **criteria.args())),
        "units": presentation.unit_table(report.units, _roll_total(report),
                                         _unit_link("reports.year_page", criteria, year=year),
                                         roll_label=_("People on the roll"), roll_header="在册人数", scores=False,
                                         extra=extra),
        "categories": presentation.category_table(report.categories,
                                                  _category_link("reports.year_page", criteria, year=year),
                                                  roll_label=_("People on the roll"), roll_header="在册人数",
                                                  scores=False),
        "trend": presentation.trend_table(trend(years, scope, criteria),
                                          lambda y: url_for("reports.year_page", year=y, **criteria.args())),
    }


def _roll_total(report: Any) -> Any:
    o = report.overview
    return exams.Counts(o.on_roll, o.took_part, o.passed)


def _year_data(year: int, *, detail: bool = True) -> dict[str, Any]:
    """Everything a year page shows; without ``detail`` only the overview (for the summary)."""
    scope, criteria = _context()
    period = _year(year)
    report = period_report(period, scope, criteria, detail=detail)
    study, certificates = _study_and_certificates(scope, criteria, period)
    tables: dict[str, Table] = {}
    if detail:
        years = trend_years(max(year, utcnow().astimezone(local_zone()).year))
        years = [y for y in years if y <= year] or [year]
        tables = _year_tables(report, study, certificates, criteria, year, years, scope)
    return {"scope": scope, "criteria": criteria, "period": period, "report": report, "study": study,
            "certificates": certificates, "tables": tables, "year": year}


@bp.route("/years")
@report_access
def year_redirect() -> Response:
    _context()
    raw = request.args.get("year", "")
    year = int(raw) if raw.isdigit() else utcnow().astimezone(local_zone()).year
    args = {k: v for k, v in request.args.items() if k != "year" and v}
    return redirect(url_for("reports.year_page", year=year, **args))


@bp.route("/years/<int:year>")
@report_access
def year_page(year: int) -> str:
    data = _year_data(year)
    tables = data["tables"]
    charts = {
        "units": _chart(tables["units"], 0, [(4, _("People who passed")), (2, _("People who took part")),
                                             (1, _("People on the roll"))], horizontal=True),
        "trend": _chart(tables["trend"], 0, [(2, _("People who took part")), (3, _("People who passed"))], "line"),
    }
    this_year = utcnow().astimezone(local_zone()).year
    filter_years = sorted(set(trend_years(this_year)) | {year}, reverse=True)
    return render_template("reports/year.html", charts=charts, this_year=this_year, filter_years=filter_years,
                           **data, **{k: v for k, v in _common(data["scope"], data["criteria"]).items()
                                      if k not in ("scope", "criteria")})


@bp.route("/years/<int:year>/summary")
@report_access
def year_summary(year: int) -> str:
    data = _year_data(year, detail=False)
    scope, criteria = data["scope"], data["criteria"]
    study = data["study"]
    average = None
    if study is not None and data["report"].overview.on_roll:
        average = study.total_hours / data["report"].overview.on_roll
    return render_template("reports/summary.html", place=_place(scope, criteria), average_hours=average,
                           **data, **{k: v for k, v in _common(scope, criteria).items()
                                                      if k not in ("scope", "criteria")})


@bp.route("/years/<int:year>/export/<table>.<fmt>")
@report_access
def year_export(year: int, table: str, fmt: str) -> Response:
    data = _year_data(year)
    tables = {key: (lambda t=t: t) for key, t in data["tables"].items()}
    return _send(tables, table, fmt, f"{year}年度", {"year": year}, data["scope"], data["criteria"])


@bp.app_template_filter("report_value")
def _report_value(value: Any, kind: str = "text") -> str:
    return page_value(kind, value)
