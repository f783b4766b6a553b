"""Small banks for the practice and notebook tests."""
from __future__ import annotations

from lawexam.extensions import db
from lawexam.questions import bank
from lawexam.questions.models import Question, QuestionStatus
from lawexam.questions.qtypes import Option, QuestionContent


def single(stem: str, tag: str = "") -> QuestionContent:
    """A single-choice question whose key is B (text 对<stem>)."""
    return QuestionContent("single", f"{stem}：哪一项正确？",
                           (Option("A", f"错甲{stem}"), Option("B", f"对乙{stem}"), Option("C", f"错丙{stem}")),
                           "B", f"解析{stem}{tag}", f"依据{stem}{tag}")


def add_questions(module_code: str, module_name: str, count: int, *, prefix: str, exam_only: bool = False,
                  retired: bool = False, order: int = 1) -> list[Question]:
    module = bank.ensure_module(module_code, module_name, order)
    made = [bank.create_question(bank.QuestionInput(module.id, single(f"{prefix}{n:02d}"), exam_only=exam_only), None)
            for n in range(count)]
    if retired:
        bank.set_status(made, QuestionStatus.RETIRED, None)
    db.session.commit()
    return made


def mixed_bank() -> dict[str, list[Question]]:
    """Two modules of practice questions, plus exam-only and retired ones that practice must
    never show (their stems start with 考试专用 / 已停用)."""
    banks = {
        "civil": add_questions("p-civil", "民法典练习", 8, prefix="民法", order=1),
        "admin": add_questions("p-admin", "行政处罚练习", 6, prefix="行政", order=2),
        "exam_only": add_questions("p-civil", "民法典练习", 4, prefix="考试专用", exam_only=True),
        "retired": add_questions("p-admin", "行政处罚练习", 4, prefix="已停用", retired=True),
    }
    return banks


def module_id(code: str) -> int:
    module = bank.module_by_name(code)
    assert module is not None
    return module.id
