"""Turning Moodle-style weighted answers into our answer keys.

Moodle (and therefore GIFT and Moodle XML) gives every answer a fraction of the mark. We keep
what our types can express exactly and report the rest: a choice answer worth part of the
mark is treated as wrong, a multiple-response question's unequal weights become "each correct
option counts the same", and short-answer wildcards cannot be matched by our grader at all.
"""
from __future__ import annotations

import re
import string
from dataclasses import dataclass, field

from lawexam.i18n import _
from lawexam.questions.qtypes import Option

FULL_MARK = 100.0
_TOLERANCE = 0.01
_UNESCAPED_WILDCARD = re.compile(r"(?<!\\)\*")


@dataclass(frozen=True)
class WeightedAnswer:
    text: str
    fraction: float  # percent of the mark, as written in the file (-100 … 100)


@dataclass
class ChoiceOutcome:
    type: str
    options: tuple[Option, ...]
    answer: object
    correct_indexes: list[int]
    dropped: list[str] = field(default_factory=list)   # messages for "dropped" problems
    warnings: list[str] = field(default_factory=list)


def _key(index: int) -> str:
    # Beyond H the validator reports "2 to 8 options"; the keys only need to be distinct.
    return string.ascii_uppercase[index] if index < 26 else str(index + 1)


def _percent(value: float) -> str:
    return f"{value:g}"


def resolve_choice(answers: list[WeightedAnswer], single: bool) -> ChoiceOutcome:
    options = tuple(Option(_key(i), answer.text) for i, answer in enumerate(answers))
    if single:
        correct = [i for i, a in enumerate(answers) if a.fraction >= FULL_MARK - _TOLERANCE]
        outcome = ChoiceOutcome("single", options, None, correct)
        for i, answer in enumerate(answers):
            if 0 < answer.fraction < FULL_MARK - _TOLERANCE:
                outcome.dropped.append(_(
                    "Option %(key)s was worth %(fraction)s%% of the mark; partial credit is not "
                    "supported, so it now counts as wrong.",
                    key=_key(i), fraction=_percent(answer.fraction)))
        keys = [_key(i) for i in correct]
        outcome.answer = keys[0] if len(keys) == 1 else (tuple(keys) or None)
        return outcome
    correct = [i for i, a in enumerate(answers) if a.fraction > 0]
    weights = [answers[i].fraction for i in correct]
    if len(correct) == 1 and weights[0] >= FULL_MARK - _TOLERANCE:
        return ChoiceOutcome("single", options, _key(correct[0]), correct, warnings=[_(
            "Only one option is correct, so the question was imported as single choice.")])
    outcome = ChoiceOutcome("multiple", options, tuple(_key(i) for i in correct), correct)
    if weights and max(weights) - min(weights) > 0.5:
        outcome.dropped.append(_(
            "The correct options had different weights (%(weights)s); each correct option now "
            "counts the same.", weights=", ".join(_percent(w) + "%" for w in weights)))
    return outcome


def equal_shares(correct: int) -> list[str]:
    """Percent shares for the correct options of a multiple-response question, as writers
    put them in a file: equal, five decimals, adding up to exactly 100 (33.33333 ×2 +
    33.33334) because Moodle refuses a total below 100%."""
    share = round(FULL_MARK / correct, 5)
    last = round(FULL_MARK - share * (correct - 1), 5)
    return [_decimal(share)] * (correct - 1) + [_decimal(last)]


def _decimal(value: float) -> str:
    return f"{value:.5f}".rstrip("0").rstrip(".")


@dataclass
class ShortAnswerOutcome:
    accepted: tuple[str, ...]
    dropped: list[str] = field(default_factory=list)


def resolve_short_answers(answers: list[WeightedAnswer]) -> ShortAnswerOutcome:
    """Full-mark answers become the accepted answers of a single blank.

    Answers worth nothing are ordinary wrong answers (usually there to attach feedback) and
    are left out silently: grading them as wrong is exactly what they meant.
    """
    outcome = ShortAnswerOutcome(())
    accepted: list[str] = []
    for answer in answers:
        if _UNESCAPED_WILDCARD.search(answer.text):
            outcome.dropped.append(_(
                "The wildcard answer %(answer)s was dropped; answers must be matched exactly.",
                answer=answer.text))
        elif 0 < answer.fraction < FULL_MARK - _TOLERANCE:
            outcome.dropped.append(_(
                "The answer %(answer)s was worth %(fraction)s%% of the mark; partial credit is "
                "not supported, so it was dropped.",
                answer=answer.text, fraction=_percent(answer.fraction)))
        elif answer.fraction >= FULL_MARK - _TOLERANCE:
            text = answer.text.replace("\\*", "*")
            if text and text not in accepted:
                accepted.append(text)
    outcome.accepted = tuple(accepted)
    return outcome
