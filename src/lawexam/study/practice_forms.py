"""Forms for practice and the notebook, and reading an answer from the question's inputs."""
from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField
from wtforms.validators import InputRequired, NumberRange, Optional

from lawexam.i18n import lazy_gettext as _l
from lawexam.questions.qtypes import QuestionContent, count_blanks
from lawexam.study.practice import DEFAULT_QUESTIONS, MAX_QUESTIONS


def _int_or_none(value: object) -> int | None:
    try:
        return int(value) if value not in (None, "", "None") else None  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


class PracticeStartForm(FlaskForm):
    module_id = SelectField(_l("Module"), coerce=_int_or_none, validators=[Optional()])
    count = IntegerField(_l("Number of questions"), default=DEFAULT_QUESTIONS,
                         validators=[InputRequired(message=_l("Enter how many questions you want.")),
                                     NumberRange(min=1, max=MAX_QUESTIONS,
                                                 message=_l("Choose 1 to 50 questions."))],
                         render_kw={"min": 1, "max": MAX_QUESTIONS, "inputmode": "numeric"})


def response_from_form(content: QuestionContent, form: Any, slot: int) -> Any:
    """The answer in the question-type registry's shape, read from the inputs that
    ``templates/questions/_question.html`` names ``q<slot>`` (and ``q<slot>-<n>`` per blank).
    Options are not shuffled in practice, so the keys are the question's own. None: nothing
    was chosen or typed."""
    name = f"q{slot}"
    if content.type == "single":
        return form.get(name) or None
    if content.type == "multiple":
        picked = sorted(set(form.getlist(name)))
        return picked or None
    if content.type == "truefalse":
        value = form.get(name, "")
        return {"true": True, "false": False}.get(value, value or None)
    texts = [form.get(f"{name}-{n}", "")[:500] for n in range(1, count_blanks(content.stem) + 1)]
    return texts if any(t.strip() for t in texts) else None
