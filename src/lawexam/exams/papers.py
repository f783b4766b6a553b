"""From an exam's blueprint and the bank to a frozen paper."""
from __future__ import annotations

import random
from typing import Any

from sqlalchemy import and_, insert, or_, select, union_all

from lawexam.exams.composition import Blueprint, Candidate, Feasibility, FixedItem, InfeasiblePaper, PaperSlot, \
    Rule, check_feasibility, draw_paper
from lawexam.exams.models import Exam, ExamPoolEntry
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


def candidate(row: list[Any]) -> Candidate:
    return Candidate(question_id=row[0], version_id=row[1], module=str(row[2]), tags=frozenset(row[7]),
                     type=row[3], difficulty=row[4], option_keys=tuple(row[5]))


def candidates(rows: list[list[Any]]) -> list[Candidate]:
    return [candidate(row) for row in rows]


_POOL_COLUMNS = (ExamPoolEntry.question_id, ExamPoolEntry.version_id, ExamPoolEntry.module_id, ExamPoolEntry.type,
                 ExamPoolEntry.difficulty, ExamPoolEntry.option_keys, ExamPoolEntry.blanks, ExamPoolEntry.tags)


def _frozen_rows(exam: Exam, parts: list[Any] | None = None) -> list[list[Any]]:
    """The frozen pool's rows, or only those matching any of ``parts``. Each part is queried on
    its own and the results joined (UNION ALL): a single OR of them makes SQLite scan the
    whole pool instead of seeking the primary key."""
    def query(where: Any = None) -> Any:
        base = select(*_POOL_COLUMNS).where(ExamPoolEntry.exam_id == exam.id)
        return base if where is None else base.where(where)

    statement = query() if not parts else union_all(*(query(part) for part in parts))
    seen: dict[int, list[Any]] = {}
    # Plain rows, not ORM objects: every start reads a few hundred of them.
    for qid, vid, module_id, type_, difficulty, option_keys, blanks, tags in sorted(
            db.session.execute(statement), key=lambda row: (row[0], row[1])):
        if qid not in seen:
            seen[qid] = [qid, vid, module_id, type_, difficulty, list(option_keys), blanks, list(tags or ())]
    return list(seen.values())


def _current_rows(exam: Exam) -> list[list[Any]]:
    return _frozen_rows(exam) if exam.pool_sizes is not None else _pool_rows(exam)


def feasibility(exam: Exam) -> Feasibility:
    return check_feasibility(blueprint_for(exam), candidates(_current_rows(exam)))


def sample_paper(exam: Exam, seed: int | None = None) -> tuple[PaperSlot, ...]:
    return draw_paper(blueprint_for(exam), candidates(_current_rows(exam)), random.Random(seed))


def freeze(exam: Exam) -> None:
    """Capture each rule's pool (and the fixed items) once, at the first start."""
    if exam.pool_sizes is not None:
        return
    rows = _pool_rows(exam)
    blueprint = blueprint_for(exam)
    built = candidates(rows)
    fixed_ids = {f.question_id for f in blueprint.fixed}
    groups = [[row for row, c in zip(rows, built) if rule.matches(c)] for rule in blueprint.rules]
    groups.append([row for row in rows if row[0] in fixed_ids])
    entries = []
    for index, group in enumerate(groups):
        rule_index = index if index < len(blueprint.rules) else -1
        entries += [{"exam_id": exam.id, "rule_index": rule_index, "ordinal": ordinal, "question_id": row[0],
                     "version_id": row[1], "module_id": row[2], "type": row[3], "difficulty": row[4],
                     "option_keys": "".join(row[5]), "blanks": row[6], "tags": row[7]}
                    for ordinal, row in enumerate(group)]
    for start in range(0, len(entries), 2000):
        db.session.execute(insert(ExamPoolEntry), entries[start:start + 2000])
    exam.pool_sizes = [len(group) for group in groups[:-1]]


def _sampled_rows(exam: Exam, rng: random.Random) -> list[list[Any]]:
    picks = [ExamPoolEntry.rule_index == -1]
    for index, (rule, size) in enumerate(zip(exam.rules, exam.pool_sizes or [])):
        # Three times the count leaves room for rules whose pools overlap.
        ordinals = rng.sample(range(size), min(size, 3 * rule.count + 10))
        picks.append(and_(ExamPoolEntry.rule_index == index, ExamPoolEntry.ordinal.in_(ordinals)))
    return _frozen_rows(exam, picks)


def draw(exam: Exam, seed: int) -> list[dict[str, Any]]:
    """The paper for one attempt, as stored with it: enough to validate answers without
    loading the questions again."""
    rng = random.Random(seed)
    blueprint = blueprint_for(exam)
    rows = _sampled_rows(exam, rng)
    try:
        slots = draw_paper(blueprint, candidates(rows), rng)
    except InfeasiblePaper:
        # Heavily overlapping rules can defeat the sample; the whole pool always works
        # when the exam could be published.
        rows = _frozen_rows(exam)
        slots = draw_paper(blueprint, candidates(rows), rng)
    by_id = {row[0]: row for row in rows}
    return [{"slot": s.slot, "question_id": s.question_id, "version_id": s.version_id, "points": s.points,
             "option_order": list(s.option_order), "type": by_id[s.question_id][3],
             "blanks": by_id[s.question_id][6]} for s in slots]
