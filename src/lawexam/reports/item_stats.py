"""Classical item analysis (经典测量理论) for one paper's finished attempts.

Inputs are plain numbers: per examinee the reported total and, per item, the fraction of
the item's points earned (0..1; 0/1 for dichotomous items) and, for choice items, the
original option keys chosen. Nothing here knows about attempts or the database.

Definitions and decisions (each has a hand-worked test):

* **Facility** ``p``: mean fraction over all n examinees (blank counts as 0).
* **Discrimination index** ``D = p_upper − p_lower`` with upper/lower groups of
  ``g = round_half_up(0.27 · n)`` examinees ranked by total (at least 1, at most n // 2).
  Ties at the cut are shared, not broken arbitrarily: if the last g−a places of a group
  fall among t examinees with the same total, each of those t counts with weight
  (g−a)/t. The result therefore never depends on the order the rows arrive in.
  None when n < 2 or every total is equal (there is nothing to discriminate).
* **Point-biserial** ``point_biserial``: the *corrected* item–total correlation, i.e.
  Pearson r between the item fraction and the rest score (total − this item's points ×
  fraction). This is what SPSS calls "Corrected Item-Total Correlation" and what most
  item-analysis software reports: with the 20–50 items of a town exam, leaving the item
  in its own total inflates r noticeably. The uncorrected ``item_total_r`` is also given.
  For 0/1 items Pearson r *is* the point-biserial; for partial-credit items it is the
  same formula. None when either side has zero variance or n < 2.
* **Variances** are population variances (÷ n) throughout: the report describes this
  group, and KR-20's p·q is itself a population variance, so alpha and KR-20 agree.
  ``sd`` is likewise the population SD of the reported totals (Excel's STDEV.P).
* **Reliability**: Cronbach's alpha on item scores (points × fraction) and their sum;
  KR-20 on the unweighted right/wrong counts, only when every fraction is exactly 0 or 1.
  With equal points per item the two coincide. None when k < 2, n < 2 or the summed
  score has zero variance.
* **Flags** compare with a 1e-9 tolerance, so 0.6 − 0.5 counts as 0.1, not 0.0999….
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from enum import Enum
from itertools import groupby
from operator import mul

__all__ = [
    "EASY_ABOVE",
    "HARD_BELOW",
    "LOW_DISCRIMINATION_BELOW",
    "ExamineeRow",
    "ItemFlag",
    "ItemSpec",
    "ItemStats",
    "OptionFrequency",
    "TestStats",
    "analyse_items",
    "group_size",
    "reliability",
]

EASY_ABOVE = 0.95
HARD_BELOW = 0.2
LOW_DISCRIMINATION_BELOW = 0.1
_EPS = 1e-9


class ItemFlag(str, Enum):
    TOO_EASY = "too_easy"  # facility > 0.95
    TOO_HARD = "too_hard"  # facility < 0.2
    LOW_DISCRIMINATION = "low_discrimination"  # D < 0.1 (negative included)
    NEGATIVE_DISCRIMINATION = "negative_discrimination"  # D < 0, set together with LOW
    UNUSED_DISTRACTOR = "unused_distractor"  # a wrong option nobody chose


@dataclass(frozen=True)
class ItemSpec:
    item_id: Hashable
    points: float = 1.0
    option_keys: tuple[str, ...] = ()  # empty: not a choice item
    correct_keys: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ExamineeRow:
    total: float
    fractions: tuple[float, ...]  # one per item, 0..1
    # One per item (or empty when no choice data was kept). None or an empty set means
    # the item was left blank; entries for non-choice items are ignored.
    choices: tuple[frozenset[str] | None, ...] = ()


@dataclass(frozen=True)
class OptionFrequency:
    key: str
    count: int
    share: float | None  # count / n; None when n == 0
    correct: bool


@dataclass(frozen=True)
class ItemStats:
    item_id: Hashable
    facility: float | None
    upper_facility: float | None
    lower_facility: float | None
    discrimination: float | None
    point_biserial: float | None  # corrected item-rest correlation
    item_total_r: float | None  # uncorrected, item included in the total
    options: tuple[OptionFrequency, ...]
    omitted: int | None  # choice items only
    unused_distractors: tuple[str, ...]
    flags: frozenset[ItemFlag]


@dataclass(frozen=True)
class TestStats:
    n: int
    k: int
    mean: float | None
    sd: float | None
    kr20: float | None
    alpha: float | None
    group_size: int | None
    items: tuple[ItemStats, ...]

    __test__ = False  # not a pytest class, despite the name


# --- small numeric helpers ------------------------------------------------------------


def _mean(xs: Sequence[float]) -> float:
    return math.fsum(xs) / len(xs)


def _pvar(xs: Sequence[float]) -> float:
    m = _mean(xs)
    d = [x - m for x in xs]
    return math.fsum(map(mul, d, d)) / len(xs)


def _pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    if len(xs) < 2:
        return None
    mx, my = _mean(xs), _mean(ys)
    # Deviations once, products in C (``map(mul, …)``): the same sums, several times faster.
    dx = [x - mx for x in xs]
    dy = [y - my for y in ys]
    sxx = math.fsum(map(mul, dx, dx))
    syy = math.fsum(map(mul, dy, dy))
    # Tiny variances are float noise from subtracting equal totals, not real spread.
    if sxx <= _EPS or syy <= _EPS:
        return None
    sxy = math.fsum(map(mul, dx, dy))
    return max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))


def _alpha(columns: Sequence[Sequence[float]]) -> float | None:
    """Cronbach's alpha of item-score columns (k items × n examinees)."""
    k = len(columns)
    if k < 2 or len(columns[0]) < 2:
        return None
    sums = [math.fsum(row) for row in zip(*columns)]
    total_var = _pvar(sums)
    if total_var <= _EPS:
        return None
    item_var = math.fsum(_pvar(col) for col in columns)
    return k / (k - 1) * (1 - item_var / total_var)


def _kr20(columns: Sequence[Sequence[float]]) -> float | None:
    """Kuder-Richardson 20 for 0/1 columns, from p·q (kept separate from alpha on purpose:
    the two formulas agreeing is a check, not a tautology)."""
    k = len(columns)
    if k < 2 or len(columns[0]) < 2:
        return None
    counts = [math.fsum(row) for row in zip(*columns)]
    total_var = _pvar(counts)
    if total_var <= _EPS:
        return None
    pq = math.fsum(_mean(col) * (1 - _mean(col)) for col in columns)
    return k / (k - 1) * (1 - pq / total_var)


def group_size(n: int) -> int | None:
    """Upper/lower group size: 27 % of n rounded half up, within 1..n//2."""
    if n < 2:
        return None
    g = (27 * n + 50) // 100  # integer arithmetic: no float surprises at .5
    return max(1, min(g, n // 2))


def _group_weights(totals: Sequence[float], g: int, top: bool) -> list[float]:
    """Membership weight (0..1) of each examinee in the top or bottom group of size g."""
    ranked = sorted(range(len(totals)), key=totals.__getitem__, reverse=top)
    weights = [0.0] * len(totals)
    left = float(g)
    for _, run in groupby(ranked, key=totals.__getitem__):
        if left <= 0:
            break
        tied = list(run)
        w = min(1.0, left / len(tied))
        for j in tied:
            weights[j] = w
        left -= w * len(tied)
    return weights


def _options(
    spec: ItemSpec, i: int, rows: Sequence[ExamineeRow]
) -> tuple[tuple[OptionFrequency, ...], int | None, tuple[str, ...]]:
    if not spec.option_keys:
        return (), None, ()
    n = len(rows)
    counts = dict.fromkeys(spec.option_keys, 0)
    omitted = 0
    for row in rows:
        chosen = row.choices[i] if row.choices else None
        if not chosen:
            omitted += 1
            continue
        for key in chosen:
            if key not in counts:
                raise ValueError(f"item {spec.item_id!r}: chosen key {key!r} is not an option")
            counts[key] += 1
    freqs = tuple(
        OptionFrequency(key, c, c / n if n else None, key in spec.correct_keys)
        for key, c in counts.items()
    )
    unused = tuple(f.key for f in freqs if not f.correct and f.count == 0) if n else ()
    return freqs, omitted, unused


def _flags(
    facility: float | None, discrimination: float | None, unused: tuple[str, ...]
) -> frozenset[ItemFlag]:
    flags: set[ItemFlag] = set()
    if facility is not None:
        if facility > EASY_ABOVE + _EPS:
            flags.add(ItemFlag.TOO_EASY)
        if facility < HARD_BELOW - _EPS:
            flags.add(ItemFlag.TOO_HARD)
    if discrimination is not None:
        if discrimination < LOW_DISCRIMINATION_BELOW - _EPS:
            flags.add(ItemFlag.LOW_DISCRIMINATION)
        if discrimination < -_EPS:
            flags.add(ItemFlag.NEGATIVE_DISCRIMINATION)
    if unused:
        flags.add(ItemFlag.UNUSED_DISTRACTOR)
    return frozenset(flags)


def _validate(items: Sequence[ItemSpec], rows: Sequence[ExamineeRow]) -> None:
    k = len(items)
    for j, row in enumerate(rows):
        if len(row.fractions) != k:
            raise ValueError(f"row {j}: {len(row.fractions)} fractions for {k} items")
        if row.choices and len(row.choices) != k:
            raise ValueError(f"row {j}: {len(row.choices)} choice entries for {k} items")
        for f in row.fractions:
            if not 0.0 <= f <= 1.0 or math.isnan(f):
                raise ValueError(f"row {j}: fraction {f} is outside 0..1")


# --- public API -----------------------------------------------------------------------


def analyse_items(items: Sequence[ItemSpec], rows: Sequence[ExamineeRow], *, validate: bool = True) -> TestStats:
    """Item and test statistics for k items answered by n examinees. ``validate=False`` skips
    the shape checks for rows the caller built itself (fractions already within 0..1)."""
    if validate:
        _validate(items, rows)
    n, k = len(rows), len(items)
    totals = [float(r.total) for r in rows]
    g = group_size(n)
    spread = n >= 2 and _pvar(totals) > _EPS
    upper_w = _group_weights(totals, g, top=True) if g and spread else None
    lower_w = _group_weights(totals, g, top=False) if g and spread else None

    stats: list[ItemStats] = []
    for i, spec in enumerate(items):
        fr = [r.fractions[i] for r in rows]
        facility = _mean(fr) if n else None
        p_up = p_low = d = None
        if upper_w is not None and lower_w is not None and g:
            p_up = math.fsum(map(mul, upper_w, fr)) / g
            p_low = math.fsum(map(mul, lower_w, fr)) / g
            d = p_up - p_low
        rest = [t - spec.points * f for t, f in zip(totals, fr)]
        options, omitted, unused = _options(spec, i, rows)
        stats.append(ItemStats(
            item_id=spec.item_id,
            facility=facility,
            upper_facility=p_up,
            lower_facility=p_low,
            discrimination=d,
            point_biserial=_pearson(fr, rest),
            item_total_r=_pearson(fr, totals),
            options=options,
            omitted=omitted,
            unused_distractors=unused,
            flags=_flags(facility, d, unused),
        ))

    # Reliability needs two items or more (both formulas give None below that): skip the
    # matrices then, which matters when items are analysed one at a time.
    alpha, kr20 = reliability(items, rows, validated=True) if k >= 2 else (None, None)
    return TestStats(
        n=n,
        k=k,
        mean=_mean(totals) if n else None,
        sd=math.sqrt(_pvar(totals)) if n >= 2 else None,
        kr20=kr20,
        alpha=alpha,
        group_size=g,
        items=tuple(stats),
    )


def reliability(items: Sequence[ItemSpec], rows: Sequence[ExamineeRow], *,
                validated: bool = False) -> tuple[float | None, float | None]:
    """``(alpha, kr20)`` of the k-item matrix alone, exactly as ``analyse_items`` reports them,
    without the per-item work (for large matrices where only the test's reliability is wanted)."""
    if not validated:
        _validate(items, rows)
    if not rows:
        return None, None
    unweighted = [list(column) for column in zip(*(r.fractions for r in rows))]
    weighted = [[spec.points * f for f in column] for spec, column in zip(items, unweighted)]
    dichotomous = {f for column in unweighted for f in column} <= {0.0, 1.0}
    return _alpha(weighted), (_kr20(unweighted) if dichotomous else None)
