"""Row locks for the attempt contract, the same on SQLite, PostgreSQL and MariaDB.

Submit takes the attempt row exclusively (a save locks it through the update that counts it,
see ``answer_writes``), so a save racing a submit either lands before grading (and is graded)
or sees the attempt finished (and is not acknowledged). SQLite has no row locks: there a
write transaction is begun up front (see ``lawexam.transactions``).
"""
from __future__ import annotations

from sqlalchemy import select

from lawexam.exams.models import Attempt, Exam
from lawexam.extensions import db
from lawexam.transactions import begin_immediate_on_sqlite


def lock_attempt(attempt_id: int) -> Attempt | None:
    begin_immediate_on_sqlite()
    query = select(Attempt).where(Attempt.id == attempt_id).execution_options(populate_existing=True)
    if db.session.get_bind().dialect.name != "sqlite":
        query = query.with_for_update()
    return db.session.scalar(query)


def lock_exam(exam_id: int) -> Exam:
    begin_immediate_on_sqlite()
    query = select(Exam).where(Exam.id == exam_id).execution_options(populate_existing=True)
    if db.session.get_bind().dialect.name != "sqlite":
        query = query.with_for_update()
    return db.session.scalar(query)
