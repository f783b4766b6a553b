"""The autosave's two statements: count-and-lock the attempt, upsert the answer.

An exam hour sends thousands of saves a minute, so this path is written for the database
rather than through ORM objects: each statement is built once per dialect and run with bound
parameters, and on SQLite and PostgreSQL both return what the save needs (``RETURNING``)
instead of reading it back. MariaDB has no ``UPDATE … RETURNING``; there a plain select
follows, under the row lock the update already holds.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, Executable, bindparam, case, func, select, update
from sqlalchemy.dialects import mysql, postgresql, sqlite

from lawexam.exams.models import Attempt, AttemptAnswer, AttemptState
from lawexam.extensions import db
from lawexam.transactions import begin_immediate_on_sqlite

_attempts = Attempt.__table__
_answers = AttemptAnswer.__table__
_SAVE_COLUMNS = (_attempts.c.user_id, _attempts.c.state, _attempts.c.deadline, _attempts.c.write_count,
                 _attempts.c.paper)


@dataclass(frozen=True)
class AttemptForSave:
    """What a save checks, read under the row lock its own counting update took."""

    id: int
    user_id: int
    state: AttemptState
    deadline: datetime
    write_count: int
    paper: list[dict[str, Any]]


def _returns(dialect: str) -> bool:
    return dialect in ("sqlite", "postgresql")


@cache
def _count_write(dialect: str) -> Executable:
    same_second = _attempts.c.write_second == bindparam("second")
    # Ordered: MariaDB applies assignments left to right, so the count must see the old second.
    statement = update(_attempts).where(_attempts.c.id == bindparam("attempt_id")).ordered_values(
        (_attempts.c.write_count, case((same_second, _attempts.c.write_count + 1), else_=1)),
        (_attempts.c.write_second, bindparam("second")))
    return statement.returning(*_SAVE_COLUMNS) if _returns(dialect) else statement


@cache
def _read_attempt() -> Executable:
    return select(*_SAVE_COLUMNS).where(_attempts.c.id == bindparam("attempt_id"))


def count_write_and_lock(attempt_id: int, second: int) -> AttemptForSave | None:
    """Count this save in the attempt's one-second window and lock the row for it.

    The counting update is what takes the lock, before anything reads the row: a shared lock
    upgraded later would let two saves of one attempt deadlock each other. A submit waits for
    it (or it for the submit), so a save is either before grading or sees the attempt finished.
    """
    begin_immediate_on_sqlite()
    connection = db.session.connection()
    dialect = connection.dialect.name
    params = {"attempt_id": attempt_id, "second": second}
    result = connection.execute(_count_write(dialect), params)
    row = result.first() if _returns(dialect) else (
        connection.execute(_read_attempt(), params).first() if result.rowcount else None)
    if row is None:
        return None
    return AttemptForSave(attempt_id, row.user_id, row.state, row.deadline, row.write_count, row.paper)


@cache
def _upsert(dialect: str, with_flag: bool) -> Executable:
    columns = ("answer", "saved_at", "flagged") if with_flag else ("answer", "saved_at")
    if dialect == "mysql":
        statement = mysql.insert(_answers)
        newer = statement.inserted.seq > _answers.c.seq
        updates = [(name, func.if_(newer, statement.inserted[name], _answers.c[name])) for name in columns]
        # MariaDB evaluates assignments left to right: ``seq`` must change last.
        updates.append(("seq", func.greatest(_answers.c.seq, statement.inserted.seq)))
        return statement.on_duplicate_key_update(updates)
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(_answers)
    updates = {name: statement.excluded[name] for name in (*columns, "seq")}
    return statement.on_conflict_do_update(
        index_elements=[_answers.c.attempt_id, _answers.c.slot], set_=updates,
        where=_answers.c.seq < statement.excluded.seq).returning(_answers.c.seq, _answers.c.saved_at)


@cache
def _read_answer() -> Executable:
    return select(_answers.c.seq, _answers.c.saved_at).where(
        _answers.c.attempt_id == bindparam("attempt_id"), _answers.c.slot == bindparam("slot"))


def upsert_answer(attempt_id: int, slot: int, answer: Any, seq: int, flagged: bool | None,
                  now: datetime) -> tuple[int, datetime]:
    """Store the answer unless a higher seq is stored; return the stored (seq, saved_at)."""
    connection: Connection = db.session.connection()
    dialect = connection.dialect.name
    values = {"attempt_id": attempt_id, "slot": slot, "answer": answer, "seq": seq, "saved_at": now,
              "flagged": bool(flagged)}
    result = connection.execute(_upsert(dialect, flagged is not None), values)
    row = result.first() if _returns(dialect) else None
    if row is None:  # an older seq (nothing changed), or MariaDB: read what is stored
        row = connection.execute(_read_answer(), values).one()
    return row.seq, row.saved_at
