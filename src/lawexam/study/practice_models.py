"""Practice sessions and their answers, the shared daily set, and the wrong-answer notebook."""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any, Optional

from sqlalchemy import JSON, Boolean, Date, Enum, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lawexam.db import UTCDateTime, utcnow
from lawexam.extensions import db
from lawexam.i18n import lazy_gettext as _l
from lawexam.questions.models import Question, QuestionModule


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(cls, name=name, native_enum=False, length=16,
                values_callable=lambda members: [m.value for m in members])


class PracticeKind(enum.StrEnum):
    MODULE = "module"      # questions of one module
    MIXED = "mixed"        # questions of every module
    DAILY = "daily"        # the day's shared set (每日一练)
    NOTEBOOK = "notebook"  # redoing questions from the wrong-answer notebook

    @property
    def label(self) -> str:
        return str(PRACTICE_KIND_LABELS[self])


PRACTICE_KIND_LABELS = {
    PracticeKind.MODULE: _l("Module practice"),
    PracticeKind.MIXED: _l("Mixed practice"),
    PracticeKind.DAILY: _l("Daily set"),
    PracticeKind.NOTEBOOK: _l("Notebook redo"),
}


class PracticeSession(db.Model):
    """One practice set. The questions' *versions* and their order are frozen in ``items``
    when it starts, so editing the bank never changes a set someone is working through."""

    __tablename__ = "practice_sessions"
    # One daily set per person per day (NULL for the other kinds never clashes).
    __table_args__ = (UniqueConstraint("user_id", "daily_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[PracticeKind] = mapped_column(_enum(PracticeKind, "practice_kind"))
    module_id: Mapped[Optional[int]] = mapped_column(ForeignKey("question_modules.id"))
    daily_date: Mapped[Optional[date]] = mapped_column(Date)
    # [{"question_id": …, "version_id": …}, …] in the order they are asked.
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    size: Mapped[int] = mapped_column(Integer)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    correct: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    module: Mapped[Optional[QuestionModule]] = relationship()

    @property
    def finished(self) -> bool:
        return self.finished_at is not None


class PracticeAnswer(db.Model):
    """One answer given in practice: who, which question and version, right or wrong, when.
    These rows are the practice record that accuracy per module is computed from."""

    __tablename__ = "practice_answers"
    __table_args__ = (UniqueConstraint("session_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("practice_sessions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # 0-based index into the session's items
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id"))
    response: Mapped[Any] = mapped_column(JSON, nullable=True)
    correct: Mapped[bool] = mapped_column(Boolean)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PracticeDailySet(db.Model):
    """The day's shared set: drawn from the date by the first person to open it that day and
    kept, so everyone gets the same questions and versions even if the bank changes later."""

    __tablename__ = "practice_daily_sets"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NotebookState(enum.StrEnum):
    ACTIVE = "active"     # in the notebook
    CLEARED = "cleared"   # left after enough right answers in a row
    REMOVED = "removed"   # the person took it out


class NotebookSource(enum.StrEnum):
    PRACTICE = "practice"
    EXAM = "exam"
    STARRED = "starred"   # starred from a practice answer it got right

    @property
    def label(self) -> str:
        return str(NOTEBOOK_SOURCE_LABELS[self])


NOTEBOOK_SOURCE_LABELS = {
    NotebookSource.PRACTICE: _l("From practice"),
    NotebookSource.EXAM: _l("From an exam"),
    NotebookSource.STARRED: _l("Starred"),
}


class NotebookEntry(db.Model):
    """One question in one person's wrong-answer notebook (错题本). The row stays when the
    question leaves (cleared or removed), so a later wrong answer brings it back."""

    __tablename__ = "notebook_entries"
    __table_args__ = (UniqueConstraint("user_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    state: Mapped[NotebookState] = mapped_column(_enum(NotebookState, "notebook_state"),
                                                 default=NotebookState.ACTIVE, index=True)
    source: Mapped[NotebookSource] = mapped_column(_enum(NotebookSource, "notebook_source"))
    starred: Mapped[bool] = mapped_column(Boolean, default=False)
    # Right answers in a row since the last wrong one.
    streak: Mapped[int] = mapped_column(Integer, default=0)
    wrong_count: Mapped[int] = mapped_column(Integer, default=0)
    # The version last answered wrongly (exam questions: the version on the paper).
    version_id: Mapped[Optional[int]] = mapped_column(ForeignKey("question_versions.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_wrong_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    left_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    question: Mapped[Question] = relationship()


class NotebookExamAttempt(db.Model):
    """Marks a finished exam attempt whose wrong answers were copied into its person's
    notebook, so collecting again (on every notebook visit) adds nothing twice."""

    __tablename__ = "notebook_exam_attempts"

    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    wrong: Mapped[int] = mapped_column(Integer, default=0)
    collected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
