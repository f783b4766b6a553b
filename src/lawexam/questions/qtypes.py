"""Question types: what a valid question looks like, what a valid response looks like, and
how a response is graded.

Pure code (no Flask request, no database) so that grading, importers and the bank editor all
share one definition of each type. Responses are in the JSON API shape and use the
question's own option keys; any option shuffling is undone before they get here.

Fill-in-the-blank comparison (``normalize_fill_answer``): NFKC (full-width ``ＡＢＣ１２３`` equals
``ABC123``), surrounding whitespace stripped, Latin case folded. Under ``"proportional"``
scoring a fill question earns the fraction of blanks answered right; under
``"all_or_nothing"`` (the default) it earns 1.0 only when every blank is right.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Protocol, Sequence

from lawexam.i18n import _, lazy_gettext
from lawexam.questions.richtext import has_image, html_to_text

OPTION_KEYS = "ABCDEFGH"
MIN_OPTIONS = 2
MAX_OPTIONS = len(OPTION_KEYS)
MAX_STEM_CHARS = 5000
MAX_OPTION_CHARS = 500
MAX_NOTE_CHARS = 5000
MAX_BLANK_ANSWER_CHARS = 500
MIN_DIFFICULTY, MAX_DIFFICULTY, DEFAULT_DIFFICULTY = 1, 5, 3
ALL_OR_NOTHING = "all_or_nothing"
PROPORTIONAL = "proportional"
SCORING_RULES = (ALL_OR_NOTHING, PROPORTIONAL)

# Four or more underscores make one blank, so "____" and "________" both count once.
BLANK_PATTERN = re.compile(r"_{4,}")
BLANK = "____"


@dataclass(frozen=True)
class Option:
    key: str
    text: str


@dataclass(frozen=True)
class QuestionContent:
    type: str
    stem: str
    options: tuple[Option, ...] = ()
    answer: object = None
    explanation: str = ""
    basis: str = ""
    difficulty: int = DEFAULT_DIFFICULTY


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: str


class UnknownQuestionType(KeyError):
    """Raised by ``get_type`` for a name that is not registered."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name

    def __str__(self) -> str:
        return _("Unknown question type %(type)s", type=self.name)


class QuestionType(Protocol):
    name: str
    label: object
    has_options: bool

    def validate(self, content: QuestionContent) -> list[FieldProblem]: ...

    def is_valid_response(self, content: QuestionContent, response: object) -> bool: ...

    def grade(
        self, content: QuestionContent, response: object, scoring: str = ALL_OR_NOTHING
    ) -> float: ...

    def key_response(self, content: QuestionContent) -> object: ...


def count_blanks(stem_html: str) -> int:
    # Counted on the visible text so underscores inside an image path do not count.
    return len(BLANK_PATTERN.findall(html_to_text(stem_html)))


def normalize_fill_answer(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().casefold()


def _check_scoring(scoring: str) -> None:
    if scoring not in SCORING_RULES:
        raise ValueError(f"unknown scoring rule {scoring!r}; expected one of {SCORING_RULES}")


def _is_text_list(value: object) -> bool:
    return isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value)


class _BaseType:
    name: str
    label: object
    has_options: bool

    def validate(self, content: QuestionContent) -> list[FieldProblem]:
        problems = self._common_problems(content)
        problems.extend(self._specific_problems(content))
        return problems

    def grade(
        self, content: QuestionContent, response: object, scoring: str = ALL_OR_NOTHING
    ) -> float:
        _check_scoring(scoring)
        # An invalid response (e.g. saved against an older version) earns nothing rather than
        # breaking the grading of a whole attempt.
        if response is None or not self.is_valid_response(content, response):
            return 0.0
        return self._grade_valid(content, response, scoring)

    def is_valid_response(self, content: QuestionContent, response: object) -> bool:
        raise NotImplementedError

    def _grade_valid(self, content: QuestionContent, response: object, scoring: str) -> float:
        raise NotImplementedError

    def _specific_problems(self, content: QuestionContent) -> list[FieldProblem]:
        raise NotImplementedError

    def _common_problems(self, content: QuestionContent) -> list[FieldProblem]:
        problems: list[FieldProblem] = []
        if content.type != self.name:
            problems.append(FieldProblem("type", _(
                "Question type %(type)s does not match %(expected)s.",
                type=content.type, expected=self.name)))
        stem_text = html_to_text(content.stem) if isinstance(content.stem, str) else ""
        if not stem_text and not (isinstance(content.stem, str) and has_image(content.stem)):
            problems.append(FieldProblem("stem", _("The stem is empty.")))
        elif len(stem_text) > MAX_STEM_CHARS:
            problems.append(FieldProblem("stem", _(
                "The stem is %(length)d characters long; at most %(limit)d are allowed.",
                length=len(stem_text), limit=MAX_STEM_CHARS)))
        if not isinstance(content.explanation, str):
            problems.append(FieldProblem("explanation", _("The explanation must be text.")))
        elif len(content.explanation) > MAX_NOTE_CHARS:
            problems.append(FieldProblem("explanation", _(
                "The explanation is %(length)d characters long; at most %(limit)d are allowed.",
                length=len(content.explanation), limit=MAX_NOTE_CHARS)))
        if not isinstance(content.basis, str):
            problems.append(FieldProblem("basis", _("The legal basis must be text.")))
        elif len(content.basis) > MAX_NOTE_CHARS:
            problems.append(FieldProblem("basis", _(
                "The legal basis is %(length)d characters long; at most %(limit)d are allowed.",
                length=len(content.basis), limit=MAX_NOTE_CHARS)))
        difficulty = content.difficulty
        if (isinstance(difficulty, bool) or not isinstance(difficulty, int)
                or not MIN_DIFFICULTY <= difficulty <= MAX_DIFFICULTY):
            problems.append(FieldProblem("difficulty", _(
                "Difficulty must be a whole number from 1 to 5, not %(value)s.",
                value=difficulty)))
        return problems


class _ChoiceType(_BaseType):
    has_options = True

    def _option_problems(self, content: QuestionContent) -> list[FieldProblem]:
        options = content.options
        problems: list[FieldProblem] = []
        if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
            problems.append(FieldProblem("options", _(
                "A choice question needs %(min)d to %(max)d options; this one has %(count)d.",
                min=MIN_OPTIONS, max=MAX_OPTIONS, count=len(options))))
        keys = [option.key for option in options]
        expected = list(OPTION_KEYS[:len(keys)])
        if len(keys) <= MAX_OPTIONS and keys != expected:
            problems.append(FieldProblem("options", _(
                "Option keys must be %(expected)s in order; found %(keys)s.",
                expected=", ".join(expected), keys=", ".join(keys))))
        seen: dict[str, str] = {}
        for option in options:
            text = option.text.strip() if isinstance(option.text, str) else ""
            if not text:
                problems.append(FieldProblem("options", _(
                    "Option %(key)s is empty.", key=option.key)))
                continue
            if len(text) > MAX_OPTION_CHARS:
                problems.append(FieldProblem("options", _(
                    "Option %(key)s is %(length)d characters long; at most %(limit)d "
                    "are allowed.", key=option.key, length=len(text), limit=MAX_OPTION_CHARS)))
            normalized = normalize_fill_answer(text)
            if normalized in seen:
                problems.append(FieldProblem("options", _(
                    "Options %(first)s and %(second)s have the same text.",
                    first=seen[normalized], second=option.key)))
            else:
                seen[normalized] = option.key
        return problems

    def _unknown_key_problems(self, content: QuestionContent,
                              keys: Sequence[str]) -> list[FieldProblem]:
        known = [option.key for option in content.options]
        return [
            FieldProblem("answer", _(
                "The answer %(answer)s is not one of the options (%(keys)s).",
                answer=key, keys=", ".join(known)))
            for key in keys if key not in known
        ]

    def _keys(self, content: QuestionContent) -> set[str]:
        return {option.key for option in content.options}


class SingleChoice(_ChoiceType):
    name = "single"
    label = lazy_gettext("Single choice")

    def _specific_problems(self, content: QuestionContent) -> list[FieldProblem]:
        problems = self._option_problems(content)
        answer = content.answer
        if isinstance(answer, str) and answer:
            problems.extend(self._unknown_key_problems(content, [answer]))
        elif _is_text_list(answer) and len(answer) > 1:  # type: ignore[arg-type]
            problems.append(FieldProblem("answer", _(
                "A single-choice question has exactly one correct answer; %(count)d were "
                "given (%(answer)s).", count=len(answer),  # type: ignore[arg-type]
                answer=", ".join(answer))))  # type: ignore[arg-type]
        else:
            problems.append(FieldProblem("answer", _(
                "Mark exactly one option as the correct answer.")))
        return problems

    def is_valid_response(self, content: QuestionContent, response: object) -> bool:
        return response is None or (isinstance(response, str) and response in self._keys(content))

    def _grade_valid(self, content: QuestionContent, response: object, scoring: str) -> float:
        return 1.0 if response == content.answer else 0.0

    def key_response(self, content: QuestionContent) -> object:
        return content.answer


class MultipleChoice(_ChoiceType):
    name = "multiple"
    label = lazy_gettext("Multiple choice")

    def _specific_problems(self, content: QuestionContent) -> list[FieldProblem]:
        problems = self._option_problems(content)
        answer = content.answer
        if not _is_text_list(answer):
            problems.append(FieldProblem("answer", _(
                "The answer must be a list of option letters.")))
            return problems
        keys: Sequence[str] = answer  # type: ignore[assignment]
        for key in sorted({key for key in keys if keys.count(key) > 1}):
            problems.append(FieldProblem("answer", _(
                "The answer lists %(key)s more than once.", key=key)))
        problems.extend(self._unknown_key_problems(content, keys))
        if len(set(keys)) < 2:
            problems.append(FieldProblem("answer", _(
                "A multiple-choice question needs at least two correct answers; %(count)d "
                "given. Use single choice for one.", count=len(set(keys)))))
        return problems

    def is_valid_response(self, content: QuestionContent, response: object) -> bool:
        if response is None:
            return True
        if not _is_text_list(response):
            return False
        chosen: Sequence[str] = response  # type: ignore[assignment]
        return len(set(chosen)) == len(chosen) and set(chosen) <= self._keys(content)

    def _grade_valid(self, content: QuestionContent, response: object, scoring: str) -> float:
        chosen = set(response)  # type: ignore[call-overload]
        correct = set(content.answer)  # type: ignore[call-overload]
        if scoring == PROPORTIONAL:
            if chosen - correct:
                return 0.0
            return len(chosen) / len(correct)
        return 1.0 if chosen == correct else 0.0

    def key_response(self, content: QuestionContent) -> object:
        return sorted(content.answer)  # type: ignore[call-overload]


class TrueFalse(_BaseType):
    name = "truefalse"
    label = lazy_gettext("True/false")
    has_options = False

    def _specific_problems(self, content: QuestionContent) -> list[FieldProblem]:
        problems: list[FieldProblem] = []
        if content.options:
            problems.append(FieldProblem("options", _("True/false questions have no options.")))
        if not isinstance(content.answer, bool):
            problems.append(FieldProblem("answer", _(
                "The answer of a true/false question must be true or false.")))
        return problems

    def is_valid_response(self, content: QuestionContent, response: object) -> bool:
        return response is None or isinstance(response, bool)

    def _grade_valid(self, content: QuestionContent, response: object, scoring: str) -> float:
        return 1.0 if response is content.answer else 0.0

    def key_response(self, content: QuestionContent) -> object:
        return content.answer


class FillInBlank(_BaseType):
    name = "fill"
    label = lazy_gettext("Fill in the blank")
    has_options = False

    def _specific_problems(self, content: QuestionContent) -> list[FieldProblem]:
        problems: list[FieldProblem] = []
        if content.options:
            problems.append(FieldProblem("options", _(
                "Fill-in-the-blank questions have no options.")))
        blanks = count_blanks(content.stem) if isinstance(content.stem, str) else 0
        if blanks == 0:
            problems.append(FieldProblem("stem", _(
                "The stem has no blank; write each blank as ____ (four underscores).")))
        answer = content.answer
        if not isinstance(answer, (list, tuple)) or not all(map(_is_text_list, answer)):
            problems.append(FieldProblem("answer", _(
                "The answer must list the accepted answers for each blank.")))
            return problems
        if blanks and len(answer) != blanks:
            problems.append(FieldProblem("answer", _(
                "The stem has %(blanks)d blanks but answers are given for %(answers)d.",
                blanks=blanks, answers=len(answer))))
        for number, accepted in enumerate(answer, start=1):
            if not any(text.strip() for text in accepted):
                problems.append(FieldProblem("answer", _(
                    "Blank %(number)d has no accepted answer.", number=number)))
            if any(len(text) > MAX_BLANK_ANSWER_CHARS for text in accepted):
                problems.append(FieldProblem("answer", _(
                    "An accepted answer for blank %(number)d is longer than %(limit)d "
                    "characters.", number=number, limit=MAX_BLANK_ANSWER_CHARS)))
        return problems

    def is_valid_response(self, content: QuestionContent, response: object) -> bool:
        if response is None:
            return True
        return (_is_text_list(response)
                and len(response) == len(content.answer))  # type: ignore[arg-type]

    def _grade_valid(self, content: QuestionContent, response: object, scoring: str) -> float:
        blanks: Sequence[Sequence[str]] = content.answer  # type: ignore[assignment]
        right = sum(
            _blank_is_right(given, accepted)
            for given, accepted in zip(response, blanks)  # type: ignore[call-overload]
        )
        if scoring == PROPORTIONAL:
            return right / len(blanks)
        return 1.0 if right == len(blanks) else 0.0

    def key_response(self, content: QuestionContent) -> object:
        return [
            next((text for text in accepted if text.strip()), "")
            for accepted in content.answer  # type: ignore[attr-defined]
        ]


def _blank_is_right(given: str, accepted: Sequence[str]) -> bool:
    normalized = normalize_fill_answer(given)
    # An empty accepted answer must never turn an unanswered blank into a right one.
    return bool(normalized) and normalized in {normalize_fill_answer(text) for text in accepted}


_REGISTRY: dict[str, QuestionType] = {
    qtype.name: qtype for qtype in (SingleChoice(), MultipleChoice(), TrueFalse(), FillInBlank())
}


def get_type(name: str) -> QuestionType:
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise UnknownQuestionType(name) from None


def all_types() -> list[QuestionType]:
    return list(_REGISTRY.values())


def type_names() -> tuple[str, ...]:
    return tuple(_REGISTRY)


_HTML_TAG = re.compile(r"(<[^>]*>)")


def split_at_blanks(stem_html: str) -> list[str]:
    """Sanitised stem HTML cut at each blank (``____`` in its text, never inside a tag such as
    an image path): a stem with n blanks gives n + 1 pieces, between which the examinee's
    page puts one input each."""
    pieces = [""]
    for part in _HTML_TAG.split(stem_html):
        if part.startswith("<"):
            pieces[-1] += part
            continue
        texts = BLANK_PATTERN.split(part)
        pieces[-1] += texts[0]
        pieces.extend(texts[1:])
    return pieces
