"""GIFT export.

Stems are written as ``[html]`` so formatting survives; the explanation becomes the general
feedback (``####``), the module a ``$CATEGORY:`` line, and the id number and tags go in a
``// [id:…] [tag:…]`` comment as Moodle writes them. GIFT cannot hold difficulty, legal
basis, images or more than one blank: a fill-in-the-blank question with several blanks is
written as a comment saying it was left out.
"""
from __future__ import annotations

import re
from typing import Iterable

from lawexam.questions.formats.answer_rules import equal_shares
from lawexam.questions.formats.base import Draft, join_category_path
from lawexam.questions.qtypes import QuestionContent, count_blanks, split_at_blanks

_SPECIAL = re.compile(r"([\\~=#{}:])")
_FORMAT_MARKER = re.compile(r"\[(html|moodle|plain|markdown)\]")


def gift_escape(text: str) -> str:
    return _SPECIAL.sub(r"\\\1", text).replace("\n", "\\n")


def _plain_text(text: str) -> str:
    """Escaped plain text that cannot be mistaken for a format marker such as [html]."""
    escaped = gift_escape(text)
    return "[plain]" + escaped if _FORMAT_MARKER.match(text) else escaped


def _answer(marker: str, text: str, weight: str | None = None) -> str:
    # A text starting with "%" would be read as a weight, so such answers get an explicit one.
    if weight is None and text.startswith("%"):
        weight = "100" if marker == "=" else "0"
    prefix = f"{marker}%{weight}%" if weight is not None else marker
    return prefix + _plain_text(text)


def _answer_lines(content: QuestionContent) -> list[str]:
    if content.type == "truefalse":
        return ["TRUE" if content.answer else "FALSE"]
    if content.type == "single":
        return [_answer("=" if option.key == content.answer else "~", option.text)
                for option in content.options]
    correct = set(content.answer)  # type: ignore[call-overload]
    shares = iter(equal_shares(len(correct)))
    return [_answer("~", option.text, next(shares) if option.key in correct else "-100")
            for option in content.options]


def _fill_block(content: QuestionContent) -> str:
    # "*" is Moodle's wildcard; "\*" keeps it a literal asterisk.
    answers = " ".join(_answer("=", text).replace("*", "\\*")
                       for text in content.answer[0])  # type: ignore[index]
    feedback = f"####{_plain_text(content.explanation)}" if content.explanation else ""
    return "{" + answers + feedback + "}"


def _question(draft: Draft) -> str:
    content = draft.content
    lines = []
    meta = ([f"[id:{draft.external_id}]"] if draft.external_id else []) + [
        f"[tag:{tag}]" for tag in draft.tags]
    if meta:
        lines.append("// " + " ".join(meta))
    title = f"::{gift_escape(draft.title)}::" if draft.title else ""
    stem = content.stem
    if content.type == "fill":
        # Missing-word form: the answer block sits where the (only) blank is.
        before, after = split_at_blanks(stem)
        lines.append(f"{title}[html]{gift_escape(before)}{_fill_block(content)}"
                     f"{gift_escape(after)}")
        return "\n".join(lines)
    lines.append(f"{title}[html]{gift_escape(stem)}{{")
    lines.extend("\t" + line for line in _answer_lines(content))
    if content.explanation:
        lines.append(f"\t####{_plain_text(content.explanation)}")
    lines.append("}")
    return "\n".join(lines)


def export_gift(drafts: Iterable[Draft]) -> str:
    blocks: list[str] = []
    current_module: object = object()
    for draft in drafts:
        if draft.content.type == "fill" and count_blanks(draft.content.stem) != 1:
            name = draft.title or draft.external_id or draft.location
            blocks.append(f"// Left out {name}: GIFT can hold only one blank per question.")
            continue
        if draft.module != current_module:
            blocks.append(f"$CATEGORY: {join_category_path(draft.module)}")
            current_module = draft.module
        blocks.append(_question(draft))
    return "\n\n".join(blocks) + "\n"
