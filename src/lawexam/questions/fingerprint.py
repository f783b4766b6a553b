"""Duplicate detection: one stable hash per question, insensitive to formatting noise.

Two questions count as the same when they have the same type, the same stem text and the
same set of option texts, after tags are stripped, whitespace collapsed, full-width forms
folded (NFKC) and case folded. The answer is deliberately left out: the same stem saved twice
with a different key is a conflict for a person to resolve, not two questions. Option order
is ignored too, so a shuffled copy of a question is still recognised.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata

from lawexam.questions.qtypes import QuestionContent
from lawexam.questions.richtext import html_to_text

_WHITESPACE_RUN = re.compile(r"\s+")
_SEPARATOR = "\x1f"


def normalize_for_fingerprint(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _WHITESPACE_RUN.sub(" ", folded).strip()


def fingerprint(content: QuestionContent) -> str:
    stem = normalize_for_fingerprint(html_to_text(content.stem))
    options = sorted(normalize_for_fingerprint(option.text) for option in content.options)
    material = _SEPARATOR.join([content.type, stem, *options])
    return hashlib.sha256(material.encode("utf-8")).hexdigest()
