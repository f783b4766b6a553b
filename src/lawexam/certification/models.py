"""Enforcement certificates (行政执法证 and the like): types and their requirements, the
certificates, their history, the exams marked for a type, and applications (申领).

What a holder has met or still misses is never stored: ``compliance.evaluate`` computes it from
the records and a date. Of the five statuses only the officer's decisions are stored (有效, 暂扣,
注销); 待换证 and 已过期 follow from the dates.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Optional

from sqlalchemy import JSON, Boolean, Date, Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lawexam.auth.models import User
from lawexam.certification.compliance import CertificateStatus, Period
from lawexam.db import UTCDateTime, utcnow
from lawexam.exams.models import Exam
from lawexam.extensions import db
from lawexam.i18n import lazy_gettext as _l
from lawexam.questions.models import QuestionModule


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(cls, name=name, native_enum=False, length=24,
                values_callable=lambda members: [m.value for m in members], validate_strings=True)


STATUS_LABELS = {
    CertificateStatus.VALID: _l("Valid"),
    CertificateStatus.RENEWAL_DUE: _l("Renewal due"),
    CertificateStatus.EXPIRED: _l("Expired"),
    CertificateStatus.SUSPENDED: _l("Suspended"),
    CertificateStatus.REVOKED: _l("Revoked"),
}

PERIOD_LABELS = {
    Period.YEAR: _l("per calendar year"),
    Period.VALIDITY: _l("per validity period"),
}


class ApplicationStatus(enum.StrEnum):
    CANDIDATE = "candidate"  # passed a qualifying exam, holds no certificate of the type
    APPLIED = "applied"      # the officer has applied for the certificate (申领)
    ISSUED = "issued"        # the certificate was issued and entered
    WITHDRAWN = "withdrawn"  # the application was dropped

    @property
    def label(self) -> str:
        return str(APPLICATION_LABELS[self])


APPLICATION_LABELS = {
    ApplicationStatus.CANDIDATE: _l("Candidate"),
    ApplicationStatus.APPLIED: _l("Applied"),
    ApplicationStatus.ISSUED: _l("Issued"),
    ApplicationStatus.WITHDRAWN: _l("Withdrawn"),
}


class EventKind(enum.StrEnum):
    CREATED = "created"
    CORRECTED = "corrected"
    RENEWED = "renewed"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    REINSTATED = "reinstated"
    IMPORTED = "imported"

    @property
    def label(self) -> str:
        return str(EVENT_LABELS[self])


EVENT_LABELS = {
    EventKind.CREATED: _l("Entered"),
    EventKind.CORRECTED: _l("Corrected"),
    EventKind.RENEWED: _l("Renewed"),
    EventKind.SUSPENDED: _l("Suspended"),
    EventKind.REVOKED: _l("Revoked"),
    EventKind.REINSTATED: _l("Reinstated"),
    EventKind.IMPORTED: _l("Imported"),
}

# The two certificates of the regional rules; their names are data, shown as stored.
PRESET_TYPES = {
    "enforcement": ("行政执法证", _l("Administrative enforcement certificate")),
    "supervision": ("行政执法监督证", _l("Administrative enforcement supervision certificate")),
}


class CertificateType(db.Model):
    __tablename__ = "certificate_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    # "enforcement" / "supervision" for the preset types, so they are found after a rename.
    preset: Mapped[Optional[str]] = mapped_column(String(24), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    hours_centi: Mapped[int] = mapped_column(Integer, default=0)  # required 学时 × 100 per period
    period: Mapped[Period] = mapped_column(_enum(Period, "certificate_period"), default=Period.YEAR)
    exam_required: Mapped[bool] = mapped_column(Boolean, default=False)
    lead_days: Mapped[int] = mapped_column(Integer, default=60)
    # Proposed length of a renewal; the officer enters the actual valid-until date.
    validity_years: Mapped[Optional[int]] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    module_rows: Mapped[list["CertificateTypeModule"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="CertificateTypeModule.module_id")
    exam_rows: Mapped[list["CertificateExam"]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def hours(self) -> Decimal:
        return Decimal(self.hours_centi or 0) / 100

    @property
    def module_ids(self) -> set[int]:
        return {row.module_id for row in self.module_rows}

    @property
    def exam_ids(self) -> set[int]:
        return {row.exam_id for row in self.exam_rows}

    def set_modules(self, module_ids: set[int]) -> None:
        keep = [row for row in self.module_rows if row.module_id in module_ids]
        have = {row.module_id for row in keep}
        self.module_rows = keep + [CertificateTypeModule(module_id=m) for m in sorted(module_ids - have)]

    def set_exams(self, exam_ids: set[int]) -> None:
        keep = [row for row in self.exam_rows if row.exam_id in exam_ids]
        have = {row.exam_id for row in keep}
        self.exam_rows = keep + [CertificateExam(exam_id=e) for e in sorted(exam_ids - have)]

    @property
    def label(self) -> str:
        """The name to show: the stored name (the preset types' English name in English)."""
        from flask_babel import get_locale

        if self.preset in PRESET_TYPES and PRESET_TYPES[self.preset][0] == self.name:
            try:
                locale = get_locale()
            except Exception:  # outside a request
                locale = None
            if locale is not None and locale.language == "en":
                return str(PRESET_TYPES[self.preset][1])
        return self.name

    def __repr__(self) -> str:
        return f"<CertificateType {self.id} {self.name}>"


class CertificateTypeModule(db.Model):
    """A study module (a question-bank module) the type requires to be completed."""

    __tablename__ = "certificate_type_modules"

    type_id: Mapped[int] = mapped_column(ForeignKey("certificate_types.id", ondelete="CASCADE"), primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("question_modules.id"), primary_key=True)

    module: Mapped[QuestionModule] = relationship(lazy="selectin")


class CertificateExam(db.Model):
    """An exam marked for a certificate type: passing it meets the type's exam requirement and
    makes a person without the certificate a candidate (申领). Its make-up exams count too."""

    __tablename__ = "certificate_exams"

    certificate_type_id: Mapped[int] = mapped_column(ForeignKey("certificate_types.id", ondelete="CASCADE"),
                                                     primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id", ondelete="CASCADE"), primary_key=True, index=True)

    exam: Mapped[Exam] = relationship(lazy="selectin")


class Certificate(db.Model):
    __tablename__ = "certificates"
    __table_args__ = (UniqueConstraint("type_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    type_id: Mapped[int] = mapped_column(ForeignKey("certificate_types.id"), index=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    number: Mapped[str] = mapped_column(String(64))
    authority: Mapped[str] = mapped_column(String(120), default="")       # 发证机关
    enforcement_field: Mapped[str] = mapped_column(String(120), default="")  # 执法领域
    issued_on: Mapped[date] = mapped_column(Date, index=True)             # first issued (新增持证 counts this)
    valid_from: Mapped[date] = mapped_column(Date)                        # start of the current validity period
    valid_until: Mapped[date] = mapped_column(Date, index=True)           # valid through this day
    # The officer's decision only: valid, suspended or revoked (see CertificateStatus).
    status: Mapped[CertificateStatus] = mapped_column(_enum(CertificateStatus, "certificate_status"),
                                                      default=CertificateStatus.VALID, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    type: Mapped[CertificateType] = relationship(lazy="joined")
    holder: Mapped[User] = relationship(lazy="joined")
    events: Mapped[list["CertificateEvent"]] = relationship(
        back_populates="certificate", cascade="all, delete-orphan",
        order_by="(CertificateEvent.at.desc(), CertificateEvent.id.desc())")

    def __repr__(self) -> str:
        return f"<Certificate {self.id} {self.number}>"


class CertificateEvent(db.Model):
    """One change to a certificate: what it was, what it became, why, who, when."""

    __tablename__ = "certificate_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id", ondelete="CASCADE"), index=True)
    kind: Mapped[EventKind] = mapped_column(_enum(EventKind, "certificate_event_kind"))
    reason: Mapped[str] = mapped_column(Text, default="")
    old: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    new: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # True when a renewal was recorded although the requirements were not met.
    override: Mapped[bool] = mapped_column(Boolean, default=False)
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_name: Mapped[str] = mapped_column(String(96), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    certificate: Mapped[Certificate] = relationship(back_populates="events")


class CertificateApplication(db.Model):
    """申领: a person without a certificate of a type, from candidate to applied to issued."""

    __tablename__ = "certificate_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    type_id: Mapped[int] = mapped_column(ForeignKey("certificate_types.id"), index=True)
    status: Mapped[ApplicationStatus] = mapped_column(_enum(ApplicationStatus, "certificate_application_status"),
                                                      default=ApplicationStatus.APPLIED, index=True)
    # The qualifying pass that made the person a candidate.
    exam_id: Mapped[Optional[int]] = mapped_column(ForeignKey("exams.id", ondelete="SET NULL"))
    passed_on: Mapped[Optional[date]] = mapped_column(Date)
    applied_on: Mapped[Optional[date]] = mapped_column(Date)
    issued_on: Mapped[Optional[date]] = mapped_column(Date)
    withdrawn_on: Mapped[Optional[date]] = mapped_column(Date)
    certificate_id: Mapped[Optional[int]] = mapped_column(ForeignKey("certificates.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(String(255), default="")
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
    type: Mapped[CertificateType] = relationship(lazy="joined")
    exam: Mapped[Optional[Exam]] = relationship()
    certificate: Mapped[Optional[Certificate]] = relationship()
