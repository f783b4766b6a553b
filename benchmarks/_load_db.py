"""Seeding and checking the load benchmark's database; run in a child process so the app reads
the benchmark's environment (``LAWEXAM_DATABASE_URL`` …) exactly as the server does.

    python benchmarks/_load_db.py seed EXAMINEES BANK_SIZE EXTRA PASSWORD   -> prints the exam id
    python benchmarks/_load_db.py verify ACKED.json                         -> prints JSON figures
"""
from __future__ import annotations

import json
import sys
from datetime import timedelta

from sqlalchemy import insert, select

from lawexam import create_app
from lawexam.auth.models import Category, OrgUnit, Role, UnitKind, User, UserCategory, UserRole
from lawexam.auth.passwords import hash_password
from lawexam.db import utcnow
from lawexam.exams import services
from lawexam.exams.models import Attempt, AttemptAnswer, AttemptState, AudienceKind
from lawexam.extensions import db
from lawexam.questions import bank
from lawexam.questions.qtypes import Option, QuestionContent

MODULES = 5


def _question(n: int) -> QuestionContent:
    options = (Option("A", f"甲{n}"), Option("B", f"乙{n}"), Option("C", f"丙{n}"), Option("D", f"丁{n}"))
    kind = n % 3
    if kind == 0:
        return QuestionContent("single", f"第{n}题：依照规定，下列哪一项正确？", options, "B", "解析", "依据")
    if kind == 1:
        return QuestionContent("multiple", f"第{n}题：下列哪些做法符合规定？", options, ("A", "C"), "解析", "依据")
    return QuestionContent("truefalse", f"第{n}题：该说法正确。", (), True, "解析", "依据")


def _people(unit_id: int, accounts: list[str], password_hash: str) -> None:
    if not accounts:
        return
    now = utcnow()
    rows = [{"account": account, "real_name": f"考生{account[-5:]}", "unit_id": unit_id, "password_hash": password_hash,
             "must_change_password": False, "active": True, "created_at": now} for account in accounts]
    ids = list(db.session.scalars(insert(User).returning(User.id, sort_by_parameter_order=True), rows))
    db.session.execute(insert(UserCategory), [{"user_id": i, "category": Category.CADRE} for i in ids])
    db.session.execute(insert(UserRole), [{"user_id": i, "role": Role.EXAMINEE} for i in ids])


def seed(examinees: int, bank_size: int, extra: int, password: str) -> int:
    modules = [bank.ensure_module(f"bench-{i}", f"压测模块{i}", i) for i in range(MODULES)]
    items = [bank.NewQuestion(bank.QuestionInput(modules[n % MODULES].id, bank.clean_content(_question(n))))
             for n in range(bank_size)]
    for start in range(0, len(items), 1000):
        bank.bulk_create(items[start:start + 1000], None)
    town = OrgUnit(name="压测镇", kind=UnitKind.TOWN)
    db.session.add(town)
    db.session.flush()
    # One real (production-strength) hash shared by everyone: hashing 2,000 is not the test.
    password_hash = hash_password(password)
    _people(town.id, [f"bench{i:05d}" for i in range(examinees)], password_hash)
    _people(town.id, [f"satur{i:05d}" for i in range(extra)], password_hash)
    now = utcnow()
    exam = services.create_exam(services.ExamInput(
        title="压测考试", opens_at=now - timedelta(minutes=1), closes_at=now + timedelta(hours=6),
        duration_minutes=240, pass_mark=60,
        rules=[services.RuleInput(count=10, points=2, module_ids=[m.id]) for m in modules],
        audience=[(AudienceKind.UNIT, str(town.id))]), None)
    services.publish(exam, None)
    db.session.commit()
    return exam.id


def verify(acked: dict) -> dict[str, int]:
    """Every acknowledged save is stored (or overtaken by a later one); every acknowledged
    submit left its attempt finished and graded exactly once."""
    stored = {(a, s): (seq, answer) for a, s, seq, answer in db.session.execute(
        select(AttemptAnswer.attempt_id, AttemptAnswer.slot, AttemptAnswer.seq, AttemptAnswer.answer))}
    lost = 0
    for attempt_id, slot, seq, answer in acked["saves"]:
        have = stored.get((attempt_id, slot))
        if have is None or have[0] < seq or (have[0] == seq and have[1] != answer):
            lost += 1
    attempts = {row.id: row for row in db.session.execute(
        select(Attempt.id, Attempt.state, Attempt.graded_at, Attempt.score))}
    not_graded = sum(1 for a in acked["submitted"]
                     if attempts[a].state != AttemptState.SUBMITTED or attempts[a].graded_at is None)
    return {"lost": lost, "not_graded_once": not_graded + acked["inconsistent_submits"],
            "attempts": len(attempts), "stored_answers": len(stored)}


def main() -> None:
    app = create_app()
    with app.app_context():
        if sys.argv[1] == "seed":
            print(seed(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]))
        else:
            with open(sys.argv[2], encoding="utf-8") as handle:
                print(json.dumps(verify(json.load(handle))))


if __name__ == "__main__":
    main()
