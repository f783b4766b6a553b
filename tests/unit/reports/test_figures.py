"""The small rules the report figures rest on, worked out by hand."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from lawexam.reports.figures import (
    bin_index, duration_text, period_bounds, rate, round_half_up, score_bins, year_bounds,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(("value", "places", "expected"), [
    (85.65, 1, 85.7),    # half up, not to even (round() gives 85.6 here: 85.65 is 85.6499… in binary)
    (0.125, 2, 0.13),
    (2.5, 0, 3.0),
    (-1.25, 1, -1.3),    # away from zero, as people round on paper
    (54.5454, 2, 54.55),
    (None, 1, None),
])
def test_round_half_up(value, places, expected) -> None:
    assert round_half_up(value, places) == expected


def test_rate_is_a_percentage_or_nothing() -> None:
    assert rate(3, 5) == 60.0
    assert rate(0, 5) == 0.0
    assert rate(4, 6) == pytest.approx(66.6667, abs=1e-4)
    assert rate(3, 0) is None and rate(None, None) is None


def test_score_bins_of_a_100_point_paper() -> None:
    bins = score_bins(100)
    assert [b.label for b in bins] == ["0–10", "10–20", "20–30", "30–40", "40–50", "50–60", "60–70", "70–80",
                                       "80–90", "90–100"]
    # Lower bound included; the full mark goes to the last bin.
    assert [bin_index(s, len(bins)) for s in (0, 9.5, 10, 59.99, 60, 99.5, 100)] == [0, 0, 1, 5, 6, 9, 9]


def test_score_bins_of_other_papers() -> None:
    assert [b.label for b in score_bins(20)] == ["0–10", "10–20"]
    assert [b.label for b in score_bins(95)][-1] == "90–95"
    assert [b.label for b in score_bins(7.5)] == ["0–7.5"]
    assert len(score_bins(0)) == 1
    assert bin_index(20, 2) == 1


def test_a_year_is_the_local_calendar_year() -> None:
    start, end = year_bounds(2025, SHANGHAI)
    # 1 January 00:00 in Beijing is 16:00 UTC on 31 December.
    assert start == datetime(2024, 12, 31, 16, tzinfo=timezone.utc)
    assert end == datetime(2025, 12, 31, 16, tzinfo=timezone.utc)


def test_a_period_includes_both_days() -> None:
    start, end = period_bounds(date(2025, 3, 1), date(2025, 3, 31), SHANGHAI)
    assert start == datetime(2025, 2, 28, 16, tzinfo=timezone.utc)
    assert end == datetime(2025, 3, 31, 16, tzinfo=timezone.utc)
    with pytest.raises(ValueError):
        period_bounds(date(2025, 3, 2), date(2025, 3, 1), SHANGHAI)


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "0:00"), (59.9, "0:59"), (37 * 60 + 5, "37:05"), (3600, "1:00:00"), (3725, "1:02:05"),
    (None, ""), (-3, ""),
])
def test_duration_text(seconds, text) -> None:
    assert duration_text(seconds) == text
