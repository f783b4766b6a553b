"""Honest study time: turning lesson-page heartbeats into credited seconds.

A lesson page sends a heartbeat every ~15–30 s while it is open, and one with
``visible=False`` when it is hidden (tab switched, phone locked). Study time counts
toward required hours, so it must not be inflatable by opening several tabs, replaying
beats or changing the phone's clock. The rules:

1. **Server time only.** Credit is measured between server clock readings (``now``);
   the beat's ``client_time`` is kept for diagnostics and never used.
2. **One run at a time per person.** A run is (lesson, tab). A visible beat that continues
   the current run credits the seconds since the run's clock mark, floored to whole
   seconds, at most ``cap_per_beat_s`` (60) per beat and never beyond ``lesson_cap_s`` for
   the lesson. Sub-second remainders carry to the next beat (so 20 beats 1.5 s apart credit
   30 s, not 20); time beyond the per-beat cap is forfeited, because a long silence means
   the page was probably not being read.
3. **Switching credits nothing.** A visible beat from another lesson or another tab (or the
   first beat after none/hidden) starts a new run and credits 0 for that beat. Two tabs
   beating alternately therefore earn nothing until one of them stops: no double counting,
   and a person navigating to the next lesson loses at most one beat interval.
4. **Hidden ends the run.** A ``visible=False`` beat from the current run credits 0 (not even
   the seconds since the last beat) and ends the run; the next visible beat starts a new
   run, so the hidden gap is never credited. A hidden beat from some *other* tab or lesson
   is ignored: it must not stop the page the person is actually reading.
5. **The clock mark never moves back.** If ``now`` is earlier than the mark (another app
   host with a slightly slower clock), nothing is credited and a new run starts from the
   mark, not from ``now``. Credited intervals therefore never overlap: the total credited
   to a person is at most (latest ``now`` seen − first ``now``).

Completion and hours: a lesson is complete when the person has read to the end *and* has
at least the lesson's minimum credited time. A lesson's credit hours (学时) are granted
whole on completion and not at all before it; seconds studied are not hours.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

__all__ = [
    "DEFAULT_CAP_PER_BEAT_S",
    "Beat",
    "LessonProgress",
    "LessonTimeState",
    "credit_heartbeat",
    "hours",
    "lesson_cap_s",
    "lesson_complete",
    "seconds_to_hours",
]

DEFAULT_CAP_PER_BEAT_S = 60
_ONE_SECOND = timedelta(seconds=1)


@dataclass(frozen=True)
class Beat:
    lesson_id: int
    tab_token: str
    visible: bool = True
    client_time: datetime | None = None  # never used for crediting


@dataclass(frozen=True)
class LessonTimeState:
    """One person's heartbeat state; the service stores it per person.

    ``active_lesson_id``/``active_tab`` name the current run (both None: no run).
    ``mark`` is the server instant up to which time has been accounted for (credited or
    forfeited); it only moves forward. ``credited`` holds (lesson_id, seconds) pairs,
    sorted by lesson; the service needs only the lessons it is crediting in it (a missing
    lesson counts as 0 seconds so far).
    """

    active_lesson_id: int | None = None
    active_tab: str | None = None
    mark: datetime | None = None
    credited: tuple[tuple[int, int], ...] = ()

    def credited_for(self, lesson_id: int) -> int:
        for lid, secs in self.credited:
            if lid == lesson_id:
                return secs
        return 0

    def _with_credit(self, lesson_id: int, secs: int) -> tuple[tuple[int, int], ...]:
        table = dict(self.credited)
        table[lesson_id] = secs
        return tuple(sorted(table.items()))

    @property
    def in_run(self) -> bool:
        return self.active_lesson_id is not None


def lesson_cap_s(estimated_s: int) -> int:
    """A lesson can earn at most twice its estimated reading time."""
    return 2 * max(0, estimated_s)


def credit_heartbeat(
    state: LessonTimeState,
    beat: Beat,
    now: datetime,
    *,
    lesson_cap_s: int,
    cap_per_beat_s: int = DEFAULT_CAP_PER_BEAT_S,
) -> tuple[LessonTimeState, int]:
    """Apply one heartbeat received at server time ``now``; return (new state, seconds)."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware (UTC)")
    if cap_per_beat_s < 0 or lesson_cap_s < 0:
        raise ValueError("caps must be >= 0")

    continues = (
        state.in_run
        and state.active_lesson_id == beat.lesson_id
        and state.active_tab == beat.tab_token
    )
    mark = state.mark if state.mark is not None and state.mark > now else now

    if not beat.visible:
        if not continues:
            return state, 0  # another tab going hidden does not stop this one
        return replace(state, active_lesson_id=None, active_tab=None, mark=mark), 0

    if not continues or state.mark is None or now <= state.mark:
        # New run (or a duplicate / backwards-clock beat): credit nothing, start from the
        # later of now and the old mark.
        return replace(state, active_lesson_id=beat.lesson_id, active_tab=beat.tab_token, mark=mark), 0

    whole = (now - state.mark) // _ONE_SECOND
    if whole > cap_per_beat_s:
        grant, new_mark = cap_per_beat_s, now  # the rest of the silence is forfeited
    else:
        grant, new_mark = whole, state.mark + whole * _ONE_SECOND  # carry the fraction
    so_far = state.credited_for(beat.lesson_id)
    room = max(0, lesson_cap_s - so_far)
    if grant > room:
        grant, new_mark = room, now
    if grant == 0 and new_mark == state.mark:
        return state, 0
    return replace(
        state, mark=new_mark, credited=state._with_credit(beat.lesson_id, so_far + grant)
    ), grant


def lesson_complete(credited_s: int, min_s: int, read_to_end: bool) -> bool:
    """Complete = scrolled to the end and spent at least the minimum credited time."""
    return read_to_end and credited_s >= min_s


@dataclass(frozen=True)
class LessonProgress:
    lesson_id: int
    credited_s: int
    min_s: int
    read_to_end: bool
    credit_hours: float  # 学时 granted when the lesson is complete


def hours(progress: Iterable[LessonProgress]) -> float:
    """Credit hours earned: the full credit of each completed lesson, nothing for the rest.

    Partial lessons earn nothing, so "hours" always means finished lessons, as the annual
    study requirement counts them. Summed in Decimal, rounded half up to 2 places.
    """
    total = sum(
        (Decimal(str(p.credit_hours)) for p in progress
         if lesson_complete(p.credited_s, p.min_s, p.read_to_end)),
        Decimal(0),
    )
    return float(total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def seconds_to_hours(seconds: int, places: int = 1) -> float:
    """Time actually studied, in hours, rounded *down* so it never overstates."""
    if seconds < 0:
        raise ValueError("seconds must be >= 0")
    step = Decimal(1).scaleb(-places)
    return float((Decimal(seconds) / Decimal(3600)).quantize(step, rounding=ROUND_DOWN))
