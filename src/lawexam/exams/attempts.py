"""The exam contract: start, save, submit, finish on time; officers' corrections.

Every function takes ``now`` so tests (and the sweep) control the clock; the server's clock
is the only one that counts.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lawexam.audit import services as audit
from lawexam.auth.models import User
from lawexam.errors import DomainError
from lawexam.exams import papers, timing
from lawexam.exams.audience import is_enrolled
from lawexam.exams.answer_writes import count_write_and_lock, upsert_answer
from lawexam.exams.grading import GradableSlot, grade_paper
from lawexam.exams.locking import lock_attempt, lock_exam
from lawexam.exams.models import Attempt, AttemptAnswer, AttemptState, Exam, ExamPhase
from lawexam.extensions import db
from lawexam.i18n import _
from lawexam.questions.models import QuestionVersion


class AttemptError(DomainError):
    """A refusal the API reports as ``{code, message}``."""

    def __init__(self, code: str, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.code = code
        self.http_status = status


def grace_s() -> int:
    return int(current_app.config.get("LAWEXAM_SAVE_GRACE_S", 30))


def writes_per_second() -> int:
    return int(current_app.config.get("LAWEXAM_ATTEMPT_WRITES_PER_SECOND", 30))


# ---- starting ------------------------------------------------------------------------------

def finished_attempts(exam: Exam, user: User) -> list[Attempt]:
    return list(db.session.scalars(select(Attempt).where(
        Attempt.exam_id == exam.id, Attempt.user_id == user.id,
        Attempt.state.in_([AttemptState.SUBMITTED, AttemptState.OVERDUE])).order_by(Attempt.number)))


def attempts_left(exam: Exam, user: User) -> int:
    return max(0, exam.attempts_allowed - len(finished_attempts(exam, user)))


def open_attempt(exam: Exam, user: User) -> Attempt | None:
    return db.session.scalar(select(Attempt).where(
        Attempt.exam_id == exam.id, Attempt.user_id == user.id,
        Attempt.state == AttemptState.IN_PROGRESS).order_by(Attempt.number.desc()))


def _freeze_once(exam: Exam, now: datetime) -> None:
    """Freeze the paper at the first start. Two first starts at once: the exam row lock makes
    the second wait and then find the pool already captured."""
    locked = lock_exam(exam.id)
    if locked.frozen_at is None:
        locked.frozen_at = now
        papers.freeze(locked)
        db.session.flush()


def start_attempt(exam: Exam, user: User, now: datetime) -> tuple[Attempt, bool]:
    """The person's unfinished attempt, or a new one with its paper frozen. Returns
    ``(attempt, created)``."""
    # One read of this person's attempts answers "one running?", "any left?" and "which number next?".
    mine = list(db.session.scalars(select(Attempt).where(Attempt.exam_id == exam.id, Attempt.user_id == user.id)
                                   .order_by(Attempt.number)))
    current = next((a for a in reversed(mine) if a.state == AttemptState.IN_PROGRESS), None)
    if current is not None:
        if timing.is_overdue(current.deadline + timedelta(seconds=grace_s()), now):
            finish_attempt(current.id, now, AttemptState.OVERDUE)
        else:
            return current, False
    if exam.phase(now) != ExamPhase.OPEN:
        raise AttemptError("not_open", _("This exam is not open now."))
    if not is_enrolled(exam, user):
        raise AttemptError("not_enrolled", _("You are not on the list for this exam."))
    if sum(1 for a in mine if a.state.finished) >= exam.attempts_allowed:
        raise AttemptError("no_attempts_left", _("You have used all your attempts for this exam."))
    if exam.frozen_at is None:
        _freeze_once(exam, now)
    seed = secrets.randbelow(2**31)
    number = 1 + max((a.number for a in mine), default=0)
    paper = papers.draw(exam, seed)
    attempt = Attempt(exam_id=exam.id, user_id=user.id, number=number, state=AttemptState.IN_PROGRESS,
                      started_at=now, deadline=timing.compute_deadline(now, exam.duration_s, exam.closes_at),
                      paper=paper, seed=seed, max_score=float(sum(s["points"] for s in paper)))
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
    except IntegrityError:
        # A double tap started the same attempt number twice; the first one wins.
        existing = open_attempt(exam, user)
        if existing is None:
            raise
        return existing, False
    return attempt, True


# ---- reading -------------------------------------------------------------------------------

def get_own_attempt(attempt_id: int, user: User) -> Attempt:
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.user_id != user.id:
        raise AttemptError("not_found", _("No such attempt."), 404)
    return attempt


def saved_answers(attempt: Attempt) -> dict[int, AttemptAnswer]:
    return {row.slot: row for row in db.session.scalars(
        select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt.id))}


def bring_up_to_date(attempt: Attempt, now: datetime) -> Attempt:
    """Finish the attempt if its time (plus grace) ran out while nobody was looking."""
    if attempt.state == AttemptState.IN_PROGRESS and \
            timing.is_overdue(attempt.deadline + timedelta(seconds=grace_s()), now):
        return finish_attempt(attempt.id, now, AttemptState.OVERDUE)
    return attempt


# ---- saving --------------------------------------------------------------------------------

@dataclass(frozen=True)
class SaveReceipt:
    slot: int
    seq: int
    saved_at: datetime
    time_left_s: int


def _slot(paper: list[dict[str, Any]], slot: int) -> dict[str, Any]:
    for entry in paper:
        if entry["slot"] == slot:
            return entry
    raise AttemptError("bad_slot", _("This exam has no question %(slot)d.", slot=slot), 404)


def check_shape(entry: dict[str, Any], answer: Any) -> None:
    """Refuse answers of the wrong shape for the slot (in the keys the browser was shown)."""
    if answer is None:
        return
    kind, keys = entry["type"], "ABCDEFGH"[:len(entry["option_order"])]
    ok = {
        "single": lambda a: isinstance(a, str) and a in keys,
        "multiple": lambda a: isinstance(a, list) and all(isinstance(k, str) and k in keys for k in a)
        and len(set(a)) == len(a),
        "truefalse": lambda a: isinstance(a, bool),
        "fill": lambda a: isinstance(a, list) and len(a) == entry["blanks"]
        and all(isinstance(t, str) and len(t) <= 500 for t in a),
    }[kind](answer)
    if not ok:
        raise AttemptError("bad_answer", _("This answer does not fit the question."), 422)


def save_answer(user: User, attempt_id: int, slot: int, answer: Any, seq: int, now: datetime,
                flagged: bool | None = None) -> SaveReceipt:
    """Store the answer unless a newer one (higher seq) is already stored. Idempotent."""
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        raise AttemptError("bad_seq", _("The save has no valid sequence number."), 422)
    attempt = count_write_and_lock(attempt_id, int(now.timestamp()))
    if attempt is None or attempt.user_id != user.id:
        raise AttemptError("not_found", _("No such attempt."), 404)
    if attempt.write_count > writes_per_second():
        # A person answers a few questions a second at most and a reconnecting page re-sends
        # its queue in one burst; beyond that it is a script. The refusal is rolled back, so
        # it does not count, and the page's queue simply tries again.
        raise AttemptError("too_many_writes", _("Too many saves at once; the answer will be sent again shortly."), 429)
    if attempt.state != AttemptState.IN_PROGRESS:
        raise AttemptError("finished", _("This attempt has already been handed in."))
    if not timing.accepts_save(attempt.deadline, now, grace_s()):
        raise AttemptError("time_up", _("Time is up; this answer was not saved."))
    check_shape(_slot(attempt.paper, slot), answer)
    stored_seq, saved_at = upsert_answer(attempt.id, slot, answer, seq, flagged, now)
    return SaveReceipt(slot=slot, seq=stored_seq, saved_at=saved_at,
                       time_left_s=timing.time_left_s(attempt.deadline, now))


# ---- finishing and grading -----------------------------------------------------------------

def grade(attempt: Attempt) -> None:
    exam = attempt.exam
    versions = {v.id: v for v in db.session.scalars(select(QuestionVersion).where(
        QuestionVersion.id.in_([s["version_id"] for s in attempt.paper])))}
    slots = [GradableSlot(slot=s["slot"], content=versions[s["version_id"]].content(), points=s["points"],
                          option_order=tuple(s["option_order"])) for s in attempt.paper]
    responses = {row.slot: row.answer for row in saved_answers(attempt).values()}
    result = grade_paper(slots, responses, exam.scoring, exam.pass_mark)
    attempt.score = float(result.total)
    attempt.max_score = float(result.max_total)
    attempt.passed = result.passed
    attempt.results = [{"slot": r.slot, "awarded": float(r.awarded), "points": float(r.points),
                        "correct": r.correct} for r in result.slots]


def finish_attempt(attempt_id: int, now: datetime, state: AttemptState) -> Attempt:
    """Hand in (or close an overdue) attempt and grade it exactly once."""
    attempt = lock_attempt(attempt_id)
    if attempt is None:
        raise AttemptError("not_found", _("No such attempt."), 404)
    if attempt.state != AttemptState.IN_PROGRESS:
        return attempt  # already finished: submit is idempotent
    overdue = timing.is_overdue(attempt.deadline, now)
    attempt.state = AttemptState.OVERDUE if state == AttemptState.OVERDUE else AttemptState.SUBMITTED
    attempt.finished_at = timing.finish_time(attempt.deadline, now) if overdue else now
    grade(attempt)
    attempt.graded_at = now
    db.session.flush()
    return attempt


def submit_attempt(user: User, attempt_id: int, now: datetime) -> Attempt:
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.user_id != user.id:
        raise AttemptError("not_found", _("No such attempt."), 404)
    late = timing.is_overdue(attempt.deadline + timedelta(seconds=grace_s()), now)
    return finish_attempt(attempt_id, now, AttemptState.OVERDUE if late else AttemptState.SUBMITTED)


def sweep_overdue(now: datetime, limit: int = 500) -> int:
    """Finish attempts whose time ran out; safe to run on several hosts at once."""
    cutoff = now - timedelta(seconds=grace_s())
    ids = list(db.session.scalars(select(Attempt.id).where(
        Attempt.state == AttemptState.IN_PROGRESS, Attempt.deadline < cutoff).order_by(Attempt.id).limit(limit)))
    finished = 0
    for attempt_id in ids:
        attempt = finish_attempt(attempt_id, now, AttemptState.OVERDUE)
        db.session.commit()  # one attempt per transaction: a long sweep never holds many locks
        finished += attempt.graded_at == now
    return finished


# ---- officers' corrections -----------------------------------------------------------------

def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise AttemptError("reason_required", _("Give a reason; it is kept in the audit log."), 422)
    return reason[:255]


def extend_time(attempt: Attempt, extra_minutes: int, reason: str, actor: User, now: datetime) -> Attempt:
    reason = _require_reason(reason)
    if extra_minutes <= 0 or extra_minutes > 24 * 60:
        raise AttemptError("bad_extension", _("Give the extra time in minutes (1 to 1440)."), 422)
    attempt = lock_attempt(attempt.id)
    if attempt.state != AttemptState.IN_PROGRESS:
        raise AttemptError("finished", _("This attempt is finished; reopen it instead."))
    before = attempt.deadline
    attempt.deadline = timing.apply_extension(max(attempt.deadline, now), extra_minutes * 60)
    attempt.extension_s += extra_minutes * 60
    audit.record("attempt.extended", object_type="attempt", object_id=attempt.id, summary=reason,
                 details={"minutes": extra_minutes, "deadline_before": before.isoformat(),
                          "deadline_after": attempt.deadline.isoformat(), "user_id": attempt.user_id}, actor=actor)
    db.session.flush()
    return attempt


def reopen_attempt(attempt: Attempt, minutes: int, reason: str, actor: User, now: datetime) -> Attempt:
    reason = _require_reason(reason)
    if minutes <= 0 or minutes > 24 * 60:
        raise AttemptError("bad_extension", _("Give the extra time in minutes (1 to 1440)."), 422)
    attempt = lock_attempt(attempt.id)
    if not attempt.state.finished:
        raise AttemptError("not_finished", _("Only a finished attempt can be reopened."))
    before = {"state": attempt.state.value, "score": attempt.score}
    attempt.state = AttemptState.IN_PROGRESS
    attempt.deadline = now + timedelta(minutes=minutes)
    attempt.extension_s += minutes * 60
    attempt.finished_at = attempt.graded_at = None
    attempt.score = attempt.passed = attempt.results = None
    audit.record("attempt.reopened", object_type="attempt", object_id=attempt.id, summary=reason,
                 details={"before": before, "minutes": minutes, "user_id": attempt.user_id}, actor=actor)
    db.session.flush()
    return attempt


def void_attempt(attempt: Attempt, reason: str, actor: User, now: datetime) -> Attempt:
    reason = _require_reason(reason)
    attempt = lock_attempt(attempt.id)
    if attempt.state == AttemptState.VOIDED:
        return attempt
    before = attempt.state.value
    attempt.state = AttemptState.VOIDED
    attempt.void_reason = reason
    attempt.finished_at = attempt.finished_at or now
    audit.record("attempt.voided", object_type="attempt", object_id=attempt.id, summary=reason,
                 details={"before": before, "score": attempt.score, "user_id": attempt.user_id}, actor=actor)
    db.session.flush()
    return attempt


def force_submit(attempt: Attempt, reason: str, actor: User, now: datetime) -> Attempt:
    reason = _require_reason(reason)
    if attempt.state != AttemptState.IN_PROGRESS:
        raise AttemptError("finished", _("This attempt is already finished."))
    attempt = finish_attempt(attempt.id, now, AttemptState.SUBMITTED)
    audit.record("attempt.force_submitted", object_type="attempt", object_id=attempt.id, summary=reason,
                 details={"score": attempt.score, "user_id": attempt.user_id}, actor=actor)
    return attempt
