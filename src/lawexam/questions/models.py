"""The question bank: modules, questions with a stable identity, and immutable versions."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, Boolean, Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lawexam.auth.models import User
from lawexam.db import UTCDateTime, utcnow
from lawexam.extensions import db
from lawexam.questions.qtypes import Option, QuestionContent


class QuestionStatus(enum.StrEnum):
    ACTIVE = "active"
    RETIRED = "retired"


class QuestionModule(db.Model):
    """A node of the module/category tree (习近平法治思想, 民法典, …)."""

    __tablename__ = "question_modules"
    __table_args__ = (UniqueConstraint("parent_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("question_modules.id"), index=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    parent: Mapped[Optional["QuestionModule"]] = relationship(remote_side=[id])


class QuestionTag(db.Model):
    __tablename__ = "question_tags"

    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class Question(db.Model):
    """A question's stable identity. Its content lives in versions; attempts point at those."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stable external identity (the seed bank's ids, e.g. "constitution-001"); unique when set.
    uid: Mapped[Optional[str]] = mapped_column(String(64), unique=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("question_modules.id"), index=True)
    status: Mapped[QuestionStatus] = mapped_column(
        Enum(QuestionStatus, name="question_status", native_enum=False, length=16,
             values_callable=lambda members: [m.value for m in members]),
        default=QuestionStatus.ACTIVE, index=True)
    exam_only: Mapped[bool] = mapped_column(Boolean, default=False)
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Copies of the current version's facts, so the bank browser filters without a join.
    current_version_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("question_versions.id", use_alter=True, name="fk_questions_current_version"))
    type: Mapped[str] = mapped_column(String(16), index=True)
    difficulty: Mapped[int] = mapped_column(Integer, default=3, index=True)
    search_text: Mapped[str] = mapped_column(Text, default="")
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)

    module: Mapped[QuestionModule] = relationship()
    author: Mapped[Optional[User]] = relationship()
    tag_rows: Mapped[list[QuestionTag]] = relationship(cascade="all, delete-orphan", lazy="selectin",
                                                      order_by="QuestionTag.tag")
    current_version: Mapped[Optional["QuestionVersion"]] = relationship(
        foreign_keys=[current_version_id], post_update=True)
    versions: Mapped[list["QuestionVersion"]] = relationship(
        foreign_keys="QuestionVersion.question_id", back_populates="question",
        order_by="QuestionVersion.number")

    @property
    def tags(self) -> list[str]:
        return [row.tag for row in self.tag_rows]

    def set_tags(self, tags: list[str]) -> None:
        wanted = list(dict.fromkeys(t for t in tags if t))
        keep = [row for row in self.tag_rows if row.tag in wanted]
        have = {row.tag for row in keep}
        self.tag_rows = keep + [QuestionTag(tag=t) for t in wanted if t not in have]


class QuestionVersion(db.Model):
    """One immutable state of a question. Editing adds a version; nothing updates a version."""

    __tablename__ = "question_versions"
    __table_args__ = (UniqueConstraint("question_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(16))
    stem: Mapped[str] = mapped_column(Text)
    options: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    answer: Mapped[Any] = mapped_column(JSON)
    explanation: Mapped[str] = mapped_column(Text, default="")
    basis: Mapped[str] = mapped_column(Text, default="")
    difficulty: Mapped[int] = mapped_column(Integer, default=3)
    fingerprint: Mapped[str] = mapped_column(String(64))
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(String(255), default="")

    question: Mapped[Question] = relationship(foreign_keys=[question_id], back_populates="versions")
    author: Mapped[Optional[User]] = relationship()

    def content(self) -> QuestionContent:
        return QuestionContent(
            type=self.type, stem=self.stem,
            options=tuple(Option(o["key"], o["text"]) for o in self.options or ()),
            answer=answer_from_json(self.type, self.answer), explanation=self.explanation,
            basis=self.basis, difficulty=self.difficulty)


def answer_to_json(content: QuestionContent) -> Any:
    if content.type == "multiple":
        return sorted(content.answer)  # type: ignore[arg-type]
    if content.type == "fill":
        return [list(blank) for blank in content.answer]  # type: ignore[union-attr]
    return content.answer


def answer_from_json(type_name: str, stored: Any) -> Any:
    if type_name == "multiple":
        return tuple(sorted(stored))
    if type_name == "fill":
        return tuple(tuple(blank) for blank in stored)
    return stored


class MediaFile(db.Model):
    """An uploaded image, stored under ``instance/media`` by its SHA-256."""

    __tablename__ = "media_files"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    extension: Mapped[str] = mapped_column(String(8))
    mime_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def filename(self) -> str:
        return f"{self.sha256}.{self.extension}"
