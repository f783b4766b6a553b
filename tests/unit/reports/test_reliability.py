"""``item_stats.reliability``: the test-level figures alone, equal to ``analyse_items``'."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lawexam.reports.item_stats import ExamineeRow, ItemSpec, analyse_items, reliability

from .test_item_stats import ITEMS, ROWS


def test_reliability_of_the_hand_matrix() -> None:
    alpha, kr20 = reliability(ITEMS, ROWS)
    assert kr20 == pytest.approx(80 / 159) and alpha == pytest.approx(80 / 159)


def test_two_items_by_hand() -> None:
    # Q1 = 1 1 0 0 1, Q2 = 1 0 0 1 1 (50 points each): counts 2 1 0 1 2, mean 1.2, var 0.56;
    # Σpq = 0.24 + 0.24 -> KR-20 = 2 · (1 - 0.48 / 0.56) = 2/7
    matrix = [(1, 1), (1, 0), (0, 0), (0, 1), (1, 1)]
    rows = [ExamineeRow(50.0 * sum(r), tuple(map(float, r))) for r in matrix]
    alpha, kr20 = reliability((ItemSpec("q1", 50), ItemSpec("q2", 50)), rows)
    assert kr20 == pytest.approx(2 / 7) and alpha == pytest.approx(2 / 7)


def test_nothing_to_say_without_rows_or_with_partial_credit() -> None:
    assert reliability(ITEMS, []) == (None, None)
    rows = [ExamineeRow(1.5, (1.0, 0.5)), ExamineeRow(1.0, (0.5, 0.5)), ExamineeRow(0, (0.0, 0.0))]
    alpha, kr20 = reliability((ItemSpec(1), ItemSpec(2)), rows)
    assert alpha == pytest.approx(6 / 7) and kr20 is None


def test_bad_rows_are_refused() -> None:
    with pytest.raises(ValueError):
        reliability(ITEMS, [ExamineeRow(1.0, (1.0,))])


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 5).flatmap(lambda k: st.lists(
    st.lists(st.sampled_from([0.0, 0.5, 1.0]), min_size=k, max_size=k), min_size=1, max_size=20)))
def test_the_same_as_analyse_items(matrix) -> None:
    k = len(matrix[0])
    items = tuple(ItemSpec(i, points=1.0 + i) for i in range(k))
    rows = [ExamineeRow(sum((1.0 + i) * f for i, f in enumerate(r)), tuple(r)) for r in matrix]
    full = analyse_items(items, rows)
    alpha, kr20 = reliability(items, rows)
    assert (alpha is None) == (full.alpha is None) and (kr20 is None) == (full.kr20 is None)
    if alpha is not None:
        assert alpha == pytest.approx(full.alpha)
    if kr20 is not None:
        assert kr20 == pytest.approx(full.kr20)
