"""Aiken import: Moodle's simplest format, single-choice questions only.

    Question text (one or more lines)
    A. first option            (or "A)")
    B. second option
    ANSWER: B

Text is plain: markup in it is shown as text. ``ANSWER: A, C`` (several letters) is accepted
as a multiple-choice question, which standard Aiken cannot express.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from lawexam.i18n import _
from lawexam.questions.formats.base import (
    WARNING, Draft, ImportLog, ParseResult, file_location, line_location)
from lawexam.questions.formats.tabular_values import parse_choice_letters
from lawexam.questions.formats.textfile import UndecodableText, decode_text, gbk_warning
from lawexam.questions.qtypes import Option, QuestionContent
from lawexam.questions.richtext import clean_plain_text, text_to_html

_OPTION = re.compile(r"([A-Z])\s*[.)．）、]\s*(.*)")
_ANSWER = re.compile(r"(?:ANSWER|答案)\s*[:：]\s*(.*)", re.I)


def looks_like_aiken(text: str) -> bool:
    return any(_ANSWER.fullmatch(line.strip()) for line in text.splitlines())


@dataclass
class _Question:
    line: int
    stem: list[str] = field(default_factory=list)
    options: list[tuple[str, str]] = field(default_factory=list)


def parse_aiken(filename: str, data: bytes) -> ParseResult:
    log = ImportLog(filename)
    try:
        decoded = decode_text(data)
    except UndecodableText as error:
        return log.file_error(str(error))
    if decoded.is_gbk:
        log.report(WARNING, file_location(), gbk_warning())
    current: _Question | None = None
    for number, raw in enumerate(decoded.text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        answer_match = _ANSWER.fullmatch(line)
        option_match = _OPTION.fullmatch(line)
        if current is None:
            if answer_match:
                log.error(line_location(number), _(
                    "ANSWER line without a question before it."), "answer")
                continue
            current = _Question(number, [line])
        elif answer_match:
            _finish(log, current, answer_match.group(1), number)
            current = None
        elif option_match and (current.options or _is_first_option(option_match)):
            current.options.append((option_match.group(1), option_match.group(2)))
        elif current.options:
            # A new question started before the previous one got its ANSWER line.
            log.error(line_location(current.line), _(
                "The question has no ANSWER: line after its options."), "answer")
            current = _Question(number, [line])
        else:
            current.stem.append(line)
    if current is not None:
        log.error(line_location(current.line), _(
            "The file ends before this question's ANSWER: line."), "answer")
    return log.result


def _is_first_option(match: re.Match[str]) -> bool:
    return match.group(1) == "A"


def _finish(log: ImportLog, question: _Question, answer_text: str, answer_line: int) -> None:
    errors: list[tuple[str | None, str]] = []
    keys = [key for key, _text in question.options]
    expected = [chr(ord("A") + i) for i in range(len(keys))]
    if keys != expected:
        errors.append(("options", _(
            "Option letters must run A, B, C… without gaps; found %(keys)s.",
            keys=", ".join(keys))))
    letters = parse_choice_letters(answer_text) or []
    if not letters:
        errors.append(("answer", _(
            "The answer on line %(line)d must be an option letter, not %(answer)s.",
            line=answer_line, answer=answer_text or "—")))
    answer: object = letters[0] if len(letters) == 1 else tuple(sorted(set(letters)))
    content = QuestionContent(
        type="single" if len(letters) <= 1 else "multiple",
        stem=text_to_html("\n".join(question.stem)),
        options=tuple(Option(key, clean_plain_text(text)) for key, text in question.options),
        answer=answer or None,
    )
    log.submit(Draft(content=content, location=line_location(question.line)), errors)
