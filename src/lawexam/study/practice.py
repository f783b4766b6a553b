"""Practice with instant feedback: drawing sets, the daily set, answering, resuming.

A set freezes the drawn question *versions* and their order when it starts (like an exam
paper), so editing the bank never changes a set someone is working through. Only active
questions not marked exam-only are drawn; a question retired or marked exam-only after the
set was drawn is dropped from the part not yet answered. Options are shown in the bank's
own order (practice does not shuffle), so responses are in the question's own keys and go
straight to the question-type registry.

Every function takes ``now`` so tests control the clock.
"""
from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.exc import IntegrityError

from lawexam.auth.models import User
from lawexam.errors import DomainError, InvalidInput, NotFound
from lawexam.extensions import db
from lawexam.i18n import _
from lawexam.localtime import to_local
from lawexam.questions.models import Question, QuestionModule, QuestionStatus, QuestionVersion
from lawexam.questions.qtypes import get_type
from lawexam.study.practice_models import (
    NotebookSource, PracticeAnswer, PracticeDailySet, PracticeKind, PracticeSession,
)

DEFAULT_QUESTIONS = 10
MAX_QUESTIONS = 50
DAILY_SIZE = 10


class PracticeError(DomainError):
    """A practice request that cannot be done (no questions to draw, answer out of turn)."""


# ---- what can be practised -----------------------------------------------------------------

def module_ids_under(module_id: int) -> list[int]:
    """The module and every module below it."""
    children: dict[int | None, list[int]] = {}
    for mid, parent in db.session.execute(select(QuestionModule.id, QuestionModule.parent_id)):
        children.setdefault(parent, []).append(mid)
    found, todo = [], [module_id]
    while todo:
        current = todo.pop()
        if current in found:
            continue
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def _eligible_query(module_ids: list[int] | None = None) -> Select[tuple[int, int | None]]:
    query = (select(Question.id, Question.current_version_id)
             .where(Question.status == QuestionStatus.ACTIVE, Question.exam_only.is_(False),
                    Question.current_version_id.is_not(None)))
    if module_ids is not None:
        query = query.where(Question.module_id.in_(module_ids))
    return query


def eligible_items(module_ids: list[int] | None = None) -> list[dict[str, int]]:
    """Every question practice may show (active, not exam-only), in id order."""
    return [{"question_id": qid, "version_id": vid}
            for qid, vid in db.session.execute(_eligible_query(module_ids).order_by(Question.id))]


@dataclass(frozen=True)
class PracticeModule:
    id: int
    name: str
    questions: int


def practice_modules() -> list[PracticeModule]:
    """Active modules with how many practice questions each has (modules without any are left out)."""
    counts = dict(db.session.execute(
        select(Question.module_id, func.count()).where(
            Question.status == QuestionStatus.ACTIVE, Question.exam_only.is_(False),
            Question.current_version_id.is_not(None)).group_by(Question.module_id)).all())
    modules = db.session.scalars(select(QuestionModule).where(QuestionModule.active.is_(True))
                                 .order_by(QuestionModule.sort_order, QuestionModule.name))
    return [PracticeModule(m.id, m.name, counts[m.id]) for m in modules if counts.get(m.id)]


# ---- drawing -------------------------------------------------------------------------------

def draw(candidates: list[dict[str, int]], count: int, rng: random.Random,
         times_seen: dict[int, int] | None = None) -> list[dict[str, int]]:
    """``count`` candidates in random order, preferring those the person has practised least
    (so repeated sets cover the module before repeating questions)."""
    seen = times_seen or {}
    ranked = sorted(candidates, key=lambda c: (seen.get(c["question_id"], 0), rng.random()))
    chosen = ranked[:count]
    rng.shuffle(chosen)
    return chosen


def daily_seed(day: date) -> int:
    return int.from_bytes(hashlib.sha256(f"lawexam-daily:{day.isoformat()}".encode()).digest()[:8], "big")


def draw_daily(candidates: list[dict[str, int]], day: date, size: int = DAILY_SIZE) -> list[dict[str, int]]:
    """The day's set: a function of the date and the candidates only."""
    ordered = sorted(candidates, key=lambda c: c["question_id"])
    rng = random.Random(daily_seed(day))
    return rng.sample(ordered, min(size, len(ordered)))


def local_day(now: datetime) -> date:
    """The calendar date in the town's zone (Asia/Shanghai): the daily set changes at local midnight."""
    return to_local(now).date()


def _times_seen(user: User) -> dict[int, int]:
    return dict(db.session.execute(select(PracticeAnswer.question_id, func.count())
                                   .where(PracticeAnswer.user_id == user.id)
                                   .group_by(PracticeAnswer.question_id)).all())


def new_session(user: User, kind: PracticeKind, items: list[dict[str, int]], now: datetime, *,
                module_id: int | None = None, daily_date: date | None = None) -> PracticeSession:
    session = PracticeSession(user_id=user.id, kind=kind, module_id=module_id, daily_date=daily_date,
                              items=[{"question_id": i["question_id"], "version_id": i["version_id"]} for i in items],
                              size=len(items), answered=0, correct=0, created_at=now, updated_at=now)
    db.session.add(session)
    db.session.flush()
    return session


def start_session(user: User, module_id: int | None, count: int, now: datetime,
                  rng: random.Random | None = None) -> PracticeSession:
    """A new set of ``count`` questions from one module (and the modules under it), or from
    every module when ``module_id`` is None."""
    if not isinstance(count, int) or not 1 <= count <= MAX_QUESTIONS:
        raise InvalidInput(_("Choose 1 to %(max)d questions.", max=MAX_QUESTIONS), field="count")
    if module_id is not None:
        module = db.session.get(QuestionModule, module_id)
        if module is None or not module.active:
            raise InvalidInput(_("Choose a module."), field="module_id")
        candidates = eligible_items(module_ids_under(module_id))
    else:
        candidates = eligible_items()
    if not candidates:
        raise PracticeError(_("There are no practice questions here yet."), field="module_id")
    items = draw(candidates, count, rng or random.Random(), _times_seen(user))
    kind = PracticeKind.MODULE if module_id is not None else PracticeKind.MIXED
    return new_session(user, kind, items, now, module_id=module_id)


def daily_items(day: date, now: datetime) -> list[dict[str, int]]:
    """The shared set for ``day``: drawn by the first person to ask for it, then kept."""
    stored = db.session.get(PracticeDailySet, day)
    if stored is not None:
        return list(stored.items)
    items = draw_daily(eligible_items(), day)
    if not items:
        return []
    try:
        with db.session.begin_nested():
            db.session.add(PracticeDailySet(day=day, items=items, created_at=now))
    except IntegrityError:
        # Someone else drew it at the same moment; theirs is the same draw unless the bank
        # changed in between, and the stored one wins either way.
        stored = db.session.get(PracticeDailySet, day)
        if stored is None:
            raise
        return list(stored.items)
    return items


def daily_session(user: User, now: datetime) -> PracticeSession | None:
    return db.session.scalar(select(PracticeSession).where(
        PracticeSession.user_id == user.id, PracticeSession.daily_date == local_day(now)))


def start_daily(user: User, now: datetime) -> tuple[PracticeSession, bool]:
    """The person's daily set for today (Asia/Shanghai date), created on first use.
    Returns ``(session, created)``."""
    existing = daily_session(user, now)
    if existing is not None:
        return existing, False
    day = local_day(now)
    items = [i for i in daily_items(day, now) if _still_practicable(i["question_id"], PracticeKind.DAILY)]
    if not items:
        raise PracticeError(_("There are no practice questions here yet."))
    try:
        with db.session.begin_nested():
            session = new_session(user, PracticeKind.DAILY, items, now, daily_date=day)
    except IntegrityError:
        # A double tap: the first request made it.
        existing = daily_session(user, now)
        if existing is None:
            raise
        return existing, False
    return session, True


def _still_practicable(question_id: int, kind: PracticeKind) -> bool:
    row = db.session.execute(select(Question.status, Question.exam_only).where(Question.id == question_id)).first()
    return row is not None and _allowed(row.status, row.exam_only, kind)


def _allowed(status: QuestionStatus, exam_only: bool, kind: PracticeKind) -> bool:
    # Exam-only questions reach a notebook redo only from the person's own finished exams.
    return status == QuestionStatus.ACTIVE and (kind == PracticeKind.NOTEBOOK or not exam_only)


# ---- reading and resuming ------------------------------------------------------------------

def get_own_session(session_id: int, user: User) -> PracticeSession:
    session = db.session.get(PracticeSession, session_id)
    if session is None or session.user_id != user.id:
        raise NotFound(_("No such practice set."))
    return session


def bring_up_to_date(session: PracticeSession, now: datetime) -> PracticeSession:
    """Drop questions not yet answered that may no longer be practised (retired, or marked
    exam-only), and finish the set when nothing is left to answer."""
    if session.finished:
        return session
    tail = session.items[session.answered:]
    if tail:
        rows = db.session.execute(select(Question.id, Question.status, Question.exam_only).where(
            Question.id.in_([i["question_id"] for i in tail]))).all()
        allowed = {qid for qid, status, exam_only in rows if _allowed(status, exam_only, session.kind)}
        kept = [i for i in tail if i["question_id"] in allowed]
        if len(kept) != len(tail):
            session.items = list(session.items[:session.answered]) + kept
            session.size = len(session.items)
            session.updated_at = now
    if session.answered >= session.size:
        session.finished_at = session.finished_at or now
        session.updated_at = now
    return session


def item_at(session: PracticeSession, position: int) -> dict[str, int]:
    if not 0 <= position < len(session.items):
        raise NotFound(_("This practice set has no question %(number)d.", number=position + 1))
    return session.items[position]


def version_at(session: PracticeSession, position: int) -> QuestionVersion:
    version = db.session.get(QuestionVersion, item_at(session, position)["version_id"])
    if version is None:  # versions are never deleted; a cascade from a deleted question is the only way
        raise NotFound(_("This question is no longer in the bank."))
    return version


def answer_at(session: PracticeSession, position: int) -> PracticeAnswer | None:
    return db.session.scalar(select(PracticeAnswer).where(
        PracticeAnswer.session_id == session.id, PracticeAnswer.position == position))


def session_answers(session: PracticeSession) -> dict[int, PracticeAnswer]:
    return {a.position: a for a in db.session.scalars(
        select(PracticeAnswer).where(PracticeAnswer.session_id == session.id))}


def unfinished_sessions(user: User, limit: int = 10) -> list[PracticeSession]:
    return list(db.session.scalars(select(PracticeSession).where(
        PracticeSession.user_id == user.id, PracticeSession.finished_at.is_(None))
        .order_by(PracticeSession.updated_at.desc(), PracticeSession.id.desc()).limit(limit)))


def finished_sessions(user: User, limit: int = 5) -> list[PracticeSession]:
    return list(db.session.scalars(select(PracticeSession).where(
        PracticeSession.user_id == user.id, PracticeSession.finished_at.is_not(None))
        .order_by(PracticeSession.finished_at.desc(), PracticeSession.id.desc()).limit(limit)))


# ---- answering -----------------------------------------------------------------------------

def answer(user: User, session: PracticeSession, position: int, response: Any, now: datetime) -> PracticeAnswer:
    """Grade and record the answer to the question at ``position``, which must be the next
    one. Answering a question already answered returns the stored answer (a double tap or a
    re-sent form gives one record). ``response`` None means "show me the answer": it counts
    as wrong."""
    if session.user_id != user.id:
        raise NotFound(_("No such practice set."))
    existing = answer_at(session, position) if position < session.answered else None
    if existing is not None:
        return existing
    bring_up_to_date(session, now)
    if session.finished or position != session.answered:
        raise PracticeError(_("Answer the questions in order; this one is not next."))
    item = item_at(session, position)
    version = version_at(session, position)
    content = version.content()
    kind = get_type(content.type)
    if response is not None and not kind.is_valid_response(content, response):
        raise InvalidInput(_("This answer does not fit the question."), field="response")
    correct = response is not None and kind.grade(content, response) == 1.0
    record = PracticeAnswer(session_id=session.id, position=position, user_id=user.id,
                            question_id=item["question_id"], version_id=version.id, response=response,
                            correct=correct, answered_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(record)
    except IntegrityError:
        stored = answer_at(session, position)
        if stored is None:
            raise
        db.session.refresh(session)
        return stored
    session.answered = position + 1
    session.correct += int(correct)
    session.updated_at = now
    bring_up_to_date(session, now)

    from lawexam.study import notebook

    notebook.record_result(user, item["question_id"], version.id, correct, now, NotebookSource.PRACTICE)
    db.session.flush()
    return record


# ---- progress ------------------------------------------------------------------------------

@dataclass(frozen=True)
class ModuleAccuracy:
    module_id: int
    name: str
    answered: int
    correct: int

    @property
    def percent(self) -> float:
        return round(100.0 * self.correct / self.answered, 1) if self.answered else 0.0


def accuracy_by_module(user: User) -> list[ModuleAccuracy]:
    """Every practice answer the person gave (sets and notebook redos), by the question's
    module, in the bank's module order."""
    rows = db.session.execute(
        select(QuestionModule.id, QuestionModule.name, func.count(PracticeAnswer.id),
               func.sum(case((PracticeAnswer.correct.is_(True), 1), else_=0)))
        .select_from(PracticeAnswer)
        .join(Question, Question.id == PracticeAnswer.question_id)
        .join(QuestionModule, QuestionModule.id == Question.module_id)
        .where(PracticeAnswer.user_id == user.id)
        .group_by(QuestionModule.id, QuestionModule.name, QuestionModule.sort_order)
        .order_by(QuestionModule.sort_order, QuestionModule.name)).all()
    return [ModuleAccuracy(mid, name, int(answered), int(correct or 0)) for mid, name, answered, correct in rows]


def overall_accuracy(rows: list[ModuleAccuracy]) -> ModuleAccuracy:
    return ModuleAccuracy(0, "", sum(r.answered for r in rows), sum(r.correct for r in rows))


@dataclass(frozen=True)
class StudySummary:
    """The lessons side of "my progress", from the study service (lessons and 学时)."""

    hours: float                 # 学时 earned this year
    target_hours: float          # the year's target for the person's categories (0: none set)
    lessons_completed: int
    lessons_total: int           # active lessons
    modules_completed: int       # modules with every active lesson completed this year
    modules_total: int           # modules that have lessons
    required: list[tuple[QuestionModule, bool]]  # modules the target requires, and whether done

    @property
    def target_met(self) -> bool:
        return self.target_hours > 0 and self.hours >= self.target_hours


def progress_study_summary(user: User, year: int) -> StudySummary:
    """Study hours, lessons and modules completed in ``year`` against the person's target,
    from ``lawexam.study.services`` (the lessons feature owns those figures)."""
    from lawexam.study import services as study

    modules = study.study_modules()
    module_ids = {m.module.id for m in modules}
    target = study.target_for(user, year)
    return StudySummary(
        hours=study.total_hours(year, user_ids=[user.id]), target_hours=target.hours,
        lessons_completed=study.year_summary(user, year).lessons_completed,
        lessons_total=sum(len(m.lessons) for m in modules),
        modules_completed=len(study.modules_completed(user, year, module_ids)), modules_total=len(module_ids),
        required=[(module, module.id in target.modules_done) for module in target.modules])
