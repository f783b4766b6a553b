"""Whether a certificate holder meets the requirements of the certificate type: a pure function.

Plain values in, plain values out: no Flask, no SQLAlchemy, no clock. ``today`` (the town's
calendar date) is a parameter, so the same records always give the same answer, and an officer
can ask "as of" any date. Nothing computed here is ever stored: the effective status (有效 /
待换证 / 已过期), what is met and what is missing all follow from the records and the date.

A type's requirements (set by the officer) hold per *period*:

* ``Period.YEAR`` — per calendar year. The year assessed is the calendar year containing
  ``today``: hours earned, modules completed and exams passed in that year count; anything on
  31 December counts for that year and not for the next one.
* ``Period.VALIDITY`` — per validity period ``[valid_from, valid_until]``. Study hours and
  module completions are kept per calendar year by the study feature, so a validity period
  counts the hours and completions of every calendar year it touches, up to the year of
  ``today`` (a later year cannot have records yet). Exam passes count when their date falls
  inside the period and is not after ``today``.

Edge decisions (each has a test):

* A certificate is valid *through* its valid-until date: on that day it "expires today" (0 days
  left) and is still valid; the day after it is expired. 29 February behaves like any date.
* Renewal is due (待换证) when ``0 <= days_left <= lead_days``.
* The officer's decisions win over the dates: a suspended (暂扣) or revoked (注销) certificate
  shows that status whatever its dates.
* A requirement of 0 hours, no modules and no exam is "no requirement": it is met.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

__all__ = [
    "DEFAULT_LEAD_DAYS",
    "CertificateFacts",
    "CertificateStatus",
    "Check",
    "CheckKind",
    "Evaluation",
    "ExamPass",
    "ExamRef",
    "HolderRecords",
    "Link",
    "ModuleRef",
    "Period",
    "Requirements",
    "add_years",
    "describe",
    "effective_status",
    "evaluate",
    "format_hours",
    "period_years",
]

DEFAULT_LEAD_DAYS = 60


class CertificateStatus(enum.StrEnum):
    """有效 / 待换证 / 已过期 / 暂扣 / 注销.

    Only ``VALID``, ``SUSPENDED`` and ``REVOKED`` are ever stored (they are the officer's
    decisions); ``RENEWAL_DUE`` and ``EXPIRED`` follow from the dates (``effective_status``).
    """

    VALID = "valid"
    RENEWAL_DUE = "renewal_due"
    EXPIRED = "expired"
    SUSPENDED = "suspended"
    REVOKED = "revoked"

    @property
    def in_force(self) -> bool:
        """The holder may enforce with it today (valid, possibly due for renewal)."""
        return self in (CertificateStatus.VALID, CertificateStatus.RENEWAL_DUE)


STORED_STATUSES = frozenset({CertificateStatus.VALID, CertificateStatus.SUSPENDED, CertificateStatus.REVOKED})


class Period(enum.StrEnum):
    YEAR = "year"          # per calendar year
    VALIDITY = "validity"  # per validity period


@dataclass(frozen=True)
class ModuleRef:
    id: int
    name: str
    code: str = ""


@dataclass(frozen=True)
class Requirements:
    hours: Decimal = Decimal(0)
    period: Period = Period.YEAR
    modules: tuple[ModuleRef, ...] = ()
    exam_required: bool = False
    lead_days: int = DEFAULT_LEAD_DAYS

    @property
    def any(self) -> bool:
        return self.hours > 0 or bool(self.modules) or self.exam_required


@dataclass(frozen=True)
class CertificateFacts:
    status: CertificateStatus  # as stored: VALID, SUSPENDED or REVOKED
    valid_from: date
    valid_until: date


@dataclass(frozen=True)
class ExamRef:
    """An exam marked for the certificate type; ``held_on`` is the local date it opens."""

    id: int
    title: str
    held_on: date


@dataclass(frozen=True)
class ExamPass:
    exam_id: int
    title: str
    passed_on: date  # the local date the passing attempt finished


@dataclass(frozen=True)
class HolderRecords:
    """What the holder has done, as the records say."""

    hours_by_year: Mapping[int, Decimal | float | int] = field(default_factory=dict)
    modules_by_year: Mapping[int, frozenset[int] | set[int]] = field(default_factory=dict)
    passes: Sequence[ExamPass] = ()
    qualifying_exams: Sequence[ExamRef] = ()  # to name the exam still to pass


class CheckKind(enum.StrEnum):
    HOURS = "hours"
    MODULE = "module"
    EXAM = "exam"


@dataclass(frozen=True)
class Link:
    """Where the holder goes to act on a check: ``study`` (the lessons), ``module`` (target: the
    module code) or ``exam`` (target: the exam id). Views turn it into a URL."""

    kind: str
    target: int | str | None = None


@dataclass(frozen=True)
class Check:
    kind: CheckKind
    met: bool
    required_hours: Decimal = Decimal(0)
    earned_hours: Decimal = Decimal(0)
    module: ModuleRef | None = None
    passed: ExamPass | None = None       # the pass that meets the exam requirement
    to_pass: ExamRef | None = None       # the qualifying exam to pass, when one is known
    link: Link | None = None

    @property
    def short_hours(self) -> Decimal:
        return max(self.required_hours - self.earned_hours, Decimal(0))


@dataclass(frozen=True)
class Evaluation:
    status: CertificateStatus
    days_left: int                # negative once expired
    lead_days: int
    period: Period
    period_start: date
    period_end: date
    checks: tuple[Check, ...]

    @property
    def year(self) -> int | None:
        return self.period_start.year if self.period == Period.YEAR else None

    @property
    def met(self) -> bool:
        return all(c.met for c in self.checks)

    @property
    def missing(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if not c.met)

    @property
    def done(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.met)

    @property
    def renewal_due(self) -> bool:
        return self.status == CertificateStatus.RENEWAL_DUE

    @property
    def expired(self) -> bool:
        return self.status == CertificateStatus.EXPIRED

    @property
    def in_force(self) -> bool:
        return self.status.in_force


def add_years(day: date, years: int) -> date:
    """The same calendar date ``years`` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a common year
        return day.replace(year=day.year + years, day=28)


def effective_status(stored: CertificateStatus, valid_until: date, today: date,
                     lead_days: int = DEFAULT_LEAD_DAYS) -> CertificateStatus:
    if stored in (CertificateStatus.REVOKED, CertificateStatus.SUSPENDED):
        return stored
    left = (valid_until - today).days
    if left < 0:
        return CertificateStatus.EXPIRED
    if left <= lead_days:
        return CertificateStatus.RENEWAL_DUE
    return CertificateStatus.VALID


def period_bounds(requirements: Requirements, certificate: CertificateFacts, today: date) -> tuple[date, date]:
    if requirements.period == Period.YEAR:
        return date(today.year, 1, 1), date(today.year, 12, 31)
    return certificate.valid_from, certificate.valid_until


def period_years(start: date, end: date, today: date) -> range:
    """The calendar years whose records count for a period: those it touches, up to today's."""
    return range(start.year, min(end.year, today.year) + 1)


def _decimal(value: Decimal | float | int | None) -> Decimal:
    if value is None:
        return Decimal(0)
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def evaluate(requirements: Requirements, certificate: CertificateFacts, records: HolderRecords,
             today: date) -> Evaluation:
    start, end = period_bounds(requirements, certificate, today)
    years = period_years(start, end, today)
    checks: list[Check] = []
    if requirements.hours > 0:
        earned = sum((_decimal(records.hours_by_year.get(y)) for y in years), Decimal(0))
        checks.append(Check(CheckKind.HOURS, met=earned >= requirements.hours, required_hours=requirements.hours,
                            earned_hours=earned, link=Link("study")))
    for module in requirements.modules:
        done = any(module.id in records.modules_by_year.get(y, ()) for y in years)
        checks.append(Check(CheckKind.MODULE, met=done, module=module, link=Link("module", module.code or module.id)))
    if requirements.exam_required:
        checks.append(_exam_check(records, start, end, today))
    return Evaluation(
        status=effective_status(certificate.status, certificate.valid_until, today, requirements.lead_days),
        days_left=(certificate.valid_until - today).days, lead_days=requirements.lead_days,
        period=requirements.period, period_start=start, period_end=end, checks=tuple(checks))


def _exam_check(records: HolderRecords, start: date, end: date, today: date) -> Check:
    last = min(end, today)
    passes = sorted((p for p in records.passes if start <= p.passed_on <= last), key=lambda p: p.passed_on)
    if passes:
        return Check(CheckKind.EXAM, met=True, passed=passes[-1], link=Link("exam", passes[-1].exam_id))
    in_period = [e for e in records.qualifying_exams if start <= e.held_on <= end]
    held = sorted((e for e in in_period if e.held_on <= today), key=lambda e: (e.held_on, e.id))
    coming = sorted((e for e in in_period if e.held_on > today), key=lambda e: (e.held_on, e.id))
    # Name the exam the holder can still do something about: the next one, else the latest held.
    target = coming[0] if coming else (held[-1] if held else None)
    return Check(CheckKind.EXAM, met=False, to_pass=target,
                 link=Link("exam", target.id) if target is not None else None)


# ---- plain words -----------------------------------------------------------------------------

Translate = Callable[..., str]


def _plain(message: str, **variables: object) -> str:
    return message % variables if variables else message


def format_hours(value: Decimal | float | int) -> str:
    """12 → "12", 12.50 → "12.5", 0.25 → "0.25"."""
    number = _decimal(value).quantize(Decimal("0.01"))
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def describe(check: Check, evaluation: Evaluation, _: Translate = _plain) -> str:
    """One check in plain words (“还差 6 学时”, “未通过 2024年度执法人员法律知识考试”).

    ``_`` is the caller's gettext (Flask-Babel's in the app); the default fills in the English."""
    in_year = evaluation.period == Period.YEAR
    if check.kind == CheckKind.HOURS:
        if check.met:
            return _("Study hours met: %(earned)s of %(required)s", earned=format_hours(check.earned_hours),
                     required=format_hours(check.required_hours))
        if in_year:
            return _("%(hours)s study hours still needed in %(year)s (%(earned)s of %(required)s)",
                     hours=format_hours(check.short_hours), year=evaluation.period_start.year,
                     earned=format_hours(check.earned_hours), required=format_hours(check.required_hours))
        return _("%(hours)s study hours still needed in this validity period (%(earned)s of %(required)s)",
                 hours=format_hours(check.short_hours), earned=format_hours(check.earned_hours),
                 required=format_hours(check.required_hours))
    if check.kind == CheckKind.MODULE:
        name = check.module.name if check.module else ""
        if check.met:
            return _("Module completed: %(name)s", name=name)
        return _("Module not completed: %(name)s", name=name)
    if check.met and check.passed is not None:
        return _("Passed %(title)s on %(date)s", title=check.passed.title, date=check.passed.passed_on.isoformat())
    if check.to_pass is not None:
        return _("Not passed: %(title)s", title=check.to_pass.title)
    if in_year:
        return _("No qualifying exam passed in %(year)s", year=evaluation.period_start.year)
    return _("No qualifying exam passed in this validity period")
