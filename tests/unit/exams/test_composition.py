"""Unit tests for lawexam.exams.composition (drawing and freezing papers)."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lawexam.exams.composition import (
    DISPLAY_KEYS,
    Blueprint,
    Candidate,
    FixedItem,
    InfeasiblePaper,
    InvalidResponse,
    IssueCode,
    PaperSlot,
    Rule,
    check_feasibility,
    display_to_original,
    draw_paper,
    map_response_to_original,
    original_to_display,
)

ABCD = ("A", "B", "C", "D")


def cand(
    qid: int,
    *,
    module: str = "宪法",
    tags: frozenset[str] = frozenset(),
    type: str = "single",
    difficulty: int = 3,
    options: tuple[str, ...] | None = None,
) -> Candidate:
    if options is None:
        options = ABCD if type in ("single", "multiple") else ()
    return Candidate(qid, qid * 10, module, tags, type, difficulty, options)


def bank() -> list[Candidate]:
    """12 questions: 1-6 宪法 single, 7-9 民法典 multiple, 10-11 truefalse, 12 fill."""
    out = [cand(q, tags=frozenset({"基本权利"} if q % 2 else {"国家机构"})) for q in range(1, 7)]
    out += [cand(q, module="民法典", type="multiple", difficulty=q - 5) for q in range(7, 10)]
    out += [cand(10, type="truefalse", options=()), cand(11, type="truefalse", options=())]
    out += [cand(12, type="fill", options=())]
    return out


# --- Rule and value validation ------------------------------------------------------


def test_rule_empty_filters_match_anything() -> None:
    r = Rule(count=1, points=1)
    assert all(r.matches(c) for c in bank())


def test_rule_filters() -> None:
    r = Rule(modules=frozenset({"民法典"}), min_difficulty=3, max_difficulty=4, count=1, points=2)
    assert [c.question_id for c in bank() if r.matches(c)] == [8, 9]  # difficulties 3, 4
    tagged = Rule(tags=frozenset({"基本权利", "不存在"}), count=1, points=1)
    assert [c.question_id for c in bank() if tagged.matches(c)] == [1, 3, 5]
    typed = Rule(types=frozenset({"truefalse", "fill"}), count=1, points=1)
    assert [c.question_id for c in bank() if typed.matches(c)] == [10, 11, 12]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"count": 0, "points": 1},
        {"count": 1, "points": 0},
        {"count": 1, "points": 1, "min_difficulty": 4, "max_difficulty": 2},
    ],
)
def test_rule_rejects_nonsense(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        Rule(**kwargs)


def test_candidate_rejects_too_many_or_repeated_options() -> None:
    with pytest.raises(ValueError):
        Candidate(1, 1, "m", frozenset(), "single", 1, tuple("ABCDEFGHI"))
    with pytest.raises(ValueError):
        Candidate(1, 1, "m", frozenset(), "single", 1, ("A", "A"))
    with pytest.raises(ValueError):
        FixedItem(1, 0)


def test_duplicate_candidates_refused() -> None:
    with pytest.raises(ValueError):
        check_feasibility(Blueprint(rules=(Rule(count=1, points=1),)), [cand(1), cand(1)])


# --- check_feasibility ------------------------------------------------------------


def test_feasible_blueprint_report() -> None:
    bp = Blueprint(
        fixed=(FixedItem(12, 5),),
        rules=(
            Rule(modules=frozenset({"宪法"}), types=frozenset({"single"}), count=2, points=2.5),
            Rule(types=frozenset({"truefalse"}), count=1, points=1),
        ),
    )
    f = check_feasibility(bp, bank())
    assert f.ok and f.problems == ()
    # rule 1: pool 6 (q1-6) >= 2*2, no warning; rule 2: pool 2 (q10, q11) = 2*1, no warning
    assert [(r.pool_size, r.drawable, r.shortfall) for r in f.rules] == [(6, 2, 0), (2, 1, 0)]
    assert f.warnings == ()
    assert f.total_points == 5 + 2 * 2.5 + 1  # 11
    assert f.question_count == 4


def test_total_points_are_exact_decimals() -> None:
    # 3 x 0.1 + 0.2 is 0.5 exactly (float arithmetic would give 0.5000000000000001).
    bp = Blueprint(fixed=(FixedItem(12, 0.2),), rules=(Rule(count=3, points=0.1),))
    assert check_feasibility(bp, bank()).total_points == 0.5


def test_small_pool_warns() -> None:
    # 3 multiple-choice questions for 2 seats: feasible, but 3 < 2 * 2.
    bp = Blueprint(rules=(Rule(types=frozenset({"multiple"}), count=2, points=1),))
    f = check_feasibility(bp, bank())
    assert f.ok
    (w,) = f.warnings
    assert w.code is IssueCode.POOL_SMALL and w.rule == 1 and w.available == 3 and w.needed == 2


def test_fixed_item_counts_against_rule_pool() -> None:
    # Fixed q10 is the only other truefalse, so a rule wanting 2 truefalse is short by 1.
    bp = Blueprint(fixed=(FixedItem(10, 1),), rules=(Rule(types=frozenset({"truefalse"}), count=2, points=1),))
    f = check_feasibility(bp, bank())
    assert not f.ok
    (p,) = f.problems
    assert p.code is IssueCode.RULE_SHORT and p.rule == 1 and p.needed == 2 and p.available == 1
    assert f.rules[0].pool_size == 1 and f.rules[0].shortfall == 1


def test_earlier_rule_consumes_later_rule_pool() -> None:
    # Rule 1 takes both truefalse items; rule 2 (truefalse or fill, count 2) only has q12 left.
    bp = Blueprint(rules=(
        Rule(types=frozenset({"truefalse"}), count=2, points=1),
        Rule(types=frozenset({"truefalse", "fill"}), count=2, points=1),
    ))
    f = check_feasibility(bp, bank())
    assert [r.shortfall for r in f.rules] == [0, 1]
    assert [p.rule for p in f.problems] == [2]


def test_overlapping_rules_feasible_when_a_matching_exists() -> None:
    # Rule 1 may use q10, q11 or q12; rule 2 only q10 or q11. Drawing rule 1 naively could
    # take q10 and q11 and starve rule 2; the matching re-seats and always succeeds.
    bp = Blueprint(rules=(
        Rule(types=frozenset({"truefalse", "fill"}), count=1, points=1),
        Rule(types=frozenset({"truefalse"}), count=2, points=1),
    ))
    f = check_feasibility(bp, bank())
    assert f.ok
    for seed in range(40):
        paper = draw_paper(bp, bank(), random.Random(seed))
        assert [s.question_id for s in paper][0] == 12
        assert sorted(s.question_id for s in paper[1:]) == [10, 11]


def test_fixed_missing_and_duplicate() -> None:
    bp = Blueprint(fixed=(FixedItem(99, 1), FixedItem(1, 1), FixedItem(1, 2)))
    codes = [(p.code, p.question_id) for p in check_feasibility(bp, bank()).problems]
    assert codes == [(IssueCode.FIXED_MISSING, 99), (IssueCode.FIXED_DUPLICATE, 1)]


def test_empty_paper_is_a_problem() -> None:
    f = check_feasibility(Blueprint(), bank())
    assert [p.code for p in f.problems] == [IssueCode.EMPTY_PAPER]


# --- draw_paper -------------------------------------------------------------------

BP = Blueprint(
    fixed=(FixedItem(12, 4), FixedItem(7, 3)),
    rules=(
        Rule(modules=frozenset({"宪法"}), types=frozenset({"single"}), count=3, points=2),
        Rule(types=frozenset({"truefalse"}), count=1, points=1),
    ),
)


def test_draw_without_shuffles_keeps_fixed_then_rules_and_identity_options() -> None:
    paper = draw_paper(BP, bank(), random.Random(1))
    assert [s.slot for s in paper] == [1, 2, 3, 4, 5, 6]
    assert [s.question_id for s in paper[:2]] == [12, 7]
    assert all(1 <= s.question_id <= 6 for s in paper[2:5])
    assert paper[5].question_id in (10, 11)
    assert [s.points for s in paper] == [4, 3, 2, 2, 2, 1]
    assert [s.version_id for s in paper] == [s.question_id * 10 for s in paper]
    assert paper[0].option_order == ()  # fill: no options
    assert all(s.option_order == ABCD for s in paper[1:5])


def test_draw_is_deterministic_per_seed_and_independent_of_input_order() -> None:
    bp = Blueprint(BP.fixed, BP.rules, shuffle_questions=True, shuffle_options=True)
    a = draw_paper(bp, bank(), random.Random(2024))
    b = draw_paper(bp, list(reversed(bank())), random.Random(2024))
    assert a == b
    papers = {draw_paper(bp, bank(), random.Random(seed)) for seed in range(20)}
    assert len(papers) > 1  # the seed matters


def test_shuffle_options_only_permutes_choice_types() -> None:
    bp = Blueprint(rules=(Rule(count=12, points=1),), shuffle_options=True)
    seen_non_identity = False
    for seed in range(10):
        for s in draw_paper(bp, bank(), random.Random(seed)):
            if s.question_id <= 9:
                assert sorted(s.option_order) == list(ABCD)
                seen_non_identity |= s.option_order != ABCD
            else:
                assert s.option_order == ()
    assert seen_non_identity


def test_truefalse_with_option_keys_keeps_identity_order() -> None:
    tf = Candidate(1, 1, "m", frozenset(), "truefalse", 1, ("T", "F"))
    bp = Blueprint(rules=(Rule(count=1, points=1),), shuffle_options=True)
    for seed in range(10):
        assert draw_paper(bp, [tf], random.Random(seed))[0].option_order == ("T", "F")


def test_draw_raises_infeasible_with_problems() -> None:
    bp = Blueprint(fixed=(FixedItem(99, 1),), rules=(Rule(types=frozenset({"fill"}), count=2, points=1),))
    with pytest.raises(InfeasiblePaper) as exc:
        draw_paper(bp, bank(), random.Random(0))
    assert [p.code for p in exc.value.problems] == [IssueCode.FIXED_MISSING, IssueCode.RULE_SHORT]
    assert "99" in str(exc.value)


# --- property tests: matching vs brute force ----------------------------------------

MODULES = ("a", "b", "c")


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Blueprint, list[Candidate]]:
    n = draw(st.integers(min_value=0, max_value=7))
    cands = [
        Candidate(
            q, q + 100, draw(st.sampled_from(MODULES)), frozenset(), "single",
            draw(st.integers(1, 5)), ABCD[: draw(st.integers(2, 4))],
        )
        for q in range(1, n + 1)
    ]
    rules = tuple(
        Rule(
            modules=frozenset(draw(st.sets(st.sampled_from(MODULES), max_size=2))),
            min_difficulty=draw(st.integers(1, 3)),
            max_difficulty=draw(st.integers(3, 5)),
            count=draw(st.integers(1, 3)),
            points=draw(st.sampled_from([0.5, 1, 2])),
        )
        for _ in range(draw(st.integers(0, 3)))
    )
    fixed = tuple(FixedItem(q, 1) for q in draw(st.sets(st.integers(1, 8), max_size=2)))
    bp = Blueprint(fixed, rules, draw(st.booleans()), draw(st.booleans()))
    return bp, cands


def brute_force_feasible(bp: Blueprint, cands: list[Candidate]) -> bool:
    ids = {c.question_id for c in cands}
    if not bp.fixed and not bp.rules:
        return False
    if any(f.question_id not in ids for f in bp.fixed):
        return False
    free = [c for c in cands if c.question_id not in {f.question_id for f in bp.fixed}]
    seats = [r for r in bp.rules for _ in range(r.count)]
    if len(seats) > len(free):
        return False
    return any(
        all(seat.matches(c) for seat, c in zip(seats, perm))
        for perm in itertools.permutations(free, len(seats))
    )


@settings(max_examples=150, deadline=None)
@given(scenarios(), st.integers(0, 2**32))
def test_feasibility_agrees_with_brute_force_and_draw_obeys_rules(
    scenario: tuple[Blueprint, list[Candidate]], seed: int
) -> None:
    bp, cands = scenario
    f = check_feasibility(bp, cands)
    assert f.ok == brute_force_feasible(bp, cands)
    if not f.ok:
        with pytest.raises(InfeasiblePaper):
            draw_paper(bp, cands, random.Random(seed))
        return
    paper = draw_paper(bp, cands, random.Random(seed))
    assert paper == draw_paper(bp, cands, random.Random(seed))
    ids = [s.question_id for s in paper]
    assert len(ids) == len(set(ids)) == f.question_count
    assert [s.slot for s in paper] == list(range(1, len(paper) + 1))
    by_id = {c.question_id: c for c in cands}
    for s in paper:
        assert sorted(s.option_order) == sorted(by_id[s.question_id].option_keys)
        if not bp.shuffle_options:
            assert s.option_order == by_id[s.question_id].option_keys
    if not bp.shuffle_questions:
        assert ids[: len(bp.fixed)] == [fx.question_id for fx in bp.fixed]
        pos = len(bp.fixed)
        for rule in bp.rules:
            assert all(rule.matches(by_id[q]) for q in ids[pos : pos + rule.count])
            assert all(s.points == rule.points for s in paper[pos : pos + rule.count])
            pos += rule.count
    assert sum(s.points for s in paper) == pytest.approx(f.total_points)


# --- option key mapping -----------------------------------------------------------

ORDER = ("C", "A", "D", "B")  # display A shows original C, display B shows original A, ...


def test_display_original_helpers() -> None:
    assert display_to_original(ORDER, "A") == "C"
    assert display_to_original(ORDER, "D") == "B"
    assert original_to_display(ORDER, "C") == "A"
    assert original_to_display(ORDER, "B") == "D"


@pytest.mark.parametrize("bad", ["E", "", "a", "AB", None, 1])
def test_display_to_original_rejects_unknown(bad: object) -> None:
    with pytest.raises(InvalidResponse):
        display_to_original(ORDER, bad)  # type: ignore[arg-type]


def test_original_to_display_rejects_unknown() -> None:
    with pytest.raises(InvalidResponse):
        original_to_display(ORDER, "Z")


def test_map_response_to_original() -> None:
    assert map_response_to_original("single", ORDER, "B") == "A"
    assert map_response_to_original("multiple", ORDER, ["A", "C", "B"]) == ("A", "C", "D")
    assert map_response_to_original("multiple", ORDER, []) == ()
    assert map_response_to_original("truefalse", (), True) is True
    fill = ("宪法", "12月4日")
    assert map_response_to_original("fill", (), fill) == fill
    for t in ("single", "multiple", "truefalse", "fill"):
        assert map_response_to_original(t, ORDER, None) is None


@pytest.mark.parametrize(
    ("qtype", "response"),
    [("single", "E"), ("single", ["A"]), ("multiple", "AC"), ("multiple", 3), ("multiple", ["A", "Z"])],
)
def test_map_response_rejects_bad_shapes(qtype: str, response: object) -> None:
    with pytest.raises(InvalidResponse):
        map_response_to_original(qtype, ORDER, response)


@settings(max_examples=80)
@given(st.permutations(list(DISPLAY_KEYS[:6])), st.sets(st.integers(0, 5)))
def test_mapping_round_trips(order: list[str], chosen: set[int]) -> None:
    order_t = tuple(order)
    for key in order_t:
        assert display_to_original(order_t, original_to_display(order_t, key)) == key
    display = [DISPLAY_KEYS[i] for i in chosen]
    mapped = map_response_to_original("multiple", order_t, display)
    assert mapped == tuple(sorted(order_t[i] for i in chosen))
    assert sorted(original_to_display(order_t, k) for k in mapped) == sorted(display)


def test_paper_slot_is_frozen() -> None:
    s = PaperSlot(1, 1, 10, 2.0, ABCD)
    with pytest.raises(AttributeError):
        s.points = 3  # type: ignore[misc]
