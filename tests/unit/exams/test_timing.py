"""Unit tests for lawexam.exams.timing (the server-owned exam clock)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lawexam.exams.timing import (
    DEFAULT_GRACE_S,
    accepts_save,
    apply_extension,
    compute_deadline,
    finish_time,
    is_overdue,
    time_left_s,
)

UTC = timezone.utc
T0 = datetime(2024, 12, 4, 1, 0, 0, tzinfo=UTC)  # 09:00 Asia/Shanghai on 国家宪法日


def s(seconds: float) -> timedelta:
    return timedelta(seconds=seconds)


# --- compute_deadline -------------------------------------------------------------


def test_deadline_is_start_plus_duration_when_window_is_far() -> None:
    # 90-minute exam started at 09:00, window closes 18:00 -> deadline 10:30.
    assert compute_deadline(T0, 90 * 60, T0 + s(9 * 3600)) == T0 + s(5400)


def test_deadline_is_window_close_when_started_late() -> None:
    # Started 17:00 with 90 minutes but the window closes at 18:00 -> 18:00.
    start = T0 + s(8 * 3600)
    close = T0 + s(9 * 3600)
    assert compute_deadline(start, 5400, close) == close


def test_deadline_exactly_at_window_close() -> None:
    assert compute_deadline(T0, 600, T0 + s(600)) == T0 + s(600)


def test_deadline_without_window() -> None:
    assert compute_deadline(T0, 60, None) == T0 + s(60)


def test_deadline_accepts_other_aware_zones() -> None:
    shanghai = timezone(timedelta(hours=8))
    start_local = datetime(2024, 12, 4, 9, 0, tzinfo=shanghai)  # same instant as T0
    assert compute_deadline(start_local, 60, None) == T0 + s(60)


def test_deadline_rejects_naive_and_negative() -> None:
    with pytest.raises(ValueError):
        compute_deadline(datetime(2024, 1, 1), 60, None)
    with pytest.raises(ValueError):
        compute_deadline(T0, 60, datetime(2024, 1, 1))
    with pytest.raises(ValueError):
        compute_deadline(T0, -1, None)


@settings(max_examples=60)
@given(
    duration=st.integers(min_value=0, max_value=10 * 3600),
    close_offset=st.integers(min_value=-3600, max_value=20 * 3600),
)
def test_deadline_is_min_and_never_after_either_bound(duration: int, close_offset: int) -> None:
    close = T0 + s(close_offset)
    deadline = compute_deadline(T0, duration, close)
    assert deadline <= close
    assert deadline <= T0 + s(duration)
    assert deadline in (close, T0 + s(duration))


# --- apply_extension --------------------------------------------------------------


def test_extension_may_pass_window_close() -> None:
    close = T0 + s(3600)
    deadline = compute_deadline(T0, 7200, close)
    assert deadline == close
    assert apply_extension(deadline, 900) == close + s(900)


def test_extension_zero_is_identity_and_negative_refused() -> None:
    assert apply_extension(T0, 0) == T0
    with pytest.raises(ValueError):
        apply_extension(T0, -5)
    with pytest.raises(ValueError):
        apply_extension(datetime(2024, 1, 1), 5)


# --- time_left_s ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now_offset", "expected"),
    [
        (-100.0, 100),
        (-99.999, 99),  # floor: 99.999 s left shows 99
        (-0.5, 0),
        (0.0, 0),
        (1.0, 0),  # past the deadline: never negative
        (-3 * 3600.0, 10800),
    ],
)
def test_time_left_floors_and_clamps(now_offset: float, expected: int) -> None:
    assert time_left_s(T0, T0 + s(now_offset)) == expected


def test_time_left_is_int() -> None:
    assert type(time_left_s(T0 + s(10.7), T0)) is int


@settings(max_examples=60)
@given(offset_us=st.integers(min_value=-(10**11), max_value=10**11))
def test_time_left_properties(offset_us: int) -> None:
    now = T0 + timedelta(microseconds=offset_us)
    left = time_left_s(T0, now)
    assert left >= 0
    # Floor: the shown seconds never exceed the real remaining time ...
    assert now + s(left) <= T0 or left == 0
    # ... and are less than one second short of it.
    assert T0 - (now + s(left)) < s(1)


# --- accepts_save -----------------------------------------------------------------


def test_default_grace_is_30_seconds() -> None:
    assert DEFAULT_GRACE_S == 30


def test_save_before_and_at_deadline_accepted() -> None:
    assert accepts_save(T0, T0 - s(60))
    assert accepts_save(T0, T0)


def test_save_inside_grace_accepted() -> None:
    assert accepts_save(T0, T0 + s(29))


def test_save_at_exact_end_of_grace_accepted() -> None:
    # Inclusive edge: deadline + 30 s is still accepted.
    assert accepts_save(T0, T0 + s(30))


def test_save_one_second_after_grace_refused() -> None:
    assert not accepts_save(T0, T0 + s(31))


def test_save_one_microsecond_after_grace_refused() -> None:
    assert not accepts_save(T0, T0 + s(30) + timedelta(microseconds=1))


def test_custom_grace_and_zero_grace() -> None:
    assert accepts_save(T0, T0 + s(120), grace_s=120)
    assert not accepts_save(T0, T0 + s(121), grace_s=120)
    assert accepts_save(T0, T0, grace_s=0)
    assert not accepts_save(T0, T0 + s(1), grace_s=0)
    with pytest.raises(ValueError):
        accepts_save(T0, T0, grace_s=-1)


def test_save_after_extension_uses_new_deadline() -> None:
    extended = apply_extension(T0, 600)
    assert accepts_save(extended, T0 + s(600 + 30))
    assert not accepts_save(extended, T0 + s(600 + 31))


# --- is_overdue / finish_time -----------------------------------------------------


def test_overdue_edges() -> None:
    assert not is_overdue(T0, T0 - timedelta(microseconds=1))
    assert is_overdue(T0, T0)  # time is up at the deadline instant
    assert is_overdue(T0, T0 + s(1))


def test_finish_time_before_deadline_is_now() -> None:
    now = T0 - s(125)
    assert finish_time(T0, now) == now


def test_finish_time_overdue_is_deadline() -> None:
    # The sweep runs at 10:45 for a 10:30 deadline: recorded as 10:30.
    assert finish_time(T0, T0 + s(900)) == T0
    # Even inside the save grace the finish time is the deadline, not the save time.
    assert finish_time(T0, T0 + s(10)) == T0


def test_finish_time_at_deadline() -> None:
    assert finish_time(T0, T0) == T0


def test_naive_now_refused_everywhere() -> None:
    naive = datetime(2024, 12, 4, 1, 0)
    for fn in (time_left_s, accepts_save, is_overdue, finish_time):
        with pytest.raises(ValueError):
            fn(T0, naive)  # type: ignore[operator]


@settings(max_examples=60)
@given(offset_ms=st.integers(min_value=-(10**8), max_value=10**8))
def test_finish_time_never_after_deadline_and_consistent(offset_ms: int) -> None:
    now = T0 + timedelta(milliseconds=offset_ms)
    finished = finish_time(T0, now)
    assert finished <= T0
    assert finished <= now
    assert is_overdue(T0, now) == (time_left_s(T0, now) == 0 and now >= T0)
    # Anything overdue beyond the grace is no longer saveable, and vice versa.
    if not accepts_save(T0, now):
        assert is_overdue(T0, now)
