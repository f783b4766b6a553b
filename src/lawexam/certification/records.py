"""Gathering what ``compliance.evaluate`` needs from the records of other features.

* Study hours per person and calendar year: ``lawexam.study.services.hours_by_user(year)`` (many
  people) or ``total_hours(year, [user_id])`` (a few).
* Modules completed in a year: ``lawexam.study.services.modules_completed(user, year, ids)``.
* Passed qualifying exams: finished attempts (submitted or overdue) with ``passed`` true of the
  exams marked for the type (``CertificateExam``) and of their make-up exams, counted once the
  exam's scores are published (``exams.results.score_visible``).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select

from lawexam.auth.models import User
from lawexam.certification.compliance import (
    CertificateFacts,
    Evaluation,
    ExamPass,
    ExamRef,
    HolderRecords,
    ModuleRef,
    Requirements,
    evaluate,
    period_bounds,
    period_years,
)
from lawexam.certification.models import Certificate, CertificateExam, CertificateType
from lawexam.exams.models import Attempt, AttemptState, Exam, ExamStatus
from lawexam.exams.results import score_visible
from lawexam.extensions import db
from lawexam.localtime import to_local

# Below this many people, ask the study service person by person instead of for everyone.
_FEW = 5


def local_today(now: datetime) -> date:
    return to_local(now).date()


def requirements_of(ctype: CertificateType) -> Requirements:
    modules = tuple(ModuleRef(row.module_id, row.module.name, row.module.code)
                    for row in sorted(ctype.module_rows, key=lambda r: (r.module.sort_order, r.module.name)))
    return Requirements(hours=ctype.hours, period=ctype.period, modules=modules,
                        exam_required=ctype.exam_required, lead_days=ctype.lead_days)


def facts_of(certificate: Certificate) -> CertificateFacts:
    return CertificateFacts(status=certificate.status, valid_from=certificate.valid_from,
                            valid_until=certificate.valid_until)


# ---- qualifying exams ----------------------------------------------------------------------

def qualifying_exam_ids(type_ids: Iterable[int]) -> dict[int, set[int]]:
    """Per type: the exams marked for it and, transitively, their make-up exams."""
    marked: dict[int, set[int]] = defaultdict(set)
    ids = list(type_ids)
    if not ids:
        return {}
    for type_id, exam_id in db.session.execute(select(CertificateExam.certificate_type_id, CertificateExam.exam_id)
                                               .where(CertificateExam.certificate_type_id.in_(ids))):
        marked[type_id].add(exam_id)
    makeups: dict[int, set[int]] = defaultdict(set)
    for exam_id, parent_id in db.session.execute(select(Exam.id, Exam.makeup_of_id).where(Exam.makeup_of_id.is_not(None))):
        makeups[parent_id].add(exam_id)
    result: dict[int, set[int]] = {}
    for type_id in ids:
        found = set(marked.get(type_id, set()))
        frontier = list(found)
        while frontier:
            for child in makeups.get(frontier.pop(), ()):
                if child not in found:
                    found.add(child)
                    frontier.append(child)
        result[type_id] = found
    return result


def _exam_refs(exam_ids: set[int]) -> dict[int, ExamRef]:
    if not exam_ids:
        return {}
    exams = db.session.scalars(select(Exam).where(Exam.id.in_(exam_ids), Exam.status != ExamStatus.DRAFT))
    return {e.id: ExamRef(e.id, e.title, to_local(e.opens_at).date()) for e in exams}


def passes_for(user_ids: Iterable[int], exam_ids: set[int], now: datetime) -> dict[int, list[ExamPass]]:
    """Per person: their passed attempts of these exams whose scores are published."""
    users = list(set(user_ids))
    if not users or not exam_ids:
        return {}
    result: dict[int, list[ExamPass]] = defaultdict(list)
    query = (select(Attempt.user_id, Attempt.finished_at, Exam)
             .join(Exam, Exam.id == Attempt.exam_id)
             .where(Attempt.exam_id.in_(exam_ids), Attempt.state.in_([AttemptState.SUBMITTED, AttemptState.OVERDUE]),
                    Attempt.passed.is_(True), Attempt.finished_at.is_not(None))
             .order_by(Attempt.finished_at))
    if len(users) <= 1000:  # beyond that, reading the exams' passes is cheaper than a huge IN list
        query = query.where(Attempt.user_id.in_(users))
    rows = db.session.execute(query)
    wanted = set(users)
    for user_id, finished_at, exam in rows:
        if user_id in wanted and score_visible(exam, now):
            result[user_id].append(ExamPass(exam.id, exam.title, to_local(finished_at).date()))
    return result


# ---- study records -------------------------------------------------------------------------

def _hours(years: set[int], user_ids: list[int]) -> dict[int, dict[int, Decimal]]:
    """Per person, per year: 学时 earned."""
    from lawexam.study import services as study

    result: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for year in years:
        if len(user_ids) <= _FEW:
            for user_id in user_ids:
                result[user_id][year] = Decimal(str(study.total_hours(year, [user_id])))
        else:
            wanted = set(user_ids)
            for user_id, hours in study.hours_by_user(year).items():
                if user_id in wanted:
                    result[user_id][year] = Decimal(str(hours))
    return result


def _modules(users: dict[int, User], years_by_user: dict[int, set[int]],
             modules_by_user: dict[int, set[int]]) -> dict[int, dict[int, frozenset[int]]]:
    from lawexam.study import services as study

    result: dict[int, dict[int, frozenset[int]]] = defaultdict(dict)
    for user_id, module_ids in modules_by_user.items():
        if not module_ids:
            continue
        for year in years_by_user.get(user_id, ()):
            result[user_id][year] = frozenset(study.modules_completed(users[user_id], year, set(module_ids)))
    return result


# ---- evaluation ----------------------------------------------------------------------------

def evaluate_all(certificates: list[Certificate], today: date, now: datetime) -> dict[int, Evaluation]:
    """Each certificate's evaluation as of ``today`` (the town's date; ``now`` decides which exam
    results are published)."""
    if not certificates:
        return {}
    types = {c.type_id: c.type for c in certificates}
    requirements = {type_id: requirements_of(t) for type_id, t in types.items()}
    qualifying = qualifying_exam_ids(types) if any(r.exam_required for r in requirements.values()) else {}
    all_exam_ids = set().union(*qualifying.values()) if qualifying else set()
    refs = _exam_refs(all_exam_ids)
    users = {c.holder_id: c.holder for c in certificates}

    hour_years: set[int] = set()
    hour_users: set[int] = set()
    years_by_user: dict[int, set[int]] = defaultdict(set)
    modules_by_user: dict[int, set[int]] = defaultdict(set)
    for cert in certificates:
        req = requirements[cert.type_id]
        start, end = period_bounds(req, facts_of(cert), today)
        years = set(period_years(start, end, today))
        if req.hours > 0:
            hour_years |= years
            hour_users.add(cert.holder_id)
        if req.modules:
            years_by_user[cert.holder_id] |= years
            modules_by_user[cert.holder_id] |= {m.id for m in req.modules}
    hours = _hours(hour_years, sorted(hour_users)) if hour_users else {}
    modules = _modules(users, years_by_user, modules_by_user) if modules_by_user else {}
    passes = passes_for(users, all_exam_ids, now) if all_exam_ids else {}

    result: dict[int, Evaluation] = {}
    for cert in certificates:
        exam_ids = qualifying.get(cert.type_id, set())
        records = HolderRecords(
            hours_by_year=hours.get(cert.holder_id, {}),
            modules_by_year=modules.get(cert.holder_id, {}),
            passes=[p for p in passes.get(cert.holder_id, []) if p.exam_id in exam_ids],
            qualifying_exams=[refs[e] for e in exam_ids if e in refs])
        result[cert.id] = evaluate(requirements[cert.type_id], facts_of(cert), records, today)
    return result


def evaluate_one(certificate: Certificate, today: date, now: datetime) -> Evaluation:
    return evaluate_all([certificate], today, now)[certificate.id]

