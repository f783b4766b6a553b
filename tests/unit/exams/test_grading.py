"""Unit tests for lawexam.exams.grading, run against the real question-type registry.

Rounding tests swap ``get_type`` for a fixed-fraction stand-in (monkeypatch, test only) so
the rounding rule is checked independently of any question type's scoring rule.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lawexam.exams import grading
from lawexam.exams.composition import DISPLAY_KEYS, original_to_display
from lawexam.exams.grading import (
    CountingPolicy,
    GradableSlot,
    choose_counting_attempt,
    grade_paper,
    round_points,
)
from lawexam.questions.qtypes import Option, QuestionContent, get_type

SCORINGS = ("all_or_nothing", "proportional")


def content(type_: str, answer: object, keys: str = "ABCD") -> QuestionContent:
    options = tuple(Option(key=k, text=f"选项{k}") for k in keys) if type_ in ("single", "multiple") else ()
    return QuestionContent(
        type=type_, stem="题干", options=options, answer=answer,
        explanation="解析", basis="《中华人民共和国宪法》", difficulty=3,
    )


SINGLE = content("single", "B")
MULTIPLE = content("multiple", ("A", "C"))
TRUEFALSE = content("truefalse", True)
FILL = content("fill", (("宪法",), ("12月4日", "十二月四日")))


def to_display(slot: GradableSlot, original: object) -> object:
    """What a browser would send for an answer given in original keys."""
    t = slot.content.type
    if original is None:
        return None
    if t == "single":
        return original_to_display(slot.option_order, original)  # type: ignore[arg-type]
    if t == "multiple":
        return [original_to_display(slot.option_order, k) for k in original]  # type: ignore[union-attr]
    return original


# --- hand-worked paper -------------------------------------------------------------

# Display order for the single question: display A=orig D, B=orig B... we permute so the
# correct original "B" is shown as display "C".
PAPER = (
    GradableSlot(1, SINGLE, 2.5, ("D", "A", "B", "C")),  # orig B shown as display C
    GradableSlot(2, MULTIPLE, 3, ("C", "D", "A", "B")),  # orig A -> C, orig C -> A
    GradableSlot(3, TRUEFALSE, 1.5, ()),
    GradableSlot(4, FILL, 3, ()),
)


def test_hand_worked_paper() -> None:
    responses = {
        1: "C",  # = original B, correct: 2.5
        2: ["A"],  # = original C only, missing A: 0 under all_or_nothing
        3: True,  # correct: 1.5
        # slot 4 blank: 0
    }
    r = grade_paper(PAPER, responses, "all_or_nothing", pass_mark=4)
    # 2.5 + 0 + 1.5 + 0 = 4.0 of 2.5 + 3 + 1.5 + 3 = 10.0; 4.0 >= 4 passes (inclusive)
    assert (r.total, r.max_total, r.passed) == (4.0, 10.0, True)
    assert [(s.slot, s.awarded, s.points, s.correct) for s in r.slots] == [
        (1, 2.5, 2.5, True), (2, 0.0, 3.0, False), (3, 1.5, 1.5, True), (4, 0.0, 3.0, False),
    ]
    assert grade_paper(PAPER, responses, "all_or_nothing", pass_mark=4.01).passed is False


def test_hand_worked_paper_proportional() -> None:
    responses = {
        1: "C",  # correct: 2.5
        2: ["A"],  # original C only: 1 of 2 keys, nothing wrong -> 1/2 x 3 = 1.5
        3: False,  # wrong: 0
        4: ["　宪法 ", "12月5日"],  # blank 1 right (full-width space stripped), blank 2 wrong -> 1/2 x 3 = 1.5
    }
    r = grade_paper(PAPER, responses, "proportional", pass_mark=6)
    # 2.5 + 1.5 + 0 + 1.5 = 5.5 < 6 -> fails
    assert [s.awarded for s in r.slots] == [2.5, 1.5, 0.0, 1.5]
    assert [s.fraction for s in r.slots] == [1.0, 0.5, 0.0, 0.5]
    assert (r.total, r.passed) == (5.5, False)
    # A wrong pick on a multiple-choice question earns nothing even under proportional.
    assert grade_paper(PAPER, {2: ["A", "B"]}, "proportional", 0).slots[1].awarded == 0.0


def test_untranslated_original_key_is_wrong() -> None:
    # Sending original "B" for slot 1 means display B = original A: wrong.
    r = grade_paper(PAPER[:1], {1: "B"}, "all_or_nothing", pass_mark=0)
    assert r.total == 0.0 and not r.slots[0].correct


def test_multiple_display_keys_map_to_original_key() -> None:
    # Display C and A are originals A and C: the key, in any order.
    r = grade_paper(PAPER[1:2], {2: ["C", "A"]}, "all_or_nothing", pass_mark=0)
    assert r.total == 3.0 and r.slots[0].correct and r.slots[0].fraction == 1.0


def test_blank_paper() -> None:
    for scoring in SCORINGS:
        r = grade_paper(PAPER, {}, scoring, pass_mark=6)
        assert (r.total, r.max_total, r.passed) == (0.0, 10.0, False)
        assert all(s.awarded == 0 and not s.correct for s in r.slots)
    assert grade_paper(PAPER, {}, "all_or_nothing", pass_mark=0).passed


@pytest.mark.parametrize(
    ("slot", "bad"),
    [
        (1, "E"), (1, ["C"]), (1, 7), (2, "CA"), (2, ["C", "Z"]), (2, ["C", "A", "C"]),
        (3, "maybe"), (3, 1), (4, 42), (4, ["宪法"]),  # fill: wrong number of blanks
    ],
)
def test_malformed_responses_score_zero_not_crash(slot: int, bad: object) -> None:
    r = grade_paper(PAPER, {slot: bad}, "all_or_nothing", pass_mark=0)
    assert r.total == 0.0


def test_unknown_slots_ignored_and_duplicates_refused() -> None:
    assert grade_paper(PAPER, {99: "A"}, "all_or_nothing", 0).total == 0.0
    with pytest.raises(ValueError):
        grade_paper(PAPER + (PAPER[0],), {}, "all_or_nothing", 0)


def test_unknown_scoring_rule_refused_even_for_blank_paper() -> None:
    with pytest.raises(ValueError):
        grade_paper(PAPER, {}, "half_marks", pass_mark=0)


def test_empty_paper() -> None:
    r = grade_paper((), {}, "all_or_nothing", pass_mark=0)
    assert (r.total, r.max_total, r.passed, r.slots) == (0.0, 0.0, True, ())


# --- rounding (stand-in type, test only) -----------------------------------------------


@dataclass
class FixedFractionType:
    fraction: float

    def grade(self, content: object, response: object, scoring: str = "all_or_nothing") -> float:
        return self.fraction

    def is_valid_response(self, content: object, response: object) -> bool:
        return True


def with_fraction(monkeypatch: pytest.MonkeyPatch, fraction: float) -> None:
    monkeypatch.setattr(grading, "get_type", lambda name: FixedFractionType(fraction))


def test_round_points_is_half_up() -> None:
    assert str(round_points(0.125)) == "0.13"  # round(0.125, 2) would give 0.12
    assert str(round_points(2.675)) == "2.68"  # the float 2.675 is 2.67499…; str() keeps 2.675
    assert str(round_points(1 / 3)) == "0.33"
    assert str(round_points(2)) == "2.00"


def test_award_rounds_half_up(monkeypatch: pytest.MonkeyPatch) -> None:
    with_fraction(monkeypatch, 0.5)
    # 0.25 points x 0.5 = 0.125 -> 0.13
    r = grade_paper((GradableSlot(1, TRUEFALSE, 0.25),), {1: True}, "proportional", 0)
    assert r.slots[0].awarded == 0.13 and r.total == 0.13


def test_total_is_sum_of_rounded_awards(monkeypatch: pytest.MonkeyPatch) -> None:
    with_fraction(monkeypatch, 1 / 3)
    slots = tuple(GradableSlot(i, TRUEFALSE, 1) for i in (1, 2, 3))
    r = grade_paper(slots, {1: True, 2: True, 3: True}, "proportional", 0)
    # each 1 x 0.3333… = 0.33; total 0.99 (what the lines add up to), not 1.00
    assert [s.awarded for s in r.slots] == [0.33, 0.33, 0.33]
    assert r.total == 0.99 and r.max_total == 3.0
    assert not any(s.correct for s in r.slots)


def test_decimal_points_add_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    with_fraction(monkeypatch, 1.0)
    slots = tuple(GradableSlot(i, TRUEFALSE, p) for i, p in ((1, 0.1), (2, 0.2)))
    r = grade_paper(slots, {1: True, 2: True}, "all_or_nothing", pass_mark=0.3)
    assert r.total == 0.3 and r.max_total == 0.3 and r.passed  # floats would give 0.30000000000000004


def test_out_of_range_fraction_is_clamped(monkeypatch: pytest.MonkeyPatch) -> None:
    with_fraction(monkeypatch, 1.2)
    r = grade_paper((GradableSlot(1, TRUEFALSE, 2),), {1: True}, "all_or_nothing", 0)
    assert r.total == 2.0 and r.slots[0].fraction == 1.0
    with_fraction(monkeypatch, -0.5)
    assert grade_paper((GradableSlot(1, TRUEFALSE, 2),), {1: True}, "all_or_nothing", 0).total == 0.0


# --- property tests against the real registry -------------------------------------------


@st.composite
def random_content(draw: st.DrawFn) -> QuestionContent:
    t = draw(st.sampled_from(["single", "multiple", "truefalse", "fill"]))
    n = draw(st.integers(2, 6))
    keys = DISPLAY_KEYS[:n]
    if t == "single":
        return content(t, draw(st.sampled_from(list(keys))), keys)
    if t == "multiple":
        ans = draw(st.sets(st.sampled_from(list(keys)), min_size=1))
        return content(t, tuple(sorted(ans)), keys)
    if t == "truefalse":
        return content(t, draw(st.booleans()))
    blanks = draw(st.lists(st.lists(st.sampled_from(["宪法", "民法典", "12339", "4月15日"]),
                                    min_size=1, max_size=2, unique=True).map(tuple),
                           min_size=1, max_size=3))
    return content(t, tuple(blanks))


@st.composite
def random_paper(draw: st.DrawFn) -> tuple[GradableSlot, ...]:
    contents = draw(st.lists(random_content(), min_size=1, max_size=8))
    rng = random.Random(draw(st.integers(0, 2**32)))
    slots = []
    for i, c in enumerate(contents, 1):
        order = [o.key for o in c.options]
        rng.shuffle(order)  # any option permutation
        points = draw(st.sampled_from([0.5, 1, 1.5, 2, 2.5, 5]))
        slots.append(GradableSlot(i, c, points, tuple(order)))
    rng.shuffle(slots)  # any question order (slot numbers travel with the slot)
    return tuple(slots)


@settings(max_examples=60, deadline=None)
@given(random_paper())
def test_all_correct_scores_full_marks_and_blank_scores_zero(paper: tuple[GradableSlot, ...]) -> None:
    key = {s.slot: to_display(s, get_type(s.content.type).key_response(s.content)) for s in paper}
    for scoring in SCORINGS:
        full = grade_paper(paper, key, scoring, pass_mark=0)
        assert full.total == full.max_total == float(sum(round_points(s.points) for s in paper))
        assert full.passed and all(s.correct for s in full.slots)
        blank = grade_paper(paper, {}, scoring, pass_mark=0.5)
        assert blank.total == 0.0 and not blank.passed


@st.composite
def paper_and_responses(draw: st.DrawFn) -> tuple[tuple[GradableSlot, ...], dict[int, object]]:
    paper = draw(random_paper())
    responses: dict[int, object] = {}
    for s in paper:
        t = s.content.type
        shown = list(DISPLAY_KEYS[: len(s.option_order)])
        if t == "single":
            r: object = draw(st.none() | st.sampled_from(shown))
        elif t == "multiple":
            r = draw(st.none() | st.lists(st.sampled_from(shown), unique=True))
        elif t == "truefalse":
            r = draw(st.none() | st.booleans())
        else:
            n = len(s.content.answer)  # type: ignore[arg-type]
            r = draw(st.none() | st.lists(st.sampled_from(["宪法", "民法典", "12339", "x"]),
                                          min_size=n, max_size=n))
        responses[s.slot] = r
    return paper, responses


@settings(max_examples=80, deadline=None)
@given(paper_and_responses())
def test_proportional_bounded_and_dominates_all_or_nothing(
    case: tuple[tuple[GradableSlot, ...], dict[int, object]],
) -> None:
    paper, responses = case
    aon = grade_paper(paper, responses, "all_or_nothing", pass_mark=0)
    prop = grade_paper(paper, responses, "proportional", pass_mark=0)
    assert prop.max_total == aon.max_total
    assert 0 <= aon.total <= aon.max_total
    assert 0 <= prop.total <= aon.max_total  # never more than all_or_nothing's maximum
    for a, p in zip(aon.slots, prop.slots):
        assert a.fraction in (0.0, 1.0)
        assert 0 <= p.fraction <= 1 and p.awarded <= p.points
        # A fully right answer is fully right under either rule.
        assert a.awarded <= p.awarded
    assert aon.total == float(sum(round_points(s.awarded) for s in aon.slots))


# --- choose_counting_attempt ---------------------------------------------------------------

T = datetime(2024, 12, 4, 1, 0, tzinfo=timezone.utc)


def at(minutes: int) -> datetime:
    return T + timedelta(minutes=minutes)


def test_counting_none_when_no_attempts() -> None:
    assert choose_counting_attempt([], "highest") is None
    assert choose_counting_attempt([], CountingPolicy.LATEST) is None


def test_counting_highest_and_latest() -> None:
    scores = [(at(0), 55.0), (at(30), 92.5), (at(60), 70.0)]
    assert choose_counting_attempt(scores, "highest") == 1
    assert choose_counting_attempt(scores, "latest") == 2


def test_counting_highest_tie_goes_to_earliest_finish() -> None:
    scores = [(at(60), 90.0), (at(0), 90.0), (at(30), 80.0)]
    assert choose_counting_attempt(scores, "highest") == 1


def test_counting_compares_rounded_scores() -> None:
    # 89.995 shows as 90.00, so it ties with 90.0 and the earlier finish wins.
    assert choose_counting_attempt([(at(10), 90.0), (at(0), 89.995)], "highest") == 1


def test_counting_latest_tie_on_time() -> None:
    scores = [(at(0), 60.0), (at(5), 40.0), (at(5), 50.0)]
    assert choose_counting_attempt(scores, "latest") == 2  # same time: higher score


def test_counting_rejects_unknown_policy() -> None:
    with pytest.raises(ValueError):
        choose_counting_attempt([(at(0), 1.0)], "average")


@settings(max_examples=60)
@given(st.lists(st.tuples(st.integers(0, 100), st.integers(0, 100)), min_size=1, max_size=10))
def test_counting_properties(rows: list[tuple[int, int]]) -> None:
    scores = [(at(m), float(s)) for m, s in rows]
    hi = choose_counting_attempt(scores, "highest")
    lat = choose_counting_attempt(scores, "latest")
    assert hi is not None and lat is not None
    assert scores[hi][1] == max(s for _, s in scores)
    assert scores[lat][0] == max(t for t, _ in scores)
