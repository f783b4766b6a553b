"""The paper as the examinee's browser receives it: stems and permuted options, no keys."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from lawexam.exams.composition import DISPLAY_KEYS
from lawexam.exams.models import Attempt
from lawexam.extensions import db
from lawexam.questions.models import QuestionVersion
from lawexam.questions.qtypes import Option, QuestionContent


def _versions(attempt: Attempt) -> dict[int, QuestionVersion]:
    ids = [s["version_id"] for s in attempt.paper]
    return {v.id: v for v in db.session.scalars(select(QuestionVersion).where(QuestionVersion.id.in_(ids)))}


def displayed_content(version: QuestionVersion, option_order: list[str]) -> QuestionContent:
    """The question with its options re-lettered in display order and the key removed."""
    text = {o["key"]: o["text"] for o in version.options or ()}
    options = tuple(Option(DISPLAY_KEYS[i], text[key]) for i, key in enumerate(option_order))
    return QuestionContent(type=version.type, stem=version.stem, options=options, answer=None,
                           explanation="", basis="", difficulty=version.difficulty)


def paper_contents(attempt: Attempt) -> list[tuple[dict[str, Any], QuestionContent]]:
    versions = _versions(attempt)
    return [(slot, displayed_content(versions[slot["version_id"]], slot["option_order"])) for slot in attempt.paper]


def paper_for_browser(attempt: Attempt) -> list[dict[str, Any]]:
    return [{"slot": slot["slot"], "type": content.type, "stem": content.stem, "points": slot["points"],
             "blanks": slot.get("blanks", 0),
             "options": [{"key": o.key, "text": o.text} for o in content.options]}
            for slot, content in paper_contents(attempt)]
