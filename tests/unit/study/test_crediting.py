"""Unit tests for lawexam.study.crediting (honest study time from heartbeats)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lawexam.study.crediting import (
    DEFAULT_CAP_PER_BEAT_S,
    Beat,
    LessonProgress,
    LessonTimeState,
    credit_heartbeat,
    hours,
    lesson_cap_s,
    lesson_complete,
    seconds_to_hours,
)

T0 = datetime(2024, 4, 15, 2, 0, tzinfo=timezone.utc)
CAP = 3600  # generous lesson cap unless a test is about the cap


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def run(
    beats: list[tuple[float, Beat]],
    state: LessonTimeState | None = None,
    lesson_cap: int = CAP,
) -> tuple[LessonTimeState, list[int]]:
    state = state or LessonTimeState()
    credits = []
    for t, beat in beats:
        state, c = credit_heartbeat(state, beat, at(t), lesson_cap_s=lesson_cap)
        credits.append(c)
    return state, credits


L1 = Beat(1, "tab-a")
L1_HIDDEN = Beat(1, "tab-a", visible=False)
L1_TAB_B = Beat(1, "tab-b")
L2 = Beat(2, "tab-a")


# --- hand-worked sequences -----------------------------------------------------------


def test_first_beat_credits_nothing_then_wall_time() -> None:
    state, credits = run([(0, L1), (30, L1), (60, L1)])
    assert credits == [0, 30, 30]
    assert state.credited_for(1) == 60
    assert (state.active_lesson_id, state.active_tab, state.mark) == (1, "tab-a", at(60))


def test_regular_beats_total_equals_elapsed() -> None:
    # 31 beats 20 s apart over 10 minutes: 30 x 20 = 600 s = last - first.
    _, credits = run([(20 * i, L1) for i in range(31)])
    assert sum(credits) == 600


def test_per_beat_cap_forfeits_long_silence() -> None:
    # 10 minutes without a beat (phone locked without a hidden beat): 60 s, not 600.
    state, credits = run([(0, L1), (600, L1), (630, L1)])
    assert credits == [0, DEFAULT_CAP_PER_BEAT_S, 30]
    assert state.mark == at(630)


def test_sub_second_remainders_carry() -> None:
    # beats 1.5 s apart: 0, 1.5, 3.0, 4.5, 6.0 -> floor credits 1, 2, 1, 2 (= 6 s)
    _, credits = run([(1.5 * i, L1) for i in range(5)])
    assert credits == [0, 1, 2, 1, 2]


def test_rapid_duplicate_beats_credit_nothing_extra() -> None:
    _, credits = run([(0, L1), (10, L1), (10, L1), (10.2, L1), (20, L1)])
    assert credits == [0, 10, 0, 0, 10]


def test_hidden_beat_ends_run_and_gap_is_not_credited() -> None:
    # Read 0-40 s, hide at 55 s (the 15 s since the last beat are not credited),
    # come back at 300 s (new run: 0), beat at 330 s (+30).
    state, credits = run([(0, L1), (20, L1), (40, L1), (55, L1_HIDDEN), (300, L1), (330, L1)])
    assert credits == [0, 20, 20, 0, 0, 30]
    assert state.credited_for(1) == 70


def test_hidden_state_has_no_run() -> None:
    state, _ = run([(0, L1), (20, L1_HIDDEN)])
    assert not state.in_run and state.mark == at(20)
    # A duplicate hidden beat changes nothing.
    again, c = credit_heartbeat(state, L1_HIDDEN, at(25), lesson_cap_s=CAP)
    assert (again, c) == (state, 0)


def test_switching_lesson_credits_nothing_for_that_beat() -> None:
    state, credits = run([(0, L1), (30, L1), (45, L2), (75, L2)])
    assert credits == [0, 30, 0, 30]
    assert (state.credited_for(1), state.credited_for(2)) == (30, 30)
    assert state.active_lesson_id == 2


def test_two_tabs_alternating_earn_nothing() -> None:
    beats = [(10 * i, L1 if i % 2 == 0 else L1_TAB_B) for i in range(20)]
    state, credits = run(beats)
    assert sum(credits) == 0
    assert state.credited_for(1) == 0


def test_second_tab_takes_over_when_first_goes_quiet() -> None:
    # tab A reads, tab B opens (switch), A stops beating, B keeps going: B is credited.
    _, credits = run([(0, L1), (30, L1), (40, L1_TAB_B), (70, L1_TAB_B), (100, L1_TAB_B)])
    assert credits == [0, 30, 0, 30, 30]


def test_hidden_beat_from_other_tab_does_not_stop_the_reader() -> None:
    hidden_b = Beat(1, "tab-b", visible=False)
    _, credits = run([(0, L1), (30, L1), (35, hidden_b), (60, L1)])
    assert credits == [0, 30, 0, 30]


def test_late_hidden_beat_from_previous_lesson_is_ignored() -> None:
    hidden_l2 = Beat(2, "tab-a", visible=False)
    state, credits = run([(0, L2), (20, L1), (21, hidden_l2), (50, L1)])
    assert credits == [0, 0, 0, 30]  # the ignored beat does not touch the mark: 50 - 20
    assert state.active_lesson_id == 1


def test_client_clock_is_ignored() -> None:
    liar = [
        (0, Beat(1, "tab-a", client_time=at(0))),
        (30, Beat(1, "tab-a", client_time=at(10_000))),  # clock jumped forward
        (60, Beat(1, "tab-a", client_time=at(-5_000))),  # and back
    ]
    _, credits = run(liar)
    assert credits == [0, 30, 30]


def test_server_clock_going_backwards_never_double_counts() -> None:
    # A second host 5 s slow: its beat at "25" is earlier than the mark at 30.
    state, credits = run([(0, L1), (30, L1), (25, L1), (60, L1)])
    assert credits == [0, 30, 0, 30]
    # A new run started on a slow host begins at the old mark, not at its own now.
    state, credits = run([(0, L1), (30, L1), (28, L2), (40, L2)])
    assert credits == [0, 30, 0, 10]
    assert state.mark == at(40)


def test_lesson_cap() -> None:
    # cap 50 s: 30 + 20 (capped) + 0 + 0
    state, credits = run([(0, L1), (30, L1), (60, L1), (90, L1), (120, L1)], lesson_cap=50)
    assert credits == [0, 30, 20, 0, 0]
    assert state.credited_for(1) == 50


def test_lesson_cap_is_per_lesson() -> None:
    state = LessonTimeState(credited=((1, 100), (2, 5)))
    state, credits = run([(0, L1), (30, L1), (40, L2), (70, L2)], state=state, lesson_cap=100)
    assert credits == [0, 0, 0, 30]
    assert state.credited == ((1, 100), (2, 35))


def test_lesson_cap_helper() -> None:
    assert lesson_cap_s(600) == 1200
    assert lesson_cap_s(-5) == 0


def test_validation() -> None:
    with pytest.raises(ValueError):
        credit_heartbeat(LessonTimeState(), L1, datetime(2024, 1, 1), lesson_cap_s=CAP)
    with pytest.raises(ValueError):
        credit_heartbeat(LessonTimeState(), L1, T0, lesson_cap_s=-1)


# --- property: never more than real wall time, never past caps ----------------------------

beat_strategy = st.builds(
    Beat,
    lesson_id=st.sampled_from([1, 2]),
    tab_token=st.sampled_from(["a", "b"]),
    visible=st.booleans() | st.just(True),
    client_time=st.none() | st.integers(-10**6, 10**6).map(at),
)
# Steps in ms: duplicates (0), rapid, normal, long silences, and a little backwards jitter.
step_strategy = st.one_of(
    st.just(0),
    st.integers(1, 2_000),
    st.integers(10_000, 40_000),
    st.integers(60_000, 900_000),
    st.integers(-3_000, -1),
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(step_strategy, beat_strategy), min_size=1, max_size=60),
    st.integers(0, 400),
)
def test_total_credit_never_exceeds_wall_time_or_caps(
    events: list[tuple[int, Beat]], cap: int
) -> None:
    state = LessonTimeState()
    t_ms = 0
    times = []
    total = 0
    for step, beat in events:
        t_ms += step
        times.append(t_ms)
        before = state.credited_for(beat.lesson_id)
        state, c = credit_heartbeat(state, beat, at(t_ms / 1000), lesson_cap_s=cap)
        assert 0 <= c <= DEFAULT_CAP_PER_BEAT_S
        assert state.credited_for(beat.lesson_id) == before + c
        if not beat.visible:
            assert c == 0
        total += c
    # At most one lesson credited at once: the total fits in the observed server time.
    # The server clock may step back (another host); the span is earliest to latest beat.
    assert total <= (max(times) - min(times)) / 1000
    assert total == sum(s for _, s in state.credited)
    for _, secs in state.credited:
        assert secs <= cap


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 90_000), st.integers(-10**6, 10**6)), max_size=30))
def test_client_time_never_changes_credit(events: list[tuple[int, int]]) -> None:
    a = b = LessonTimeState()
    t = 0
    for step, skew in events:
        t += step
        a, ca = credit_heartbeat(a, Beat(1, "x"), at(t / 1000), lesson_cap_s=CAP)
        b, cb = credit_heartbeat(b, Beat(1, "x", client_time=at(skew)), at(t / 1000), lesson_cap_s=CAP)
        assert ca == cb
    assert a == b


# --- completion and hours ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("credited", "min_s", "read_to_end", "done"),
    [(600, 600, True, True), (599, 600, True, False), (5000, 600, False, False), (0, 0, True, True)],
)
def test_lesson_complete(credited: int, min_s: int, read_to_end: bool, done: bool) -> None:
    assert lesson_complete(credited, min_s, read_to_end) is done


def test_hours_granted_only_for_completed_lessons() -> None:
    progress = [
        LessonProgress(1, 1800, 1200, True, 0.5),  # complete: 0.5
        LessonProgress(2, 1199, 1200, True, 0.5),  # 1 s short: 0
        LessonProgress(3, 2400, 1200, False, 1.0),  # not read to the end: 0
        LessonProgress(4, 900, 600, True, 0.1),  # complete: 0.1
        LessonProgress(5, 900, 600, True, 0.2),  # complete: 0.2
    ]
    assert hours(progress) == 0.8  # 0.5 + 0.1 + 0.2 in Decimal, not 0.8000000000000002
    assert hours([]) == 0.0


def test_seconds_to_hours_rounds_down() -> None:
    assert seconds_to_hours(3600) == 1.0
    assert seconds_to_hours(3599) == 0.9  # 0.9997 h shows as 0.9, never 1.0
    assert seconds_to_hours(5400, places=2) == 1.5
    assert seconds_to_hours(0) == 0.0
    with pytest.raises(ValueError):
        seconds_to_hours(-1)
