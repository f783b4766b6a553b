"""Demo exams for the demo town: one open now, and one finished earlier this year with
realistic results (about 120 enrolled, 98 took part, some failed) and its make-up exam."""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import insert, select

from lawexam.auth.models import OrgUnit
from lawexam.exams import attempts, services
from lawexam.exams.composition import DISPLAY_KEYS, original_to_display
from lawexam.exams.models import Attempt, AttemptAnswer, AttemptState, AudienceKind, Exam
from lawexam.extensions import db
from lawexam.questions.models import QuestionVersion
from lawexam.questions.qtypes import get_type

TAKERS = 98


def _paper_rules() -> list[services.RuleInput]:
    # 50 questions, 100 points: 30 single, 10 multiple, 10 true/false, 2 points each.
    return [services.RuleInput(count=30, points=2, types=["single"]),
            services.RuleInput(count=10, points=2, types=["multiple"]),
            services.RuleInput(count=10, points=2, types=["truefalse"])]


def _exam(title: str, town: OrgUnit, opens: datetime, closes: datetime, rules_text: str) -> Exam:
    data = services.ExamInput(
        title=title, opens_at=opens, closes_at=closes, duration_minutes=60, pass_mark=60, rules_text=rules_text,
        attempts_allowed=1, rules=_paper_rules(), audience=[(AudienceKind.UNIT, str(town.id))])
    exam = services.create_exam(data, None)
    services.publish(exam, None)
    return exam


def _right_answer(version: QuestionVersion, option_order: list[str]) -> Any:
    response = get_type(version.type).key_response(version.content())
    if version.type == "single":
        return original_to_display(option_order, response)
    if version.type == "multiple":
        return sorted(original_to_display(option_order, key) for key in response)
    return response


def _wrong_answer(version: QuestionVersion, option_order: list[str], rng: random.Random) -> Any:
    right = _right_answer(version, option_order)
    if version.type == "truefalse":
        return not right
    keys = list(DISPLAY_KEYS[:len(option_order)])
    if version.type == "single":
        return rng.choice([k for k in keys if k != right])
    return sorted(rng.sample(keys, 1)) if len(right) > 1 else sorted(rng.sample(keys, 2))


def _sit(exam: Exam, user_id: int, ability: float, started: datetime, rng: random.Random) -> Attempt:
    from lawexam.auth.models import User

    user = db.session.get(User, user_id)
    attempt, _created = attempts.start_attempt(exam, user, started)
    db.session.flush()
    versions = {v.id: v for v in db.session.scalars(select(QuestionVersion).where(
        QuestionVersion.id.in_([s["version_id"] for s in attempt.paper])))}
    rows = []
    for slot in attempt.paper:
        version = versions[slot["version_id"]]
        if rng.random() < 0.02:
            continue  # left blank
        right = rng.random() < ability + (0.15 if version.difficulty <= 2 else -0.1 if version.difficulty >= 4 else 0)
        answer = _right_answer(version, slot["option_order"]) if right else _wrong_answer(version, slot["option_order"], rng)
        rows.append({"attempt_id": attempt.id, "slot": slot["slot"], "answer": answer, "seq": 1,
                     "flagged": False, "saved_at": started + timedelta(minutes=rng.randint(1, 40))})
    if rows:
        db.session.execute(insert(AttemptAnswer), rows)
    used = timedelta(minutes=rng.randint(18, 55), seconds=rng.randint(0, 59))
    return attempts.finish_attempt(attempt.id, started + used, AttemptState.SUBMITTED)


def build_demo_exams(town: OrgUnit, now: datetime, seed: int = 98) -> dict[str, int]:
    rng = random.Random(seed)
    open_exam = _exam(f"{now.year}年度学法用法考试（全镇）", town, now - timedelta(days=1), now + timedelta(days=29),
                      "闭卷、独立完成。考试时间 60 分钟，满分 100 分，60 分合格。请在网络稳定处作答；"
                      "断网时答案会先保存在手机上，恢复网络后自动提交。")
    # The first sitting of the year, in spring.
    opens = datetime(now.year, 3, 12, 0, 30, tzinfo=timezone.utc)
    spring = _exam(f"{now.year}年上半年无纸化学法考试", town, opens, opens + timedelta(days=7),
                   "每人一次机会，成绩当场公布，考试结束后可查看解析。")
    from lawexam.exams.audience import enrolled_query

    enrolled = [u.id for u in db.session.scalars(enrolled_query(spring))]
    takers = rng.sample(enrolled, min(TAKERS, len(enrolled)))
    for n, user_id in enumerate(takers):
        ability = min(0.97, max(0.35, rng.gauss(0.74, 0.12)))
        _sit(spring, user_id, ability, opens + timedelta(hours=2, minutes=n * 7), rng)
    failed = [a.user_id for a in db.session.scalars(select(Attempt).where(
        Attempt.exam_id == spring.id, Attempt.passed.is_(False)))]
    makeup = services.create_makeup(spring, opens + timedelta(days=14), opens + timedelta(days=21), None)
    services.publish(makeup, None)
    for n, user_id in enumerate(failed):
        _sit(makeup, user_id, min(0.95, rng.gauss(0.78, 0.06)), opens + timedelta(days=14, hours=3, minutes=n * 11), rng)
    db.session.flush()
    return {"open_exam": open_exam.id, "spring_exam": spring.id, "makeup_exam": makeup.id,
            "enrolled": len(enrolled), "took_part": len(takers), "failed_first": len(failed)}
