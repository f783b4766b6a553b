"""What an examinee may see of a finished attempt, by the exam's results policy."""
from __future__ import annotations

from datetime import datetime

from lawexam.exams.models import AnswerRelease, Attempt, Exam, ScoreRelease


def score_visible(exam: Exam, now: datetime) -> bool:
    return exam.score_release == ScoreRelease.AT_ONCE or now >= exam.closes_at


def answers_visible(exam: Exam, now: datetime) -> bool:
    if exam.answer_release == AnswerRelease.NEVER:
        return False
    return exam.answer_release == AnswerRelease.AT_ONCE or now >= exam.closes_at


def visible_result(attempt: Attempt, now: datetime) -> dict[str, object]:
    """``{state, score, passed}`` with the score parts only when the policy allows."""
    shown: dict[str, object] = {"state": attempt.state.value}
    if attempt.state.finished and score_visible(attempt.exam, now):
        shown.update(score=attempt.score, max_score=attempt.max_score, passed=attempt.passed)
    else:
        shown.update(score=None, passed=None)
    return shown
