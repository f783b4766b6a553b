"""The figures for a year (or any period of days): exams held, people who took part and passed,
by unit and category, the exams themselves, and the trend over the years.

Definitions (also on the page and in README):

* **exams held** (组织考试场次): main exams, published or archived, whose window opens in the
  period; their make-up exams are counted separately and never as extra sittings;
* **took part** (参考人数): distinct people with at least one finished, non-voided attempt that
  was handed in during the period (voided and unfinished attempts never count);
* **passed** (合格人数): of those, people with at least one passing such attempt;
* **pass rate** (合格率) = passed / took part;
* **people on the roll** (在册人数): active people, plus anyone who took part in the period
  even if deactivated since; **participation rate** (参考率) = took part / people on the roll.

Everything is counted in SQL; the trend buckets attempts by year with one ``CASE`` so the
whole trend is a single query however many years it spans.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, distinct, func, or_, select
from sqlalchemy.sql import Subquery

from lawexam.auth.models import Category, User, UserCategory
from lawexam.exams.models import Attempt, Exam, ExamStatus
from lawexam.extensions import db
from lawexam.localtime import local_zone
from lawexam.reports.exam_report import FINISHED, Counts, GroupRow, category_rows, unit_rows
from lawexam.reports.figures import period_bounds, rate, year_bounds
from lawexam.reports.scope import ReportFilter, ReportScope, people_conditions

TREND_YEARS = 10


@dataclass(frozen=True)
class Period:
    """Local days ``first_day`` to ``last_day`` (both included) as UTC [start, end)."""

    first_day: date
    last_day: date
    start: datetime
    end: datetime
    year: int | None = None

    @classmethod
    def of_year(cls, year: int, zone: ZoneInfo | None = None) -> "Period":
        start, end = year_bounds(year, zone or local_zone())
        return cls(date(year, 1, 1), date(year, 12, 31), start, end, year)

    @classmethod
    def of_days(cls, first_day: date, last_day: date, zone: ZoneInfo | None = None) -> "Period":
        start, end = period_bounds(first_day, last_day, zone or local_zone())
        year = first_day.year if (first_day, last_day) == (date(first_day.year, 1, 1), date(first_day.year, 12, 31)) else None
        return cls(first_day, last_day, start, end, year)


@dataclass(frozen=True)
class PeriodOverview:
    exams_held: int
    makeups_held: int
    on_roll: int
    took_part: int
    passed: int
    attempts: int  # finished, non-voided attempts handed in during the period

    @property
    def pass_rate(self) -> float | None:
        return rate(self.passed, self.took_part)

    @property
    def participation_rate(self) -> float | None:
        return rate(self.took_part, self.on_roll)

    @property
    def failed(self) -> int:
        return self.took_part - self.passed


@dataclass(frozen=True)
class ExamRow:
    exam: Exam
    makeups: int
    took_part: int
    passed: int
    mean: float | None

    @property
    def pass_rate(self) -> float | None:
        return rate(self.passed, self.took_part)


@dataclass(frozen=True)
class TrendRow:
    year: int
    exams_held: int
    took_part: int
    passed: int

    @property
    def pass_rate(self) -> float | None:
        return rate(self.passed, self.took_part)


@dataclass(frozen=True)
class PeriodReport:
    period: Period
    overview: PeriodOverview
    exams: list[ExamRow]
    units: list[GroupRow]
    categories: list[GroupRow]


def _finished_in(period: Period) -> Any:
    return and_(Attempt.state.in_(FINISHED), Attempt.finished_at >= period.start, Attempt.finished_at < period.end)


def _results(period: Period) -> Subquery:
    return (select(Attempt.user_id.label("user_id"),
                   func.max(case((Attempt.passed.is_(True), 1), else_=0)).label("passed"),
                   func.count().label("attempts"))
            .where(_finished_in(period)).group_by(Attempt.user_id).subquery("year_results"))


def _population(period: Period, scope: ReportScope, criteria: ReportFilter) -> Subquery:
    results = _results(period)
    took = results.c.user_id.is_not(None)
    return (select(User.id.label("user_id"), User.unit_id.label("unit_id"),
                   case((took, 1), else_=0).label("took"),
                   func.coalesce(results.c.passed, 0).label("passed"),
                   func.coalesce(results.c.attempts, 0).label("attempts"))
            .select_from(User).outerjoin(results, results.c.user_id == User.id)
            .where(or_(User.active.is_(True), took), *people_conditions(scope, criteria))
            .subquery("year_population"))


def _aggregates(p: Subquery) -> tuple[Any, ...]:
    return (func.count(), func.coalesce(func.sum(p.c.took), 0), func.coalesce(func.sum(p.c.passed), 0))


def _exams_held(period: Period) -> tuple[int, int]:
    main = func.sum(case((Exam.makeup_of_id.is_(None), 1), else_=0))
    makeup = func.sum(case((Exam.makeup_of_id.is_not(None), 1), else_=0))
    row = db.session.execute(select(main, makeup).where(
        Exam.status != ExamStatus.DRAFT, Exam.opens_at >= period.start, Exam.opens_at < period.end)).one()
    return int(row[0] or 0), int(row[1] or 0)


def exam_rows(period: Period, scope: ReportScope, criteria: ReportFilter) -> list[ExamRow]:
    """The sittings whose main exam opens in the period, each with its own figures (every
    attempt of the sitting counts, whenever it was handed in)."""
    exams = list(db.session.scalars(select(Exam).where(
        Exam.makeup_of_id.is_(None), Exam.status != ExamStatus.DRAFT,
        Exam.opens_at >= period.start, Exam.opens_at < period.end).order_by(Exam.opens_at, Exam.id)))
    if not exams:
        return []
    ids = [e.id for e in exams]
    sitting = func.coalesce(Exam.makeup_of_id, Exam.id)
    per_person = (select(sitting.label("sitting"), Attempt.user_id.label("user_id"),
                         func.max(Attempt.score).label("best"),
                         func.max(case((Attempt.passed.is_(True), 1), else_=0)).label("passed"))
                  .join(Exam, Exam.id == Attempt.exam_id).join(User, User.id == Attempt.user_id)
                  .where(Attempt.state.in_(FINISHED), or_(Exam.id.in_(ids), Exam.makeup_of_id.in_(ids)),
                         *people_conditions(scope, criteria))
                  .group_by(sitting, Attempt.user_id).subquery("per_person"))
    figures = {row[0]: row[1:] for row in db.session.execute(
        select(per_person.c.sitting, func.count(), func.coalesce(func.sum(per_person.c.passed), 0),
               func.avg(per_person.c.best)).group_by(per_person.c.sitting))}
    makeups = dict(db.session.execute(select(Exam.makeup_of_id, func.count()).where(
        Exam.makeup_of_id.in_(ids), Exam.status != ExamStatus.DRAFT).group_by(Exam.makeup_of_id)).all())
    rows = []
    for exam in exams:
        took, passed, mean = figures.get(exam.id, (0, 0, None))
        rows.append(ExamRow(exam, int(makeups.get(exam.id, 0)), int(took or 0), int(passed or 0),
                            None if mean is None else float(mean)))
    return rows


def period_overview(period: Period, scope: ReportScope, criteria: ReportFilter) -> PeriodOverview:
    p = _population(period, scope, criteria)
    on_roll, took, passed, attempts = db.session.execute(
        select(*_aggregates(p), func.coalesce(func.sum(p.c.attempts), 0))).one()
    exams_held, makeups_held = _exams_held(period)
    return PeriodOverview(exams_held, makeups_held, int(on_roll or 0), int(took or 0), int(passed or 0),
                          int(attempts or 0))


def period_report(period: Period, scope: ReportScope, criteria: ReportFilter, *, detail: bool = True) -> PeriodReport:
    """The period's overview and, with ``detail``, its exams, units and categories."""
    overview = period_overview(period, scope, criteria)
    if not detail:
        return PeriodReport(period, overview, [], [], [])
    p = _population(period, scope, criteria)
    by_unit = {unit_id: Counts(int(n or 0), int(t or 0), int(ps or 0)) for unit_id, n, t, ps in db.session.execute(
        select(p.c.unit_id, *_aggregates(p)).group_by(p.c.unit_id))}
    by_category = {Category(c): Counts(int(n or 0), int(t or 0), int(ps or 0)) for c, n, t, ps in db.session.execute(
        select(UserCategory.category, *_aggregates(p)).join(UserCategory, UserCategory.user_id == p.c.user_id)
        .group_by(UserCategory.category))}
    return PeriodReport(period, overview, exam_rows(period, scope, criteria),
                        unit_rows(by_unit, scope, criteria), category_rows(by_category))


def people_in_view(scope: ReportScope, criteria: ReportFilter, period: Period) -> Any:
    """A SELECT of the ids of the people a period report counts (for the study figures)."""
    p = _population(period, scope, criteria)
    return select(p.c.user_id)


def hours_by_unit(hours_by_user: dict[int, float]) -> dict[int | None, float]:
    """Study hours summed per (current) unit of the people given."""
    if not hours_by_user:
        return {}
    unit_of = dict(db.session.execute(select(User.id, User.unit_id).where(User.id.in_(list(hours_by_user)))).all())
    totals: dict[int | None, float] = {}
    for user_id, hours in hours_by_user.items():
        unit_id = unit_of.get(user_id)
        totals[unit_id] = totals.get(unit_id, 0.0) + hours
    return totals


# ---- the trend -----------------------------------------------------------------------------

def trend_years(until: int, zone: ZoneInfo | None = None) -> list[int]:
    """From the first year with an exam or a finished attempt up to ``until`` (at most
    ``TREND_YEARS`` years)."""
    first_attempt = db.session.scalar(select(func.min(Attempt.finished_at)).where(Attempt.state.in_(FINISHED)))
    first_exam = db.session.scalar(select(func.min(Exam.opens_at)).where(Exam.status != ExamStatus.DRAFT))
    zone = zone or local_zone()
    firsts = [d.astimezone(zone).year for d in (first_attempt, first_exam) if d is not None]
    first = min(firsts + [until])
    return list(range(max(first, until - TREND_YEARS + 1), until + 1))


def trend(years: list[int], scope: ReportScope, criteria: ReportFilter) -> list[TrendRow]:
    if not years:
        return []
    periods = [Period.of_year(y) for y in years]
    start, end = periods[0].start, periods[-1].end

    def bucket(column: Any) -> Any:
        return case(*[(and_(column >= p.start, column < p.end), p.year) for p in periods], else_=None)

    inner = (select(bucket(Attempt.finished_at).label("year"), Attempt.user_id.label("user_id"),
                    Attempt.passed.label("passed"))
             .join(User, User.id == Attempt.user_id)
             .where(Attempt.state.in_(FINISHED), Attempt.finished_at >= start, Attempt.finished_at < end,
                    *people_conditions(scope, criteria)).subquery("by_year"))
    people = {year: (took, passed) for year, took, passed in db.session.execute(
        select(inner.c.year, func.count(distinct(inner.c.user_id)),
               func.count(distinct(case((inner.c.passed.is_(True), inner.c.user_id)))))
        .group_by(inner.c.year))}
    exams_inner = (select(bucket(Exam.opens_at).label("year"))
                   .where(Exam.makeup_of_id.is_(None), Exam.status != ExamStatus.DRAFT,
                          Exam.opens_at >= start, Exam.opens_at < end).subquery("exams_by_year"))
    exams = dict(db.session.execute(select(exams_inner.c.year, func.count()).group_by(exams_inner.c.year)).all())
    return [TrendRow(y, int(exams.get(y, 0)), int(people.get(y, (0, 0))[0]), int(people.get(y, (0, 0))[1]))
            for y in years]
