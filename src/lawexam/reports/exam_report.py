"""The per-exam report: participation, pass rate, score figures, by unit and category, who is
absent and every attempt. Everything is counted in SQL (GROUP BY); Python only orders units.

A *sitting* is a main exam together with its make-up exams (补考). A person's result for the
sitting is their best finished attempt (submitted or handed in at the time limit) across all
of them; voided attempts never count. Who counts:

* **enrolled** (应考人数): active people the audience of the main exam or a make-up names,
  plus anyone who took part even if deactivated since (so a leaver never lowers the figures);
* **took part** (参考人数): people with at least one finished, non-voided attempt;
* **passed** (合格人数): people with a passing finished, non-voided attempt;
* **pass rate** (合格率) = passed / took part; **participation rate** (参考率) = took part / enrolled;
* **absent** (缺考): enrolled people with no finished, non-voided attempt.

People are counted under their current unit. Every query takes the viewer's ``ReportScope``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Float, Integer, Select, String, and_, case, func, literal, null, or_, select, union, union_all
from sqlalchemy import cast as sa_cast
from sqlalchemy.sql import Subquery

from lawexam.auth.models import Category, OrgUnit, User, UserCategory
from lawexam.errors import NotFound, PermissionDenied
from lawexam.exams.attempts import attempts_left
from lawexam.exams.audience import enrolled_query, is_enrolled
from lawexam.exams.models import Attempt, AttemptState, Exam, ExamPhase, ExamStatus
from lawexam.extensions import db
from lawexam.i18n import _
from lawexam.paging import Page, clamp_page
from lawexam.people.units import unit_tree
from lawexam.reports.figures import BIN_WIDTH, ScoreBin, rate, score_bins
from lawexam.reports.scope import ReportFilter, ReportScope, people_conditions, unit_ids_in

FINISHED = (AttemptState.SUBMITTED, AttemptState.OVERDUE)


# ---- the sitting ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Sitting:
    main: Exam
    makeups: tuple[Exam, ...]

    @property
    def exams(self) -> tuple[Exam, ...]:
        return (self.main, *self.makeups)

    @property
    def exam_ids(self) -> list[int]:
        return [e.id for e in self.exams]

    @property
    def max_score(self) -> float:
        exam = self.main
        return float(sum(r.count * r.points for r in exam.rules) + sum(f.points for f in exam.fixed_items))


def get_report_exam(exam_id: int) -> Exam:
    exam = db.session.get(Exam, exam_id)
    if exam is None or exam.status == ExamStatus.DRAFT:
        raise NotFound(_("No such exam."))
    return exam


def check_keys_may_be_shown(sitting: Sitting, reader: User, now: datetime) -> None:
    """The item analysis shows each question with its key: someone who may still sit the exam
    or its make-up (a unit head is often an examinee too) must not read it first."""
    if reader.is_manager:
        return
    for exam in sitting.exams:
        if exam.phase(now) in (ExamPhase.OPEN, ExamPhase.UPCOMING) and is_enrolled(exam, reader) \
                and attempts_left(exam, reader) > 0:
            raise PermissionDenied(_("You may still sit this exam, so its answer keys are not shown yet."))


def sitting_of(exam: Exam) -> Sitting:
    main = exam.makeup_of if exam.makeup_of_id is not None and exam.makeup_of is not None else exam
    makeups = tuple(db.session.scalars(select(Exam).where(
        Exam.makeup_of_id == main.id, Exam.status != ExamStatus.DRAFT).order_by(Exam.opens_at, Exam.id)))
    return Sitting(main, makeups)


# ---- the population: one row per person who counts, with their result ------------------------

def results_subquery(exam_ids: list[int]) -> Subquery:
    """Per person: best finished score, passed (0/1), finished / running / voided attempt counts."""
    finished = Attempt.state.in_(FINISHED)
    return (select(
        Attempt.user_id.label("user_id"),
        func.max(case((finished, Attempt.score))).label("best"),
        func.max(case((and_(finished, Attempt.passed.is_(True)), 1), else_=0)).label("passed"),
        func.sum(case((finished, 1), else_=0)).label("finished"),
        func.sum(case((Attempt.state == AttemptState.IN_PROGRESS, 1), else_=0)).label("running"),
        func.sum(case((Attempt.state == AttemptState.VOIDED, 1), else_=0)).label("voided"),
    ).where(Attempt.exam_id.in_(exam_ids)).group_by(Attempt.user_id).subquery("results"))


def enrolled_ids(sitting: Sitting) -> Any:
    queries = [enrolled_query(exam).with_only_columns(User.id).order_by(None) for exam in sitting.exams]
    return queries[0] if len(queries) == 1 else union(*queries)


def population_select(sitting: Sitting, scope: ReportScope, criteria: ReportFilter) -> Select[Any]:
    """One row per person who counts (enrolled, or took part), with their sitting result."""
    results = results_subquery(sitting.exam_ids)
    took = func.coalesce(results.c.finished, 0) > 0
    return (select(
        User.id.label("user_id"), User.unit_id.label("unit_id"),
        results.c.best.label("best"),
        func.coalesce(results.c.passed, 0).label("passed"),
        case((took, 1), else_=0).label("took"),
        func.coalesce(results.c.running, 0).label("running"),
        func.coalesce(results.c.voided, 0).label("voided"),
    ).select_from(User).outerjoin(results, results.c.user_id == User.id)
        .where(or_(User.id.in_(enrolled_ids(sitting)), took), *people_conditions(scope, criteria)))


def population(sitting: Sitting, scope: ReportScope, criteria: ReportFilter) -> Subquery:
    return population_select(sitting, scope, criteria).subquery("population")


# ---- figures -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Counts:
    """Enrolled / took part / passed and the score figures of one group of people."""

    enrolled: int
    took_part: int
    passed: int
    mean: float | None = None
    highest: float | None = None
    lowest: float | None = None
    median: float | None = None

    @property
    def absent(self) -> int:
        return self.enrolled - self.took_part

    @property
    def failed(self) -> int:
        return self.took_part - self.passed

    @property
    def pass_rate(self) -> float | None:
        return rate(self.passed, self.took_part)

    @property
    def participation_rate(self) -> float | None:
        return rate(self.took_part, self.enrolled)


@dataclass(frozen=True)
class GroupRow:
    key: Any
    label: str
    counts: Counts
    depth: int = 0
    inactive: bool = False


@dataclass(frozen=True)
class HistogramBar:
    bin: ScoreBin
    count: int
    share: float | None  # percentage of those who took part


@dataclass(frozen=True)
class ExamReport:
    sitting: Sitting
    overview: Counts
    max_score: float
    histogram: list[HistogramBar]
    units: list[GroupRow]
    categories: list[GroupRow]
    attempts: int  # attempts in the sitting, any state, of people in scope


def _counts(row: Any, median: float | None = None) -> Counts:
    """Counts from (enrolled, took part, passed, sum of best scores, highest, lowest)."""
    enrolled, took, passed, total, highest, lowest = row
    took = int(took or 0)
    return Counts(int(enrolled or 0), took, int(passed or 0),
                  float(total) / took if took and total is not None else None,
                  None if highest is None else float(highest), None if lowest is None else float(lowest), median)


def _combined(groups: list[tuple[Any, ...]]) -> tuple[Any, ...]:
    """The aggregates of the union of disjoint groups (the units partition the population)."""
    def pick(values: list[Any], best: Any) -> Any:
        present = [v for v in values if v is not None]
        return best(present) if present else None

    return (sum(int(g[0] or 0) for g in groups), sum(int(g[1] or 0) for g in groups),
            sum(int(g[2] or 0) for g in groups), pick([g[3] for g in groups], sum),
            pick([g[4] for g in groups], max), pick([g[5] for g in groups], min))


def _figures_statement(pop: Any, max_score: float) -> Any:
    """Every figure of the report in one statement over the population (a CTE, so the
    database works out who counts once): rows of (kind, key, enrolled, took part, passed,
    sum of best scores, highest, lowest) for each unit, each category, each score band, and
    the median (a window function: the middle one or two of the ordered best scores)."""
    took = pop.c.took == 1
    best = case((took, pop.c.best))

    def aggregates() -> tuple[Any, ...]:
        return (func.count(), func.coalesce(func.sum(pop.c.took), 0), func.coalesce(func.sum(pop.c.passed), 0),
                func.sum(best), func.max(best), func.min(best))

    def blank(type_: Any) -> Any:
        return sa_cast(null(), type_)

    by_unit = select(literal("unit"), sa_cast(pop.c.unit_id, String), *aggregates()).group_by(pop.c.unit_id)
    by_category = (select(literal("category"), sa_cast(UserCategory.category, String), *aggregates())
                   .select_from(pop).join(UserCategory, UserCategory.user_id == pop.c.user_id)
                   .group_by(UserCategory.category))
    bins = score_bins(max_score)
    index: Any = literal(0)
    if len(bins) > 1:
        index = case(*[(pop.c.best < (b.index + 1) * BIN_WIDTH, b.index) for b in bins[:-1]], else_=bins[-1].index)
    binned = select(index.label("bin")).where(took).subquery("binned")
    by_bin = select(literal("bin"), sa_cast(binned.c.bin, String), func.count(), blank(Integer), blank(Integer),
                    blank(Float), blank(Float), blank(Float)).group_by(binned.c.bin)
    ranked = select(pop.c.best.label("best"), func.row_number().over(order_by=pop.c.best).label("rn"),
                    func.count().over().label("n")).where(took).subquery("ranked")
    middle = or_(ranked.c.rn * 2 == ranked.c.n, ranked.c.rn * 2 == ranked.c.n + 1, ranked.c.rn * 2 == ranked.c.n + 2)
    median = select(literal("median"), blank(String), blank(Integer), blank(Integer), blank(Integer),
                    func.avg(ranked.c.best), blank(Float), blank(Float)).where(middle)
    return union_all(by_unit, by_category, by_bin, median)


def unit_rows(by_unit: dict[int | None, Counts], scope: ReportScope, criteria: ReportFilter) -> list[GroupRow]:
    """One row per unit in view, in tree order, zeros included; deactivated units only when
    someone in them counts; people without a unit last."""
    allowed = unit_ids_in(scope, criteria)
    rows: list[GroupRow] = []
    empty = Counts(0, 0, 0)
    nodes = [n for n in unit_tree(include_inactive=True) if allowed is None or n.unit.id in allowed]
    top = min((n.depth for n in nodes), default=0)
    for node in nodes:
        counts = by_unit.get(node.unit.id, empty)
        if not node.unit.active and counts.enrolled == 0:
            continue
        rows.append(GroupRow(node.unit.id, node.unit.name, counts, node.depth - top, not node.unit.active))
    if None in by_unit and allowed is None:
        rows.append(GroupRow(None, _("No unit"), by_unit[None]))
    return rows


def category_rows(by_category: dict[Category, Counts]) -> list[GroupRow]:
    empty = Counts(0, 0, 0)
    return [GroupRow(c, c.label, by_category.get(c, empty)) for c in Category]


def exam_report(sitting: Sitting, scope: ReportScope, criteria: ReportFilter) -> ExamReport:
    max_score = sitting.max_score
    pop = population_select(sitting, scope, criteria).cte("population")
    by_unit: dict[int | None, tuple[Any, ...]] = {}
    by_category: dict[Category, Counts] = {}
    by_bin: dict[int, int] = {}
    median = None
    for kind, key, *values in db.session.execute(_figures_statement(pop, max_score)):
        if kind == "unit":
            by_unit[None if key is None else int(key)] = tuple(values)
        elif kind == "category":
            by_category[Category(key)] = _counts(values)
        elif kind == "bin":
            by_bin[int(key)] = int(values[0])
        elif values[3] is not None:
            median = float(values[3])
    head = _combined(list(by_unit.values()))
    overview = _counts(head, median)
    attempts = db.session.scalar(select(func.count()).select_from(Attempt).join(User, User.id == Attempt.user_id)
                                 .where(Attempt.exam_id.in_(sitting.exam_ids), *people_conditions(scope, criteria)))
    histogram = [HistogramBar(b, by_bin.get(b.index, 0), rate(by_bin.get(b.index, 0), overview.took_part))
                 for b in score_bins(max_score)]
    return ExamReport(sitting=sitting, overview=overview, max_score=max_score, histogram=histogram,
                      units=unit_rows({k: _counts(v) for k, v in by_unit.items()}, scope, criteria),
                      categories=category_rows(by_category), attempts=int(attempts or 0))


# ---- lists ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class AbsentRow:
    user_id: int
    name: str
    account: str
    unit: str
    phone: str
    running: int
    voided: int

    @property
    def status(self) -> str:
        if self.running:
            return _("Started, not handed in")
        if self.voided:
            return _("Attempt voided")
        return _("Not started")


def absent_query(sitting: Sitting, scope: ReportScope, criteria: ReportFilter) -> Select[Any]:
    p = population(sitting, scope, criteria)
    return (select(User.id, User.real_name, User.account, OrgUnit.name, User.phone, p.c.running, p.c.voided)
            .select_from(p).join(User, User.id == p.c.user_id).outerjoin(OrgUnit, OrgUnit.id == User.unit_id)
            .where(p.c.took == 0)
            .order_by(OrgUnit.sort_order, OrgUnit.id, User.real_name, User.id))


def absent_row(row: Any) -> AbsentRow:
    user_id, name, account, unit, phone, running, voided = row
    return AbsentRow(user_id, name, account, unit or "", phone or "", int(running or 0), int(voided or 0))


@dataclass(frozen=True)
class AttemptRow:
    attempt_id: int
    exam_id: int
    makeup: bool
    number: int
    state: AttemptState
    user_id: int
    name: str
    account: str
    unit: str
    started_at: datetime
    finished_at: datetime | None
    score: float | None
    max_score: float
    passed: bool | None
    void_reason: str

    @property
    def used_s(self) -> float | None:
        if self.finished_at is None or self.state == AttemptState.IN_PROGRESS:
            return None
        return max(0.0, (self.finished_at - self.started_at).total_seconds())

    @property
    def counts(self) -> bool:
        return self.state in FINISHED

    @property
    def state_label(self) -> str:
        return {AttemptState.SUBMITTED: _("Submitted"), AttemptState.OVERDUE: _("Submitted at the time limit"),
                AttemptState.IN_PROGRESS: _("In progress"), AttemptState.VOIDED: _("Voided")}[self.state]


def attempts_query(sitting: Sitting, scope: ReportScope, criteria: ReportFilter) -> Select[Any]:
    return (select(Attempt.id, Attempt.exam_id, Exam.makeup_of_id, Attempt.number, Attempt.state,
                   User.id, User.real_name, User.account, OrgUnit.name, Attempt.started_at, Attempt.finished_at,
                   Attempt.score, Attempt.max_score, Attempt.passed, Attempt.void_reason)
            .join(Exam, Exam.id == Attempt.exam_id).join(User, User.id == Attempt.user_id)
            .outerjoin(OrgUnit, OrgUnit.id == User.unit_id)
            .where(Attempt.exam_id.in_(sitting.exam_ids), *people_conditions(scope, criteria))
            .order_by(Attempt.started_at, Attempt.id))


def attempt_row(row: Any) -> AttemptRow:
    (attempt_id, exam_id, makeup_of, number, state, user_id, name, account, unit, started, finished,
     score, max_score, passed, reason) = row
    return AttemptRow(attempt_id, exam_id, makeup_of is not None, number, AttemptState(state), user_id, name,
                      account, unit or "", started, finished, score, float(max_score or 0), passed, reason or "")


# ---- a page of a list ----------------------------------------------------------------------

def paginate(query: Select[Any], page: int, per_page: int, convert: Any, total: int | None = None) -> Page:
    """One page of the query's rows; ``total`` saves the count when the caller knows it."""
    if total is None:
        total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    page = clamp_page(page, total, per_page)
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    return Page([convert(r) for r in rows], page, per_page, int(total))
