"""Scoring a frozen paper, and choosing which attempt counts.

Per-question grading lives in the question-type registry (``lawexam.questions.qtypes``),
which works in a question's *original* option keys. The browser answers in *display* keys
(the permuted A, B, C… it showed), so every response is first mapped back through the
slot's ``option_order`` (see ``composition.map_response_to_original``).

Rounding: each slot's award is ``points × fraction`` rounded to 2 decimals with
ROUND_HALF_UP in ``Decimal`` (so 2.5 × 1/3 = 0.8333… → 0.83 and 0.125 → 0.13, as a
person marking by hand would). Totals are the exact sum of the rounded slot awards, so the
total on the result page always equals the sum of the lines above it. Points and fractions
enter Decimal through ``str()`` (shortest repr), so a typed 1.1 is 1.1, not 1.1000000000000000888.

Pass mark: in points (not percent), compared to the rounded total, inclusive
(60 of 100 passes with exactly 60.00).

A blank, malformed or invalid response scores 0 for that slot; it never fails the paper,
because the sweep must be able to finish every attempt with whatever was saved.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum

from lawexam.exams.composition import InvalidResponse, map_response_to_original
from lawexam.questions.qtypes import SCORING_RULES, QuestionContent, get_type

__all__ = [
    "CountingPolicy",
    "GradableSlot",
    "PaperResult",
    "SlotResult",
    "choose_counting_attempt",
    "grade_paper",
    "round_points",
]

_CENT = Decimal("0.01")


def _dec(x: float | int | Decimal) -> Decimal:
    return x if isinstance(x, Decimal) else Decimal(str(x))


def round_points(x: float | int | Decimal) -> Decimal:
    """Round to 2 decimals, half up: the one rounding rule for every score."""
    return _dec(x).quantize(_CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class GradableSlot:
    slot: int
    content: QuestionContent
    points: float
    option_order: tuple[str, ...] = ()


@dataclass(frozen=True)
class SlotResult:
    slot: int
    awarded: float
    points: float
    correct: bool  # full marks on this slot
    fraction: float  # what the question type returned, clamped to 0..1


@dataclass(frozen=True)
class PaperResult:
    total: float
    max_total: float
    passed: bool
    slots: tuple[SlotResult, ...]


def _fraction(slot: GradableSlot, raw: object, scoring: str) -> float:
    if raw is None:
        return 0.0
    content = slot.content
    try:
        response = map_response_to_original(content.type, slot.option_order, raw)
    except InvalidResponse:
        return 0.0
    qtype = get_type(content.type)
    if not qtype.is_valid_response(content, response):
        return 0.0
    fraction = float(qtype.grade(content, response, scoring))
    # Defensive: a type returning 1.0000000002 must not award more than the slot is worth.
    return min(1.0, max(0.0, fraction))


def grade_paper(
    slots: Sequence[GradableSlot],
    responses: Mapping[int, object],
    scoring: str,
    pass_mark: float,
) -> PaperResult:
    """Grade every slot of a frozen paper.

    ``responses`` maps slot number → the response as the browser sent it (display keys);
    missing slots are blank. Responses for slot numbers not on the paper are ignored.
    ``scoring`` is passed to each question type (e.g. "all_or_nothing", "proportional").
    """
    # Checked up front: a blank paper never reaches a question type, so a typo in the
    # paper's scoring rule would otherwise go unnoticed until someone answered.
    if scoring not in SCORING_RULES:
        raise ValueError(f"unknown scoring rule {scoring!r}; expected one of {SCORING_RULES}")
    seen: set[int] = set()
    results: list[SlotResult] = []
    total = Decimal(0)
    max_total = Decimal(0)
    for slot in slots:
        if slot.slot in seen:
            raise ValueError(f"slot {slot.slot} appears twice on the paper")
        seen.add(slot.slot)
        if slot.points < 0:
            raise ValueError(f"slot {slot.slot} has negative points")
        points = round_points(slot.points)
        fraction = _fraction(slot, responses.get(slot.slot), scoring)
        awarded = round_points(points * _dec(fraction))
        total += awarded
        max_total += points
        results.append(SlotResult(slot.slot, float(awarded), float(points), fraction == 1.0, fraction))
    return PaperResult(
        total=float(total),
        max_total=float(max_total),
        passed=total >= round_points(pass_mark),
        slots=tuple(results),
    )


class CountingPolicy(str, Enum):
    HIGHEST = "highest"
    LATEST = "latest"


def choose_counting_attempt(
    scores: Sequence[tuple[datetime, float]], policy: CountingPolicy | str
) -> int | None:
    """Index into ``scores`` of the finished attempt that counts, or None if there is none.

    ``highest``: the best score; among equal best scores the *earliest* finish counts, so
    the date the person first reached that score (e.g. on a certificate) never moves later
    when they repeat it. ``latest``: the last finish; an exact tie in finish time goes to
    the higher score, then the later position in the input.
    Scores compare after 2-decimal rounding, matching what the person was shown.
    """
    policy = CountingPolicy(policy)
    if not scores:
        return None
    keyed = [(round_points(score), at, i) for i, (at, score) in enumerate(scores)]
    if policy is CountingPolicy.HIGHEST:
        # max score, then min finish time, then first in input.
        return min(keyed, key=lambda k: (-k[0], k[1], k[2]))[2]
    return max(keyed, key=lambda k: (k[1], k[0], k[2]))[2]
