"""Keeping the certificate registry: types and requirements, entering and correcting
certificates, renewals and status changes, applications (申领) and the officer's figures.

Every change is written to the certificate's history (``CertificateEvent``) and to the audit log
in the caller's transaction; the request (or command) commits once. ``today`` is the town's
calendar date (``records.local_today(now)``); nothing here reads the clock.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Callable

from flask import has_request_context
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from lawexam.audit import services as audit
from lawexam.auth.models import User
from lawexam.certification.compliance import (
    CertificateStatus,
    Evaluation,
    Period,
    add_years,
    describe,
)
from lawexam.certification.models import (
    PRESET_TYPES,
    ApplicationStatus,
    Certificate,
    CertificateApplication,
    CertificateEvent,
    CertificateType,
    EventKind,
)
from lawexam.certification.records import evaluate_all, evaluate_one, local_today, passes_for, qualifying_exam_ids
from lawexam.errors import DomainError, InvalidInput, NotFound
from lawexam.exams.models import Attempt, AttemptState, Exam, ExamStatus
from lawexam.extensions import db
from lawexam.i18n import _
from lawexam.questions.models import QuestionModule

MAX_REASON = 500
MAX_NUMBER = 64
MAX_TEXT = 120


class RequirementsNotMet(DomainError):
    """A renewal was asked for although the requirements are not met and no override reason was given."""

    def __init__(self, message: str, missing: list[str]) -> None:
        super().__init__(message, field="override_reason")
        self.missing = missing


def _actor_name(actor: User | None) -> str:
    if actor is not None:
        return f"{actor.real_name}（{actor.account}）"
    return "" if has_request_context() else "CLI"


def _explain(evaluation: Evaluation) -> list[str]:
    return [describe(check, evaluation, _) for check in evaluation.missing]


# ---- types ---------------------------------------------------------------------------------

def ensure_preset_types() -> None:
    """Create 行政执法证 and 行政执法监督证 when missing. Idempotent, and safe when two
    processes do it at once (the loser's insert is rolled back to a savepoint)."""
    have = set(db.session.scalars(select(CertificateType.preset).where(CertificateType.preset.is_not(None))))
    names = set(db.session.scalars(select(CertificateType.name)))
    for key, (name, _label) in PRESET_TYPES.items():
        if key in have or name in names:
            continue
        try:
            with db.session.begin_nested():
                db.session.add(CertificateType(name=name, preset=key, description="", hours_centi=0,
                                               period=Period.YEAR, exam_required=False, lead_days=60, active=True))
        except IntegrityError:
            pass


def all_types(include_inactive: bool = False) -> list[CertificateType]:
    ensure_preset_types()
    query = select(CertificateType).order_by(CertificateType.preset.is_(None), CertificateType.preset,
                                             CertificateType.name)
    if not include_inactive:
        query = query.where(CertificateType.active.is_(True))
    return list(db.session.scalars(query))


def get_type(type_id: int) -> CertificateType:
    ctype = db.session.get(CertificateType, type_id)
    if ctype is None:
        raise NotFound(_("No such certificate type."))
    return ctype


def type_by_name(name: str) -> CertificateType | None:
    return db.session.scalar(select(CertificateType).where(CertificateType.name == name.strip()))


def preset_type(key: str = "enforcement") -> CertificateType:
    ensure_preset_types()
    ctype = db.session.scalar(select(CertificateType).where(CertificateType.preset == key))
    assert ctype is not None
    return ctype


@dataclass
class TypeData:
    name: str
    description: str = ""
    hours: str | Decimal | float | int = 0
    period: Period = Period.YEAR
    module_ids: set[int] = field(default_factory=set)
    exam_required: bool = False
    exam_ids: set[int] = field(default_factory=set)
    lead_days: int = 60
    validity_years: int | None = None
    active: bool = True


def parse_hours(value: object) -> int:
    """Hours as typed ("20", "12.5") in hundredths; at most two decimals."""
    try:
        amount = Decimal(str(value).strip() or "0")
    except InvalidOperation:
        raise InvalidInput(_("Enter the hours as a number, for example 20 or 12.5."), field="hours") from None
    if not amount.is_finite() or amount < 0 or amount > 1000 or (amount * 100) % 1:
        raise InvalidInput(_("Enter between 0 and 1000 hours, with at most two decimals."), field="hours")
    return int(amount * 100)


def _type_snapshot(ctype: CertificateType) -> dict[str, Any]:
    return {"name": ctype.name, "hours": format(ctype.hours.normalize(), "f") if ctype.hours_centi else "0",
            "period": ctype.period.value if ctype.period else None, "exam_required": ctype.exam_required,
            "lead_days": ctype.lead_days, "validity_years": ctype.validity_years,
            "modules": sorted(ctype.module_ids), "exams": sorted(ctype.exam_ids), "active": ctype.active}


def save_type(ctype: CertificateType | None, data: TypeData, actor: User | None, now: datetime) -> CertificateType:
    name = data.name.strip()
    if not name:
        raise InvalidInput(_("Enter the certificate type's name."), field="name")
    if len(name) > 64:
        raise InvalidInput(_("A name can have at most 64 characters."), field="name")
    clash = type_by_name(name)
    if clash is not None and clash is not ctype:
        raise InvalidInput(_("There is already a certificate type called %(name)s.", name=name), field="name")
    hours_centi = parse_hours(data.hours)
    if not 0 <= data.lead_days <= 365:
        raise InvalidInput(_("The reminder lead time is between 0 and 365 days."), field="lead_days")
    if data.validity_years is not None and not 1 <= data.validity_years <= 20:
        raise InvalidInput(_("The validity is between 1 and 20 years."), field="validity_years")
    if data.module_ids:
        known = set(db.session.scalars(select(QuestionModule.id).where(QuestionModule.id.in_(data.module_ids))))
        if known != set(data.module_ids):
            raise InvalidInput(_("One of the chosen modules does not exist."), field="module_ids")
    if data.exam_ids:
        known = set(db.session.scalars(select(Exam.id).where(Exam.id.in_(data.exam_ids))))
        if known != set(data.exam_ids):
            raise InvalidInput(_("One of the chosen exams does not exist."), field="exam_ids")
    if data.exam_required and not data.exam_ids:
        raise InvalidInput(_("Mark at least one exam for this certificate type, or do not require an exam."),
                           field="exam_ids")
    before = _type_snapshot(ctype) if ctype is not None else None
    if ctype is None:
        ctype = CertificateType(created_at=now)
        db.session.add(ctype)
    ctype.name = name
    ctype.description = data.description.strip()
    ctype.hours_centi = hours_centi
    ctype.period = data.period
    ctype.exam_required = data.exam_required
    ctype.lead_days = data.lead_days
    ctype.validity_years = data.validity_years
    ctype.active = data.active
    ctype.set_modules(set(data.module_ids))
    ctype.set_exams(set(data.exam_ids))
    ctype.updated_at = now
    db.session.flush()
    after = _type_snapshot(ctype)
    if before != after:
        audit.record("certificate_type.saved", object_type="certificate_type", object_id=ctype.id, summary=ctype.name,
                     details={"before": before, "after": after}, actor=actor)
    return ctype


def exam_choices() -> list[Exam]:
    """Exams an officer may mark for a certificate type (not make-ups: those count with their exam)."""
    return list(db.session.scalars(select(Exam).where(Exam.status != ExamStatus.ARCHIVED, Exam.makeup_of_id.is_(None))
                                   .order_by(Exam.opens_at.desc())))


# ---- certificates --------------------------------------------------------------------------

def get_certificate(certificate_id: int) -> Certificate:
    cert = db.session.get(Certificate, certificate_id)
    if cert is None:
        raise NotFound(_("No such certificate."))
    return cert


def find_holder(account: str) -> User | None:
    text = (account or "").strip()
    if not text:
        return None
    return db.session.scalar(select(User).where(func.lower(User.account) == text.lower()))


@dataclass
class CertificateData:
    type_id: int | None
    holder_account: str
    number: str
    authority: str = ""
    enforcement_field: str = ""
    issued_on: date | None = None
    valid_until: date | None = None


def _number_clash(type_id: int, number: str, exclude_id: int | None = None) -> Certificate | None:
    query = select(Certificate).where(Certificate.type_id == type_id, Certificate.number == number)
    if exclude_id is not None:
        query = query.where(Certificate.id != exclude_id)
    return db.session.scalar(query)


def live_certificate(user_id: int, type_id: int, exclude_id: int | None = None) -> Certificate | None:
    """The person's certificate of this type that is not revoked (at most one)."""
    query = select(Certificate).where(Certificate.holder_id == user_id, Certificate.type_id == type_id,
                                      Certificate.status != CertificateStatus.REVOKED)
    if exclude_id is not None:
        query = query.where(Certificate.id != exclude_id)
    return db.session.scalar(query.order_by(Certificate.id))


def _check(data: CertificateData, today: date, existing: Certificate | None = None) -> tuple[CertificateType, User]:
    if data.type_id is None:
        raise InvalidInput(_("Choose the certificate type."), field="type_id")
    ctype = get_type(data.type_id)
    if not ctype.active and (existing is None or existing.type_id != ctype.id):
        raise InvalidInput(_("The certificate type %(name)s is no longer in use.", name=ctype.name), field="type_id")
    holder = find_holder(data.holder_account)
    if holder is None:
        raise InvalidInput(_("There is nobody with the account %(account)s.", account=data.holder_account.strip()),
                           field="holder_account")
    number = data.number.strip()
    if not number:
        raise InvalidInput(_("Enter the certificate number."), field="number")
    if len(number) > MAX_NUMBER:
        raise InvalidInput(_("A certificate number can have at most 64 characters."), field="number")
    clash = _number_clash(ctype.id, number, existing.id if existing else None)
    if clash is not None:
        raise InvalidInput(_("%(type)s number %(number)s already belongs to %(name)s.", type=ctype.name,
                             number=number, name=clash.holder.real_name), field="number")
    if len(data.authority.strip()) > MAX_TEXT:
        raise InvalidInput(_("At most 120 characters."), field="authority")
    if len(data.enforcement_field.strip()) > MAX_TEXT:
        raise InvalidInput(_("At most 120 characters."), field="enforcement_field")
    if data.issued_on is None:
        raise InvalidInput(_("Enter the date of issue."), field="issued_on")
    if data.issued_on > today:
        raise InvalidInput(_("The date of issue cannot be in the future."), field="issued_on")
    if data.valid_until is None:
        raise InvalidInput(_("Enter the date the certificate is valid until."), field="valid_until")
    if data.valid_until < data.issued_on:
        raise InvalidInput(_("A certificate cannot expire before it is issued."), field="valid_until")
    other = live_certificate(holder.id, ctype.id, existing.id if existing else None)
    if other is not None:
        raise InvalidInput(_("%(name)s already holds %(type)s number %(number)s. Renew that certificate (a renewal "
                             "can carry a new number) or revoke it first.", name=holder.real_name, type=ctype.name,
                             number=other.number), field="holder_account")
    return ctype, holder


def snapshot(cert: Certificate) -> dict[str, Any]:
    return {"type": cert.type.name if cert.type else None, "holder_id": cert.holder_id, "number": cert.number,
            "authority": cert.authority, "enforcement_field": cert.enforcement_field,
            "issued_on": cert.issued_on.isoformat() if cert.issued_on else None,
            "valid_from": cert.valid_from.isoformat() if cert.valid_from else None,
            "valid_until": cert.valid_until.isoformat() if cert.valid_until else None,
            "status": cert.status.value if cert.status else None}


def record_event(cert: Certificate, kind: EventKind, actor: User | None, now: datetime, *, reason: str = "",
           old: dict[str, Any] | None = None, new: dict[str, Any] | None = None, override: bool = False) -> None:
    changed_old = {k: v for k, v in (old or {}).items() if new is None or new.get(k) != v}
    changed_new = {k: v for k, v in (new or {}).items() if old is None or old.get(k) != v}
    event = CertificateEvent(kind=kind, reason=reason, old=changed_old, new=changed_new, override=override,
                             actor_id=actor.id if actor else None, actor_name=_actor_name(actor), at=now)
    cert.events.append(event)


def _audit(action: str, cert: Certificate, actor: User | None, **details: Any) -> None:
    audit.record(action, object_type="certificate", object_id=cert.id,
                 summary=f"{cert.type.name} {cert.number} {cert.holder.real_name}", details=details, actor=actor)


def create_certificate(data: CertificateData, actor: User | None, now: datetime,
                       application: CertificateApplication | None = None) -> Certificate:
    today = local_today(now)
    ctype, holder = _check(data, today)
    assert data.issued_on is not None and data.valid_until is not None
    cert = Certificate(type=ctype, holder=holder, number=data.number.strip(), authority=data.authority.strip(),
                       enforcement_field=data.enforcement_field.strip(), issued_on=data.issued_on,
                       valid_from=data.issued_on, valid_until=data.valid_until, status=CertificateStatus.VALID,
                       created_at=now, updated_at=now)
    record_event(cert, EventKind.CREATED, actor, now, new=snapshot(cert))
    _save_number(ctype.name, cert.number, lambda: db.session.add(cert))
    if application is None:
        application = open_application(holder.id, ctype.id)
    if application is not None and application.user_id == holder.id and application.type_id == ctype.id:
        application.status = ApplicationStatus.ISSUED
        application.issued_on = cert.issued_on
        application.certificate_id = cert.id
        application.updated_at = now
    _audit("certificate.created", cert, actor, certificate=snapshot(cert),
           application_id=application.id if application is not None else None)
    db.session.flush()
    return cert


def correct_certificate(cert: Certificate, data: CertificateData, reason: str, actor: User | None,
                        now: datetime) -> list[str]:
    """Correct what was entered wrongly (a typo in the number, the wrong date). Needs a reason;
    returns the names of the fields that changed. Renewals and status changes have their own verbs."""
    today = local_today(now)
    ctype, holder = _check(data, today, existing=cert)
    assert data.issued_on is not None and data.valid_until is not None
    valid_from = cert.valid_from
    if cert.valid_from == cert.issued_on or not data.issued_on <= valid_from <= data.valid_until:
        valid_from = data.issued_on  # never renewed (or the period no longer fits): it starts at issue
    before = snapshot(cert)
    after = dict(before, type=ctype.name, holder_id=holder.id, number=data.number.strip(),
                 authority=data.authority.strip(), enforcement_field=data.enforcement_field.strip(),
                 issued_on=data.issued_on.isoformat(), valid_from=valid_from.isoformat(),
                 valid_until=data.valid_until.isoformat())
    changed = [k for k in after if before[k] != after[k]]
    if not changed:
        return []
    reason = _reason(reason, _("Say why the certificate is corrected."))

    def apply() -> None:
        cert.type, cert.holder = ctype, holder
        cert.number, cert.authority = after["number"], after["authority"]
        cert.enforcement_field = after["enforcement_field"]
        cert.issued_on, cert.valid_from, cert.valid_until = data.issued_on, valid_from, data.valid_until
        cert.updated_at = now

    _save_number(ctype.name, after["number"], apply)
    record_event(cert, EventKind.CORRECTED, actor, now, reason=reason, old=before, new=after)
    _audit("certificate.corrected", cert, actor, reason=reason,
           changed={k: [before[k], after[k]] for k in changed})
    db.session.flush()
    return changed


def _save_number(type_name: str, number: str, change: Callable[[], None]) -> None:
    """Apply ``change`` and write it; when another request took the same number a moment
    earlier the unique constraint refuses it, reported as a taken number (nothing written)."""
    try:
        with db.session.begin_nested():
            change()
            db.session.flush()
    except IntegrityError:
        raise InvalidInput(_("%(type)s number %(number)s already belongs to someone else.", type=type_name,
                             number=number), field="number") from None


def _reason(reason: str, missing_message: str, field_name: str = "reason") -> str:
    text = (reason or "").strip()
    if not text:
        raise InvalidInput(missing_message, field=field_name)
    if len(text) > MAX_REASON:
        raise InvalidInput(_("A reason can have at most 500 characters."), field=field_name)
    return text


@dataclass
class RenewalData:
    valid_until: date | None
    number: str = ""            # empty: keep the number
    override_reason: str = ""   # needed when the requirements are not met


def proposed_valid_until(cert: Certificate, today: date) -> date | None:
    years = cert.type.validity_years
    if not years:
        return None
    base = cert.valid_until if cert.valid_until >= today else today
    return add_years(base, years)


def renew(cert: Certificate, data: RenewalData, actor: User | None, now: datetime) -> Evaluation:
    """Record a renewal (换证): a new valid-until date and possibly a new number. Refused, changing
    nothing, when the requirements are not met and no override reason is given."""
    today = local_today(now)
    if cert.status == CertificateStatus.REVOKED:
        raise InvalidInput(_("A revoked certificate cannot be renewed; enter a new certificate instead."))
    if cert.status == CertificateStatus.SUSPENDED:
        raise InvalidInput(_("A suspended certificate cannot be renewed; reinstate it first."))
    if data.valid_until is None:
        raise InvalidInput(_("Enter the new valid-until date."), field="valid_until")
    if data.valid_until <= cert.valid_until:
        raise InvalidInput(_("The new valid-until date must be after the current one (%(date)s).",
                             date=cert.valid_until.isoformat()), field="valid_until")
    if data.valid_until <= today:
        raise InvalidInput(_("The new valid-until date must be in the future."), field="valid_until")
    if data.valid_until > add_years(today, 20):
        raise InvalidInput(_("The new valid-until date is more than 20 years away."), field="valid_until")
    number = data.number.strip() or cert.number
    if len(number) > MAX_NUMBER:
        raise InvalidInput(_("A certificate number can have at most 64 characters."), field="number")
    if number != cert.number and _number_clash(cert.type_id, number, cert.id) is not None:
        raise InvalidInput(_("%(type)s number %(number)s already belongs to someone else.", type=cert.type.name,
                             number=number), field="number")
    evaluation = evaluate_one(cert, today, now)
    override = (data.override_reason or "").strip()
    missing = _explain(evaluation)
    if not evaluation.met and not override:
        raise RequirementsNotMet(
            _("The requirements are not met: %(missing)s. Enter an override reason to renew anyway.",
              missing="；".join(missing)), missing)
    if len(override) > MAX_REASON:
        raise InvalidInput(_("A reason can have at most 500 characters."), field="override_reason")
    before = snapshot(cert)

    def apply() -> None:
        cert.valid_from = max(cert.valid_until + timedelta(days=1), today)
        cert.valid_until = data.valid_until
        cert.number = number
        cert.updated_at = now

    _save_number(cert.type.name, number, apply)
    after = snapshot(cert)
    overridden = not evaluation.met
    record_event(cert, EventKind.RENEWED, actor, now, reason=override if overridden else "", old=before, new=after,
                 override=overridden)
    _audit("certificate.renewed", cert, actor, before={k: before[k] for k in ("number", "valid_from", "valid_until")},
           after={k: after[k] for k in ("number", "valid_from", "valid_until")},
           requirements_met=evaluation.met, missing=missing, override_reason=override if overridden else "")
    db.session.flush()
    return evaluation


_TRANSITIONS = {
    # action: (allowed stored statuses, new status, event, audit action)
    "suspend": ({CertificateStatus.VALID}, CertificateStatus.SUSPENDED, EventKind.SUSPENDED, "certificate.suspended"),
    "revoke": ({CertificateStatus.VALID, CertificateStatus.SUSPENDED}, CertificateStatus.REVOKED, EventKind.REVOKED,
               "certificate.revoked"),
    "reinstate": ({CertificateStatus.SUSPENDED}, CertificateStatus.VALID, EventKind.REINSTATED,
                  "certificate.reinstated"),
}
STATUS_ACTIONS = tuple(_TRANSITIONS)


def change_status(cert: Certificate, action: str, reason: str, actor: User | None, now: datetime) -> None:
    """Suspend (暂扣), revoke (注销) or reinstate a certificate; each needs a reason."""
    if action not in _TRANSITIONS:
        raise InvalidInput(_("Unknown action."))
    allowed, new_status, kind, audit_action = _TRANSITIONS[action]
    if cert.status not in allowed:
        messages = {
            "suspend": _("Only a valid certificate can be suspended."),
            "revoke": _("This certificate is already revoked."),
            "reinstate": _("Only a suspended certificate can be reinstated."),
        }
        raise InvalidInput(messages[action])
    text = _reason(reason, _("Give the reason."))
    before = snapshot(cert)
    cert.status = new_status
    cert.updated_at = now
    after = snapshot(cert)
    record_event(cert, kind, actor, now, reason=text, old=before, new=after)
    _audit(audit_action, cert, actor, reason=text, before=before["status"], after=after["status"])
    db.session.flush()


# ---- reading the registry ------------------------------------------------------------------

@dataclass(frozen=True)
class Row:
    certificate: Certificate
    evaluation: Evaluation

    @property
    def missing(self) -> list[str]:
        return _explain(self.evaluation)


IN_FORCE = "in_force"  # registry filter: valid, including those due for renewal


@dataclass(frozen=True)
class RegistryFilter:
    text: str = ""
    type_id: int | None = None
    status: str = ""  # an effective CertificateStatus value, IN_FORCE, "" (all but revoked) or "all"
    unit_id: int | None = None
    unmet: bool = False        # only those in force whose requirements are not met


def _certificates(criteria: RegistryFilter | None = None) -> list[Certificate]:
    from lawexam.people.units import descendant_ids

    criteria = criteria or RegistryFilter()
    query = (select(Certificate).join(User, User.id == Certificate.holder_id)
             .options(selectinload(Certificate.type)))
    if criteria.text:
        text = criteria.text.strip()  # "%" and "_" are searched for, not wildcards
        query = query.where(or_(*(column.contains(text, autoescape=True)
                                 for column in (User.real_name, User.account, Certificate.number))))
    if criteria.type_id:
        query = query.where(Certificate.type_id == criteria.type_id)
    if criteria.unit_id:
        query = query.where(User.unit_id.in_(descendant_ids(criteria.unit_id)))
    if criteria.status in (CertificateStatus.SUSPENDED.value, CertificateStatus.REVOKED.value):
        query = query.where(Certificate.status == CertificateStatus(criteria.status))
    elif criteria.status in ("", IN_FORCE, CertificateStatus.VALID.value, CertificateStatus.RENEWAL_DUE.value,
                             CertificateStatus.EXPIRED.value):
        query = query.where(Certificate.status != CertificateStatus.REVOKED)
        if criteria.status:
            query = query.where(Certificate.status == CertificateStatus.VALID)
    return list(db.session.scalars(query.order_by(User.unit_id, User.real_name, Certificate.type_id, Certificate.id)))


def registry(criteria: RegistryFilter, now: datetime, today: date | None = None) -> list[Row]:
    today = today or local_today(now)
    certificates = _certificates(criteria)
    evaluations = evaluate_all(certificates, today, now)
    rows = [Row(c, evaluations[c.id]) for c in certificates]
    if criteria.status == IN_FORCE:
        rows = [r for r in rows if r.evaluation.in_force]
    elif criteria.status and criteria.status != "all":
        rows = [r for r in rows if r.evaluation.status.value == criteria.status]
    if criteria.unmet:
        rows = [r for r in rows if r.evaluation.in_force and not r.evaluation.met]
    return rows


@dataclass(frozen=True)
class DueList:
    within: int
    today: date
    due: list[Row]        # valid, expiring within ``within`` days (today included)
    expired: list[Row]    # not renewed, not suspended or revoked


def due_list(now: datetime, within: int | None = None, today: date | None = None,
             type_id: int | None = None) -> DueList:
    """Certificates to renew: those expiring within ``within`` days (default: each type's
    reminder lead time), and those already expired and neither renewed nor revoked."""
    today = today or local_today(now)
    query = select(Certificate).where(Certificate.status == CertificateStatus.VALID)
    if within is not None:
        query = query.where(Certificate.valid_until <= today + timedelta(days=within))
    if type_id:
        query = query.where(Certificate.type_id == type_id)
    certificates = list(db.session.scalars(query.order_by(Certificate.valid_until, Certificate.id)))
    evaluations = evaluate_all(certificates, today, now)
    rows = [Row(c, evaluations[c.id]) for c in certificates]
    due = [r for r in rows if r.evaluation.days_left >= 0
           and r.evaluation.days_left <= (within if within is not None else r.evaluation.lead_days)]
    expired = [r for r in rows if r.evaluation.days_left < 0]
    return DueList(within=within if within is not None else -1, today=today, due=due, expired=expired)


@dataclass(frozen=True)
class Dashboard:
    today: date
    type: CertificateType | None
    holders: int           # people holding a certificate that is not revoked
    in_force: int          # valid (including due for renewal)
    due: int               # expiring within each type's lead time
    expired: int
    suspended: int
    revoked: int
    unmet: int             # in force, requirements not met
    new_holders: int       # people first certified this year (issued_on in the year, up to today)
    new_via_application: int  # of those, through an application (申领) recorded here
    applied: int           # applications waiting for the certificate
    candidates: int


def dashboard(now: datetime, today: date | None = None, type_id: int | None = None) -> Dashboard:
    today = today or local_today(now)
    ensure_preset_types()
    query = select(Certificate).where(Certificate.issued_on <= today)
    if type_id:
        query = query.where(Certificate.type_id == type_id)
    certificates = list(db.session.scalars(query))
    live = [c for c in certificates if c.status != CertificateStatus.REVOKED]
    evaluations = evaluate_all(live, today, now)
    statuses = [evaluations[c.id].status for c in live]
    new = new_holders(today.year, today, type_id)
    issued_apps = set(db.session.scalars(
        select(CertificateApplication.certificate_id).where(CertificateApplication.status == ApplicationStatus.ISSUED,
                                                            CertificateApplication.certificate_id.is_not(None))))
    return Dashboard(
        today=today, type=get_type(type_id) if type_id else None,
        holders=len({c.holder_id for c in live}),
        in_force=sum(1 for s in statuses if s.in_force),
        due=sum(1 for s in statuses if s == CertificateStatus.RENEWAL_DUE),
        expired=sum(1 for s in statuses if s == CertificateStatus.EXPIRED),
        suspended=sum(1 for s in statuses if s == CertificateStatus.SUSPENDED),
        revoked=sum(1 for c in certificates if c.status == CertificateStatus.REVOKED),
        unmet=sum(1 for c in live if evaluations[c.id].in_force and not evaluations[c.id].met),
        new_holders=len(new),
        new_via_application=len({c.holder_id for c in new if c.id in issued_apps}),
        applied=len(applications(ApplicationStatus.APPLIED, type_id)),
        candidates=len(candidates(now, type_id)),
    )


def new_holders(year: int, today: date | None = None, type_id: int | None = None) -> list[Certificate]:
    """Certificates issued in ``year`` (up to ``today``) to people who held none of that type
    before: the year's 新增持证, one per person and type."""
    end = min(date(year, 12, 31), today) if today else date(year, 12, 31)
    query = select(Certificate).where(Certificate.issued_on >= date(year, 1, 1), Certificate.issued_on <= end)
    if type_id:
        query = query.where(Certificate.type_id == type_id)
    issued = list(db.session.scalars(query.order_by(Certificate.issued_on, Certificate.id)))
    if not issued:
        return []
    earlier = set(db.session.execute(
        select(Certificate.holder_id, Certificate.type_id).where(Certificate.issued_on < date(year, 1, 1))).all())
    seen: set[tuple[int, int]] = set()
    result = []
    for cert in issued:
        key = (cert.holder_id, cert.type_id)
        if key in earlier or key in seen:
            continue
        seen.add(key)
        result.append(cert)
    return result


# ---- applications (申领) ------------------------------------------------------------------

@dataclass(frozen=True)
class Candidate:
    user: User
    type: CertificateType
    exam_id: int
    exam_title: str
    passed_on: date


def open_application(user_id: int, type_id: int) -> CertificateApplication | None:
    return db.session.scalar(select(CertificateApplication).where(
        CertificateApplication.user_id == user_id, CertificateApplication.type_id == type_id,
        CertificateApplication.status.in_([ApplicationStatus.CANDIDATE, ApplicationStatus.APPLIED]))
        .order_by(CertificateApplication.id.desc()))


def applications(status: ApplicationStatus | None = None, type_id: int | None = None) -> list[CertificateApplication]:
    query = select(CertificateApplication)
    if status is not None:
        query = query.where(CertificateApplication.status == status)
    if type_id:
        query = query.where(CertificateApplication.type_id == type_id)
    return list(db.session.scalars(query.order_by(CertificateApplication.updated_at.desc(),
                                                  CertificateApplication.id.desc())))


def candidates(now: datetime, type_id: int | None = None) -> list[Candidate]:
    """People without a (not revoked) certificate of a type who passed an exam marked for it,
    and for whom no application is open yet."""
    types = [t for t in all_types() if not type_id or t.id == type_id]
    qualifying = qualifying_exam_ids(t.id for t in types)
    result: list[Candidate] = []
    for ctype in types:
        exam_ids = qualifying.get(ctype.id, set())
        if not exam_ids:
            continue
        passers = set(db.session.scalars(select(Attempt.user_id).where(
            Attempt.exam_id.in_(exam_ids), Attempt.passed.is_(True),
            Attempt.state.in_([AttemptState.SUBMITTED, AttemptState.OVERDUE]))))
        if not passers:
            continue
        holding = set(db.session.scalars(select(Certificate.holder_id).where(
            Certificate.type_id == ctype.id, Certificate.status != CertificateStatus.REVOKED)))
        pending = set(db.session.scalars(select(CertificateApplication.user_id).where(
            CertificateApplication.type_id == ctype.id,
            CertificateApplication.status.in_([ApplicationStatus.CANDIDATE, ApplicationStatus.APPLIED]))))
        wanted = passers - holding - pending
        if not wanted:
            continue
        passes = passes_for(wanted, exam_ids, now)
        users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(wanted), User.active.is_(True)))}
        for user_id, found in passes.items():
            if user_id in users and found:
                latest = found[-1]
                result.append(Candidate(users[user_id], ctype, latest.exam_id, latest.title, latest.passed_on))
    result.sort(key=lambda c: (c.type.name, c.user.unit_id or 0, c.user.real_name))
    return result


def mark_applied(user: User, ctype: CertificateType, actor: User | None, now: datetime, *,
                 exam_id: int | None = None, passed_on: date | None = None, note: str = "") -> CertificateApplication:
    if live_certificate(user.id, ctype.id) is not None:
        raise InvalidInput(_("%(name)s already holds a %(type)s.", name=user.real_name, type=ctype.name))
    if open_application(user.id, ctype.id) is not None:
        raise InvalidInput(_("An application for %(name)s is already open.", name=user.real_name))
    today = local_today(now)
    application = CertificateApplication(user=user, type=ctype, status=ApplicationStatus.APPLIED, exam_id=exam_id,
                                         passed_on=passed_on, applied_on=today, note=note.strip()[:255],
                                         created_by_id=actor.id if actor else None, created_at=now, updated_at=now)
    db.session.add(application)
    db.session.flush()
    audit.record("certificate_application.applied", object_type="certificate_application", object_id=application.id,
                 summary=f"{ctype.name} {user.real_name}",
                 details={"user_id": user.id, "type": ctype.name, "exam_id": exam_id,
                          "passed_on": passed_on.isoformat() if passed_on else None}, actor=actor)
    return application


def get_application(application_id: int) -> CertificateApplication:
    application = db.session.get(CertificateApplication, application_id)
    if application is None:
        raise NotFound(_("No such application."))
    return application


def withdraw_application(application: CertificateApplication, reason: str, actor: User | None,
                         now: datetime) -> None:
    if application.status not in (ApplicationStatus.CANDIDATE, ApplicationStatus.APPLIED):
        raise InvalidInput(_("Only an open application can be withdrawn."))
    text = _reason(reason, _("Give the reason."))
    application.status = ApplicationStatus.WITHDRAWN
    application.withdrawn_on = local_today(now)
    application.note = text[:255]
    application.updated_at = now
    audit.record("certificate_application.withdrawn", object_type="certificate_application",
                 object_id=application.id, summary=f"{application.type.name} {application.user.real_name}",
                 details={"reason": text}, actor=actor)
    db.session.flush()


# ---- a holder's own view -------------------------------------------------------------------

def certificates_of(user: User, include_revoked: bool = True) -> list[Certificate]:
    query = select(Certificate).where(Certificate.holder_id == user.id)
    if not include_revoked:
        query = query.where(Certificate.status != CertificateStatus.REVOKED)
    return list(db.session.scalars(query.order_by(Certificate.status == CertificateStatus.REVOKED,
                                                  Certificate.type_id, Certificate.id)))


def holder_rows(user: User, now: datetime, include_revoked: bool = True) -> list[Row]:
    certificates = certificates_of(user, include_revoked)
    evaluations = evaluate_all(certificates, local_today(now), now)
    return [Row(c, evaluations[c.id]) for c in certificates]


def applications_of(user: User) -> list[CertificateApplication]:
    return list(db.session.scalars(select(CertificateApplication).where(CertificateApplication.user_id == user.id)
                                   .order_by(CertificateApplication.id.desc())))


def counts_by_status(rows: list[Row]) -> dict[CertificateStatus, int]:
    counts: dict[CertificateStatus, int] = defaultdict(int)
    for row in rows:
        counts[row.evaluation.status] += 1
    return counts

