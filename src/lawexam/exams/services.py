"""Defining exams and moving them through their lifecycle (draft → published → archived)."""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from lawexam.audit import services as audit
from lawexam.auth.models import User
from lawexam.errors import InvalidInput, NotFound
from lawexam.exams import papers
from lawexam.exams.audience import enrolled_query
from lawexam.exams.models import (
    AnswerRelease, Attempt, AttemptState, AudienceKind, CountingPolicy, Exam, ExamAudience, ExamFixedItem,
    ExamRule, ExamStatus, ScoreRelease,
)
from lawexam.extensions import db
from lawexam.i18n import _
from lawexam.questions.qtypes import SCORING_RULES

_JOIN_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


@dataclass
class RuleInput:
    count: int
    points: float
    module_ids: list[int] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    min_difficulty: int = 1
    max_difficulty: int = 5


@dataclass
class ExamInput:
    title: str
    opens_at: datetime
    closes_at: datetime
    duration_minutes: int
    pass_mark: float
    rules_text: str = ""
    attempts_allowed: int = 1
    counting: CountingPolicy = CountingPolicy.HIGHEST
    shuffle_questions: bool = True
    shuffle_options: bool = True
    scoring: str = "all_or_nothing"
    score_release: ScoreRelease = ScoreRelease.AT_ONCE
    answer_release: AnswerRelease = AnswerRelease.AFTER_CLOSE
    rules: list[RuleInput] = field(default_factory=list)
    fixed: list[tuple[int, float]] = field(default_factory=list)  # (question_id, points)
    audience: list[tuple[AudienceKind, str]] = field(default_factory=list)


def get_exam(exam_id: int) -> Exam:
    exam = db.session.get(Exam, exam_id)
    if exam is None:
        raise NotFound(_("No such exam."))
    return exam


def _new_join_code() -> str:
    while True:
        code = "".join(secrets.choice(_JOIN_ALPHABET) for _ in range(6))
        if db.session.scalar(select(Exam.id).where(Exam.join_code == code)) is None:
            return code


def _check(data: ExamInput) -> None:
    title = data.title.strip()
    if not title or len(title) > 120:
        raise InvalidInput(_("Give the exam a title of at most 120 characters."), field="title")
    if data.closes_at <= data.opens_at:
        raise InvalidInput(_("The window must close after it opens."), field="closes_at")
    if not 1 <= data.duration_minutes <= 24 * 60:
        raise InvalidInput(_("The duration is 1 to 1440 minutes."), field="duration_minutes")
    if not 1 <= data.attempts_allowed <= 10:
        raise InvalidInput(_("Allow 1 to 10 attempts."), field="attempts_allowed")
    if data.scoring not in SCORING_RULES:
        raise InvalidInput(_("Choose how multiple-choice questions are scored."), field="scoring")
    for number, rule in enumerate(data.rules, start=1):
        if rule.count < 1 or rule.points <= 0:
            raise InvalidInput(_("Rule %(num)d needs a count of at least 1 and positive points.", num=number),
                               field="rules")
        if not 1 <= rule.min_difficulty <= rule.max_difficulty <= 5:
            raise InvalidInput(_("Rule %(num)d has an impossible difficulty range.", num=number), field="rules")
    if any(points <= 0 for _qid, points in data.fixed):
        raise InvalidInput(_("Every fixed question needs positive points."), field="fixed")
    repeated = sorted({q for q, _p in data.fixed if [f for f, _p2 in data.fixed].count(q) > 1})
    if repeated:
        raise InvalidInput(_("Fixed question No. %(ids)s is listed more than once.",
                             ids="、".join(str(q) for q in repeated)), field="fixed")
    if data.fixed:
        from lawexam.questions.models import Question

        wanted = {q for q, _p in data.fixed}
        unknown = sorted(wanted - set(db.session.scalars(select(Question.id).where(Question.id.in_(wanted)))))
        if unknown:
            raise InvalidInput(_("The bank has no question No. %(ids)s.", ids="、".join(str(q) for q in unknown)),
                               field="fixed")
    if not data.rules and not data.fixed:
        raise InvalidInput(_("Add at least one rule or one fixed question."), field="rules")
    total = sum(r.count * r.points for r in data.rules) + sum(p for _q, p in data.fixed)
    if not 0 < data.pass_mark <= total:
        raise InvalidInput(_("The pass mark must be above 0 and at most the total of %(total)s points.",
                             total=f"{total:g}"), field="pass_mark")


def _apply(exam: Exam, data: ExamInput) -> None:
    exam.title, exam.rules_text = data.title.strip(), data.rules_text.strip()
    exam.opens_at, exam.closes_at = data.opens_at, data.closes_at
    exam.duration_s = data.duration_minutes * 60
    exam.pass_mark, exam.attempts_allowed, exam.counting = data.pass_mark, data.attempts_allowed, data.counting
    exam.shuffle_questions, exam.shuffle_options = data.shuffle_questions, data.shuffle_options
    exam.scoring, exam.score_release, exam.answer_release = data.scoring, data.score_release, data.answer_release
    exam.rules = [ExamRule(position=i, count=r.count, points=r.points, module_ids=list(r.module_ids),
                           tags=list(r.tags), types=list(r.types), min_difficulty=r.min_difficulty,
                           max_difficulty=r.max_difficulty) for i, r in enumerate(data.rules)]
    # Rows that stay are kept (not deleted and inserted again): the unit of work inserts before it
    # deletes, so re-creating an unchanged row would break the (exam, kind, value) and
    # (exam, question) unique constraints on every edit that keeps them.
    fixed = {f.question_id: f for f in exam.fixed_items}
    exam.fixed_items = [_reuse(fixed.get(q), ExamFixedItem, question_id=q, position=i, points=p)
                        for i, (q, p) in enumerate(data.fixed)]
    audience = {(a.kind, a.value): a for a in exam.audience}
    exam.audience = [audience.get((AudienceKind(k), str(v))) or ExamAudience(kind=k, value=str(v))
                     for k, v in dict.fromkeys((AudienceKind(k), str(v)) for k, v in data.audience)]


def _reuse(row, model, **values):  # noqa: ANN001, ANN202 - a row of ``model`` or None
    row = row or model()
    for name, value in values.items():
        setattr(row, name, value)
    return row


def create_exam(data: ExamInput, actor: User | None, *, makeup_of: Exam | None = None) -> Exam:
    _check(data)
    exam = Exam(status=ExamStatus.DRAFT, join_code=_new_join_code(), created_by=actor.id if actor else None,
                makeup_of_id=makeup_of.id if makeup_of else None)
    _apply(exam, data)
    db.session.add(exam)
    db.session.flush()
    audit.record("exam.created", object_type="exam", object_id=exam.id, summary=exam.title, actor=actor)
    return exam


def update_exam(exam: Exam, data: ExamInput, actor: User | None) -> Exam:
    _check(data)
    if exam.frozen_at is not None:
        # The window, the audience and the texts may still change; the paper may not.
        same_paper = (papers.blueprint_for(exam), exam.pass_mark, exam.scoring) == (
            _blueprint_of(data), data.pass_mark, data.scoring)
        if not same_paper:
            raise InvalidInput(_("People have started this exam, so its paper is frozen. Clone it to change the paper."))
    _apply(exam, data)
    audit.record("exam.updated", object_type="exam", object_id=exam.id, summary=exam.title, actor=actor)
    db.session.flush()
    return exam


def _blueprint_of(data: ExamInput):  # noqa: ANN202 - a Blueprint built from unsaved input
    probe = Exam()
    probe.shuffle_questions, probe.shuffle_options = data.shuffle_questions, data.shuffle_options
    probe.rules = [ExamRule(count=r.count, points=r.points, module_ids=list(r.module_ids), tags=list(r.tags),
                            types=list(r.types), min_difficulty=r.min_difficulty, max_difficulty=r.max_difficulty)
                   for r in data.rules]
    probe.fixed_items = [ExamFixedItem(question_id=q, points=p) for q, p in data.fixed]
    return papers.blueprint_for(probe)


def publish(exam: Exam, actor: User | None) -> None:
    if exam.status != ExamStatus.DRAFT:
        raise InvalidInput(_("Only a draft can be published."))
    report = papers.feasibility(exam)
    if not report.ok:
        raise InvalidInput(_("The paper cannot be drawn: %(problems)s",
                             problems="; ".join(issue.message for issue in report.problems)))
    if db.session.scalar(enrolled_query(exam).limit(1)) is None:
        raise InvalidInput(_("Nobody is enrolled yet: choose the audience first."))
    exam.status = ExamStatus.PUBLISHED
    audit.record("exam.published", object_type="exam", object_id=exam.id, summary=exam.title, actor=actor)
    db.session.flush()


def unpublish(exam: Exam, actor: User | None) -> None:
    if exam.status != ExamStatus.PUBLISHED or exam.frozen_at is not None:
        raise InvalidInput(_("Only a published exam that nobody has started can go back to draft."))
    exam.status = ExamStatus.DRAFT
    audit.record("exam.unpublished", object_type="exam", object_id=exam.id, summary=exam.title, actor=actor)
    db.session.flush()


def close_now(exam: Exam, actor: User | None, now: datetime) -> None:
    if exam.status != ExamStatus.PUBLISHED or now >= exam.closes_at:
        raise InvalidInput(_("Only an open or upcoming exam can be closed."))
    exam.closes_at = max(now, exam.opens_at)
    # Running attempts keep their deadlines capped at the new close.
    for attempt in db.session.scalars(select(Attempt).where(Attempt.exam_id == exam.id,
                                                            Attempt.state == AttemptState.IN_PROGRESS)):
        attempt.deadline = min(attempt.deadline, exam.closes_at)
    audit.record("exam.closed", object_type="exam", object_id=exam.id, summary=exam.title, actor=actor)
    db.session.flush()


def archive(exam: Exam, actor: User | None, now: datetime) -> None:
    if exam.status == ExamStatus.PUBLISHED and now < exam.closes_at:
        raise InvalidInput(_("Close the exam before archiving it."))
    exam.status = ExamStatus.ARCHIVED
    audit.record("exam.archived", object_type="exam", object_id=exam.id, summary=exam.title, actor=actor)
    db.session.flush()


def input_from(exam: Exam) -> ExamInput:
    return ExamInput(
        title=exam.title, opens_at=exam.opens_at, closes_at=exam.closes_at, duration_minutes=exam.duration_s // 60,
        pass_mark=exam.pass_mark, rules_text=exam.rules_text, attempts_allowed=exam.attempts_allowed,
        counting=exam.counting, shuffle_questions=exam.shuffle_questions, shuffle_options=exam.shuffle_options,
        scoring=exam.scoring, score_release=exam.score_release, answer_release=exam.answer_release,
        rules=[RuleInput(r.count, r.points, list(r.module_ids), list(r.tags), list(r.types), r.min_difficulty,
                         r.max_difficulty) for r in exam.rules],
        fixed=[(f.question_id, f.points) for f in exam.fixed_items],
        audience=[(a.kind, a.value) for a in exam.audience])


def clone(exam: Exam, actor: User | None) -> Exam:
    data = input_from(exam)
    data.title = _("%(title)s (copy)", title=exam.title)[:120]
    copy = create_exam(data, actor)
    audit.record("exam.cloned", object_type="exam", object_id=copy.id, summary=exam.title,
                 details={"from": exam.id}, actor=actor)
    return copy


def makeup_candidates(exam: Exam) -> list[User]:
    """Enrolled people who failed or did not finish the exam (voided attempts don't count)."""
    finished = {a.user_id: a for a in db.session.scalars(select(Attempt).where(
        Attempt.exam_id == exam.id, Attempt.state.in_([AttemptState.SUBMITTED, AttemptState.OVERDUE]),
        Attempt.passed.is_(True)))}
    return [u for u in db.session.scalars(enrolled_query(exam)) if u.id not in finished]


def create_makeup(exam: Exam, opens_at: datetime, closes_at: datetime, actor: User | None) -> Exam:
    if exam.makeup_of_id is not None:
        raise InvalidInput(_("A make-up exam cannot have a make-up of its own; make one for the main exam."))
    people = makeup_candidates(exam)
    if not people:
        raise InvalidInput(_("Everyone enrolled has passed; no make-up exam is needed."))
    data = input_from(exam)
    data.title = _("%(title)s (make-up)", title=exam.title)[:120]
    data.opens_at, data.closes_at = opens_at, closes_at
    data.audience = [(AudienceKind.PERSON, str(u.id)) for u in people]
    makeup = create_exam(data, actor, makeup_of=exam)
    audit.record("exam.makeup_created", object_type="exam", object_id=makeup.id, summary=makeup.title,
                 details={"main_exam": exam.id, "people": len(people)}, actor=actor)
    return makeup


# ---- what officers see of an exam: attendance figures, named people ------------------------

@dataclass(frozen=True)
class Attendance:
    """People, not attempts: ``started`` counts anyone with an attempt that was not voided,
    ``submitted`` anyone with a finished one, ``passed`` anyone whose counting attempt passed."""

    enrolled: int = 0
    started: int = 0
    in_progress: int = 0
    submitted: int = 0
    passed: int = 0


def enrolled_count(exam: Exam) -> int:
    from sqlalchemy import func

    return db.session.scalar(select(func.count()).select_from(enrolled_query(exam).order_by(None).subquery())) or 0


def attendance(exams: list[Exam]) -> dict[int, Attendance]:
    """The figures for each exam, from one pass over their attempts."""
    from lawexam.exams.grading import choose_counting_attempt

    by_exam = {exam.id: exam for exam in exams}
    rows = db.session.execute(select(Attempt.exam_id, Attempt.user_id, Attempt.state, Attempt.finished_at,
                                     Attempt.score, Attempt.passed)
                              .where(Attempt.exam_id.in_(list(by_exam)), Attempt.state != AttemptState.VOIDED)
                              .order_by(Attempt.exam_id, Attempt.user_id, Attempt.number)).all()
    started: dict[int, set[int]] = {}
    running: dict[int, set[int]] = {}
    finished: dict[int, dict[int, list[tuple[datetime, float, bool]]]] = {}
    for exam_id, user_id, state, finished_at, score, passed in rows:
        started.setdefault(exam_id, set()).add(user_id)
        if state == AttemptState.IN_PROGRESS:
            running.setdefault(exam_id, set()).add(user_id)
        elif finished_at is not None:
            finished.setdefault(exam_id, {}).setdefault(user_id, []).append((finished_at, score or 0.0, bool(passed)))
    result = {}
    for exam_id, exam in by_exam.items():
        passed_people = 0
        for sittings in finished.get(exam_id, {}).values():
            index = choose_counting_attempt([(at, score) for at, score, _ok in sittings], exam.counting.value)
            passed_people += index is not None and sittings[index][2]
        result[exam_id] = Attendance(enrolled=enrolled_count(exam), started=len(started.get(exam_id, ())),
                                     in_progress=len(running.get(exam_id, ())),
                                     submitted=len(finished.get(exam_id, {})), passed=passed_people)
    return result


def people_by_accounts(accounts: list[str]) -> list[User]:
    """The active people with these accounts, in the order given; refuses unknown accounts."""
    wanted = list(dict.fromkeys(a.strip() for a in accounts if a.strip()))
    if not wanted:
        return []
    found = {u.account: u for u in db.session.scalars(select(User).where(User.account.in_(wanted)))}
    unknown = [a for a in wanted if a not in found or not found[a].active]
    if unknown:
        raise InvalidInput(_("No active person has the account %(accounts)s.", accounts="、".join(unknown[:20])),
                           field="people")
    return [found[a] for a in wanted]
