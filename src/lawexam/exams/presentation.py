"""The paper as the examinee's browser receives it: stems and permuted options, no keys."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from lawexam.exams.composition import DISPLAY_KEYS, original_to_display
from lawexam.exams.models import Attempt, AttemptAnswer
from lawexam.extensions import db
from lawexam.questions.models import QuestionVersion
from lawexam.questions.qtypes import Option, QuestionContent


def _versions(attempt: Attempt) -> dict[int, QuestionVersion]:
    ids = [s["version_id"] for s in attempt.paper]
    return {v.id: v for v in db.session.scalars(select(QuestionVersion).where(QuestionVersion.id.in_(ids)))}


def _shown_columns(attempt: Attempt) -> dict[int, Any]:
    """Only what the browser is shown (no key): a start sends this for every question."""
    ids = [s["version_id"] for s in attempt.paper]
    return {row.id: row for row in db.session.execute(
        select(QuestionVersion.id, QuestionVersion.type, QuestionVersion.stem, QuestionVersion.options,
               QuestionVersion.difficulty).where(QuestionVersion.id.in_(ids)))}


def displayed_content(version: Any, option_order: list[str]) -> QuestionContent:
    """The question with its options re-lettered in display order and the key removed."""
    text = {o["key"]: o["text"] for o in version.options or ()}
    options = tuple(Option(DISPLAY_KEYS[i], text[key]) for i, key in enumerate(option_order))
    return QuestionContent(type=version.type, stem=version.stem, options=options, answer=None,
                           explanation="", basis="", difficulty=version.difficulty)


def paper_contents(attempt: Attempt) -> list[tuple[dict[str, Any], QuestionContent]]:
    versions = _shown_columns(attempt)
    return [(slot, displayed_content(versions[slot["version_id"]], slot["option_order"])) for slot in attempt.paper]


def paper_for_browser(attempt: Attempt) -> list[dict[str, Any]]:
    return [{"slot": slot["slot"], "type": content.type, "stem": content.stem, "points": slot["points"],
             "blanks": slot.get("blanks", 0),
             "options": [{"key": o.key, "text": o.text} for o in content.options]}
            for slot, content in paper_contents(attempt)]


# ---- review of a finished attempt (keys allowed) ---------------------------------------------

@dataclass(frozen=True)
class ReviewItem:
    """One question of a finished attempt as the review page shows it. ``key`` is in the
    display letters the person saw (fill: the accepted texts per blank)."""

    slot: dict[str, Any]
    content: QuestionContent  # display-lettered, no key (for the examinee's rendering)
    response: Any
    key: Any
    explanation: str
    basis: str
    awarded: float | None
    points: float
    correct: bool | None


def _display_key(qtype: str, option_order: list[str], answer: Any) -> Any:
    if qtype == "single":
        return original_to_display(option_order, answer)
    if qtype == "multiple":
        return sorted(original_to_display(option_order, k) for k in answer)
    if qtype == "fill":
        return [[text for text in accepted if text.strip()] for accepted in answer]
    return answer


def review_items(attempt: Attempt) -> list[ReviewItem]:
    """Each question with the person's answer, the key, the explanation and the basis.

    Only for a finished attempt; the caller also checks the answer-release policy
    (``results.answers_visible``) before showing any of it."""
    if not attempt.state.finished:
        raise ValueError("keys are shown only for a finished attempt")
    versions = _versions(attempt)
    responses = {row.slot: row.answer for row in db.session.scalars(
        select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt.id))}
    results = {r["slot"]: r for r in attempt.results or ()}
    items = []
    for slot in attempt.paper:
        version = versions[slot["version_id"]]
        full = version.content()
        result = results.get(slot["slot"], {})
        items.append(ReviewItem(
            slot=slot, content=displayed_content(version, slot["option_order"]),
            response=responses.get(slot["slot"]),
            key=_display_key(full.type, slot["option_order"], full.answer),
            explanation=full.explanation, basis=full.basis, awarded=result.get("awarded"),
            points=float(slot["points"]), correct=result.get("correct")))
    return items
