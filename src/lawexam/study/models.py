"""Study lessons, the time people spend on them, and the officer's annual targets.

A lesson belongs to a question-bank module (``QuestionModule``): study modules *are* the bank
modules. Lessons come from Markdown files in ``question_bank/<module>/lessons/`` and are loaded
by ``lawexam content sync``; a lesson whose file is gone is retired, never deleted, so the
study records pointing at it are kept.

Study time is credited from lesson-page heartbeats (see ``crediting.py``). Per person there is
one ``StudyClock`` row (the current run and its clock mark; beats lock it so two tabs cannot
double count) and one ``LessonProgress`` row per lesson *per calendar year* (Asia/Shanghai):
annual study hours (年度学时) are an annual requirement, so each year a lesson is studied and
completed afresh. Credit hours are kept as hundredths (``credit_centihours``) so that sums in
SQL are exact on every database.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Optional

from sqlalchemy import JSON, Boolean, Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lawexam.auth.models import Category, User
from lawexam.db import UTCDateTime, utcnow
from lawexam.extensions import db
from lawexam.questions.models import QuestionModule


def _category_enum() -> Enum:
    return Enum(Category, name="category", native_enum=False, length=24,
                values_callable=lambda members: [m.value for m in members], validate_strings=True)


def centi_to_hours(centi: int | None) -> float:
    """Hundredths of a 学时 as a float with at most two decimals (exact for display)."""
    return float(Decimal(centi or 0) / 100)


class Lesson(db.Model):
    __tablename__ = "study_lessons"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("question_modules.id"), index=True)
    # "<module-code>/<file name without .md>", e.g. "three-systems/01-publicity": the identity.
    key: Mapped[str] = mapped_column(String(160), unique=True)
    source_path: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(200))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    minutes: Mapped[int] = mapped_column(Integer)  # estimated reading time = the minimum to complete
    credit_centihours: Mapped[int] = mapped_column(Integer, default=0)  # 学时 × 100 granted on completion
    body_markdown: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)  # rendered and sanitised
    toc: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [[anchor, heading text], …]
    content_hash: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    module: Mapped[QuestionModule] = relationship()

    @property
    def credit_hours(self) -> float:
        return centi_to_hours(self.credit_centihours)

    @property
    def min_s(self) -> int:
        return self.minutes * 60

    def __repr__(self) -> str:
        return f"<Lesson {self.id} {self.key}>"


class StudyClock(db.Model):
    """One person's heartbeat state: the current run (lesson, tab) and the server-time mark up to
    which their time has been accounted for. Every beat locks this row first."""

    __tablename__ = "study_clocks"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    active_lesson_id: Mapped[Optional[int]] = mapped_column(ForeignKey("study_lessons.id"))
    active_tab: Mapped[Optional[str]] = mapped_column(String(64))
    mark: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LessonProgress(db.Model):
    """A person's study of one lesson in one calendar year (Asia/Shanghai)."""

    __tablename__ = "study_progress"
    __table_args__ = (UniqueConstraint("user_id", "lesson_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("study_lessons.id"), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    credited_s: Mapped[int] = mapped_column(Integer, default=0)
    read_to_end: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_credited_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    completed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    lesson: Mapped[Lesson] = relationship()
    user: Mapped[User] = relationship()

    @property
    def completed(self) -> bool:
        return self.completed_at is not None


class StudyTarget(db.Model):
    """The officer's annual requirement for one person category: hours and required modules."""

    __tablename__ = "study_targets"
    __table_args__ = (UniqueConstraint("year", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    category: Mapped[Category] = mapped_column(_category_enum())
    hours_centi: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    module_rows: Mapped[list["StudyTargetModule"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin")

    @property
    def hours(self) -> float:
        return centi_to_hours(self.hours_centi)

    @property
    def module_ids(self) -> set[int]:
        return {row.module_id for row in self.module_rows}

    def set_modules(self, module_ids: set[int]) -> None:
        keep = [row for row in self.module_rows if row.module_id in module_ids]
        have = {row.module_id for row in keep}
        self.module_rows = keep + [StudyTargetModule(module_id=m) for m in sorted(module_ids - have)]


class StudyTargetModule(db.Model):
    __tablename__ = "study_target_modules"

    target_id: Mapped[int] = mapped_column(ForeignKey("study_targets.id", ondelete="CASCADE"), primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("question_modules.id"), primary_key=True)

    module: Mapped[QuestionModule] = relationship()
