"""Demo certificates for the demo town, modelled on the real case: the 11 enforcement officers
hold a 行政执法证, 3 of them first issued this year (through an application, 申领), two due for
renewal soon; this year's 执法人员法律知识考试 is marked for the certificate; two cadres of the
justice office passed it without holding one (candidates, one already applied for).

Everything goes through the services, so the figures the dashboard shows are computed from
these records. The requirements set here are demo values an officer would choose, not rules.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select

from lawexam.auth.models import Category, OrgUnit, User, UserCategory
from lawexam.certification import services
from lawexam.certification.compliance import Period, add_years
from lawexam.certification.records import local_today
from lawexam.extensions import db
from lawexam.localtime import local_zone
from lawexam.questions.models import QuestionModule

AUTHORITY = "清河县人民政府"
FIELDS = {"综合执法中队": "综合行政执法", "自然资源所": "自然资源", "司法所": "司法行政"}
REQUIRED_MODULE = "admin-penalty"   # 行政处罚法
DEMO_HOURS = 4                      # demo value
TAB = "demo-certificates-tab"


@dataclass(frozen=True)
class DemoCertificates:
    holders: int
    new_this_year: int
    due_soon: int
    candidates: int


def _local_start(day: date) -> datetime:
    return datetime.combine(day, time(9, 0), tzinfo=local_zone()).astimezone(timezone.utc)


def _clamp(day: date, low: date, high: date) -> date:
    return max(low, min(day, high))


def build_demo_certificates(now: datetime, seed: int = 11) -> DemoCertificates:
    rng = random.Random(seed)
    today = local_today(now)
    year_start = date(today.year, 1, 1)
    officers = list(db.session.scalars(
        select(User).join(UserCategory, UserCategory.user_id == User.id)
        .where(UserCategory.category == Category.ENFORCEMENT, User.enforcement_cert_no.is_not(None))
        .order_by(User.enforcement_cert_no)))
    ctype = services.preset_type("enforcement")
    exam = _qualifying_exam(now, today, officers, rng)
    module = db.session.scalar(select(QuestionModule).where(QuestionModule.code == REQUIRED_MODULE))
    services.save_type(ctype, services.TypeData(
        name=ctype.name, description="（演示）每年取得 4 学时、完成“行政处罚法”学习模块，并通过年度执法人员法律知识考试。",
        hours=DEMO_HOURS, period=Period.YEAR, module_ids={module.id} if module else set(),
        exam_required=exam is not None, exam_ids={exam.id} if exam else set(), lead_days=60,
        validity_years=None), None, now)

    new_offsets = {8: 70, 9: 40, 10: 12}  # the last three numbers: first issued this year
    due_offsets = {2: 18, 5: 45}          # valid until in so many days: renewal due
    for index, officer in enumerate(officers):
        unit = officer.unit.name if officer.unit else ""
        data = services.CertificateData(type_id=ctype.id, holder_account=officer.account,
                                        number=officer.enforcement_cert_no or f"QS-ZF-{index + 1:04d}",
                                        authority=AUTHORITY, enforcement_field=FIELDS.get(unit, "综合行政执法"))
        if index in new_offsets:
            issued = _clamp(today - timedelta(days=new_offsets[index]), year_start, today)
            data.issued_on, data.valid_until = issued, add_years(issued, 5) - timedelta(days=1)
            applied = issued - timedelta(days=21)
            application = services.mark_applied(officer, ctype, None, _local_start(applied))
            services.create_certificate(data, None, now, application=application)
            continue
        if index in due_offsets:
            until = today + timedelta(days=due_offsets[index])
            data.issued_on, data.valid_until = add_years(until, -5) + timedelta(days=1), until
        else:
            issued = date(today.year - 1 - index % 4, 3 + index % 9, 10 + index)
            data.issued_on, data.valid_until = issued, add_years(issued, 5) - timedelta(days=1)
            while data.valid_until < today + timedelta(days=90):  # keep the others clearly valid
                data.valid_until = add_years(data.valid_until, 2)
        services.create_certificate(data, None, now)

    # Study: most holders have done this year's hours and the module; two are short.
    lessons_done = {3: 4, 6: 2}
    for index, officer in enumerate(officers):
        _study(officer, now, today, index, lessons_done.get(index, 8))

    found = services.candidates(now, ctype.id)
    if found:
        first = found[0]
        services.mark_applied(first.user, ctype, None, now - timedelta(days=2), exam_id=first.exam_id,
                              passed_on=first.passed_on)
    db.session.flush()
    dashboard = services.dashboard(now, today, ctype.id)
    return DemoCertificates(holders=dashboard.holders, new_this_year=dashboard.new_holders, due_soon=dashboard.due,
                            candidates=len(found))


def _qualifying_exam(now: datetime, today: date, officers: list[User], rng: random.Random):  # noqa: ANN202
    """This year's 执法人员法律知识考试 for the enforcement officers and two justice-office cadres,
    held about a month ago (last December when the year has only just begun)."""
    from lawexam.exams import services as exams
    from lawexam.exams.demo import _paper_rules, _sit  # the demo exams' paper and sitting
    from lawexam.exams.models import AudienceKind

    opens_day = today - timedelta(days=30)
    if opens_day < date(today.year, 1, 2):
        opens_day = date(today.year, 1, 2) if today - date(today.year, 1, 2) >= timedelta(days=5) \
            else date(today.year - 1, 12, 1)
    opens = _local_start(opens_day)
    closes = opens + timedelta(days=3)
    justice = db.session.scalar(select(OrgUnit).where(OrgUnit.name == "司法所"))
    cadres = [] if justice is None else [
        u for u in db.session.scalars(select(User).where(User.unit_id == justice.id, User.account.like("examinee%"))
                                      .order_by(User.account))
        if Category.ENFORCEMENT not in u.categories][:2]
    audience = [(AudienceKind.CATEGORY, Category.ENFORCEMENT.value)] + [(AudienceKind.PERSON, str(u.id)) for u in cadres]
    exam = exams.create_exam(exams.ExamInput(
        title=f"{opens_day.year}年度执法人员法律知识考试", opens_at=opens, closes_at=closes, duration_minutes=60,
        pass_mark=60, attempts_allowed=1, rules=_paper_rules(), audience=audience,
        rules_text="执法人员年度法律知识考试：闭卷、独立完成，60 分钟，满分 100 分，60 分合格。"), None)
    exams.publish(exam, None)
    failing = {5, 9}  # two holders did not pass this year (one of them is due for renewal)
    sitters = [(u, 0.35 if i in failing else 0.93) for i, u in enumerate(officers)] + [(u, 0.9) for u in cadres]
    for n, (user, ability) in enumerate(sitters):
        _sit(exam, user.id, ability, opens + timedelta(hours=1, minutes=7 * n), rng)
    return exam


def _study(user: User, now: datetime, today: date, index: int, lessons: int) -> None:
    """Read ``lessons`` lessons (the required module's first) through the study service, in a
    session earlier this year; each lesson is worth its credit hours once completed."""
    from lawexam.study import services as study

    modules = study.study_modules()
    ordered = [l for m in modules if m.module.code == REQUIRED_MODULE for l in m.lessons]
    ordered += [l for m in modules if m.module.code != REQUIRED_MODULE for l in m.lessons]
    if not ordered or lessons <= 0:
        return
    start = max(_local_start(date(today.year, 1, 1)), now - timedelta(days=20)) + timedelta(hours=index * 3)
    needed = sum(l.minutes for l in ordered[:lessons]) * 60 + 120 * lessons
    if start + timedelta(seconds=needed) >= now:
        return  # too early in the year for a study session to have happened
    moment = start
    for lesson in ordered[:lessons]:
        # Two beats a lesson: opening it, and reaching the end after its reading time. (The page
        # beats every ~20 s; a wider per-beat cap stands in for those beats to keep the demo fast.)
        study.record_beat(user, lesson.id, tab=TAB, visible=True, now=moment)
        moment += timedelta(seconds=lesson.min_s)
        study.record_beat(user, lesson.id, tab=TAB, visible=True, now=moment, read_to_end=True,
                          cap_per_beat_s=lesson.min_s)
        moment += timedelta(seconds=30)
