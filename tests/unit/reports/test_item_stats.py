"""Unit tests for lawexam.reports.item_stats, against statistics worked out by hand."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lawexam.reports.item_stats import (
    ExamineeRow,
    ItemFlag,
    ItemSpec,
    OptionFrequency,
    analyse_items,
    group_size,
)

# The hand-worked matrix: 6 examinees x 4 items, 1 point each.
#
#        I1 I2 I3 I4   total
#   E1    1  1  1  1     4
#   E2    1  1  1  0     3
#   E3    1  1  0  0     2
#   E4    1  0  1  0     2
#   E5    0  0  1  1     2
#   E6    0  0  0  0     0
#
# I1 is single choice (A-D, key B), I2 multiple choice (A-D, key A+C), I3 and I4 are
# true/false (no options).
MATRIX = [
    (1, 1, 1, 1),
    (1, 1, 1, 0),
    (1, 1, 0, 0),
    (1, 0, 1, 0),
    (0, 0, 1, 1),
    (0, 0, 0, 0),
]
CHOICES = [
    # I1 (key B)      I2 (key A, C)
    (frozenset("B"), frozenset("AC"), None, None),
    (frozenset("B"), frozenset("AC"), None, None),
    (frozenset("B"), frozenset("AC"), None, None),
    (frozenset("B"), frozenset("A"), None, None),
    (frozenset("C"), frozenset("AB"), None, None),
    (None, frozenset("ACD"), None, None),  # E6 left I1 blank
]
ITEMS = (
    ItemSpec("I1", 1.0, ("A", "B", "C", "D"), frozenset("B")),
    ItemSpec("I2", 1.0, ("A", "B", "C", "D"), frozenset("AC")),
    ItemSpec("I3"),
    ItemSpec("I4"),
)
ROWS = tuple(
    ExamineeRow(float(sum(r)), tuple(float(x) for x in r), c) for r, c in zip(MATRIX, CHOICES)
)


@pytest.fixture(scope="module")
def hand():
    return analyse_items(ITEMS, ROWS)


def test_test_level_descriptives(hand) -> None:
    # totals 4,3,2,2,2,0: mean = 13/6
    # E[X^2] = (16+9+4+4+4+0)/6 = 37/6; var = 37/6 - (13/6)^2 = 222/36 - 169/36 = 53/36
    assert (hand.n, hand.k) == (6, 4)
    assert hand.mean == pytest.approx(13 / 6)
    assert hand.sd == pytest.approx(math.sqrt(53) / 6)  # population SD = 1.2134
    assert hand.group_size == 2  # 0.27 x 6 = 1.62 -> 2


def test_kr20_and_alpha_by_hand(hand) -> None:
    # p = 4/6, 3/6, 4/6, 2/6 -> pq = 2/9, 1/4, 2/9, 2/9; sum = 2/3 + 1/4 = 11/12
    # KR-20 = 4/3 * (1 - (11/12) / (53/36)) = 4/3 * (1 - 33/53) = 4/3 * 20/53 = 80/159
    assert hand.kr20 == pytest.approx(80 / 159)  # 0.5031
    assert hand.alpha == pytest.approx(hand.kr20)  # equal points: alpha == KR-20


def test_facility_by_hand(hand) -> None:
    assert [i.facility for i in hand.items] == pytest.approx([4 / 6, 3 / 6, 4 / 6, 2 / 6])


def test_discrimination_with_shared_tie_by_hand(hand) -> None:
    # g = 2. Upper group: E1 (4) and E2 (3). Lower group: E6 (0), then one seat left for
    # E3, E4, E5 who all scored 2: each counts with weight 1/3.
    # I1: p_up = (1+1)/2 = 1;   p_low = (0 + (1+1+0)/3)/2 = 1/3 -> D = 2/3
    # I2: p_up = 1;             p_low = (0 + (1+0+0)/3)/2 = 1/6 -> D = 5/6
    # I3: p_up = (1+1)/2 = 1;   p_low = (0 + (0+1+1)/3)/2 = 1/3 -> D = 2/3
    # I4: p_up = (1+0)/2 = 1/2; p_low = (0 + (0+0+1)/3)/2 = 1/6 -> D = 1/3
    items = hand.items
    assert [i.upper_facility for i in items] == pytest.approx([1, 1, 1, 1 / 2])
    assert [i.lower_facility for i in items] == pytest.approx([1 / 3, 1 / 6, 1 / 3, 1 / 6])
    assert [i.discrimination for i in items] == pytest.approx([2 / 3, 5 / 6, 2 / 3, 1 / 3])


def test_corrected_point_biserial_by_hand(hand) -> None:
    # r(item, rest) with rest = total - item; population moments.
    # I1: f = 1,1,1,1,0,0  rest = 3,2,1,1,2,0  mean f = 2/3, mean rest = 3/2
    #     cov = (3+2+1+1)/6 - 2/3*3/2 = 1/6; var f = 2/9
    #     var rest = (9+4+1+1+4+0)/6 - 9/4 = 11/12
    #     r = (1/6)/sqrt(2/9 * 11/12); r^2 = (1/36)/(22/108) = 3/22 -> r = 0.3693
    # I2: f = 1,1,1,0,0,0  rest = 3,2,1,2,2,0  mean rest = 5/3
    #     cov = (3+2+1)/6 - 1/2*5/3 = 1/6; var f = 1/4; var rest = 22/6 - 25/9 = 8/9
    #     r = (1/6)/sqrt(1/4 * 8/9) = 1/sqrt(8) = 0.3536
    # I3: f = 1,1,0,1,1,0  rest = 3,2,2,1,1,0  -> same moments as I1: sqrt(3/22)
    # I4: f = 1,0,0,0,1,0  rest = 3,3,2,2,1,0  mean rest = 11/6
    #     cov = (3+1)/6 - 1/3*11/6 = 1/18; var f = 2/9; var rest = 27/6 - 121/36 = 41/36
    #     r = (1/18)/sqrt(2/9 * 41/36) = 1/sqrt(82) = 0.1104
    expected = [math.sqrt(3 / 22), 1 / math.sqrt(8), math.sqrt(3 / 22), 1 / math.sqrt(82)]
    assert [i.point_biserial for i in hand.items] == pytest.approx(expected)


def test_uncorrected_item_total_by_hand(hand) -> None:
    # I2 vs total: cov = (4+3+2)/6 - 1/2*13/6 = 5/12; var X = 53/36
    # r = (5/12)/sqrt(1/4 * 53/36) = 5/sqrt(53) = 0.6868 (> corrected 0.3536: the inflation)
    i2 = hand.items[1]
    assert i2.item_total_r == pytest.approx(5 / math.sqrt(53))
    assert all(i.item_total_r > i.point_biserial for i in hand.items)


def test_option_frequencies_by_hand(hand) -> None:
    i1, i2, i3, i4 = hand.items
    # I1: B chosen by E1-E4, C by E5, E6 blank; A and D nobody.
    assert i1.options == (
        OptionFrequency("A", 0, 0.0, False),
        OptionFrequency("B", 4, 4 / 6, True),
        OptionFrequency("C", 1, 1 / 6, False),
        OptionFrequency("D", 0, 0.0, False),
    )
    assert i1.omitted == 1
    assert i1.unused_distractors == ("A", "D")
    # I2: A by all 6, B by E5, C by E1-E3 and E6, D by E6.
    assert [(o.key, o.count, o.correct) for o in i2.options] == [
        ("A", 6, True), ("B", 1, False), ("C", 4, True), ("D", 1, False),
    ]
    assert i2.options[0].share == 1.0 and i2.omitted == 0 and i2.unused_distractors == ()
    # Non-choice items have no option table and no omitted count.
    assert (i3.options, i3.omitted, i4.options, i4.omitted) == ((), None, (), None)


def test_flags_in_hand_matrix(hand) -> None:
    assert [i.flags for i in hand.items] == [
        frozenset({ItemFlag.UNUSED_DISTRACTOR}), frozenset(), frozenset(), frozenset(),
    ]


def test_row_order_does_not_matter(hand) -> None:
    shuffled = list(ROWS)
    random.Random(7).shuffle(shuffled)
    again = analyse_items(ITEMS, shuffled)
    for a, b in zip(hand.items, again.items):
        assert a.discrimination == pytest.approx(b.discrimination)
        assert a.point_biserial == pytest.approx(b.point_biserial)
        assert a.options == b.options


# --- partial credit and weights ---------------------------------------------------------


def test_alpha_with_partial_credit_by_hand() -> None:
    # item 1 = 1, .5, 0 (var 1/6); item 2 = .5, .5, 0 (mean 1/3, var 1/18)
    # sums 1.5, 1, 0: mean 5/6, var = ((2/3)^2 + (1/6)^2 + (5/6)^2)/3 = 7/18
    # alpha = 2 * (1 - (1/6 + 1/18)/(7/18)) = 2 * (1 - 4/7) = 6/7
    rows = [ExamineeRow(1.5, (1.0, 0.5)), ExamineeRow(1.0, (0.5, 0.5)), ExamineeRow(0, (0.0, 0.0))]
    t = analyse_items((ItemSpec(1), ItemSpec(2)), rows)
    assert t.alpha == pytest.approx(6 / 7)
    assert t.kr20 is None  # not dichotomous


def test_alpha_uses_points_weights_by_hand() -> None:
    # item 1 worth 2 points: scores 2, 1, 0 (var 2/3); item 2: .5, .5, 0 (var 1/18)
    # sums 2.5, 1.5, 0: mean 4/3, var = ((7/6)^2 + (1/6)^2 + (4/3)^2)/3 = 19/18
    # alpha = 2 * (1 - (12/18 + 1/18)/(19/18)) = 2 * 6/19 = 12/19
    rows = [ExamineeRow(2.5, (1.0, 0.5)), ExamineeRow(1.5, (0.5, 0.5)), ExamineeRow(0, (0.0, 0.0))]
    t = analyse_items((ItemSpec(1, points=2), ItemSpec(2)), rows)
    assert t.alpha == pytest.approx(12 / 19)
    # rest score subtracts the item's points: item 1 rest = 0.5, 0.5, 0 -> r(1,.5,0 ; .5,.5,0)
    # cov = (0.5+0.25)/3 - 0.5*(1/3) = 1/12; sd1 = sqrt(1/6), sd2 = sqrt(1/18)
    # r = (1/12)/sqrt(1/108) = sqrt(108)/12 = sqrt(3)/2
    assert t.items[0].point_biserial == pytest.approx(math.sqrt(3) / 2)


# --- flags -------------------------------------------------------------------------------


def flat_rows(n: int, item: list[float]) -> list[ExamineeRow]:
    """n examinees with distinct totals 0..n-1 (given), one item with these fractions."""
    return [ExamineeRow(float(j), (item[j],)) for j in range(n)]


def test_facility_thresholds_are_strict() -> None:
    # 19 of 20 right: facility 0.95 exactly -> not "too easy"; 20 of 20 -> too easy.
    s = analyse_items((ItemSpec(1),), flat_rows(20, [0.0] + [1.0] * 19)).items[0]
    assert s.facility == pytest.approx(0.95) and ItemFlag.TOO_EASY not in s.flags
    s = analyse_items((ItemSpec(1),), flat_rows(20, [1.0] * 20)).items[0]
    assert ItemFlag.TOO_EASY in s.flags and s.point_biserial is None  # zero item variance
    # 4 of 20 right: 0.2 exactly -> not "too hard"; 3 of 20 -> too hard.
    s = analyse_items((ItemSpec(1),), flat_rows(20, [1.0] * 4 + [0.0] * 16)).items[0]
    assert ItemFlag.TOO_HARD not in s.flags
    s = analyse_items((ItemSpec(1),), flat_rows(20, [1.0] * 3 + [0.0] * 17)).items[0]
    assert ItemFlag.TOO_HARD in s.flags


def discrimination_of(bottom: list[float], top: list[float]):
    """n = 37 rows ranked by given totals 0..36: g = round_half_up(9.99) = 10, so the
    first 10 rows form the lower group and the last 10 the upper; 17 middle rows score 0."""
    assert len(bottom) == len(top) == 10
    return analyse_items((ItemSpec(1),), flat_rows(37, bottom + [0.0] * 17 + top)).items[0]


def test_discrimination_tolerance_at_threshold() -> None:
    # upper 6/10 right, lower 5/10: D = 0.6 - 0.5, which is 0.09999999999999998 in
    # floats but 0.1 by hand -> not flagged.
    s = discrimination_of([1.0] * 5 + [0.0] * 5, [1.0] * 6 + [0.0] * 4)
    assert s.discrimination == pytest.approx(0.1)
    assert ItemFlag.LOW_DISCRIMINATION not in s.flags


def test_low_but_positive_discrimination() -> None:
    # lower: 9 right + one half = 9.5/10 = 0.95; upper: 10/10 -> D = 0.05: LOW only
    s = discrimination_of([1.0] * 9 + [0.5], [1.0] * 10)
    assert s.discrimination == pytest.approx(0.05)
    assert ItemFlag.LOW_DISCRIMINATION in s.flags
    assert ItemFlag.NEGATIVE_DISCRIMINATION not in s.flags


def test_negative_discrimination() -> None:
    # the weak group does better: 0.5 - 0.6 = -0.1 -> LOW and NEGATIVE
    s = discrimination_of([1.0] * 6 + [0.0] * 4, [1.0] * 5 + [0.0] * 5)
    assert s.discrimination == pytest.approx(-0.1)
    assert {ItemFlag.LOW_DISCRIMINATION, ItemFlag.NEGATIVE_DISCRIMINATION} <= s.flags


# --- group size and degenerate input ------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "g"),
    [(0, None), (1, None), (2, 1), (3, 1), (4, 1), (6, 2), (10, 3), (50, 14), (100, 27), (150, 41)],
)
def test_group_size(n: int, g: int | None) -> None:
    # 50 x 0.27 = 13.5 -> 14 and 150 x 0.27 = 40.5 -> 41 (half up, not to even)
    assert group_size(n) == g


def test_no_examinees() -> None:
    t = analyse_items(ITEMS, [])
    assert (t.n, t.mean, t.sd, t.kr20, t.alpha, t.group_size) == (0, None, None, None, None, None)
    i1 = t.items[0]
    assert (i1.facility, i1.discrimination, i1.point_biserial) == (None, None, None)
    assert all(o.count == 0 and o.share is None for o in i1.options)
    assert i1.unused_distractors == () and i1.flags == frozenset()


def test_one_examinee() -> None:
    t = analyse_items(ITEMS, ROWS[:1])
    assert t.mean == 4.0 and t.sd is None and t.alpha is None and t.kr20 is None
    assert all(i.discrimination is None and i.point_biserial is None for i in t.items)
    assert t.items[0].facility == 1.0


def test_all_totals_equal() -> None:
    rows = [ExamineeRow(1.0, (1.0, 0.0)), ExamineeRow(1.0, (0.0, 1.0))]
    t = analyse_items((ItemSpec(1), ItemSpec(2)), rows)
    assert t.sd == 0.0
    assert t.alpha is None and t.kr20 is None  # summed score has zero variance
    assert all(i.discrimination is None and i.item_total_r is None for i in t.items)
    # rest scores do vary (0 and 1), so the corrected r exists: -1
    assert t.items[0].point_biserial == pytest.approx(-1.0)


def test_single_item_has_no_reliability() -> None:
    t = analyse_items((ItemSpec(1),), flat_rows(5, [0.0, 0.0, 1.0, 1.0, 1.0]))
    assert t.alpha is None and t.kr20 is None


@pytest.mark.parametrize(
    "row",
    [
        ExamineeRow(1.0, (1.0,)),  # too few fractions
        ExamineeRow(1.0, (1.0, 1.5, 0.0, 0.0)),  # out of range
        ExamineeRow(1.0, (1.0, math.nan, 0.0, 0.0)),
        ExamineeRow(1.0, (1.0, 1.0, 0.0, 0.0), (None,)),  # choices misaligned
        ExamineeRow(1.0, (1.0, 1.0, 0.0, 0.0), (frozenset("Z"), None, None, None)),  # no option Z
    ],
)
def test_bad_input_refused(row: ExamineeRow) -> None:
    with pytest.raises(ValueError):
        analyse_items(ITEMS, [*ROWS, row])


def test_rows_without_choice_data_count_as_omitted() -> None:
    rows = [ExamineeRow(r.total, r.fractions) for r in ROWS]
    i1 = analyse_items(ITEMS, rows).items[0]
    assert i1.omitted == 6 and all(o.count == 0 for o in i1.options)


# --- properties ------------------------------------------------------------------------

matrices = st.integers(2, 6).flatmap(
    lambda k: st.lists(st.lists(st.integers(0, 1), min_size=k, max_size=k), min_size=0, max_size=25)
)


@settings(max_examples=80, deadline=None)
@given(matrices)
def test_alpha_equals_kr20_on_dichotomous_data(matrix: list[list[int]]) -> None:
    if not matrix:
        return
    k = len(matrix[0])
    rows = [ExamineeRow(float(sum(r)), tuple(map(float, r))) for r in matrix]
    t = analyse_items(tuple(ItemSpec(i, points=2.5) for i in range(k)), rows)
    assert (t.alpha is None) == (t.kr20 is None)
    if t.alpha is not None:
        assert t.alpha == pytest.approx(t.kr20, abs=1e-9)
        assert t.alpha <= 1 + 1e-9
    for s in t.items:
        for v in (s.discrimination, s.point_biserial, s.item_total_r):
            assert v is None or -1 - 1e-9 <= v <= 1 + 1e-9
        assert 0 <= s.facility <= 1


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([None, "A", "B", "C"]), min_size=1, max_size=30))
def test_single_choice_shares_and_omitted_add_up(picks: list[str | None]) -> None:
    spec = ItemSpec(1, 1.0, ("A", "B", "C", "D"), frozenset("A"))
    rows = [
        ExamineeRow(float(j), (1.0 if p == "A" else 0.0,), (frozenset(p) if p else None,))
        for j, p in enumerate(picks)
    ]
    s = analyse_items((spec,), rows).items[0]
    assert sum(o.count for o in s.options) + s.omitted == len(picks)
    assert math.fsum(o.share for o in s.options) + s.omitted / len(picks) == pytest.approx(1.0)
    assert s.facility == pytest.approx(s.options[0].share)
    assert ("D" in s.unused_distractors) and ItemFlag.UNUSED_DISTRACTOR in s.flags
