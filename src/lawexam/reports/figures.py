"""Small pure helpers for the report figures: rates, rounding, score bins, periods, durations.

Plain values in, plain values out (no Flask, no SQLAlchemy, no clock), so each rule the
reports rely on is unit-tested on its own (tests/unit/reports/test_figures.py).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

__all__ = [
    "BIN_WIDTH", "ScoreBin", "bin_index", "duration_text", "period_bounds",
    "rate", "round_half_up", "score_bins", "year_bounds",
]

BIN_WIDTH = 10


def round_half_up(value: float | None, places: int = 1) -> float | None:
    """Round the way people do on paper (85.65 -> 85.7), not to even; None stays None."""
    if value is None:
        return None
    quantum = Decimal(1).scaleb(-places)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def rate(part: int | None, whole: int | None) -> float | None:
    """``part / whole`` as a percentage (0..100), or None when there is nothing to divide by."""
    if not whole:
        return None
    return 100.0 * (part or 0) / whole


@dataclass(frozen=True)
class ScoreBin:
    index: int
    low: float   # included
    high: float  # excluded, except in the last bin, which also holds the full mark

    @property
    def label(self) -> str:
        return f"{self.low:g}–{self.high:g}"


def score_bins(max_score: float, width: int = BIN_WIDTH) -> list[ScoreBin]:
    """10-point bins from 0 up to the full mark: [0, 10), [10, 20), … and a last bin that
    also takes the full mark itself (90–100 holds 100). At least one bin."""
    if width <= 0:
        raise ValueError("the bin width must be positive")
    count = max(1, math.ceil(max_score / width)) if max_score > 0 else 1
    bins = []
    for i in range(count):
        high = min(float((i + 1) * width), float(max_score)) if i == count - 1 and max_score > 0 else float((i + 1) * width)
        bins.append(ScoreBin(i, float(i * width), high))
    return bins


def bin_index(score: float, bin_count: int, width: int = BIN_WIDTH) -> int:
    """Which bin a score falls in (the same rule the SQL ``CASE`` ladder applies)."""
    for i in range(bin_count - 1):
        if score < (i + 1) * width:
            return i
    return bin_count - 1


def year_bounds(year: int, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants at which the local calendar year begins and the next one begins."""
    return period_bounds(date(year, 1, 1), date(year, 12, 31), zone)


def period_bounds(first_day: date, last_day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """UTC [start, end) covering the local days ``first_day`` to ``last_day``, both included."""
    if last_day < first_day:
        raise ValueError("the period ends before it begins")
    start = datetime.combine(first_day, time.min, tzinfo=zone).astimezone(timezone.utc)
    end = datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=zone).astimezone(timezone.utc)
    return start, end


def duration_text(seconds: float | None) -> str:
    """Time used as ``m:ss`` (``h:mm:ss`` from an hour up); empty when unknown."""
    if seconds is None or seconds < 0:
        return ""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"
