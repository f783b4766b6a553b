"""A question's versions side by side: the field-by-field diff the history page shows, and the
latest changes across the bank."""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from sqlalchemy import select

from lawexam.extensions import db
from lawexam.i18n import _
from lawexam.questions.models import QuestionVersion
from lawexam.questions.qtypes import QuestionContent
from lawexam.questions.richtext import html_to_text


@dataclass(frozen=True)
class FieldChange:
    """One field of two versions side by side: ``segments`` are ``(op, text)`` pairs with op
    ``equal``, ``insert`` or ``delete``, computed on plain text (never HTML)."""

    label: str
    segments: list[tuple[str, str]]

    @property
    def changed(self) -> bool:
        return any(op != "equal" for op, _text in self.segments)


# Latin words and numbers stay whole; every other character (Chinese text has no spaces
# between words) is its own token, so a changed character is marked, not the whole line.
_DIFF_TOKEN = re.compile(r"[A-Za-z0-9]+|\s|.", re.DOTALL)


def diff_segments(old: str, new: str) -> list[tuple[str, str]]:
    old_tokens, new_tokens = _DIFF_TOKEN.findall(old), _DIFF_TOKEN.findall(new)
    matcher = difflib.SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
    segments: list[tuple[str, str]] = []

    def add(op: str, tokens: list[str]) -> None:
        text = "".join(tokens)
        if not text:
            return
        if segments and segments[-1][0] == op:
            segments[-1] = (op, segments[-1][1] + text)
        else:
            segments.append((op, text))

    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            add("equal", old_tokens[i1:i2])
        else:
            add("delete", old_tokens[i1:i2])
            add("insert", new_tokens[j1:j2])
    return segments


def answer_text(content: QuestionContent) -> str:
    """The answer key as a person reads it: ``B``, ``A、B、D``, 对/错, or the accepted answers
    of each blank."""
    answer = content.answer
    if content.type == "truefalse" and isinstance(answer, bool):
        return _("True") if answer else _("False")
    if content.type == "multiple" and isinstance(answer, (list, tuple)):
        return "、".join(answer)
    if content.type == "fill" and isinstance(answer, (list, tuple)):
        return "\n".join(_("Blank %(number)d: %(answers)s", number=number, answers=" / ".join(accepted))
                         for number, accepted in enumerate(answer, start=1))
    return "" if answer is None else str(answer)


def version_changes(older: QuestionVersion | None, newer: QuestionVersion) -> list[FieldChange]:
    """Every field of ``newer`` compared with ``older`` (None: the first version, all new)."""
    from lawexam.questions.presentation import DIFFICULTY_LABELS, type_label

    new = newer.content()
    old = older.content() if older is not None else None

    def fields(content: QuestionContent | None) -> dict[str, str]:
        if content is None:
            return {}
        values = {"type": type_label(content.type), "stem": html_to_text(content.stem)}
        for option in content.options:
            values["option:" + option.key] = option.text
        values.update(answer=answer_text(content), explanation=content.explanation, basis=content.basis,
                      difficulty=str(DIFFICULTY_LABELS.get(content.difficulty, content.difficulty)))
        return values

    before, after = fields(old), fields(new)
    keys = ["type", "stem"]
    keys += sorted({k for k in (*before, *after) if k.startswith("option:")})
    keys += ["answer", "explanation", "basis", "difficulty"]
    labels = {"type": _("Type"), "stem": _("Stem"), "answer": _("Answer"), "explanation": _("Explanation"),
              "basis": _("Legal basis"), "difficulty": _("Difficulty")}
    return [FieldChange(labels.get(key) or _("Option %(key)s", key=key.split(":", 1)[1]),
                        diff_segments(before.get(key, ""), after.get(key, "")))
            for key in keys]


def recent_versions(limit: int = 50) -> list[QuestionVersion]:
    """The newest versions across the bank, newest first: what changed lately."""
    return list(db.session.scalars(select(QuestionVersion).order_by(QuestionVersion.created_at.desc(),
                                                                   QuestionVersion.id.desc()).limit(limit)))
