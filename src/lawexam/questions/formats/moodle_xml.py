"""Moodle XML import.

Parsed with defusedxml and any DTD refused outright: a question file never needs one, and
entities are how XML files read server files (XXE) or explode in memory. Images embedded as
``<file encoding="base64">`` become draft attachments and the stem refers to them as
``attachment:<name>``.
"""
from __future__ import annotations

import base64
import binascii
import re
import xml.etree.ElementTree as ET
from urllib.parse import unquote

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from lawexam.i18n import _
from lawexam.questions.formats import cloze
from lawexam.questions.formats.answer_rules import (
    WeightedAnswer, resolve_choice, resolve_short_answers)
from lawexam.questions.formats.base import (
    DROPPED, UNSUPPORTED, WARNING, Draft, ImportLog, ParseResult, clean_tags, line_location,
    short_name, split_category_path, unsupported_kind_label)
from lawexam.questions.qtypes import BLANK, BLANK_PATTERN, QuestionContent
from lawexam.questions.richtext import (
    attachment_names, clean_plain_text, html_to_text, is_safe_attachment_name,
    sanitize_stem_html, text_to_html)

_PLUGINFILE = re.compile(r"@@PLUGINFILE@@/([^\"'\s<>?#]+)")
_CLOSING_PARAGRAPH = re.compile(r"(</p>)\s*$")
SUPPORTED = ("multichoice", "truefalse", "shortanswer", "multianswer")


class _LineRecordingBuilder(ET.TreeBuilder):
    """Remembers the line each element starts on, for problem locations."""

    def __init__(self) -> None:
        super().__init__()
        self.parser: DefusedXMLParser | None = None
        self.lines: dict[ET.Element, int] = {}

    def start(self, tag: str, attrs: dict[str, str]) -> ET.Element:
        element = super().start(tag, attrs)
        if self.parser is not None:
            self.lines[element] = self.parser.parser.CurrentLineNumber
        return element


_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_ENCODING_ATTRIBUTE = re.compile(r"""(encoding\s*=\s*["'])[A-Za-z0-9._-]+""")
_EXPAT_ENCODINGS = frozenset({"utf-8", "utf8", "utf-16", "utf16", "us-ascii", "ascii",
                              "iso-8859-1", "latin-1", "latin1"})


class _UnreadableEncoding(ValueError):
    pass


def _as_expat_input(data: bytes) -> bytes:
    """Expat reads only UTF-8/16 and Latin-1; a file declared GBK or GB2312 (as some Chinese
    exam systems write) is decoded here and handed over as UTF-8."""
    match = _DECLARED_ENCODING.match(data[:300])
    if not match or match.group(1).decode("ascii").lower() in _EXPAT_ENCODINGS:
        return data
    encoding = match.group(1).decode("ascii")
    try:
        text = data.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        raise _UnreadableEncoding(encoding) from None
    # The declaration is the first thing in the file, so its encoding= is the first one.
    return _ENCODING_ATTRIBUTE.sub(r"\1UTF-8", text, count=1).encode("utf-8")


def _parse_xml(data: bytes) -> tuple[ET.Element, dict[ET.Element, int]]:
    data = _as_expat_input(data)
    builder = _LineRecordingBuilder()
    parser = DefusedXMLParser(target=builder, forbid_dtd=True, forbid_entities=True,
                              forbid_external=True)
    builder.parser = parser
    parser.feed(data)
    return parser.close(), builder.lines


def _text_of(element: ET.Element | None) -> str:
    return (element.findtext("text") or "") if element is not None else ""


def _as_plain(element: ET.Element | None) -> str:
    """A text element of any Moodle format as plain text."""
    if element is None:
        return ""
    text = _text_of(element)
    if element.get("format", "html") in ("plain_text", "markdown"):
        return clean_plain_text(text)
    return html_to_text(text)


def parse_moodle_xml(filename: str, data: bytes) -> ParseResult:
    log = ImportLog(filename)
    try:
        root, lines = _parse_xml(data)
    except DefusedXmlException:
        return log.file_error(_(
            "The XML file declares a document type or entities (<!DOCTYPE …> / <!ENTITY …>). "
            "They are refused for safety; Moodle's own exports never contain them, so export "
            "the questions from Moodle again."))
    except _UnreadableEncoding as error:
        return log.file_error(_(
            "The XML file says it is in the %(encoding)s encoding but cannot be read that way. "
            "Save it again as UTF-8.", encoding=str(error)))
    except ET.ParseError as error:
        line, _column = error.position
        return log.file_error(_(
            "The XML file is not well-formed (line %(line)d): %(error)s.",
            line=line, error=str(error).split(":")[0]))
    if root.tag != "quiz":
        return log.file_error(_(
            "This is not a Moodle XML question file: the root element is <%(tag)s>, not <quiz>.",
            tag=root.tag))
    category: tuple[str | None, str | None] = (None, None)
    for element in root.findall("question"):
        kind = element.get("type", "")
        if kind == "category":
            category = split_category_path(_text_of(element.find("category")))
            continue
        _QuestionReader(log, element, lines.get(element, 0), category).read(kind)
    return log.result


class _QuestionReader:
    def __init__(self, log: ImportLog, element: ET.Element, line: int,
                 category: tuple[str | None, str | None]) -> None:
        self.log = log
        self.element = element
        self.location = line_location(line)
        self.module, self.category_path = category
        self.title = clean_plain_text(_text_of(element.find("name"))) or None
        self.errors: list[tuple[str | None, str]] = []
        self.dropped: list[str] = []
        self.warnings: list[str] = []

    def read(self, kind: str) -> None:
        question_text = self.element.find("questiontext")
        if kind not in SUPPORTED or (kind == "multianswer"
                                     and not cloze.is_short_answer_only(_text_of(question_text))):
            name = short_name(self.title, _as_plain(question_text))
            self.log.report(UNSUPPORTED, self.location, _(
                "Question %(name)s: %(kind)s questions are not supported; skipped.",
                name=name, kind=unsupported_kind_label(kind or "?")), "type")
            return
        stem, attachments = self._stem(question_text)
        readers = {"multichoice": self._multichoice, "truefalse": self._truefalse,
                   "shortanswer": self._shortanswer, "multianswer": self._multianswer}
        content = readers[kind](stem)
        tags = [_text_of(tag) for tag in self.element.iterfind("tags/tag")]
        draft = Draft(
            content=content, location=self.location, module=self.module,
            tags=clean_tags(tags),
            external_id=(self.element.findtext("idnumber") or "").strip() or None,
            title=self.title, attachments=attachments, category_path=self.category_path)
        if self.log.submit(draft, self.errors):
            for message in self.warnings:
                self.log.report(WARNING, self.location, message)
        for message in self.dropped:
            self.log.report(DROPPED, self.location, message, "answer")

    def _stem(self, question_text: ET.Element | None) -> tuple[str, dict[str, bytes]]:
        raw = _text_of(question_text)
        files: dict[str, bytes] = {}
        for file_element in (question_text.findall("file") if question_text is not None else []):
            name = file_element.get("name", "")
            if not is_safe_attachment_name(name):
                self.errors.append(("stem", _(
                    "The embedded file name %(name)s is not allowed.", name=name)))
                continue
            try:
                files[name] = base64.b64decode(file_element.text or "", validate=False)
            except (binascii.Error, ValueError):
                self.errors.append(("stem", _(
                    "The embedded file %(name)s is not valid base64.", name=name)))
        fmt = question_text.get("format", "html") if question_text is not None else "html"
        if fmt in ("plain_text", "markdown"):
            return text_to_html(raw), {}
        if fmt == "moodle_auto_format":
            if "<" not in raw:
                return text_to_html(raw), {}
            raw = raw.replace("\n", "<br>")  # auto-format shows line breaks as typed
        raw = _PLUGINFILE.sub(
            lambda match: "attachment:" + unquote(match.group(1)).rsplit("/", 1)[-1], raw)
        stem = sanitize_stem_html(raw)
        used: dict[str, bytes] = {}
        for name in attachment_names(stem):
            if name in files:
                used[name] = files[name]
            else:
                self.errors.append(("stem", _(
                    "The stem shows the image %(name)s, but the file does not embed it.",
                    name=name)))
        return stem, used

    def _answers(self, plain: bool = False) -> list[tuple[WeightedAnswer, ET.Element]]:
        """Answers with their fractions; ``plain`` for types whose answers are never HTML."""
        answers = []
        for element in self.element.findall("answer"):
            try:
                fraction = float(element.get("fraction", "0"))
            except ValueError:
                fraction = 0.0
                self.errors.append(("answer", _(
                    "An answer has the fraction %(fraction)s, which is not a number.",
                    fraction=element.get("fraction"))))
            text = clean_plain_text(_text_of(element)) if plain else _as_plain(element)
            answers.append((WeightedAnswer(text, fraction), element))
        return answers

    def _explanation(self) -> str:
        return _as_plain(self.element.find("generalfeedback"))

    def _multichoice(self, stem: str) -> QuestionContent:
        answers = self._answers()
        for answer, element in answers:
            if "<img" in _text_of(element):
                self.dropped.append(_(
                    "An image in option %(text)s was removed; options are plain text.",
                    text=answer.text or "—"))
        single = (self.element.findtext("single") or "true").strip().lower() not in (
            "false", "0")
        outcome = resolve_choice([answer for answer, _element in answers], single)
        self.dropped.extend(outcome.dropped)
        self.warnings.extend(outcome.warnings)
        return QuestionContent(
            type=outcome.type, stem=stem, options=outcome.options, answer=outcome.answer,
            explanation=self._explanation())

    def _truefalse(self, stem: str) -> QuestionContent:
        answer: bool | None = None
        for weighted, _element in self._answers(plain=True):
            if weighted.fraction > 0:
                word = weighted.text.strip().lower()
                answer = True if word == "true" else False if word == "false" else None
        if answer is None:
            self.errors.append(("answer", _(
                "The true/false question has no answer \"true\" or \"false\" marked correct.")))
        return QuestionContent(type="truefalse", stem=stem, answer=answer,
                               explanation=self._explanation())

    def _shortanswer(self, stem: str) -> QuestionContent:
        outcome = resolve_short_answers(
            [weighted for weighted, _element in self._answers(plain=True)])
        self.dropped.extend(outcome.dropped)
        if not outcome.accepted:
            self.errors.append(("answer", _(
                "No answer is left that is fully right and matched exactly.")))
        if not BLANK_PATTERN.search(html_to_text(stem)):
            # Insert inside a trailing paragraph so the blank stays on the question's line.
            stem, count = _CLOSING_PARAGRAPH.subn(BLANK + r"\1", stem)
            stem = stem if count else stem + BLANK
        return QuestionContent(type="fill", stem=stem, answer=(outcome.accepted,),
                               explanation=self._explanation())

    def _multianswer(self, stem: str) -> QuestionContent:
        parsed = cloze.parse_short_answer_cloze(stem)
        self.dropped.extend(parsed.dropped)
        for number, accepted in enumerate(parsed.answer, start=1):
            if not accepted:
                self.errors.append(("answer", _(
                    "Blank %(number)d has no answer that is fully right and matched exactly.",
                    number=number)))
        return QuestionContent(type="fill", stem=parsed.stem, answer=parsed.answer,
                               explanation=self._explanation())
