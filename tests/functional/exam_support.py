"""Building small banks and exams for the exam tests."""
from __future__ import annotations

from datetime import datetime, timedelta

from lawexam.auth.models import OrgUnit, User
from lawexam.db import utcnow
from lawexam.exams import services
from lawexam.exams.models import AudienceKind, Exam
from lawexam.extensions import db
from lawexam.questions import bank
from lawexam.questions.qtypes import Option, QuestionContent

KEY_MARKERS = ("正确答案标记",)  # text that only ever appears in keys and explanations


def seed_small_bank(per_type: int = 5) -> tuple[int, list[int]]:
    """A module with ``per_type`` questions of each type; returns (module_id, question ids)."""
    module = bank.ensure_module("exam-test", "考试测试模块", 1)
    ids = []
    for n in range(per_type):
        contents = [
            QuestionContent("single", f"单选题{n}：哪一项对？", (Option("A", f"错甲{n}"), Option("B", f"对乙{n}"),
                            Option("C", f"错丙{n}"), Option("D", f"错丁{n}")), "B", "解析：正确答案标记", "依据"),
            QuestionContent("multiple", f"多选题{n}：哪些对？", (Option("A", f"对甲{n}"), Option("B", f"错乙{n}"),
                            Option("C", f"对丙{n}")), ("A", "C"), "解析：正确答案标记", "依据"),
            QuestionContent("truefalse", f"判断题{n}：这句话是对的。", (), True, "解析：正确答案标记", "依据"),
            QuestionContent("fill", f"填空题{n}：第____条和第____条。", (), (("正确答案标记甲", "甲"), ("乙",)),
                            "解析：正确答案标记", "依据"),
        ]
        for content in contents:
            ids.append(bank.create_question(bank.QuestionInput(module.id, content), None).id)
    db.session.commit()
    return module.id, ids


def make_exam(audience_unit: OrgUnit | None = None, *, people: list[User] = (), per_type: int = 2,
              duration_minutes: int = 30, opens: datetime | None = None, closes: datetime | None = None,
              publish: bool = True, **options: object) -> Exam:
    module_id, _ids = seed_small_bank() if bank.module_by_name("考试测试模块") is None else (
        bank.module_by_name("考试测试模块").id, [])
    now = utcnow()
    audience = [(AudienceKind.UNIT, str(audience_unit.id))] if audience_unit else []
    audience += [(AudienceKind.PERSON, str(p.id)) for p in people]
    data = services.ExamInput(
        title="测试考试", opens_at=opens or now - timedelta(minutes=5), closes_at=closes or now + timedelta(days=1),
        duration_minutes=duration_minutes, pass_mark=per_type * 4 * 0.6 * 2.5,
        rules=[services.RuleInput(count=per_type, points=2.5, module_ids=[module_id], types=[t])
               for t in ("single", "multiple", "truefalse", "fill")],
        audience=audience, **options)
    exam = services.create_exam(data, None)
    if publish:
        services.publish(exam, None)
    db.session.commit()
    return exam


def correct_display_answer(slot: dict) -> object:
    """The right answer in the keys the browser sees (for the small bank above)."""
    order = slot["option_order"]
    display = "ABCDEFGH"
    if slot["type"] == "single":
        return display[order.index("B")]
    if slot["type"] == "multiple":
        return sorted(display[order.index(k)] for k in ("A", "C"))
    if slot["type"] == "truefalse":
        return True
    return ["甲", "乙"]
