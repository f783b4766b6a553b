"""Which exams a person sees, and how each looks from where they stand."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from lawexam.auth.models import User
from lawexam.exams.attempts import attempts_left, finished_attempts, open_attempt
from lawexam.exams.audience import is_enrolled
from lawexam.exams.grading import choose_counting_attempt
from lawexam.exams.models import Attempt, Exam, ExamStatus
from lawexam.exams.results import score_visible
from lawexam.extensions import db


def visible_exams(user: User) -> list[Exam]:
    """Published exams this person is enrolled in, and any they have sat."""
    sat = select(Attempt.exam_id).where(Attempt.user_id == user.id)
    exams = db.session.scalars(select(Exam).where(
        (Exam.status == ExamStatus.PUBLISHED) | Exam.id.in_(sat)).order_by(Exam.opens_at.desc()))
    return [e for e in exams if e.status != ExamStatus.DRAFT and (is_enrolled(e, user) or _has_attempts(e, user))]


def _has_attempts(exam: Exam, user: User) -> bool:
    return db.session.scalar(select(Attempt.id).where(Attempt.exam_id == exam.id, Attempt.user_id == user.id)
                             .limit(1)) is not None


def counting_attempt(exam: Exam, user: User) -> Attempt | None:
    finished = finished_attempts(exam, user)
    index = choose_counting_attempt([(a.finished_at, a.score or 0.0) for a in finished], exam.counting.value)
    return finished[index] if index is not None else None


def summary_for(exam: Exam, user: User, now: datetime) -> dict[str, Any]:
    counted = counting_attempt(exam, user)
    show = counted is not None and score_visible(exam, now)
    current = open_attempt(exam, user)
    return {
        "exam_id": exam.id, "title": exam.title, "state": exam.phase(now).value,
        "opens_at": exam.opens_at.isoformat(), "closes_at": exam.closes_at.isoformat(),
        "duration_s": exam.duration_s, "attempts_left": attempts_left(exam, user),
        "best_score": counted.score if show else None, "passed": counted.passed if show else None,
        "in_progress_attempt_id": current.id if current else None,
    }
