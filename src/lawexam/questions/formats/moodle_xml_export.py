"""Moodle XML export.

Carries what Moodle can hold: category (from the module), name, stem with its images embedded
as base64, options and key, general feedback (our explanation), tags and id number.
Difficulty, legal basis and "exam only" have no place in Moodle XML and are not written.
"""
from __future__ import annotations

import base64
import xml.etree.ElementTree as ET
from typing import Iterable
from urllib.parse import quote

from lawexam.questions.formats import cloze
from lawexam.questions.formats.answer_rules import equal_shares
from lawexam.questions.formats.base import Draft, join_category_path
from lawexam.questions.qtypes import QuestionContent, count_blanks
from lawexam.questions.richtext import (
    clean_plain_text, html_to_text, replace_attachment_sources, text_to_html)

NAME_LENGTH = 40


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = text
    return element


def _text_block(parent: ET.Element, tag: str, html_text: str, fmt: str = "html") -> ET.Element:
    element = _sub(parent, tag, format=fmt)
    _sub(element, "text", html_text)
    return element


def _name(draft: Draft) -> str:
    if draft.title:
        return clean_plain_text(draft.title)
    text = " ".join(html_to_text(draft.content.stem).split())
    return text[:NAME_LENGTH]


def _answer(parent: ET.Element, fraction: str, text: str, fmt: str = "html") -> None:
    answer = _sub(parent, "answer", fraction=fraction, format=fmt)
    _sub(answer, "text", text)
    feedback = _sub(answer, "feedback", format="html")
    _sub(feedback, "text", "")


def _stem_for_moodle(stem: str) -> str:
    return replace_attachment_sources(stem, lambda name: "@@PLUGINFILE@@/" + quote(name))


def _question(quiz: ET.Element, draft: Draft) -> None:
    content: QuestionContent = draft.content
    multi_blank = content.type == "fill" and count_blanks(content.stem) > 1
    kind = {"single": "multichoice", "multiple": "multichoice", "truefalse": "truefalse",
            "fill": "multianswer" if multi_blank else "shortanswer"}[content.type]
    question = _sub(quiz, "question", type=kind)
    name = _sub(question, "name")
    _sub(name, "text", _name(draft))
    stem = _stem_for_moodle(content.stem)
    if multi_blank:
        stem = cloze.to_cloze(stem, content.answer)  # type: ignore[arg-type]
    question_text = _text_block(question, "questiontext", stem)
    for file_name, data in draft.attachments.items():
        _sub(question_text, "file", base64.b64encode(data).decode("ascii"),
             name=file_name, path="/", encoding="base64")
    _text_block(question, "generalfeedback", text_to_html(content.explanation))
    _sub(question, "defaultgrade", "1")
    _sub(question, "penalty", "0")
    _sub(question, "hidden", "0")
    _sub(question, "idnumber", draft.external_id or "")
    if content.type in ("single", "multiple"):
        _sub(question, "single", "true" if content.type == "single" else "false")
        _sub(question, "shuffleanswers", "true")
        _sub(question, "answernumbering", "ABCD")
        answer = content.answer
        correct = [answer] if isinstance(answer, str) else list(
            answer if isinstance(answer, (list, tuple)) else ())
        shares = iter(equal_shares(len(correct)))
        for option in content.options:
            # A wrong choice cancels the question's credit, like our proportional rule.
            wrong = "0" if content.type == "single" else "-100"
            fraction = next(shares) if option.key in correct else wrong
            _answer(question, fraction, text_to_html(option.text))
    elif content.type == "truefalse":
        _answer(question, "100" if content.answer else "0", "true", "plain_text")
        _answer(question, "0" if content.answer else "100", "false", "plain_text")
    elif not multi_blank:
        _sub(question, "usecase", "0")
        for accepted in content.answer[0]:  # type: ignore[index]
            # Moodle reads "*" in a short answer as a wildcard; "\*" is a literal asterisk.
            _answer(question, "100", accepted.replace("*", "\\*"), "plain_text")
    if draft.tags:
        tags = _sub(question, "tags")
        for tag in draft.tags:
            _sub(_sub(tags, "tag"), "text", tag)


def export_moodle_xml(drafts: Iterable[Draft]) -> bytes:
    quiz = ET.Element("quiz")
    current_module: object = object()
    for draft in drafts:
        if draft.module != current_module:
            category = _sub(quiz, "question", type="category")
            _sub(_sub(category, "category"), "text", join_category_path(draft.module))
            current_module = draft.module
        _question(quiz, draft)
    ET.indent(quiz)
    data: bytes = ET.tostring(quiz, encoding="UTF-8", xml_declaration=True)
    return data
