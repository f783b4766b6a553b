"""From a spreadsheet header and rows to drafts; shared by the .xlsx and .csv readers."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Sequence

from lawexam.i18n import _
from lawexam.questions.formats import tabular_values as tv
from lawexam.questions.formats.base import (
    DROPPED, UNSUPPORTED, Draft, ImportLog, clean_tags, row_location)
from lawexam.questions.qtypes import (
    BLANK, BLANK_PATTERN, DEFAULT_DIFFICULTY, Option, QuestionContent)
from lawexam.questions.richtext import clean_plain_text, text_to_html

# Chinese fill-in-the-blank stems often mark blanks as empty brackets: "于（  ）年施行".
_BRACKET_BLANK = re.compile(r"[（(][ \u3000]*[）)]")


@dataclass
class ColumnMap:
    columns: dict[str, int] = field(default_factory=dict)    # field name → column index
    options: list[tuple[str, int]] = field(default_factory=list)  # (key, column) by key


def looks_like_header(cells: Sequence[object]) -> bool:
    fields = {tv.header_field(tv.cell_text(cell)) for cell in cells}
    return "stem" in fields or "type" in fields


def map_header(cells: Sequence[object]) -> tuple[ColumnMap, list[str]]:
    """Columns by field, plus messages for a header that cannot be used."""
    mapping = ColumnMap()
    problems: list[str] = []
    seen_headers: dict[str, str] = {}
    for index, cell in enumerate(cells):
        header = tv.cell_text(cell).strip()
        name = tv.header_field(header) if header else None
        if name is None:
            continue  # extra columns (序号, 分值, …) are common and harmless
        if name in seen_headers:
            problems.append(_(
                "Columns %(first)s and %(second)s mean the same thing; keep only one.",
                first=seen_headers[name], second=header))
            continue
        seen_headers[name] = header
        if name.startswith("option:"):
            mapping.options.append((name.split(":", 1)[1], index))
        else:
            mapping.columns[name] = index
    mapping.options.sort()
    missing = [tv.FIELD_HEADERS[name] for name in tv.REQUIRED_FIELDS
               if name not in mapping.columns]
    if missing:
        problems.append(_(
            "Missing required column(s): %(columns)s. The first row must hold the column "
            "headers (题型, 题干, 选项A…选项H, 答案, …); download the template to compare.",
            columns="、".join(missing)))
    return mapping, problems


class RowReader:
    """Converts data rows of one sheet; problems and drafts go to ``log``."""

    def __init__(self, log: ImportLog, mapping: ColumnMap) -> None:
        self.log = log
        self.mapping = mapping

    def _cell(self, values: Sequence[object], name: str) -> object:
        index = self.mapping.columns.get(name)
        return values[index] if index is not None and index < len(values) else None

    def _text(self, values: Sequence[object], name: str) -> str:
        return clean_plain_text(tv.cell_text(self._cell(values, name)))

    def read(self, row_number: int, values: Sequence[object]) -> None:
        location = row_location(row_number)
        raw_type = self._text(values, "type")
        if not raw_type:
            self.log.error(location, _("The question type (题型) is empty."), "type")
            return
        type_cell = tv.parse_type(raw_type)
        if type_cell.unsupported:
            self.log.report(UNSUPPORTED, location, _(
                "Question type %(type)s is not supported (only single choice, multiple choice, "
                "true/false and fill in the blank); the row was skipped.", type=raw_type), "type")
            return
        if type_cell.name is None:
            self.log.error(location, _("Unknown question type %(type)s.", type=raw_type), "type")
            return
        errors: list[tuple[str | None, str]] = []
        options = self._options(values)
        answer_cell = self._cell(values, "answer")
        answer_text = clean_plain_text(tv.cell_text(answer_cell))
        stem_text = self._text(values, "stem")
        qtype = type_cell.name
        answer: object = None
        if qtype in ("single", "multiple", tv.INDEFINITE):
            errors.extend(("options", _("Option %(key)s is empty but a later option is filled.",
                                        key=key)) for key, text in options if not text)
            qtype, answer = self._choice_answer(qtype, answer_text, errors)
        else:
            if qtype == "truefalse":
                answer = self._truefalse_answer(answer_cell, answer_text, options, errors)
            else:
                answer = tv.parse_fill_answer(answer_text)
                if not BLANK_PATTERN.search(stem_text):
                    stem_text = _BRACKET_BLANK.sub(BLANK, stem_text)
            if any(text for _key, text in options) and not (
                    qtype == "truefalse" and _are_truefalse_labels(options)):
                self.log.report(DROPPED, location, _(
                    "Options are not used by this question type and were ignored."), "options")
            options = []
        difficulty = self._difficulty(values, errors)
        exam_only = self._exam_only(values, errors)
        content = QuestionContent(
            type=qtype,
            stem=text_to_html(stem_text),
            options=tuple(Option(key, text) for key, text in options),
            answer=answer,
            explanation=self._text(values, "explanation"),
            basis=self._text(values, "basis"),
            difficulty=difficulty,
        )
        module = " ".join(self._text(values, "module").split()) or None
        draft = Draft(
            content=content, location=location, module=module,
            tags=clean_tags(tv.split_tags(self._text(values, "tags"))), exam_only=exam_only)
        self.log.submit(draft, errors)

    def _options(self, values: Sequence[object]) -> list[tuple[str, str]]:
        """(key, text) up to the last filled option column; gaps stay as empty texts."""
        texts = [
            (key, clean_plain_text(tv.cell_text(values[index] if index < len(values) else None)))
            for key, index in self.mapping.options
        ]
        while texts and not texts[-1][1]:
            texts.pop()
        return texts

    def _choice_answer(self, qtype: str, text: str,
                       errors: list[tuple[str | None, str]]) -> tuple[str, object]:
        letters = tv.parse_choice_letters(text)
        if not text:
            errors.append(("answer", _("The answer (答案) is empty.")))
            return ("single" if qtype == tv.INDEFINITE else qtype), None
        if letters is None:
            errors.append(("answer", _(
                "The answer %(answer)s is not written as option letters (for example B or "
                "ACD).", answer=text)))
            return ("single" if qtype == tv.INDEFINITE else qtype), None
        if len(set(letters)) != len(letters):
            errors.append(("answer", _(
                "The answer %(answer)s repeats a letter.", answer=text)))
        if qtype == tv.INDEFINITE:
            qtype = "single" if len(set(letters)) == 1 else "multiple"
        if qtype == "single":
            return qtype, letters[0] if len(letters) == 1 else tuple(letters)
        return qtype, tuple(sorted(set(letters)))

    def _truefalse_answer(self, cell: object, text: str, options: list[tuple[str, str]],
                          errors: list[tuple[str | None, str]]) -> bool | None:
        value = tv.parse_bool_word(cell)
        if value is None and _are_truefalse_labels(options):
            # Some systems store 判断题 as options A=正确, B=错误 with the answer "A".
            labels = dict(options)
            letter = text.strip().upper()
            if letter in labels:
                value = tv.parse_bool_word(labels[letter])
        if value is None:
            errors.append(("answer", _(
                "The true/false answer %(answer)s is not recognised; write 对 or 错 (also "
                "正确/错误, √/×, T/F, true/false, 是/否).", answer=text or "—")))
        return value

    def _difficulty(self, values: Sequence[object],
                    errors: list[tuple[str | None, str]]) -> int:
        cell = self._cell(values, "difficulty")
        if cell is None or not tv.cell_text(cell).strip():
            return DEFAULT_DIFFICULTY
        level = tv.parse_difficulty(cell)
        if level is None or not 1 <= level <= 5:
            errors.append(("difficulty", _(
                "Difficulty %(value)s is not understood; use 1–5 or 易/中/难.",
                value=tv.cell_text(cell))))
            return DEFAULT_DIFFICULTY
        return level

    def _exam_only(self, values: Sequence[object],
                   errors: list[tuple[str | None, str]]) -> bool:
        cell = self._cell(values, "exam_only")
        if cell is None or not tv.cell_text(cell).strip():
            return False
        flag = tv.parse_bool_word(cell)
        if flag is None:
            errors.append(("exam_only", _(
                "The 仅考试 (exam only) value must be 是 or 否, not %(value)s.",
                value=tv.cell_text(cell))))
            return False
        return flag


def _are_truefalse_labels(options: list[tuple[str, str]]) -> bool:
    return len(options) == 2 and all(tv.parse_bool_word(text) is not None for _k, text in options)
