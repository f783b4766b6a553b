"""From an exam's blueprint and the bank to a frozen paper."""
from __future__ import annotations

import random
from typing import Any

from sqlalchemy import and_, or_, select

from lawexam.exams.composition import Blueprint, Candidate, Feasibility, FixedItem, PaperSlot, Rule, \
    check_feasibility, draw_paper
from lawexam.exams.models import Exam
from lawexam.extensions import db
from lawexam.questions.models import Question, QuestionStatus, QuestionTag, QuestionVersion
from lawexam.questions.qtypes import count_blanks


def blueprint_for(exam: Exam) -> Blueprint:
    rules = tuple(Rule(modules=frozenset(str(m) for m in r.module_ids), tags=frozenset(r.tags),
                       types=frozenset(r.types), min_difficulty=r.min_difficulty,
                       max_difficulty=r.max_difficulty, count=r.count, points=r.points) for r in exam.rules)
    fixed = tuple(FixedItem(question_id=f.question_id, points=f.points) for f in exam.fixed_items)
    return Blueprint(fixed=fixed, rules=rules, shuffle_questions=exam.shuffle_questions,
                     shuffle_options=exam.shuffle_options)


def _pool_rows(exam: Exam) -> list[list[Any]]:
    """Active questions any rule could draw, plus the fixed ones, with what drawing needs."""
    conditions = []
    for rule in exam.rules:
        parts = [Question.difficulty.between(rule.min_difficulty, rule.max_difficulty)]
        if rule.module_ids:
            parts.append(Question.module_id.in_(rule.module_ids))
        if rule.types:
            parts.append(Question.type.in_(rule.types))
        if rule.tags:
            parts.append(Question.id.in_(select(QuestionTag.question_id).where(QuestionTag.tag.in_(rule.tags))))
        conditions.append(and_(Question.status == QuestionStatus.ACTIVE, *parts))
    fixed_ids = [f.question_id for f in exam.fixed_items]
    if fixed_ids:
        conditions.append(Question.id.in_(fixed_ids))
    if not conditions:
        return []
    rows = db.session.execute(
        select(Question.id, QuestionVersion.id, Question.module_id, QuestionVersion.type,
               QuestionVersion.difficulty, QuestionVersion.options, QuestionVersion.stem)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .where(or_(*conditions)).order_by(Question.id)).all()
    tags: dict[int, list[str]] = {}
    if any(rule.tags for rule in exam.rules):
        for question_id, tag in db.session.execute(select(QuestionTag.question_id, QuestionTag.tag)
                                                   .where(QuestionTag.question_id.in_([r[0] for r in rows]))):
            tags.setdefault(question_id, []).append(tag)
    return [[qid, vid, module_id, type_, difficulty, [o["key"] for o in options or ()],
             count_blanks(stem) if type_ == "fill" else 0, tags.get(qid, [])]
            for qid, vid, module_id, type_, difficulty, options, stem in rows]


def candidates(pool: list[list[Any]]) -> list[Candidate]:
    return [Candidate(question_id=row[0], version_id=row[1], module=str(row[2]), tags=frozenset(row[7]),
                      type=row[3], difficulty=row[4], option_keys=tuple(row[5])) for row in pool]


def feasibility(exam: Exam) -> Feasibility:
    return check_feasibility(blueprint_for(exam), candidates(exam.pool if exam.frozen_at else _pool_rows(exam)))


def sample_paper(exam: Exam, seed: int | None = None) -> tuple[PaperSlot, ...]:
    pool = exam.pool if exam.frozen_at else _pool_rows(exam)
    return draw_paper(blueprint_for(exam), candidates(pool), random.Random(seed))


def freeze(exam: Exam) -> None:
    if exam.pool is None:
        exam.pool = _pool_rows(exam)


def draw(exam: Exam, seed: int) -> list[dict[str, Any]]:
    """The paper for one attempt, as stored with it: enough to validate answers without
    loading the questions again."""
    pool = exam.pool or []
    by_id = {row[0]: row for row in pool}
    slots = draw_paper(blueprint_for(exam), candidates(pool), random.Random(seed))
    return [{"slot": s.slot, "question_id": s.question_id, "version_id": s.version_id, "points": s.points,
             "option_order": list(s.option_order), "type": by_id[s.question_id][3],
             "blanks": by_id[s.question_id][6]} for s in slots]
