"""Figures the reports take from other features: study hours and enforcement certificates.

Those features live in their own packages (``lawexam.study.services`` and
``lawexam.certification.services``). The reports call them through this adapter, and a section
is shown only when its module and functions exist, so the reports work (without those
sections) on an installation where a feature is not there yet.

Study (``lawexam.study.services``): ``total_hours(year, user_ids=None)`` and
``hours_by_user(year)`` (``{user_id: hours}``): hours of completed lessons in the year.

Certificates (``lawexam.certification.services``): ``registry`` (each certificate with its
evaluated status), ``new_holders(year, today, type_id)`` and the preset 行政执法证 type. The
registry figures are for today; the reports narrow them to the people in the viewer's scope.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Callable, Iterable

STUDY_MODULE = "lawexam.study.services"
CERTIFICATION_MODULE = "lawexam.certification.services"


def _module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def _first(module: ModuleType | None, names: Iterable[str]) -> Callable[..., Any] | None:
    if module is None:
        return None
    for name in names:
        function = getattr(module, name, None)
        if callable(function):
            return function
    return None


# ---- study ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class StudyFigures:
    total_hours: float
    people_with_hours: int
    hours_by_user: dict[int, float]


def study_available() -> bool:
    module = _module(STUDY_MODULE)
    return _first(module, ("total_hours",)) is not None and _first(module, ("hours_by_user",)) is not None


def study_figures(year: int, user_ids: list[int] | None) -> StudyFigures | None:
    """Study hours in ``year`` of the given people (None: everyone); None without the module."""
    module = _module(STUDY_MODULE)
    total_hours = _first(module, ("total_hours",))
    hours_by_user = _first(module, ("hours_by_user",))
    if total_hours is None or hours_by_user is None:
        return None
    by_user = {int(k): float(v or 0) for k, v in (hours_by_user(year) or {}).items()}
    if user_ids is not None:
        wanted = set(user_ids)
        by_user = {k: v for k, v in by_user.items() if k in wanted}
    total = float(total_hours(year, user_ids=user_ids) or 0)
    return StudyFigures(total, sum(1 for v in by_user.values() if v > 0), by_user)


# ---- certificates --------------------------------------------------------------------------

@dataclass(frozen=True)
class CertificateFigures:
    holders: int         # people holding a 行政执法证 that is not revoked (today), as the register counts
    new_holders: int     # people first certified in the year (新增持证)
    renewals_due: int    # certificates due for renewal now (within their type's reminder lead time)
    expired: int         # certificates expired and not renewed


def certification_available() -> bool:
    module = _module(CERTIFICATION_MODULE)
    return all(_first(module, (name,)) is not None for name in ("registry", "new_holders", "RegistryFilter"))


def certificate_figures(year: int, user_ids: list[int] | None, now: Any) -> CertificateFigures | None:
    """The enforcement-certificate figures of the given people (None: everyone)."""
    module = _module(CERTIFICATION_MODULE)
    if not certification_available() or module is None:
        return None
    from sqlalchemy import select

    from lawexam.certification.compliance import CertificateStatus
    from lawexam.certification.models import CertificateType
    from lawexam.certification.records import local_today
    from lawexam.extensions import db

    type_id = db.session.scalar(select(CertificateType.id).where(CertificateType.preset == "enforcement"))
    if type_id is None:
        return CertificateFigures(0, 0, 0, 0)
    today = local_today(now)
    wanted = None if user_ids is None else set(user_ids)

    def mine(holder_id: int) -> bool:
        return wanted is None or holder_id in wanted

    rows = [r for r in module.registry(module.RegistryFilter(type_id=type_id), now, today)
            if r.certificate.issued_on <= today and mine(r.certificate.holder_id)]
    new = [c for c in module.new_holders(year, today, type_id) if mine(c.holder_id)]
    return CertificateFigures(
        holders=len({r.certificate.holder_id for r in rows}),
        new_holders=len({c.holder_id for c in new}),
        renewals_due=sum(1 for r in rows if r.evaluation.status == CertificateStatus.RENEWAL_DUE),
        expired=sum(1 for r in rows if r.evaluation.status == CertificateStatus.EXPIRED),
    )
