"""Row locks for the attempt contract, the same on SQLite, PostgreSQL and MariaDB.

Submit takes the attempt row exclusively and a save takes it shared, so a save racing a
submit either lands before grading (and is graded) or sees the attempt finished (and is not
acknowledged). SQLite has no row locks: there a write transaction is begun up front
(BEGIN IMMEDIATE), which waits for the one writer instead of failing later with "database is
locked" when a read snapshot tries to become a write.
"""
from __future__ import annotations

from sqlalchemy import select

from lawexam.exams.models import Attempt, Exam
from lawexam.extensions import db


def _begin_immediate_on_sqlite() -> None:
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        return
    raw = connection.connection.dbapi_connection
    if not raw.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def lock_attempt(attempt_id: int, *, exclusive: bool) -> Attempt | None:
    _begin_immediate_on_sqlite()
    query = select(Attempt).where(Attempt.id == attempt_id).execution_options(populate_existing=True)
    if db.session.get_bind().dialect.name != "sqlite":
        query = query.with_for_update(read=not exclusive)
    return db.session.scalar(query)


def lock_exam(exam_id: int) -> Exam:
    _begin_immediate_on_sqlite()
    query = select(Exam).where(Exam.id == exam_id).execution_options(populate_existing=True)
    if db.session.get_bind().dialect.name != "sqlite":
        query = query.with_for_update()
    return db.session.scalar(query)
