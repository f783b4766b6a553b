"""Moodle cloze (embedded answers) for fill-in-the-blank questions with several blanks.

Moodle XML has no other way to hold more than one blank, so the export writes each ``____``
as ``{1:SHORTANSWER:=answer~=alternative}`` and the import reads a cloze question back as
fill-in-the-blank when every embedded part is a short answer. Cloze questions with choices or
numbers inside remain unsupported.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from lawexam.questions.formats.answer_rules import WeightedAnswer, resolve_short_answers
from lawexam.questions.qtypes import BLANK, split_at_blanks

_SHORT_ANSWER_KINDS = frozenset(
    {"SHORTANSWER", "SA", "MW", "SHORTANSWER_C", "SAC", "MWC"})
_CODE = re.compile(r"\{(\d*):([A-Z_]+):((?:\\.|[^\\}])*)\}")
_WEIGHT = re.compile(r"%(-?\d+(?:\.\d+)?)%")
# "\*" stays escaped: in a short answer it means a literal asterisk, not a wildcard.
_UNESCAPE = re.compile(r"\\([\\}~#/\"])")
_ESCAPE = re.compile(r"([\\}~#/\"*])")


def is_short_answer_only(question_html: str) -> bool:
    kinds = [match.group(2) for match in _CODE.finditer(question_html)]
    return bool(kinds) and all(kind in _SHORT_ANSWER_KINDS for kind in kinds)


@dataclass
class ParsedCloze:
    stem: str
    answer: tuple[tuple[str, ...], ...]
    dropped: list[str] = field(default_factory=list)


def _split_unescaped(text: str, separator: str) -> list[str]:
    """Split on ``separator`` where it is not escaped; escapes are kept for later."""
    parts: list[str] = []
    current: list[str] = []
    position = 0
    while position < len(text):
        char = text[position]
        if char == "\\" and position + 1 < len(text):
            current.append(text[position:position + 2])
            position += 2
            continue
        if char == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        position += 1
    parts.append("".join(current))
    return parts


def _weighted(part: str) -> WeightedAnswer:
    part = _split_unescaped(part, "#")[0]  # feedback is not kept
    fraction = 0.0
    if part.startswith("="):
        fraction, part = 100.0, part[1:]
    else:
        weight = _WEIGHT.match(part)
        if weight:
            fraction, part = float(weight.group(1)), part[weight.end():]
    text = html.unescape(_UNESCAPE.sub(r"\1", part)).strip()
    return WeightedAnswer(text, fraction)


def parse_short_answer_cloze(stem_html: str) -> ParsedCloze:
    answers: list[tuple[str, ...]] = []
    dropped: list[str] = []

    def replace(match: re.Match[str]) -> str:
        outcome = resolve_short_answers(
            [_weighted(part) for part in _split_unescaped(match.group(3), "~")])
        answers.append(outcome.accepted)
        dropped.extend(outcome.dropped)
        return BLANK

    stem = _CODE.sub(replace, stem_html)
    return ParsedCloze(stem, tuple(answers), dropped)


def _escape(text: str) -> str:
    return _ESCAPE.sub(r"\\\1", html.escape(text, quote=False))


def to_cloze(stem_html: str, answer: tuple[tuple[str, ...], ...]) -> str:
    """Each blank of the stem replaced by its short-answer code, in order."""
    first, *rest = split_at_blanks(stem_html)
    codes = ["{1:SHORTANSWER:" + "~".join("=" + _escape(text) for text in accepted) + "}"
             for accepted in answer]
    return first + "".join(code + piece for code, piece in zip(codes, rest))
