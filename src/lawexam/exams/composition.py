"""Paper drawing: turn a blueprint and the bank's candidates into a frozen paper.

A paper is drawn once, when an attempt starts, and stored with the attempt (DESIGN.md,
"The exam contract"). Everything random goes through the ``random.Random`` the caller
passes, so the same seed and the same inputs always give the same paper.

Rules draw *without replacement across the whole paper*: fixed items are reserved first,
then rules take questions in blueprint order. When rule pools overlap, a naive "draw each
rule in turn" can paint itself into a corner (rule 1 takes the only question rule 2 could
use) even though a valid paper exists. Both the feasibility check and the draw therefore
use bipartite matching with augmenting paths (rules have ``count`` seats, each question one),
which finds a full paper whenever one exists. Earlier rules are served first, so when the
bank really is short, the shortfall is reported against the later rule.

Option keys: ``PaperSlot.option_order`` lists the question's *original* option keys in
display order; the option shown at position i carries display key ``DISPLAY_KEYS[i]``.
Answers are graded in original keys, so browser responses go through
``map_response_to_original`` first.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

__all__ = [
    "CHOICE_TYPES", "DISPLAY_KEYS", "Blueprint", "Candidate", "Feasibility", "FixedItem",
    "InfeasiblePaper", "InvalidResponse", "Issue", "IssueCode", "PaperSlot", "Rule",
    "RuleReport", "check_feasibility", "display_to_original", "draw_paper",
    "map_response_to_original", "original_to_display",
]

DISPLAY_KEYS = "ABCDEFGH"
# Only these types have their options permuted. True/false keeps 对/错 in a fixed place:
# shuffling two options only confuses people and protects nothing.
CHOICE_TYPES = frozenset({"single", "multiple"})


class InvalidResponse(ValueError):
    """A browser response that cannot be mapped (unknown display key, wrong shape)."""


@dataclass(frozen=True)
class Candidate:
    """One drawable question: its current version and what rules filter on."""

    question_id: int
    version_id: int
    module: str
    tags: frozenset[str]
    type: str
    difficulty: int
    option_keys: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if len(self.option_keys) > len(DISPLAY_KEYS):
            raise ValueError(
                f"question {self.question_id} has {len(self.option_keys)} options; "
                f"at most {len(DISPLAY_KEYS)} can be displayed"
            )
        if len(set(self.option_keys)) != len(self.option_keys):
            raise ValueError(f"question {self.question_id} repeats an option key")


@dataclass(frozen=True, kw_only=True)
class Rule:
    """Draw ``count`` questions matching every non-empty filter, ``points`` each.

    An empty filter set means "any". ``tags`` matches a question carrying at least one of
    the tags.
    """

    modules: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()
    types: frozenset[str] = frozenset()
    min_difficulty: int = 1
    max_difficulty: int = 5
    count: int
    points: float

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ValueError(f"rule count must be >= 1, got {self.count}")
        if self.points <= 0:
            raise ValueError(f"rule points must be > 0, got {self.points}")
        if self.min_difficulty > self.max_difficulty:
            raise ValueError("rule min_difficulty is above max_difficulty")

    def matches(self, c: Candidate) -> bool:
        return (
            (not self.modules or c.module in self.modules)
            and (not self.tags or not self.tags.isdisjoint(c.tags))
            and (not self.types or c.type in self.types)
            and self.min_difficulty <= c.difficulty <= self.max_difficulty
        )


@dataclass(frozen=True)
class FixedItem:
    question_id: int
    points: float

    def __post_init__(self) -> None:
        if self.points <= 0:
            raise ValueError(f"fixed item points must be > 0, got {self.points}")


@dataclass(frozen=True)
class Blueprint:
    fixed: tuple[FixedItem, ...] = ()
    rules: tuple[Rule, ...] = ()
    shuffle_questions: bool = False
    shuffle_options: bool = False


class IssueCode(str, Enum):
    EMPTY_PAPER = "empty_paper"
    FIXED_MISSING = "fixed_missing"
    FIXED_DUPLICATE = "fixed_duplicate"
    RULE_SHORT = "rule_short"
    POOL_SMALL = "pool_small"


@dataclass(frozen=True)
class Issue:
    """A problem or warning; ``code`` and the numbers let the UI phrase it in zh_CN."""

    code: IssueCode
    message: str
    rule: int | None = None  # 1-based rule number
    question_id: int | None = None
    needed: int | None = None
    available: int | None = None


@dataclass(frozen=True)
class RuleReport:
    rule: int  # 1-based
    count: int
    pool_size: int  # candidates matching the rule, fixed items excluded
    drawable: int  # seats the rule can fill after fixed items and earlier rules
    shortfall: int  # count - drawable


@dataclass(frozen=True)
class Feasibility:
    rules: tuple[RuleReport, ...]
    problems: tuple[Issue, ...]
    warnings: tuple[Issue, ...]
    total_points: float
    question_count: int

    @property
    def ok(self) -> bool:
        return not self.problems


class InfeasiblePaper(Exception):
    """The blueprint cannot be drawn from these candidates."""

    def __init__(self, problems: Sequence[Issue]) -> None:
        self.problems: tuple[Issue, ...] = tuple(problems)
        super().__init__("; ".join(p.message for p in self.problems))


@dataclass(frozen=True)
class PaperSlot:
    slot: int  # 1-based display position
    question_id: int
    version_id: int
    points: float
    option_order: tuple[str, ...] = ()


# --- matching ------------------------------------------------------------------------


def _index_candidates(candidates: Iterable[Candidate]) -> dict[int, Candidate]:
    by_id: dict[int, Candidate] = {}
    for c in candidates:
        if c.question_id in by_id:
            # One version per question is the caller's contract; guessing which version
            # to freeze would be worse than failing loudly.
            raise ValueError(f"question {c.question_id} appears twice among candidates")
        by_id[c.question_id] = c
    return by_id


def _rule_pools(
    blueprint: Blueprint, by_id: dict[int, Candidate], reserved: set[int]
) -> list[list[int]]:
    # Sorted by question id so the result never depends on the order the database
    # happened to return candidates in.
    ordered = sorted(by_id)
    return [
        [q for q in ordered if q not in reserved and rule.matches(by_id[q])]
        for rule in blueprint.rules
    ]


def _augment(
    start: int,
    pools: Sequence[Sequence[int]],
    owner: dict[int, int],
    assigned: list[list[int]],
) -> bool:
    """Give rule ``start`` one more question, re-seating others along a shortest path.

    BFS over rules: from a rule we may take any pool question; a free one ends the path,
    one held by another rule sends us to that rule, which must then find a replacement.
    Shortest paths disturb as few earlier draws as possible.
    """
    parent: dict[int, tuple[int, int] | None] = {start: None}  # rule -> (prev rule, q)
    queue = deque([start])
    while queue:
        r = queue.popleft()
        for q in pools[r]:
            holder = owner.get(q)
            if holder is None:
                # Walk back: r takes q; r's predecessor takes the question r gave up...
                take = q
                node: int | None = r
                while node is not None:
                    link = parent[node]
                    if link is None:
                        assigned[node].append(take)
                        owner[take] = node
                        break
                    prev, via = link
                    # node gives up `via` to prev and takes `take` in its place.
                    assigned[node][assigned[node].index(via)] = take
                    owner[take] = node
                    take, node = via, prev
                return True
            if holder not in parent:
                parent[holder] = (r, q)
                queue.append(holder)
    return False


def _fill(
    blueprint: Blueprint, pools: Sequence[Sequence[int]], rng: random.Random | None
) -> tuple[list[list[int]], list[int]]:
    """Seat every rule, earlier rules first. Returns (assigned per rule, shortfalls)."""
    owner: dict[int, int] = {}
    assigned: list[list[int]] = [[] for _ in blueprint.rules]
    shortfalls: list[int] = []
    order_pools: list[list[int]] = []
    for pool in pools:
        p = list(pool)
        if rng is not None:
            rng.shuffle(p)
        order_pools.append(p)
    for r, rule in enumerate(blueprint.rules):
        # The cheap path: take free questions in (shuffled) pool order.
        for q in order_pools[r]:
            if len(assigned[r]) == rule.count:
                break
            if q not in owner:
                owner[q] = r
                assigned[r].append(q)
        missing = rule.count - len(assigned[r])
        while missing and _augment(r, order_pools, owner, assigned):
            missing -= 1
        # If no augmenting path exists now, none will appear later either (a rule that
        # cannot be improved stays so in bipartite matching), so this is the true short.
        shortfalls.append(missing)
    return assigned, shortfalls


def _to_decimal(x: float) -> Decimal:
    # str() gives the shortest repr, i.e. the number the officer typed (1.5, not 1.4999…).
    return Decimal(str(x))


# --- public API ------------------------------------------------------------------


def check_feasibility(blueprint: Blueprint, candidates: Iterable[Candidate]) -> Feasibility:
    by_id = _index_candidates(candidates)
    problems: list[Issue] = []
    warnings: list[Issue] = []

    reserved: set[int] = set()
    for item in blueprint.fixed:
        if item.question_id in reserved:
            problems.append(Issue(
                IssueCode.FIXED_DUPLICATE,
                f"fixed question {item.question_id} is listed more than once",
                question_id=item.question_id,
            ))
        elif item.question_id not in by_id:
            problems.append(Issue(
                IssueCode.FIXED_MISSING,
                f"fixed question {item.question_id} is not available (deleted or retired?)",
                question_id=item.question_id,
            ))
        reserved.add(item.question_id)

    pools = _rule_pools(blueprint, by_id, reserved)
    _, shortfalls = _fill(blueprint, pools, rng=None)

    reports: list[RuleReport] = []
    for i, (rule, pool, short) in enumerate(zip(blueprint.rules, pools, shortfalls), 1):
        drawable = rule.count - short
        reports.append(RuleReport(i, rule.count, len(pool), drawable, short))
        if short:
            problems.append(Issue(
                IssueCode.RULE_SHORT,
                f"rule {i} needs {rule.count} questions but only {drawable} remain after "
                f"fixed items and earlier rules (pool {len(pool)})",
                rule=i, needed=rule.count, available=drawable,
            ))
        elif len(pool) < 2 * rule.count:
            # Small pools make every examinee's paper nearly the same, and neighbours
            # can copy; it is allowed but worth telling the officer.
            warnings.append(Issue(
                IssueCode.POOL_SMALL,
                f"rule {i} draws {rule.count} from a pool of only {len(pool)} "
                f"(less than twice the count)",
                rule=i, needed=rule.count, available=len(pool),
            ))

    question_count = len(blueprint.fixed) + sum(r.count for r in blueprint.rules)
    if question_count == 0:
        problems.append(Issue(IssueCode.EMPTY_PAPER, "the paper has no questions"))
    total = sum((_to_decimal(f.points) for f in blueprint.fixed), Decimal(0)) + sum(
        (_to_decimal(r.points) * r.count for r in blueprint.rules), Decimal(0)
    )
    return Feasibility(
        rules=tuple(reports),
        problems=tuple(problems),
        warnings=tuple(warnings),
        total_points=float(total),
        question_count=question_count,
    )


def draw_paper(
    blueprint: Blueprint, candidates: Iterable[Candidate], rng: random.Random
) -> tuple[PaperSlot, ...]:
    """Draw and order one examinee's paper. Raises ``InfeasiblePaper`` if it can't."""
    by_id = _index_candidates(candidates)
    report = check_feasibility(blueprint, by_id.values())
    if not report.ok:
        raise InfeasiblePaper(report.problems)

    reserved = {f.question_id for f in blueprint.fixed}
    pools = _rule_pools(blueprint, by_id, reserved)
    assigned, shortfalls = _fill(blueprint, pools, rng)
    if any(shortfalls):  # cannot happen: the matching is exact, but never draw short
        raise RuntimeError("feasible blueprint failed to fill")

    picked: list[tuple[int, float]] = [(f.question_id, f.points) for f in blueprint.fixed]
    for rule, qs in zip(blueprint.rules, assigned):
        picked.extend((q, rule.points) for q in qs)
    if blueprint.shuffle_questions:
        rng.shuffle(picked)

    slots: list[PaperSlot] = []
    for n, (qid, points) in enumerate(picked, 1):
        c = by_id[qid]
        order = list(c.option_keys)
        if blueprint.shuffle_options and c.type in CHOICE_TYPES:
            rng.shuffle(order)
        slots.append(PaperSlot(n, qid, c.version_id, points, tuple(order)))
    return tuple(slots)


# --- option key mapping ------------------------------------------------------------


def display_to_original(option_order: Sequence[str], display_key: str) -> str:
    """The original key of the option shown as ``display_key``."""
    # len == 1 matters: str.find would happily locate "AB" at index 0.
    ok = isinstance(display_key, str) and len(display_key) == 1
    i = DISPLAY_KEYS.find(display_key) if ok else -1
    if i < 0 or i >= len(option_order):
        raise InvalidResponse(f"no option displayed as {display_key!r}")
    return option_order[i]


def original_to_display(option_order: Sequence[str], original_key: str) -> str:
    """The display key under which original option ``original_key`` is shown."""
    try:
        return DISPLAY_KEYS[list(option_order).index(original_key)]
    except ValueError:
        raise InvalidResponse(f"no original option {original_key!r}") from None


def map_response_to_original(
    qtype: str, option_order: Sequence[str], response: object
) -> object:
    """Translate a browser response (display keys) into the question's original keys.

    single: "B" -> original key; multiple: list of display keys -> sorted tuple of
    original keys (duplicates kept, so validation downstream can still see them); other
    types carry no option keys and pass through unchanged; ``None`` (blank) stays ``None``.
    Raises ``InvalidResponse`` for a key not on the paper or a wrongly shaped response.
    """
    if response is None or qtype not in CHOICE_TYPES:
        return response
    if qtype == "single":
        if not isinstance(response, str):
            raise InvalidResponse(f"single-choice response must be a key, got {response!r}")
        return display_to_original(option_order, response)
    # A bare string would iterate as characters ("AC" -> A, C); refuse it, the API
    # contract is a list.
    if isinstance(response, (str, bytes)) or not isinstance(response, Iterable):
        raise InvalidResponse(f"multiple-choice response must be a list, got {response!r}")
    return tuple(sorted(display_to_original(option_order, k) for k in response))
