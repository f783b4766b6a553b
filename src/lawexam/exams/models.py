"""Exams, their papers' blueprints and audiences, attempts and saved answers."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, BigInteger, Boolean, Enum, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lawexam.auth.models import User
from lawexam.db import UTCDateTime, utcnow
from lawexam.extensions import db


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(cls, name=name, native_enum=False, length=24,
                values_callable=lambda members: [m.value for m in members])


class ExamStatus(enum.StrEnum):
    """What the officer decided. Whether a published exam is upcoming, open or closed follows
    from its window and the clock (see ``ExamPhase``)."""

    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class ExamPhase(enum.StrEnum):
    DRAFT = "draft"
    UPCOMING = "upcoming"   # published, window not yet open
    OPEN = "open"
    CLOSED = "closed"
    ARCHIVED = "archived"


class CountingPolicy(enum.StrEnum):
    HIGHEST = "highest"
    LATEST = "latest"


class ScoreRelease(enum.StrEnum):
    AT_ONCE = "at_once"
    AFTER_CLOSE = "after_close"


class AnswerRelease(enum.StrEnum):
    NEVER = "never"
    AFTER_CLOSE = "after_close"
    AT_ONCE = "at_once"


class AttemptState(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"   # the examinee submitted
    OVERDUE = "overdue"       # the deadline passed; finished by the server with what was saved
    VOIDED = "voided"         # cancelled by an officer; never counts

    @property
    def finished(self) -> bool:
        return self in (AttemptState.SUBMITTED, AttemptState.OVERDUE)


class AudienceKind(enum.StrEnum):
    UNIT = "unit"
    CATEGORY = "category"
    ROLE = "role"
    PERSON = "person"


class Exam(db.Model):
    __tablename__ = "exams"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    rules_text: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ExamStatus] = mapped_column(_enum(ExamStatus, "exam_status"), default=ExamStatus.DRAFT, index=True)
    # A make-up exam (补考) points at the exam it makes up for; reports treat the pair as one sitting.
    makeup_of_id: Mapped[Optional[int]] = mapped_column(ForeignKey("exams.id"), index=True)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_s: Mapped[int] = mapped_column(Integer)
    pass_mark: Mapped[float] = mapped_column(Float)
    attempts_allowed: Mapped[int] = mapped_column(Integer, default=1)
    counting: Mapped[CountingPolicy] = mapped_column(_enum(CountingPolicy, "counting_policy"), default=CountingPolicy.HIGHEST)
    shuffle_questions: Mapped[bool] = mapped_column(Boolean, default=True)
    shuffle_options: Mapped[bool] = mapped_column(Boolean, default=True)
    scoring: Mapped[str] = mapped_column(String(24), default="all_or_nothing")
    score_release: Mapped[ScoreRelease] = mapped_column(_enum(ScoreRelease, "score_release"), default=ScoreRelease.AT_ONCE)
    answer_release: Mapped[AnswerRelease] = mapped_column(_enum(AnswerRelease, "answer_release"), default=AnswerRelease.AFTER_CLOSE)
    # Set when the first attempt starts: from then on the paper rules cannot change (clone instead).
    frozen_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # How many pool entries each rule has (see ExamPoolEntry), set when the paper freezes.
    pool_sizes: Mapped[Optional[list[int]]] = mapped_column(JSON)
    created_by: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A short code for the join link and QR code (e.g. /j/K7Q2M).
    join_code: Mapped[str] = mapped_column(String(12), unique=True)

    makeup_of: Mapped[Optional["Exam"]] = relationship(remote_side=[id])
    rules: Mapped[list["ExamRule"]] = relationship(cascade="all, delete-orphan", order_by="ExamRule.position",
                                                   lazy="selectin")
    fixed_items: Mapped[list["ExamFixedItem"]] = relationship(cascade="all, delete-orphan",
                                                              order_by="ExamFixedItem.position", lazy="selectin")
    audience: Mapped[list["ExamAudience"]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    def phase(self, now: datetime) -> ExamPhase:
        if self.status == ExamStatus.DRAFT:
            return ExamPhase.DRAFT
        if self.status == ExamStatus.ARCHIVED:
            return ExamPhase.ARCHIVED
        if now < self.opens_at:
            return ExamPhase.UPCOMING
        if now < self.closes_at:
            return ExamPhase.OPEN
        return ExamPhase.CLOSED


class ExamRule(db.Model):
    """Draw ``count`` questions matching the filters, worth ``points`` each."""

    __tablename__ = "exam_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    module_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    types: Mapped[list[str]] = mapped_column(JSON, default=list)
    min_difficulty: Mapped[int] = mapped_column(Integer, default=1)
    max_difficulty: Mapped[int] = mapped_column(Integer, default=5)
    count: Mapped[int] = mapped_column(Integer)
    points: Mapped[float] = mapped_column(Float)


class ExamFixedItem(db.Model):
    __tablename__ = "exam_fixed_items"
    __table_args__ = (UniqueConstraint("exam_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    points: Mapped[float] = mapped_column(Float)


class ExamPoolEntry(db.Model):
    """The questions a rule may draw, captured at the first start, so every examinee draws
    from the same pool and a start reads a small random sample instead of the whole bank.
    A question matching two rules appears under both; ``rule_index`` -1 holds fixed items."""

    __tablename__ = "exam_pool_entries"

    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id", ondelete="CASCADE"), primary_key=True)
    rule_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    ordinal: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[int] = mapped_column(Integer)
    version_id: Mapped[int] = mapped_column(Integer)
    module_id: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(16))
    difficulty: Mapped[int] = mapped_column(Integer)
    option_keys: Mapped[str] = mapped_column(String(8))
    blanks: Mapped[int] = mapped_column(Integer, default=0)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)


class ExamAudience(db.Model):
    """Who may sit the exam: anyone matching any row (a unit includes the units under it)."""

    __tablename__ = "exam_audience"
    __table_args__ = (UniqueConstraint("exam_id", "kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id", ondelete="CASCADE"), index=True)
    kind: Mapped[AudienceKind] = mapped_column(_enum(AudienceKind, "audience_kind"))
    value: Mapped[str] = mapped_column(String(32))


class Attempt(db.Model):
    """One sitting of one person. The paper is frozen into ``paper`` when it starts."""

    __tablename__ = "attempts"
    __table_args__ = (UniqueConstraint("exam_id", "user_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    state: Mapped[AttemptState] = mapped_column(_enum(AttemptState, "attempt_state"),
                                                default=AttemptState.IN_PROGRESS, index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    finished_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # [{"slot", "question_id", "version_id", "points", "option_order"}] in display order.
    paper: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    seed: Mapped[int] = mapped_column(Integer)
    score: Mapped[Optional[float]] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float, default=0)
    passed: Mapped[Optional[bool]] = mapped_column(Boolean)
    # Per-slot results once graded: [{"slot", "awarded", "points", "correct"}].
    results: Mapped[Optional[list[dict[str, Any]]]] = mapped_column(JSON)
    graded_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    extension_s: Mapped[int] = mapped_column(Integer, default=0)
    void_reason: Mapped[str] = mapped_column(String(255), default="")
    # Write-rate window kept on the row every save already locks, so the limit holds across
    # any number of app processes without a cache: the second (Unix time) and its count.
    write_second: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    write_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    exam: Mapped[Exam] = relationship()
    user: Mapped[User] = relationship()


class AttemptAnswer(db.Model):
    """The latest acknowledged answer for one slot. Written by upsert; ``seq`` only grows."""

    __tablename__ = "attempt_answers"

    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"), primary_key=True)
    slot: Mapped[int] = mapped_column(Integer, primary_key=True)
    answer: Mapped[Any] = mapped_column(JSON, nullable=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
