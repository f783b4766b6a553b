"""Forms for the question bank pages, and turning the editor's fields into service input."""
from __future__ import annotations

import re

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, MultipleFileField
from wtforms import (BooleanField, Field, FieldList, HiddenField, SelectField, SelectMultipleField, StringField,
                     TextAreaField)
from wtforms.validators import DataRequired, Length, Optional

from lawexam.i18n import lazy_gettext as _l
from lawexam.questions.bank import QuestionInput
from lawexam.questions.formats.tabular_values import split_tags
from lawexam.questions.models import Question
from lawexam.questions.presentation import DIFFICULTY_LABELS, TYPE_LABELS
from lawexam.questions.qtypes import DEFAULT_DIFFICULTY, OPTION_KEYS, Option, QuestionContent, count_blanks
from lawexam.questions.richtext import html_to_text, text_to_html

CHOICE_TYPES = ("single", "multiple")
IMPORT_EXTENSIONS = ["xlsx", "csv", "txt", "gift", "xml", "yaml", "yml"]
MAX_BLANKS = 20
# A stem counts as HTML only when it holds one of the tags the bank keeps; anything else
# ("a<b", "1 < 2") is plain text.
_STEM_TAG = re.compile(r"</?(p|br|b|strong|i|em|u|sub|sup|span|ul|ol|li|img)\b[^>]*>", re.IGNORECASE)
_ALTERNATIVES = re.compile(r"[/／|｜]")


def _int_or_none(value: object) -> int | None:
    return int(value) if value not in (None, "", "None") else None


def stem_to_html(text: str) -> str:
    """What the officer typed, as stem HTML: plain text keeps its line breaks; HTML is passed
    on as typed (the service sanitises it)."""
    return text if _STEM_TAG.search(text) else text_to_html(text)


def stem_for_editing(stem_html: str) -> str:
    """A stored stem as the editor shows it: plain text when it is only text and line breaks,
    so saving it unchanged gives back the same stem."""
    text = html_to_text(stem_html)
    return text if text_to_html(text) == stem_html else stem_html


def _accepted_answers(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in _ALTERNATIVES.split(text or "") if part.strip())


class ValuesField(Field):
    """Every value a group of radio buttons or checkboxes sent, kept as a list (so that two
    answers on a single-choice question reach the service and are reported, not dropped)."""

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = [value for value in valuelist if value]

    def process_data(self, value: object) -> None:
        self.data = list(value) if isinstance(value, (list, tuple)) else ([] if value in (None, "") else [value])


class QuestionForm(FlaskForm):
    module_id = SelectField(_l("Module"), coerce=_int_or_none,
                            validators=[DataRequired(message=_l("Choose a module."))])
    type = SelectField(_l("Type"), default="single")
    # No angle brackets in lazy texts: Flask-Babel's lazy strings count as safe HTML.
    stem = TextAreaField(_l("Stem"), description=_l(
        "Plain text, or simple HTML: bold, italic, underline, subscript, superscript, line breaks, "
        "paragraphs, lists and images. Write each blank of a fill-in-the-blank question as ____ "
        "(four underscores)."))
    options = FieldList(StringField(), min_entries=len(OPTION_KEYS), max_entries=len(OPTION_KEYS))
    answer_single = ValuesField(_l("Correct answer"))
    answer_multiple = ValuesField(_l("Correct answers"))
    answer_truefalse = ValuesField(_l("Correct answer"))
    blanks = FieldList(StringField(), min_entries=0, max_entries=MAX_BLANKS)
    explanation = TextAreaField(_l("Explanation"), description=_l("Why the answer is right; shown after practice and exams."))
    basis = TextAreaField(_l("Legal basis"), description=_l("The law and article, or the document number, e.g. 《中华人民共和国宪法》第一条."))
    difficulty = SelectField(_l("Difficulty"), coerce=int, default=DEFAULT_DIFFICULTY)
    tags = StringField(_l("Tags"), validators=[Optional(), Length(max=400)],
                       description=_l("Separate tags with commas or “、”."))
    exam_only = BooleanField(_l("Exam only (kept out of practice)"))
    note = StringField(_l("Change note"), validators=[Optional(), Length(max=255)],
                       description=_l("Optional: what changed and why; shown in the version history."))
    allow_duplicate = BooleanField(_l("Save anyway: this is not a duplicate"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.type.choices = [(name, str(label)) for name, label in TYPE_LABELS.items()]
        self.difficulty.choices = [(level, str(label)) for level, label in DIFFICULTY_LABELS.items()]

    # ---- between the form and the service ----

    def load(self, question: Question) -> None:
        """Fill the fields from a question's current version and its own properties."""
        content = question.current_version.content()
        self.module_id.data, self.type.data = question.module_id, content.type
        self.stem.data = stem_for_editing(content.stem)
        for entry, option in zip(self.options.entries, content.options):
            entry.data = option.text
        answer = content.answer
        if content.type == "single":
            self.answer_single.data = [answer]
        elif content.type == "multiple":
            self.answer_multiple.data = list(answer)
        elif content.type == "truefalse":
            self.answer_truefalse.data = ["true" if answer else "false"]
        elif content.type == "fill":
            self.set_blank_count(len(answer))
            for entry, accepted in zip(self.blanks.entries, answer):
                entry.data = " / ".join(accepted)
        self.explanation.data, self.basis.data = content.explanation, content.basis
        self.difficulty.data = content.difficulty
        self.tags.data = "、".join(question.tags)
        self.exam_only.data = question.exam_only

    def stem_html(self) -> str:
        return stem_to_html(self.stem.data or "")

    def blank_count(self) -> int:
        return min(count_blanks(self.stem_html()), MAX_BLANKS)

    def set_blank_count(self, count: int) -> None:
        """As many answer inputs as the stem has blanks (at least one), keeping what was typed."""
        count = max(1, min(count, MAX_BLANKS))
        while len(self.blanks.entries) < count:
            self.blanks.append_entry()
        while len(self.blanks.entries) > count:
            self.blanks.pop_entry()

    def _option_texts(self) -> list[str]:
        texts = [(entry.data or "").strip() for entry in self.options.entries]
        while texts and not texts[-1]:
            texts.pop()
        return texts

    def content(self) -> QuestionContent:
        kind = self.type.data or ""
        options: tuple[Option, ...] = ()
        answer: object = None
        if kind in CHOICE_TYPES:
            options = tuple(Option(key, text) for key, text in zip(OPTION_KEYS, self._option_texts()))
            if kind == "single":
                chosen = self.answer_single.data or []
                answer = chosen[0] if len(chosen) == 1 else (tuple(chosen) or None)
            else:
                answer = tuple(self.answer_multiple.data or ())
        elif kind == "truefalse":
            chosen = self.answer_truefalse.data or []
            answer = {"true": True, "false": False}.get(chosen[0], chosen[0]) if len(chosen) == 1 else None
        elif kind == "fill":
            given = [entry.data or "" for entry in self.blanks.entries]
            answer = tuple(_accepted_answers(given[i]) if i < len(given) else ()
                           for i in range(self.blank_count()))
        difficulty = self.difficulty.data if isinstance(self.difficulty.data, int) else DEFAULT_DIFFICULTY
        return QuestionContent(type=kind, stem=self.stem_html(), options=options, answer=answer,
                               explanation=self.explanation.data or "", basis=self.basis.data or "",
                               difficulty=difficulty)

    def question_input(self) -> QuestionInput:
        return QuestionInput(module_id=self.module_id.data or 0, content=self.content(),
                             tags=split_tags(self.tags.data or ""),
                             exam_only=bool(self.exam_only.data))

    def answer_field_name(self) -> str:
        """Where the service's problems with the answer are shown, for the chosen type."""
        return {"single": "answer_single", "multiple": "answer_multiple",
                "truefalse": "answer_truefalse", "fill": "blanks"}.get(self.type.data or "", "type")


class BulkForm(FlaskForm):
    ids = SelectMultipleField(coerce=int, validate_choice=False)
    action = SelectField(choices=["move", "tag", "retire", "restore"])
    module_id = SelectField(_l("Move to module"), coerce=_int_or_none, validate_choice=False)
    tags = StringField(_l("Add tags"), validators=[Optional(), Length(max=400)])
    next = HiddenField()

    def tag_list(self) -> list[str]:
        return split_tags(self.tags.data or "")


class ImageForm(FlaskForm):
    image = FileField(_l("Image (PNG, JPEG, GIF or WebP, at most 2 MB)"),
                      validators=[FileRequired(message=_l("Choose an image to upload."))])


class ImportUploadForm(FlaskForm):
    files = MultipleFileField(_l("Question files"), validators=[
        FileRequired(message=_l("Choose at least one file to upload.")),
        FileAllowed(IMPORT_EXTENSIONS, message=_l(
            "Only .xlsx, .csv, .txt, .gift, .xml, .yaml and .yml files can be imported.")),
    ], description=_l("You can choose several files at once."))
    module_id = SelectField(_l("Put every question into this module"), coerce=_int_or_none,
                            validators=[Optional()])


class ImportConfirmForm(FlaskForm):
    token = HiddenField(validators=[DataRequired()])
    skip_invalid = BooleanField(_l("Skip the invalid questions and import the rest"))


class ExportForm(FlaskForm):
    format = SelectField(_l("Format"), choices=[
        ("xlsx", _l("Excel (.xlsx)")), ("gift", _l("GIFT (.gift)")),
        ("moodle-xml", _l("Moodle XML (.xml)")), ("yaml", _l("Bank YAML (.yaml, one module)"))])
    module_id = SelectField(_l("Module"), coerce=_int_or_none, validators=[Optional()])
    include_retired = BooleanField(_l("Include retired questions"))
