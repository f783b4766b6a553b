"""Exam clock arithmetic: deadlines, time left, and when saves are still accepted.

The server owns the clock (see DESIGN.md, "The exam contract"). Nothing here reads the
clock: callers pass ``now``. Every datetime must be timezone-aware; mixing naive and aware
values would silently compare wall-clock readings from different zones, so naive input is
refused with ``ValueError`` instead.

Edge decisions (each has a test):

* ``is_overdue`` is true *at* the deadline instant (``now >= deadline``): when the
  countdown shows 0 the time is up, so the attempt finishes then.
* ``accepts_save`` is inclusive: a save that reaches the server at exactly
  ``deadline + grace`` is accepted, anything later (even 1 µs) is refused. The grace is
  there to absorb network latency of a save the browser sent before its countdown hit 0,
  so the last instant of the grace still counts.
* ``time_left_s`` floors to whole seconds and never goes below 0, so the countdown never
  promises a second the server will not give.
"""

from __future__ import annotations

from datetime import datetime, timedelta

__all__ = [
    "DEFAULT_GRACE_S",
    "accepts_save",
    "apply_extension",
    "compute_deadline",
    "finish_time",
    "is_overdue",
    "time_left_s",
]

DEFAULT_GRACE_S = 30

_ONE_SECOND = timedelta(seconds=1)


def _require_aware(name: str, value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (UTC), got naive {value!r}")


def compute_deadline(
    started_at: datetime, duration_s: int, window_closes_at: datetime | None
) -> datetime:
    """Fix an attempt's deadline at start: ``min(started_at + duration, window close)``.

    ``window_closes_at=None`` means the exam has no closing time (practice papers).
    Starting after the window has closed yields a deadline in the past; refusing such a
    start is the service's job, this function only does the arithmetic.
    """
    _require_aware("started_at", started_at)
    if duration_s < 0:
        raise ValueError(f"duration_s must be >= 0, got {duration_s}")
    by_duration = started_at + timedelta(seconds=duration_s)
    if window_closes_at is None:
        return by_duration
    _require_aware("window_closes_at", window_closes_at)
    return min(by_duration, window_closes_at)


def apply_extension(deadline: datetime, extra_s: int) -> datetime:
    """Push one person's deadline back by ``extra_s`` seconds.

    This is the explicit per-person override (logged by the service), so unlike
    ``compute_deadline`` it is allowed to pass the window close. Shortening is not an
    extension; a negative value is refused rather than silently taking time away.
    """
    _require_aware("deadline", deadline)
    if extra_s < 0:
        raise ValueError(f"extra_s must be >= 0, got {extra_s}")
    return deadline + timedelta(seconds=extra_s)


def time_left_s(deadline: datetime, now: datetime) -> int:
    """Whole seconds until the deadline, floored, never negative."""
    _require_aware("deadline", deadline)
    _require_aware("now", now)
    remaining = deadline - now
    if remaining <= timedelta(0):
        return 0
    # timedelta // timedelta is exact integer floor division: no float rounding at
    # large offsets or sub-second remainders.
    return remaining // _ONE_SECOND


def accepts_save(deadline: datetime, now: datetime, grace_s: int = DEFAULT_GRACE_S) -> bool:
    """True while an answer save may still be stored: ``now <= deadline + grace``."""
    _require_aware("deadline", deadline)
    _require_aware("now", now)
    if grace_s < 0:
        raise ValueError(f"grace_s must be >= 0, got {grace_s}")
    return now <= deadline + timedelta(seconds=grace_s)


def is_overdue(deadline: datetime, now: datetime) -> bool:
    """True from the deadline instant on; the sweep finishes such attempts."""
    _require_aware("deadline", deadline)
    _require_aware("now", now)
    return now >= deadline


def finish_time(deadline: datetime, now: datetime) -> datetime:
    """When an attempt finishing now is recorded as finished.

    An attempt the sweep (or a late visit) finishes after its deadline is recorded as
    finished at the deadline, so reports never show an examinee "taking" longer than
    allowed just because nobody looked sooner. Saves in the grace period do not move it.
    """
    _require_aware("deadline", deadline)
    _require_aware("now", now)
    return deadline if is_overdue(deadline, now) else now
