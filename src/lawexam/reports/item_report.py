"""Item analysis for one exam: loads the exam's finished attempts and their answers (one query
each), maps every choice back to the question's original options, and hands plain numbers to
the pure ``item_stats`` module.

Each finished, non-voided attempt of the exam (of people in the viewer's scope) is one
response record; its total is the attempt's score. Papers may be drawn at random from a
pool, so each question is analysed over the attempts whose paper held it (``n`` per
question). The test's reliability (KR-20 / Cronbach's alpha) is computed over the questions
when every paper holds the same questions, and otherwise over the paper's positions (slot 1,
slot 2, …): for papers drawn at random that is the reliability of a randomly drawn paper.

An exam with more than ``SAMPLE_LIMIT`` finished attempts is analysed on an evenly spread,
fixed sample of them (every k-th attempt id), and the page says so.
"""
from __future__ import annotations

import gc
import json
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import Text, cast, func, select

from lawexam.auth.models import User
from lawexam.exams.composition import CHOICE_TYPES, InvalidResponse, map_response_to_original
from lawexam.exams.models import Attempt, AttemptAnswer, Exam
from lawexam.extensions import db
from lawexam.questions.models import QuestionVersion
from lawexam.questions.richtext import html_to_text
from lawexam.reports import item_stats
from lawexam.reports.exam_report import FINISHED
from lawexam.reports.item_stats import ExamineeRow, ItemFlag, ItemSpec, ItemStats
from lawexam.reports.scope import ReportFilter, ReportScope, people_conditions

TYPE_ORDER = {"single": 0, "multiple": 1, "truefalse": 2, "fill": 3}
# Above this many finished attempts (a district-wide exam; a town's never has so many) an
# evenly spread sample is analysed, so the page answers within a second: decoding each
# attempt's frozen paper is the cost. 500 examinees are enough for classical item statistics
# (the standard error of a facility over 500 answers is at most 0.022). The app setting
# ``LAWEXAM_ITEM_ANALYSIS_SAMPLE`` changes it (0: never sample).
SAMPLE_LIMIT = 500
STEM_CHARS = 80


@dataclass(frozen=True)
class ItemRow:
    number: int
    question_id: int
    version_id: int
    type: str
    stem: str
    points: float
    n: int
    stats: ItemStats
    option_texts: dict[str, str]

    @property
    def flags(self) -> list[ItemFlag]:
        order = [ItemFlag.TOO_EASY, ItemFlag.TOO_HARD, ItemFlag.LOW_DISCRIMINATION,
                 ItemFlag.NEGATIVE_DISCRIMINATION, ItemFlag.UNUSED_DISTRACTOR]
        return [f for f in order if f in self.stats.flags]


@dataclass(frozen=True)
class ItemReport:
    exam: Exam
    attempts: int   # analysed (a sample when the exam has more than SAMPLE_LIMIT)
    finished: int   # finished, non-voided attempts in view
    questions: int
    paper_length: int
    mean: float | None
    sd: float | None
    kr20: float | None
    alpha: float | None
    same_paper: bool
    items: list[ItemRow]

    @property
    def sampled(self) -> bool:
        return self.attempts < self.finished

    @property
    def flagged(self) -> int:
        return sum(1 for item in self.items if item.stats.flags)


class _ChoiceMapper:
    """Display-key answers to original option keys, through ``map_response_to_original``.

    Answers arrive as their stored JSON text; the same (type, option order, answer) recurs
    thousands of times in an exam (24 orders of 4 options), so each is decoded and mapped once.
    """

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str, str], frozenset[str] | None] = {}

    def chosen(self, qtype: str, option_order: list[str], raw: str | None,
               keys: tuple[str, ...]) -> frozenset[str] | None:
        if raw is None:
            return None
        key = (qtype, "".join(option_order), raw)
        try:
            return self._seen[key]
        except KeyError:
            pass
        try:
            answer = json.loads(raw)
            original = map_response_to_original(qtype, option_order, answer)
        except (ValueError, InvalidResponse):
            original = None  # saved against a paper it does not fit: counted as blank
        picked = frozenset([original] if isinstance(original, str) else original or ()) & frozenset(keys)
        self._seen[key] = picked or None
        return picked or None


@dataclass(frozen=True)
class _Version:
    id: int
    question_id: int
    type: str
    stem: str
    options: list[dict[str, str]]
    answer: Any


def _versions(version_ids: set[int]) -> dict[int, _Version]:
    if not version_ids:
        return {}
    rows = db.session.execute(select(QuestionVersion.id, QuestionVersion.question_id, QuestionVersion.type,
                                     QuestionVersion.stem, QuestionVersion.options, QuestionVersion.answer)
                              .where(QuestionVersion.id.in_(sorted(version_ids))))
    return {row[0]: _Version(*row) for row in rows}


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while the papers are decoded and analysed: the work
    allocates hundreds of thousands of small containers (and no cycles), which otherwise sets
    off collection after collection (a third of the time). Reference counting still frees."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def sample_limit_setting() -> int | None:
    """The sample size the app is configured for (None: never sample)."""
    if not has_app_context():
        return SAMPLE_LIMIT
    value = current_app.config.get("LAWEXAM_ITEM_ANALYSIS_SAMPLE", SAMPLE_LIMIT)
    return int(value) or None


def item_report(exam: Exam, scope: ReportScope, criteria: ReportFilter,
                sample_limit: int | None = SAMPLE_LIMIT) -> ItemReport:
    """The item analysis; ``sample_limit`` None analyses every attempt."""
    with _collector_paused():
        return _item_report(exam, scope, criteria, sample_limit)


def _item_report(exam: Exam, scope: ReportScope, criteria: ReportFilter, sample_limit: int | None) -> ItemReport:
    conditions = [Attempt.exam_id == exam.id, Attempt.state.in_(FINISHED), *people_conditions(scope, criteria)]
    finished = int(db.session.scalar(select(func.count()).select_from(Attempt).join(User, User.id == Attempt.user_id)
                                     .where(*conditions)) or 0)
    step = 1
    if sample_limit and finished > sample_limit:
        # A fixed, evenly spread sample (every step-th attempt id): the same page every time.
        step = -(-finished // sample_limit)
        conditions.append(Attempt.id % step == 0)
    # Plain rows through the connection: these are the two big reads of the report.
    connection = db.session.connection()
    # Papers and results as stored text, decoded here: twice as fast as the JSON column type.
    attempts = [(attempt_id, score, json.loads(paper) if paper else [], json.loads(results) if results else [])
                for attempt_id, score, paper, results in connection.execute(
                    select(Attempt.id, Attempt.score, cast(Attempt.paper, Text), cast(Attempt.results, Text))
                    .join(User, User.id == Attempt.user_id).where(*conditions).order_by(Attempt.id))]
    # Every saved answer of those attempts, in one query, as stored JSON text.
    answers: dict[int, dict[int, str]] = defaultdict(dict)
    for attempt_id, slot, raw in connection.execute(
            select(AttemptAnswer.attempt_id, AttemptAnswer.slot, cast(AttemptAnswer.answer, Text))
            .join(Attempt, Attempt.id == AttemptAnswer.attempt_id).join(User, User.id == Attempt.user_id)
            .where(*conditions)).all():
        answers[attempt_id][slot] = raw

    versions = _versions({int(s["version_id"]) for _a, _s, paper, _r in attempts for s in paper or ()})
    specs: dict[int, ItemSpec] = {}
    for version in versions.values():
        keys = tuple(o["key"] for o in version.options or ()) if version.type in CHOICE_TYPES else ()
        correct = version.answer if version.type == "multiple" else [version.answer] if version.type == "single" else []
        specs[version.id] = ItemSpec(version.id, 1.0, keys, frozenset(correct or ()))
    choice_types = {vid: v.type for vid, v in versions.items() if v.type in CHOICE_TYPES}

    mapper = _ChoiceMapper()
    collected: dict[int, list[ExamineeRow]] = {}
    item_points: dict[int, float] = {}
    # Per question version: (choice type or None, its option keys, where its rows go).
    info = {vid: (choice_types.get(vid), spec.option_keys, collected.setdefault(vid, []))
            for vid, spec in specs.items()}
    question_sets: set[frozenset[int]] = set()
    position_rows: list[tuple[float, list[float], list[float]]] = []
    by_version_rows: list[tuple[float, dict[int, float]]] = []
    no_answers: dict[int, str] = {}
    for attempt_id, score, paper, results in attempts:
        total = float(score or 0)
        got_by_slot = {r["slot"]: r["awarded"] for r in results or ()}
        saved = answers.get(attempt_id, no_answers)
        fractions: dict[int, float] = {}
        pos_fractions: list[float] = []
        pos_points: list[float] = []
        for slot in paper or ():  # stored in display order
            version_id = slot["version_id"]
            known = info.get(version_id)
            if known is None:
                continue
            qtype, keys, rows = known
            number = slot["slot"]
            points = slot["points"]
            fraction = got_by_slot.get(number, 0.0) / points if points > 0 else 0.0
            if fraction > 1.0:
                fraction = 1.0
            elif fraction < 0.0:
                fraction = 0.0
            chosen = None if qtype is None else mapper.chosen(qtype, slot["option_order"], saved.get(number), keys)
            rows.append(ExamineeRow(total, (fraction,), (chosen,)))
            item_points.setdefault(version_id, float(points))
            fractions[version_id] = fraction
            pos_fractions.append(fraction)
            pos_points.append(points)
        question_sets.add(frozenset(fractions))
        by_version_rows.append((total, fractions))
        position_rows.append((total, pos_fractions, pos_points))

    items: list[ItemRow] = []
    ordered = sorted((v for v in collected if collected[v]),
                     key=lambda v: (TYPE_ORDER.get(versions[v].type, 9), versions[v].question_id, v))
    for number, version_id in enumerate(ordered, start=1):
        version, rows = versions[version_id], collected[version_id]
        base = specs[version_id]
        spec = ItemSpec(version_id, item_points[version_id], base.option_keys, base.correct_keys)
        stats = item_stats.analyse_items((spec,), rows, validate=False).items[0]  # rows built above
        items.append(ItemRow(number, version.question_id, version_id, version.type,
                             _short(html_to_text(version.stem)), item_points[version_id], len(rows), stats,
                             {o["key"]: o["text"] for o in version.options or ()}))

    same_paper = len(question_sets) == 1 and bool(attempts)
    alpha = kr20 = None
    paper_length = max((len(p) for _t, p, _pts in position_rows), default=0)
    if same_paper and ordered:
        columns = sorted(next(iter(question_sets)))
        col_specs = [ItemSpec(v, item_points[v]) for v in columns]
        matrix = [ExamineeRow(total, tuple(fr[v] for v in columns)) for total, fr in by_version_rows]
        alpha, kr20 = item_stats.reliability(col_specs, matrix)
    elif position_rows and paper_length and all(len(p) == paper_length for _t, p, _pts in position_rows):
        first_points = position_rows[0][2]
        equal = all(pts == first_points for _t, _p, pts in position_rows)
        col_specs = [ItemSpec(i, float(first_points[i]) if equal else 1.0) for i in range(paper_length)]
        matrix = [ExamineeRow(total, tuple(p)) for total, p, _pts in position_rows]
        alpha, kr20 = item_stats.reliability(col_specs, matrix)

    totals = [float(score or 0) for _a, score, _p, _r in attempts]
    n = len(totals)
    mean = sum(totals) / n if n else None
    sd = (sum((t - mean) ** 2 for t in totals) / n) ** 0.5 if n >= 2 and mean is not None else None
    return ItemReport(exam=exam, attempts=n, finished=finished, questions=len(items), paper_length=paper_length,
                      mean=mean, sd=sd, kr20=kr20, alpha=alpha, same_paper=same_paper, items=items)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= STEM_CHARS else text[:STEM_CHARS - 1] + "…"
