"""Study: lessons to read, honest study time from heartbeats, annual targets and the figures.

Every function that depends on time takes ``now`` (the server's clock, ``lawexam.db.utcnow()``);
a browser's clock is never used. Hours (学时) are counted per calendar year in the town's zone
(Asia/Shanghai): a beat belongs to the year in which the server received it.

For other features (certificates, reports): ``hours_by_user(year)`` and ``total_hours(year,
user_ids)`` give the 学时 earned; ``person_stats(year)`` is the per-person figure set as SQL.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from lawexam.audit import services as audit
from lawexam.auth.models import Category, User, UserCategory
from lawexam.errors import InvalidInput, NotFound
from lawexam.extensions import db
from lawexam.i18n import _
from lawexam.localtime import to_local
from lawexam.paging import Page, clamp_page
from lawexam.questions.models import QuestionModule
from lawexam.study.crediting import (
    DEFAULT_CAP_PER_BEAT_S,
    Beat,
    LessonTimeState,
    credit_heartbeat,
    lesson_cap_s,
    lesson_complete,
    seconds_to_hours,
)
from lawexam.study.models import (
    Lesson,
    LessonProgress,
    StudyClock,
    StudyTarget,
    StudyTargetModule,
    centi_to_hours,
)
from lawexam.transactions import begin_immediate_on_sqlite

TAB_TOKEN = re.compile(r"[A-Za-z0-9_-]{8,64}")


def study_year(now: datetime) -> int:
    """The calendar year (in the town's zone) an instant belongs to."""
    return to_local(now).year


# ---- lessons --------------------------------------------------------------------------------

@dataclass(frozen=True)
class StudyModule:
    module: QuestionModule
    lessons: list[Lesson]


def study_modules() -> list[StudyModule]:
    """Active modules that have active lessons, in module order, lessons in lesson order."""
    lessons = db.session.scalars(
        select(Lesson).join(QuestionModule, QuestionModule.id == Lesson.module_id)
        .where(Lesson.active.is_(True), QuestionModule.active.is_(True))
        .order_by(QuestionModule.sort_order, QuestionModule.name, Lesson.sort_order, Lesson.key)
        .options(selectinload(Lesson.module))).all()
    grouped: dict[int, StudyModule] = {}
    for lesson in lessons:
        grouped.setdefault(lesson.module_id, StudyModule(lesson.module, [])).lessons.append(lesson)
    return list(grouped.values())


def get_lesson(lesson_id: int) -> Lesson:
    """An active lesson; retired lessons are no longer shown or credited."""
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None or not lesson.active or not lesson.module.active:
        raise NotFound(_("No such lesson."))
    return lesson


def neighbours(lesson: Lesson) -> tuple[Lesson | None, Lesson | None]:
    """The lessons before and after this one in reading order (across modules)."""
    ordered = [l for m in study_modules() for l in m.lessons]
    ids = [l.id for l in ordered]
    if lesson.id not in ids:
        return None, None
    at = ids.index(lesson.id)
    return (ordered[at - 1] if at > 0 else None), (ordered[at + 1] if at + 1 < len(ordered) else None)


def progress_for(user: User, year: int, lesson_ids: Iterable[int] | None = None) -> dict[int, LessonProgress]:
    query = select(LessonProgress).where(LessonProgress.user_id == user.id, LessonProgress.year == year)
    if lesson_ids is not None:
        query = query.where(LessonProgress.lesson_id.in_(list(lesson_ids)))
    return {row.lesson_id: row for row in db.session.scalars(query)}


# ---- heartbeats -----------------------------------------------------------------------------

@dataclass(frozen=True)
class BeatResult:
    credited: int        # seconds credited by this beat
    credited_s: int      # this lesson, this year
    min_s: int
    cap_s: int
    read_to_end: bool
    completed: bool
    year: int

    def as_json(self) -> dict[str, Any]:
        return {"credited": self.credited, "credited_s": self.credited_s, "min_s": self.min_s,
                "cap_s": self.cap_s, "read_to_end": self.read_to_end, "completed": self.completed,
                "year": self.year}


def lock_clock(user_id: int) -> StudyClock:
    """The person's clock row, locked until the transaction ends (created on first use)."""
    begin_immediate_on_sqlite()
    sqlite = db.session.get_bind().dialect.name == "sqlite"
    query = select(StudyClock).where(StudyClock.user_id == user_id).execution_options(populate_existing=True)
    if not sqlite:
        query = query.with_for_update()
    clock = db.session.scalar(query)
    if clock is not None:
        return clock
    if sqlite:  # the write lock is already ours: nobody can insert it meanwhile
        clock = StudyClock(user_id=user_id)
        db.session.add(clock)
        db.session.flush()
        return clock
    try:
        with db.session.begin_nested():
            db.session.add(StudyClock(user_id=user_id))
    except IntegrityError:
        pass  # a parallel first beat inserted it; wait for its lock below
    clock = db.session.scalar(query)
    assert clock is not None
    return clock


def _parse_client_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def record_beat(user: User, lesson_id: int, *, tab: str, visible: bool, now: datetime,
                read_to_end: bool = False, client_time: object = None,
                cap_per_beat_s: int = DEFAULT_CAP_PER_BEAT_S) -> BeatResult:
    """Apply one lesson-page heartbeat received at server time ``now``.

    The person's clock row is locked first, so parallel beats (two tabs, a double send) are
    applied one after the other against the same state and can never both be credited.
    ``client_time`` is accepted for diagnostics and ignored.
    """
    if not isinstance(tab, str) or not TAB_TOKEN.fullmatch(tab):
        raise InvalidInput(_("The page sent an invalid tab token."), field="tab")
    clock = lock_clock(user.id)
    lesson = get_lesson(lesson_id)
    year = study_year(now)
    progress = db.session.scalar(select(LessonProgress).where(
        LessonProgress.user_id == user.id, LessonProgress.lesson_id == lesson.id, LessonProgress.year == year))
    if progress is None and visible:  # a hidden beat alone does not make a lesson "started"
        progress = LessonProgress(user_id=user.id, lesson_id=lesson.id, year=year, credited_s=0,
                                  read_to_end=False, started_at=now)
        db.session.add(progress)
    so_far = (progress.credited_s or 0) if progress is not None else 0
    cap = lesson_cap_s(lesson.min_s)
    state = LessonTimeState(active_lesson_id=clock.active_lesson_id, active_tab=clock.active_tab,
                            mark=clock.mark, credited=((lesson.id, so_far),))
    beat = Beat(lesson_id=lesson.id, tab_token=tab, visible=bool(visible),
                client_time=_parse_client_time(client_time))
    new_state, granted = credit_heartbeat(state, beat, now, lesson_cap_s=cap, cap_per_beat_s=cap_per_beat_s)
    if (new_state.active_lesson_id, new_state.active_tab, new_state.mark) != (
            clock.active_lesson_id, clock.active_tab, clock.mark):
        clock.active_lesson_id = new_state.active_lesson_id
        clock.active_tab = new_state.active_tab
        clock.mark = new_state.mark
        clock.updated_at = now
    if progress is None:  # hidden beat, nothing studied this year yet: nothing to record
        db.session.flush()
        return BeatResult(credited=0, credited_s=0, min_s=lesson.min_s, cap_s=cap, read_to_end=False,
                          completed=False, year=year)
    if granted:  # only a visible beat of the current run is ever granted time
        progress.credited_s = new_state.credited_for(lesson.id)
        progress.last_credited_at = now
    if read_to_end and visible and not progress.read_to_end:
        progress.read_to_end = True
    if progress.completed_at is None and lesson_complete(progress.credited_s, lesson.min_s, progress.read_to_end):
        progress.completed_at = now
    db.session.flush()
    return BeatResult(credited=granted, credited_s=progress.credited_s, min_s=lesson.min_s, cap_s=cap,
                      read_to_end=progress.read_to_end, completed=progress.completed_at is not None, year=year)


# ---- hours ----------------------------------------------------------------------------------

def _earned_centi() -> Any:
    return func.sum(case((LessonProgress.completed_at.is_not(None), Lesson.credit_centihours), else_=0))


def hours_by_user(year: int) -> dict[int, float]:
    """学时 earned in ``year`` by everyone who earned any: completed lessons' credit hours."""
    rows = db.session.execute(
        select(LessonProgress.user_id, func.sum(Lesson.credit_centihours))
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .where(LessonProgress.year == year, LessonProgress.completed_at.is_not(None))
        .group_by(LessonProgress.user_id)).all()
    return {user_id: centi_to_hours(centi) for user_id, centi in rows if centi}


def total_hours(year: int, user_ids: Iterable[int] | None = None) -> float:
    """学时 earned in ``year``, by everyone or by the people named."""
    query = (select(func.coalesce(func.sum(Lesson.credit_centihours), 0))
             .select_from(LessonProgress).join(Lesson, Lesson.id == LessonProgress.lesson_id)
             .where(LessonProgress.year == year, LessonProgress.completed_at.is_not(None)))
    if user_ids is not None:
        ids = list(user_ids)
        if not ids:
            return 0.0
        query = query.where(LessonProgress.user_id.in_(ids))
    return centi_to_hours(db.session.scalar(query))


@dataclass(frozen=True)
class YearSummary:
    year: int
    hours: float           # 学时 earned
    studied_hours: float   # time credited, rounded down
    lessons_completed: int


def year_summary(user: User, year: int) -> YearSummary:
    centi, seconds, done = db.session.execute(
        select(_earned_centi(), func.sum(LessonProgress.credited_s), func.count(LessonProgress.completed_at))
        .select_from(LessonProgress).join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .where(LessonProgress.user_id == user.id, LessonProgress.year == year)).one()
    return YearSummary(year=year, hours=centi_to_hours(centi), studied_hours=seconds_to_hours(int(seconds or 0)),
                       lessons_completed=int(done or 0))


# ---- targets --------------------------------------------------------------------------------

def parse_hours(value: object) -> int:
    """Hours as typed by an officer ("20", "12.5") in hundredths; at most two decimals."""
    try:
        amount = Decimal(str(value).strip() or "0")
    except InvalidOperation:
        raise InvalidInput(_("Enter the hours as a number, for example 20 or 12.5."), field="hours") from None
    if not amount.is_finite() or amount < 0 or amount > 1000 or (amount * 100) % 1:
        raise InvalidInput(_("Enter between 0 and 1000 hours, with at most two decimals."), field="hours")
    return int(amount * 100)


def targets_for_year(year: int) -> dict[Category, StudyTarget]:
    return {t.category: t for t in db.session.scalars(select(StudyTarget).where(StudyTarget.year == year))}


def get_target(year: int, category: Category) -> StudyTarget | None:
    return db.session.scalar(select(StudyTarget).where(StudyTarget.year == year, StudyTarget.category == category))


def save_target(year: int, category: Category, hours_centi: int, module_ids: set[int], actor: User | None,
                now: datetime) -> StudyTarget | None:
    """Set a category's requirement for a year; no hours and no modules removes it."""
    if not 2000 <= year <= 2100:
        raise InvalidInput(_("Choose a year between 2000 and 2100."), field="year")
    known = set(db.session.scalars(select(QuestionModule.id).where(QuestionModule.id.in_(module_ids)))) \
        if module_ids else set()
    if known != module_ids:
        raise InvalidInput(_("One of the chosen modules does not exist."), field="modules")
    target = get_target(year, category)
    before = None if target is None else {"hours": target.hours, "modules": sorted(target.module_ids)}
    if hours_centi == 0 and not module_ids:
        if target is not None:
            db.session.delete(target)
            audit.record("study_target.removed", object_type="study_target", object_id=target.id,
                         summary=f"{year} {category.label}", details={"before": before}, actor=actor)
        db.session.flush()
        return None
    if target is None:
        target = StudyTarget(year=year, category=category)
        db.session.add(target)
    target.hours_centi = hours_centi
    target.set_modules(module_ids)
    target.updated_at = now
    target.updated_by_id = actor.id if actor is not None else None
    db.session.flush()
    audit.record("study_target.saved", object_type="study_target", object_id=target.id,
                 summary=f"{year} {category.label}",
                 details={"before": before, "after": {"hours": centi_to_hours(hours_centi),
                                                      "modules": sorted(module_ids)}}, actor=actor)
    return target


@dataclass(frozen=True)
class PersonTarget:
    hours: float
    modules: list[QuestionModule]
    modules_done: set[int]

    @property
    def has_target(self) -> bool:
        return self.hours > 0 or bool(self.modules)


def target_for(user: User, year: int) -> PersonTarget:
    """The requirement that applies to a person: the highest hours of their categories and every
    module any of their categories requires."""
    targets = [t for c, t in targets_for_year(year).items() if c in user.categories]
    module_ids = set().union(*(t.module_ids for t in targets)) if targets else set()
    modules = list(db.session.scalars(select(QuestionModule).where(QuestionModule.id.in_(module_ids))
                                      .order_by(QuestionModule.sort_order, QuestionModule.name))) if module_ids else []
    return PersonTarget(hours=max((t.hours for t in targets), default=0.0), modules=modules,
                        modules_done=modules_completed(user, year, module_ids))


def modules_completed(user: User, year: int, module_ids: set[int]) -> set[int]:
    """Which of these modules the person completed in ``year`` (every active lesson completed)."""
    if not module_ids:
        return set()
    active = dict(db.session.execute(
        select(Lesson.module_id, func.count()).where(Lesson.active.is_(True), Lesson.module_id.in_(module_ids))
        .group_by(Lesson.module_id)).all())
    done = dict(db.session.execute(
        select(Lesson.module_id, func.count()).select_from(LessonProgress)
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .where(LessonProgress.user_id == user.id, LessonProgress.year == year,
               LessonProgress.completed_at.is_not(None), Lesson.active.is_(True), Lesson.module_id.in_(module_ids))
        .group_by(Lesson.module_id)).all())
    return {m for m in module_ids if done.get(m, 0) >= active.get(m, 0)}


# ---- the officer's figures (aggregated in SQL) ---------------------------------------------

def person_stats(year: int) -> Select[Any]:
    """One row per active person: unit, 学时 earned (hundredths), seconds studied, lessons
    completed, target hours (hundredths, NULL without one), required modules and how many of them
    are complete, and whether the target is met (1/0)."""
    earned = (select(LessonProgress.user_id.label("user_id"), _earned_centi().label("centi"),
                     func.sum(LessonProgress.credited_s).label("seconds"),
                     func.count(LessonProgress.completed_at).label("done"))
              .join(Lesson, Lesson.id == LessonProgress.lesson_id)
              .where(LessonProgress.year == year).group_by(LessonProgress.user_id).subquery("earned"))
    target = (select(UserCategory.user_id.label("user_id"), func.max(StudyTarget.hours_centi).label("centi"))
              .join(StudyTarget, StudyTarget.category == UserCategory.category)
              .where(StudyTarget.year == year).group_by(UserCategory.user_id).subquery("target"))
    required = (select(UserCategory.user_id.label("user_id"), StudyTargetModule.module_id.label("module_id"))
                .join(StudyTarget, StudyTarget.category == UserCategory.category)
                .join(StudyTargetModule, StudyTargetModule.target_id == StudyTarget.id)
                .where(StudyTarget.year == year).distinct().subquery("required"))
    module_size = (select(Lesson.module_id.label("module_id"), func.count().label("n"))
                   .where(Lesson.active.is_(True)).group_by(Lesson.module_id).subquery("module_size"))
    module_done = (select(LessonProgress.user_id.label("user_id"), Lesson.module_id.label("module_id"),
                          func.count().label("n"))
                   .join(Lesson, Lesson.id == LessonProgress.lesson_id)
                   .where(LessonProgress.year == year, LessonProgress.completed_at.is_not(None),
                          Lesson.active.is_(True))
                   .group_by(LessonProgress.user_id, Lesson.module_id).subquery("module_done"))
    required_status = (
        select(required.c.user_id, func.count().label("required"),
               func.sum(case((func.coalesce(module_done.c.n, 0) >= func.coalesce(module_size.c.n, 0), 1),
                             else_=0)).label("required_done"))
        .select_from(required)
        .outerjoin(module_size, module_size.c.module_id == required.c.module_id)
        .outerjoin(module_done, and_(module_done.c.user_id == required.c.user_id,
                                     module_done.c.module_id == required.c.module_id))
        .group_by(required.c.user_id).subquery("required_status"))

    centi = func.coalesce(earned.c.centi, 0)
    required_n = func.coalesce(required_status.c.required, 0)
    required_done = func.coalesce(required_status.c.required_done, 0)
    has_target = or_(target.c.centi > 0, required_n > 0)
    met = and_(has_target, centi >= func.coalesce(target.c.centi, 0), required_done >= required_n)
    return (select(User.id.label("user_id"), User.unit_id.label("unit_id"),
                   centi.label("centi"), func.coalesce(earned.c.seconds, 0).label("seconds"),
                   func.coalesce(earned.c.done, 0).label("done"),
                   target.c.centi.label("target_centi"), required_n.label("required"),
                   required_done.label("required_done"),
                   case((has_target, 1), else_=0).label("has_target"), case((met, 1), else_=0).label("met"))
            .select_from(User)
            .outerjoin(earned, earned.c.user_id == User.id)
            .outerjoin(target, target.c.user_id == User.id)
            .outerjoin(required_status, required_status.c.user_id == User.id)
            .where(User.active.is_(True)))


@dataclass(frozen=True)
class GroupFigures:
    """Totals for a unit or a category."""

    label: str
    people: int
    studying: int          # people with any credited time this year
    hours: float           # 学时 earned
    studied_hours: float   # time credited, rounded down
    lessons_completed: int
    with_target: int
    met: int
    depth: int = 0
    key: object = None

    @property
    def hours_per_person(self) -> float:
        return round(self.hours / self.people, 2) if self.people else 0.0

    @property
    def met_percent(self) -> float | None:
        return round(100 * self.met / self.with_target, 1) if self.with_target else None


def _group_columns(stats: Any) -> list[Any]:
    return [func.count().label("people"),
            func.sum(case((or_(stats.c.seconds > 0, stats.c.done > 0), 1), else_=0)).label("studying"),
            func.sum(stats.c.centi).label("centi"), func.sum(stats.c.seconds).label("seconds"),
            func.sum(stats.c.done).label("done"), func.sum(stats.c.has_target).label("with_target"),
            func.sum(stats.c.met).label("met")]


def _figures(label: str, row: Any, **extra: Any) -> GroupFigures:
    if row is None:
        return GroupFigures(label=label, people=0, studying=0, hours=0.0, studied_hours=0.0, lessons_completed=0,
                            with_target=0, met=0, **extra)
    return GroupFigures(label=label, people=int(row.people or 0), studying=int(row.studying or 0),
                        hours=centi_to_hours(int(row.centi or 0)), studied_hours=seconds_to_hours(int(row.seconds or 0)),
                        lessons_completed=int(row.done or 0), with_target=int(row.with_target or 0),
                        met=int(row.met or 0), **extra)


def unit_figures(year: int) -> list[GroupFigures]:
    """Every active unit in tree order (zeros included), counting the people directly in it."""
    from lawexam.people.units import unit_tree

    stats = person_stats(year).subquery("stats")
    rows = {row.unit_id: row for row in db.session.execute(
        select(stats.c.unit_id, *_group_columns(stats)).group_by(stats.c.unit_id)).all()}
    return [_figures(node.unit.name, rows.get(node.unit.id), depth=node.depth, key=node.unit.id)
            for node in unit_tree(include_inactive=False)]


def category_figures(year: int) -> list[GroupFigures]:
    """Every category (zeros included); a person with two categories counts in both."""
    stats = person_stats(year).subquery("stats")
    rows = {Category(row.category): row for row in db.session.execute(
        select(UserCategory.category.label("category"), *_group_columns(stats))
        .select_from(stats).join(UserCategory, UserCategory.user_id == stats.c.user_id)
        .group_by(UserCategory.category)).all()}
    return [_figures(c.label, rows.get(c), key=c) for c in Category]


def overall_figures(year: int) -> GroupFigures:
    stats = person_stats(year).subquery("stats")
    row = db.session.execute(select(*_group_columns(stats))).one()
    return _figures(_("All people"), row)


@dataclass(frozen=True)
class PersonFilter:
    text: str = ""
    unit_id: int | None = None
    category: Category | None = None
    status: str = ""  # "" | "met" | "unmet" | "none" (no target)


STATUSES = ("met", "unmet", "none")


@dataclass(frozen=True)
class PersonFigures:
    user: User
    hours: float
    studied_hours: float
    lessons_completed: int
    target_hours: float | None
    required: int
    required_done: int
    has_target: bool
    met: bool


def _person_query(year: int, criteria: PersonFilter) -> Select[Any]:
    from lawexam.people.units import descendant_ids

    stats = person_stats(year).subquery("stats")
    query = select(User, stats).join(stats, stats.c.user_id == User.id)
    if criteria.text:
        text = criteria.text.strip()  # "%" and "_" are searched for, not wildcards
        query = query.where(or_(User.real_name.contains(text, autoescape=True),
                                User.account.contains(text, autoescape=True)))
    if criteria.unit_id:
        query = query.where(User.unit_id.in_(descendant_ids(criteria.unit_id)))
    if criteria.category:
        query = query.where(User.id.in_(select(UserCategory.user_id).where(UserCategory.category == criteria.category)))
    if criteria.status == "met":
        query = query.where(stats.c.met == 1)
    elif criteria.status == "unmet":
        query = query.where(stats.c.has_target == 1, stats.c.met == 0)
    elif criteria.status == "none":
        query = query.where(stats.c.has_target == 0)
    return query


def _person_figures(row: Any) -> PersonFigures:
    return PersonFigures(user=row[0], hours=centi_to_hours(int(row.centi or 0)),
                         studied_hours=seconds_to_hours(int(row.seconds or 0)), lessons_completed=int(row.done or 0),
                         target_hours=None if row.target_centi is None else centi_to_hours(int(row.target_centi)),
                         required=int(row.required or 0), required_done=int(row.required_done or 0),
                         has_target=bool(row.has_target), met=bool(row.met))


def person_page(year: int, criteria: PersonFilter, page: int = 1, per_page: int = 30) -> Page[PersonFigures]:
    query = _person_query(year, criteria)
    total = db.session.scalar(select(func.count()).select_from(query.with_only_columns(User.id).subquery())) or 0
    page = clamp_page(page, total, per_page)
    rows = db.session.execute(
        query.options(selectinload(User.unit)).order_by(User.unit_id, User.real_name, User.id)
        .limit(per_page).offset((page - 1) * per_page)).all()
    return Page(items=[_person_figures(r) for r in rows], page=page, per_page=per_page, total=total)


def all_person_figures(year: int, criteria: PersonFilter) -> list[PersonFigures]:
    rows = db.session.execute(_person_query(year, criteria).options(selectinload(User.unit))
                              .order_by(User.unit_id, User.real_name, User.id)).all()
    return [_person_figures(r) for r in rows]


# ---- export ---------------------------------------------------------------------------------

EXPORT_KINDS = ("people", "units", "categories")
_GROUP_HEADERS = ["人数", "参学人数", "获得学时", "学习时长（小时）", "完成课程数", "有目标人数", "达标人数", "达标率（%）"]


def _group_row(figures: GroupFigures) -> list[object]:
    return [figures.people, figures.studying, figures.hours, figures.studied_hours, figures.lessons_completed,
            figures.with_target, figures.met, figures.met_percent]


def export_xlsx(kind: str, year: int, criteria: PersonFilter, actor: User | None) -> tuple[bytes, str]:
    """The officer view as a workbook (Chinese headers, numbers as numbers); recorded in the audit log."""
    from lawexam.people.accounts import CATEGORY_DISPLAY
    from lawexam.people.units import unit_path
    from lawexam.spreadsheets import write_xlsx

    if kind == "units":
        figures = unit_figures(year)
        data = write_xlsx(["单位"] + _GROUP_HEADERS, (["\u3000" * f.depth + f.label] + _group_row(f) for f in figures),
                          title=f"{year}年学时-单位", widths=[28, 8, 10, 10, 16, 12, 12, 10, 12])
        count, name = len(figures), f"{year}年学时统计-按单位.xlsx"
    elif kind == "categories":
        figures = category_figures(year)
        data = write_xlsx(["人员类别"] + _GROUP_HEADERS, ([CATEGORY_DISPLAY[f.key]] + _group_row(f) for f in figures),
                          title=f"{year}年学时-类别", widths=[24, 8, 10, 10, 16, 12, 12, 10, 12])
        count, name = len(figures), f"{year}年学时统计-按类别.xlsx"
    else:
        people = all_person_figures(year, criteria)
        rows = ([p.user.real_name, p.user.account, unit_path(p.user.unit) if p.user.unit else "",
                 "、".join(CATEGORY_DISPLAY[c] for c in sorted(p.user.categories)), p.hours, p.studied_hours,
                 p.lessons_completed, p.target_hours, f"{p.required_done}/{p.required}" if p.required else "",
                 ("达标" if p.met else "未达标") if p.has_target else "无目标"] for p in people)
        data = write_xlsx(["姓名", "账号", "单位", "人员类别", "获得学时", "学习时长（小时）", "完成课程数",
                           "目标学时", "必修模块完成", "是否达标"], rows, title=f"{year}年学时-人员",
                          widths=[12, 16, 30, 24, 10, 16, 12, 10, 14, 10])
        count, name = len(people), f"{year}年学时统计-人员.xlsx"
        kind = "people"
    audit.record("study.exported", object_type="study", summary=f"{year} {kind} ({count})",
                 details={"year": year, "kind": kind, "rows": count,
                          "filter": {"text": criteria.text, "unit_id": criteria.unit_id,
                                     "category": criteria.category.value if criteria.category else None,
                                     "status": criteria.status}}, actor=actor)
    return data, name


def years_with_study(now: datetime) -> list[int]:
    """Years to offer in the year picker: this year, last year and any with records or targets."""
    current = study_year(now)
    years = {current, current - 1}
    years.update(db.session.scalars(select(LessonProgress.year).distinct()))
    years.update(db.session.scalars(select(StudyTarget.year).distinct()))
    return sorted(years, reverse=True)

