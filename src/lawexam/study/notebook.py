"""The wrong-answer notebook (错题本).

Rules:

- A question enters when the person answers it wrongly in practice (a set or a notebook
  redo; "show me the answer" counts as wrong), or got it wrong (or left it blank) in a
  finished exam attempt *once that exam's results policy shows answers*
  (``exams.results.answers_visible``). Exam questions are collected lazily, when the person
  opens the notebook or the progress page (``collect_from_exams``), never at submit, so an
  exam whose answers are released after it closes fills the notebook only then.
- Every practice answer to a question in the notebook counts: a right one adds to its
  streak, a wrong one resets the streak to 0. At ``LAWEXAM_NOTEBOOK_CLEAR_STREAK`` (default 2)
  right answers in a row it leaves the notebook, unless it is starred (收藏): starred
  questions stay until unstarred (and leave then if the streak is already long enough).
- The person may remove a question; a later wrong answer brings it back.
- Exam-only questions may be in a notebook (from exams) and are redone from there; they
  never appear in practice sets.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, has_app_context
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError

from lawexam.auth.models import User
from lawexam.errors import InvalidInput, NotFound
from lawexam.exams.models import AnswerRelease, Attempt, AttemptState, Exam
from lawexam.exams.results import answers_visible
from lawexam.extensions import db
from lawexam.i18n import _
from lawexam.questions.models import Question, QuestionModule, QuestionStatus
from lawexam.study import practice
from lawexam.study.practice_models import (
    NotebookEntry, NotebookExamAttempt, NotebookSource, NotebookState, PracticeAnswer, PracticeKind, PracticeSession,
)

DEFAULT_CLEAR_STREAK = 2


def clear_streak() -> int:
    """Right answers in a row that take a question out of the notebook."""
    raw = os.environ.get("LAWEXAM_NOTEBOOK_CLEAR_STREAK", DEFAULT_CLEAR_STREAK)
    if has_app_context():
        raw = current_app.config.get("LAWEXAM_NOTEBOOK_CLEAR_STREAK", raw)
    try:
        return max(1, int(raw))
    except (TypeError, ValueError):
        return DEFAULT_CLEAR_STREAK


# ---- entering and leaving ------------------------------------------------------------------

def _entry(user_id: int, question_id: int) -> NotebookEntry | None:
    return db.session.scalar(select(NotebookEntry).where(
        NotebookEntry.user_id == user_id, NotebookEntry.question_id == question_id))


def _entry_or_new(user_id: int, question_id: int, source: NotebookSource, now: datetime) -> tuple[NotebookEntry, bool]:
    """The person's row for the question, made (as not yet in the notebook) if there is none."""
    entry = _entry(user_id, question_id)
    if entry is not None:
        return entry, False
    entry = NotebookEntry(user_id=user_id, question_id=question_id, state=NotebookState.REMOVED, source=source,
                          starred=False, streak=0, wrong_count=0, added_at=now, updated_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(entry)
    except IntegrityError:
        # The same person's other request made it a moment ago.
        entry = _entry(user_id, question_id)
        if entry is None:
            raise
        return entry, False
    return entry, True


def _enter(entry: NotebookEntry, source: NotebookSource, now: datetime) -> None:
    if entry.state != NotebookState.ACTIVE:
        entry.state = NotebookState.ACTIVE
        entry.source = source
        entry.added_at = now
        entry.left_at = None


def record_wrong(user_id: int, question_id: int, version_id: int | None, now: datetime,
                 source: NotebookSource, wrong_at: datetime | None = None) -> NotebookEntry:
    """A wrong answer given at ``wrong_at`` (default ``now``; an exam's hand-in time when
    collected later): the question is in the notebook with its streak back at 0."""
    wrong_at = wrong_at or now
    entry, _created = _entry_or_new(user_id, question_id, source, now)
    _enter(entry, source, now)
    entry.streak = 0
    entry.wrong_count += 1
    entry.version_id = version_id or entry.version_id
    entry.last_wrong_at = max(entry.last_wrong_at, wrong_at) if entry.last_wrong_at else wrong_at
    entry.updated_at = now
    return entry


def record_result(user: User, question_id: int, version_id: int, correct: bool, now: datetime,
                  source: NotebookSource = NotebookSource.PRACTICE) -> NotebookEntry | None:
    """Apply one practice answer to the notebook: a wrong one enters (or stays, streak 0);
    a right one counts toward leaving. Returns the person's entry, if any."""
    if not correct:
        return record_wrong(user.id, question_id, version_id, now, source)
    entry = _entry(user.id, question_id)
    if entry is None or entry.state != NotebookState.ACTIVE:
        return entry
    entry.streak += 1
    entry.updated_at = now
    if entry.streak >= clear_streak() and not entry.starred:
        entry.state = NotebookState.CLEARED
        entry.left_at = now
    return entry


# ---- collecting from exams -----------------------------------------------------------------

def collect_from_exams(user: User, now: datetime) -> int:
    """Copy the wrong (and blank) answers of the person's finished exam attempts into the
    notebook, for every exam whose results policy shows answers at ``now``. Each attempt is
    collected once (marked in ``notebook_exam_attempts``), so calling this on every visit is
    safe. Returns how many questions were added or marked wrong again."""
    done = select(NotebookExamAttempt.attempt_id).where(NotebookExamAttempt.user_id == user.id)
    waiting = list(db.session.scalars(
        select(Attempt).join(Exam, Exam.id == Attempt.exam_id).where(
            Attempt.user_id == user.id,
            Attempt.state.in_([AttemptState.SUBMITTED, AttemptState.OVERDUE]),
            Exam.answer_release != AnswerRelease.NEVER,
            Attempt.id.not_in(done)).order_by(Attempt.finished_at, Attempt.id)))
    added = 0
    for attempt in waiting:
        if not attempt.results or not answers_visible(attempt.exam, now):
            continue
        wrong_slots = {r["slot"] for r in attempt.results if not r.get("correct")}
        wrong = [s for s in attempt.paper if s["slot"] in wrong_slots]
        try:
            with db.session.begin_nested():
                db.session.add(NotebookExamAttempt(attempt_id=attempt.id, user_id=user.id, wrong=len(wrong),
                                                   collected_at=now))
        except IntegrityError:
            continue  # another request of this person collected it first
        for slot in wrong:
            record_wrong(user.id, slot["question_id"], slot["version_id"], now, NotebookSource.EXAM,
                         wrong_at=min(attempt.finished_at or now, now))
            added += 1
    db.session.flush()
    return added


# ---- the person's actions ------------------------------------------------------------------

def get_own_entry(entry_id: int, user: User) -> NotebookEntry:
    entry = db.session.get(NotebookEntry, entry_id)
    if entry is None or entry.user_id != user.id:
        raise NotFound(_("This question is not in your notebook."))
    return entry


def remove(user: User, entry_id: int, now: datetime) -> NotebookEntry:
    entry = get_own_entry(entry_id, user)
    if entry.state == NotebookState.ACTIVE:
        entry.state = NotebookState.REMOVED
        entry.left_at = now
    entry.starred = False
    entry.updated_at = now
    db.session.flush()
    return entry


def set_starred(user: User, entry_id: int, starred: bool, now: datetime) -> NotebookEntry:
    """Star or unstar a question in the notebook. An unstarred question whose streak already
    reaches the clearing count leaves the notebook at once."""
    entry = get_own_entry(entry_id, user)
    if entry.state != NotebookState.ACTIVE:
        raise NotFound(_("This question is not in your notebook."))
    entry.starred = starred
    entry.updated_at = now
    if not starred and entry.streak >= clear_streak():
        entry.state = NotebookState.CLEARED
        entry.left_at = now
    db.session.flush()
    return entry


def star_question(user: User, question_id: int, now: datetime) -> NotebookEntry:
    """Star a question the person has met in practice (from its feedback page), putting it in
    the notebook if it is not there yet."""
    seen = db.session.scalar(select(PracticeAnswer.id).where(
        PracticeAnswer.user_id == user.id, PracticeAnswer.question_id == question_id).limit(1))
    if seen is None and _entry(user.id, question_id) is None:
        raise NotFound(_("You can star only questions you have practised."))
    entry, _created = _entry_or_new(user.id, question_id, NotebookSource.STARRED, now)
    _enter(entry, NotebookSource.STARRED, now)
    entry.starred = True
    entry.updated_at = now
    db.session.flush()
    return entry


def entry_for(user: User, question_id: int) -> NotebookEntry | None:
    return _entry(user.id, question_id)


# ---- listing -------------------------------------------------------------------------------

def entries_query(user: User, module_id: int | None = None,
                  starred_only: bool = False) -> Select[tuple[NotebookEntry]]:
    """The person's notebook, newest wrong answers first."""
    query = (select(NotebookEntry).join(Question, Question.id == NotebookEntry.question_id)
             .where(NotebookEntry.user_id == user.id, NotebookEntry.state == NotebookState.ACTIVE))
    if module_id is not None:
        query = query.where(Question.module_id == module_id)
    if starred_only:
        query = query.where(NotebookEntry.starred.is_(True))
    return query.order_by(func.coalesce(NotebookEntry.last_wrong_at, NotebookEntry.added_at).desc(),
                          NotebookEntry.id.desc())


def entries(user: User, module_id: int | None = None, starred_only: bool = False) -> list[NotebookEntry]:
    return list(db.session.scalars(entries_query(user, module_id, starred_only)))


@dataclass(frozen=True)
class ModuleCount:
    module_id: int
    name: str
    count: int


@dataclass(frozen=True)
class NotebookCounts:
    total: int
    starred: int
    by_module: list[ModuleCount]


def counts(user: User) -> NotebookCounts:
    rows = db.session.execute(
        select(QuestionModule.id, QuestionModule.name, func.count(NotebookEntry.id))
        .select_from(NotebookEntry)
        .join(Question, Question.id == NotebookEntry.question_id)
        .join(QuestionModule, QuestionModule.id == Question.module_id)
        .where(NotebookEntry.user_id == user.id, NotebookEntry.state == NotebookState.ACTIVE)
        .group_by(QuestionModule.id, QuestionModule.name, QuestionModule.sort_order)
        .order_by(QuestionModule.sort_order, QuestionModule.name)).all()
    starred = db.session.scalar(select(func.count()).select_from(NotebookEntry).where(
        NotebookEntry.user_id == user.id, NotebookEntry.state == NotebookState.ACTIVE,
        NotebookEntry.starred.is_(True))) or 0
    by_module = [ModuleCount(mid, name, int(count)) for mid, name, count in rows]
    return NotebookCounts(total=sum(m.count for m in by_module), starred=int(starred), by_module=by_module)


# ---- redoing -------------------------------------------------------------------------------

def start_redo(user: User, now: datetime, *, module_id: int | None = None, entry_id: int | None = None,
               starred_only: bool = False, limit: int = practice.MAX_QUESTIONS) -> PracticeSession:
    """A practice set of questions from the person's notebook (one entry, or those of a
    module, or all), with the same instant feedback as practice. Retired questions are left
    out: their text may no longer be right."""
    if entry_id is not None:
        chosen = [get_own_entry(entry_id, user)]
        if chosen[0].state != NotebookState.ACTIVE:
            raise NotFound(_("This question is not in your notebook."))
    else:
        # Longest in the notebook with the fewest right answers first.
        chosen = sorted(entries(user, module_id, starred_only), key=lambda e: (e.streak, e.added_at, e.id))
    items = []
    for entry in chosen:
        question = entry.question
        if question.status != QuestionStatus.ACTIVE or question.current_version_id is None:
            continue
        items.append({"question_id": question.id, "version_id": question.current_version_id})
        if len(items) >= limit:
            break
    if not items:
        raise InvalidInput(_("There is nothing to redo here: retired questions cannot be redone."))
    if entry_id is not None:
        # Opening the same question's redo twice reuses the unanswered one.
        for session in db.session.scalars(select(PracticeSession).where(
                PracticeSession.user_id == user.id, PracticeSession.kind == PracticeKind.NOTEBOOK,
                PracticeSession.finished_at.is_(None), PracticeSession.answered == 0,
                PracticeSession.size == 1)):
            if session.items[0]["question_id"] == items[0]["question_id"]:
                session.items = list(items)
                session.updated_at = now
                return session
    return practice.new_session(user, PracticeKind.NOTEBOOK, items, now, module_id=module_id)
