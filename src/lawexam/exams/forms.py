"""Forms for the officer's exam pages, and turning the definition form into service input.

The form only checks shapes (a number is a number, a line reads "id,points"); what makes a
valid exam (the window, the pass mark, the rules) is the service's to decide, and its
``InvalidInput`` lands on the field it names.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone

from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateTimeLocalField, FieldList, Form, FormField, HiddenField, IntegerField,
                     RadioField, SelectField, SelectMultipleField, StringField, TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from lawexam.auth.models import Category, Role, User
from lawexam.exams.models import AnswerRelease, AudienceKind, CountingPolicy, Exam, ScoreRelease
from lawexam.exams.services import ExamInput, RuleInput
from lawexam.i18n import _
from lawexam.i18n import lazy_gettext as _l
from lawexam.localtime import local_zone, to_local
from lawexam.questions.presentation import DIFFICULTY_LABELS, TYPE_LABELS
from lawexam.questions.qtypes import ALL_OR_NOTHING, PROPORTIONAL

# Without JavaScript the form shows this many blank rule rows; with it, rows are added and removed.
BLANK_RULE_ROWS = 6
MAX_RULE_ROWS = 40
LOCAL_FORMAT = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]  # the first is how it is shown
_SEPARATORS = re.compile(r"[、,，;；\s]+")
_FIXED_LINE = re.compile(r"^\s*(?:No\.|#|第)?\s*(\d+)\s*(?:题)?\s*[,，;；:：\s]\s*(\d+(?:\.\d+)?)\s*(?:分)?\s*$")


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def split_list(text: str | None) -> list[str]:
    """"a, b、c" and one per line alike."""
    return [part for part in _SEPARATORS.split(text or "") if part]


def to_utc(value: datetime | None) -> datetime | None:
    """A ``datetime-local`` value is wall-clock time in the town's zone."""
    if value is None:
        return None
    return value.replace(tzinfo=local_zone()).astimezone(timezone.utc)


def to_local_input(value: datetime | None) -> datetime | None:
    return to_local(value).replace(tzinfo=None) if value is not None else None


def parse_fixed(text: str | None) -> tuple[list[tuple[int, float]], list[str]]:
    """Lines of "question id, points" → pairs, and a message for each line that isn't one."""
    pairs: list[tuple[int, float]] = []
    problems: list[str] = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        match = _FIXED_LINE.match(line)
        if match is None:
            problems.append(_("Line %(num)d: write a question number and its points, e.g. “128,2”.", num=number))
            continue
        pairs.append((int(match.group(1)), float(match.group(2))))
    return pairs, problems


def _points(value: float) -> str:
    return f"{value:g}"


class RuleForm(Form):
    """One composition rule: draw ``count`` questions matching the filters, ``points`` each."""

    module_ids = SelectMultipleField(_l("Modules"), coerce=int, validate_choice=False)
    types = MultiCheckboxField(_l("Types"), choices=[])
    tags = StringField(_l("Tags"), validators=[Optional(), Length(max=400)])
    min_difficulty = SelectField(_l("Difficulty from"), coerce=int, default=1)
    max_difficulty = SelectField(_l("to"), coerce=int, default=5)
    count = IntegerField(_l("Number of questions"), validators=[Optional()])
    points = StringField(_l("Points each"), validators=[Optional(), Length(max=12)])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.types.choices = [(name, str(label)) for name, label in TYPE_LABELS.items()]
        levels = [(level, str(label)) for level, label in DIFFICULTY_LABELS.items()]
        self.min_difficulty.choices = self.max_difficulty.choices = levels

    def is_blank(self) -> bool:
        return (self.count.data is None and not (self.points.data or "").strip() and not self.module_ids.data
                and not self.types.data and not (self.tags.data or "").strip())

    def validate_points(self, field: StringField) -> None:
        if (field.data or "").strip() and self._number(field.data) is None:
            raise ValidationError(_("Enter the points as a number, e.g. 2 or 1.5."))

    @staticmethod
    def _number(text: str | None) -> float | None:
        try:
            return float((text or "").strip())
        except ValueError:
            return None

    def to_input(self) -> RuleInput:
        return RuleInput(count=self.count.data or 0, points=self._number(self.points.data) or 0.0,
                         module_ids=list(self.module_ids.data or []), tags=split_list(self.tags.data),
                         types=list(self.types.data or []), min_difficulty=self.min_difficulty.data or 1,
                         max_difficulty=self.max_difficulty.data or 5)

    def load(self, rule: RuleInput) -> None:
        self.count.data, self.points.data = rule.count, _points(rule.points)
        self.module_ids.data, self.types.data = list(rule.module_ids), list(rule.types)
        self.tags.data = "、".join(rule.tags)
        self.min_difficulty.data, self.max_difficulty.data = rule.min_difficulty, rule.max_difficulty


class ExamForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(message=_l("Give the exam a title.")), Length(max=120)])
    rules_text = TextAreaField(_l("Rules for examinees"), validators=[Optional(), Length(max=5000)],
                               description=_l("Shown on the start page and the printed notice, e.g. closed book, "
                                              "one attempt, what to do if the network drops."))
    opens_at = DateTimeLocalField(_l("Opens at"), format=LOCAL_FORMAT,
                                  validators=[InputRequired(message=_l("Enter when the exam opens."))])
    closes_at = DateTimeLocalField(_l("Closes at"), format=LOCAL_FORMAT,
                                   validators=[InputRequired(message=_l("Enter when the exam closes."))])
    duration_minutes = IntegerField(_l("Duration (minutes)"), validators=[
        InputRequired(message=_l("Enter the duration in minutes."))],
        description=_l("Each person's time runs from their start, and never past the close of the window."))
    pass_mark = StringField(_l("Pass mark"), validators=[InputRequired(message=_l("Enter the pass mark."))])
    attempts_allowed = IntegerField(_l("Attempts allowed"), default=1, validators=[
        InputRequired(message=_l("Enter how many attempts each person has."))])
    counting = RadioField(_l("Which attempt counts"), default=CountingPolicy.HIGHEST.value)
    shuffle_questions = BooleanField(_l("Shuffle the order of the questions"), default=True)
    shuffle_options = BooleanField(_l("Shuffle the options of choice questions"), default=True)
    scoring = RadioField(_l("Multiple-choice scoring"), default=ALL_OR_NOTHING)
    score_release = RadioField(_l("Scores are shown"), default=ScoreRelease.AT_ONCE.value)
    answer_release = RadioField(_l("Answers and explanations are shown"), default=AnswerRelease.AFTER_CLOSE.value)

    # The paper. ``paper_included`` is absent when the paper is shown read-only (frozen).
    paper_included = HiddenField()
    rules = FieldList(FormField(RuleForm), min_entries=BLANK_RULE_ROWS, max_entries=MAX_RULE_ROWS)
    fixed = TextAreaField(_l("Fixed questions"), validators=[Optional(), Length(max=20000)],
                          description=_l("One question per line: its number in the bank, a comma, its points "
                                         "(e.g. “128,2”). Fixed questions appear on every paper."))

    # The audience: anyone matching any of these.
    units = MultiCheckboxField(_l("By unit"), coerce=int, validate_choice=False,
                               description=_l("A unit includes every unit under it."))
    categories = MultiCheckboxField(_l("Categories"))
    roles = MultiCheckboxField(_l("Roles"))
    people = TextAreaField(_l("Named people"), validators=[Optional(), Length(max=20000)],
                           description=_l("Accounts or mobile numbers, one per line or separated by commas."))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.counting.choices = [(CountingPolicy.HIGHEST.value, _("The highest score")),
                                 (CountingPolicy.LATEST.value, _("The latest attempt"))]
        self.scoring.choices = [
            (ALL_OR_NOTHING, _("All or nothing: full points only for exactly the right choices")),
            (PROPORTIONAL, _("Proportional: a share for each right choice, zero if any choice is wrong"))]
        self.score_release.choices = [(ScoreRelease.AT_ONCE.value, _("At once, when the person hands in")),
                                      (ScoreRelease.AFTER_CLOSE.value, _("After the window closes"))]
        self.answer_release.choices = [(AnswerRelease.NEVER.value, _("Never")),
                                       (AnswerRelease.AFTER_CLOSE.value, _("After the window closes")),
                                       (AnswerRelease.AT_ONCE.value, _("At once, when the person hands in"))]
        self.categories.choices = [(c.value, c.label) for c in Category]
        self.roles.choices = [(r.value, r.label) for r in Role]
        self.rule_errors: list[str] = []

    def set_module_choices(self, choices: list[tuple[int, str]]) -> None:
        for entry in self.rules.entries:
            entry.form.module_ids.choices = choices

    # ---- checks of shape (the service checks the meaning) ----

    def validate_pass_mark(self, field: StringField) -> None:
        if RuleForm._number(field.data) is None:
            raise ValidationError(_("Enter the pass mark as a number, e.g. 60."))

    def validate_fixed(self, field: TextAreaField) -> None:
        _pairs, problems = parse_fixed(field.data)
        if problems:
            raise ValidationError(" ".join(problems))

    def paper_posted(self) -> bool:
        return self.paper_included.data == "1"

    def filled_rules(self) -> list[RuleForm]:
        return [entry.form for entry in self.rules.entries if not entry.form.is_blank()]

    def compact_rules(self) -> None:
        """Filled rows first, so that "rule 2" in a message is the second row on screen, and a
        few blank rows after them."""
        filled = [entry for entry in self.rules.entries if not entry.form.is_blank()]
        blank = [entry for entry in self.rules.entries if entry.form.is_blank()]
        keep = max(BLANK_RULE_ROWS - len(filled), 1)
        self.rules.entries = filled + blank[:keep]
        while len(self.rules.entries) < len(filled) + keep:
            self.rules.append_entry()

    # ---- between the form and the service ----

    def load(self, data: ExamInput, accounts: dict[int, str]) -> None:
        """Fill the fields from an exam's current definition (``accounts``: user id → account)."""
        self.title.data, self.rules_text.data = data.title, data.rules_text
        self.opens_at.data, self.closes_at.data = to_local_input(data.opens_at), to_local_input(data.closes_at)
        self.duration_minutes.data, self.pass_mark.data = data.duration_minutes, _points(data.pass_mark)
        self.attempts_allowed.data, self.counting.data = data.attempts_allowed, data.counting.value
        self.shuffle_questions.data, self.shuffle_options.data = data.shuffle_questions, data.shuffle_options
        self.scoring.data = data.scoring
        self.score_release.data, self.answer_release.data = data.score_release.value, data.answer_release.value
        while len(self.rules.entries) < len(data.rules) + 1:
            self.rules.append_entry()
        for entry, rule in zip(self.rules.entries, data.rules):
            entry.form.load(rule)
        self.compact_rules()
        self.fixed.data = "\n".join(f"{qid},{_points(points)}" for qid, points in data.fixed)
        values = {kind: [v for k, v in data.audience if k == kind] for kind in AudienceKind}
        self.units.data = [int(v) for v in values[AudienceKind.UNIT]]
        self.categories.data = values[AudienceKind.CATEGORY]
        self.roles.data = values[AudienceKind.ROLE]
        self.people.data = "\n".join(accounts.get(int(v), f"#{v}") for v in values[AudienceKind.PERSON])

    def to_input(self, people: list[User], stored: ExamInput | None = None) -> ExamInput:
        """The service input. ``stored``: the exam's definition, whose paper is kept when the
        form did not carry one (a frozen exam shows its paper read-only)."""
        audience = [(AudienceKind.UNIT, str(u)) for u in self.units.data or []]
        audience += [(AudienceKind.CATEGORY, c) for c in self.categories.data or []]
        audience += [(AudienceKind.ROLE, r) for r in self.roles.data or []]
        audience += [(AudienceKind.PERSON, str(p.id)) for p in people]
        data = ExamInput(
            title=self.title.data or "", rules_text=self.rules_text.data or "",
            opens_at=to_utc(self.opens_at.data), closes_at=to_utc(self.closes_at.data),
            duration_minutes=self.duration_minutes.data or 0, pass_mark=RuleForm._number(self.pass_mark.data) or 0.0,
            attempts_allowed=self.attempts_allowed.data or 0, counting=CountingPolicy(self.counting.data),
            shuffle_questions=bool(self.shuffle_questions.data), shuffle_options=bool(self.shuffle_options.data),
            scoring=self.scoring.data or "", score_release=ScoreRelease(self.score_release.data),
            answer_release=AnswerRelease(self.answer_release.data),
            rules=[rule.to_input() for rule in self.filled_rules()], fixed=parse_fixed(self.fixed.data)[0],
            audience=audience)
        if stored is not None and not self.paper_posted():
            data.rules, data.fixed = stored.rules, stored.fixed
            data.pass_mark, data.scoring = stored.pass_mark, stored.scoring
            data.shuffle_questions, data.shuffle_options = stored.shuffle_questions, stored.shuffle_options
        return data

    def total_points(self) -> float:
        total = 0.0
        for rule in self.filled_rules():
            total += (rule.count.data or 0) * (RuleForm._number(rule.points.data) or 0.0)
        return total + sum(points for _qid, points in parse_fixed(self.fixed.data)[0])


class MakeupForm(FlaskForm):
    opens_at = DateTimeLocalField(_l("Opens at"), format=LOCAL_FORMAT,
                                  validators=[InputRequired(message=_l("Enter when the exam opens."))])
    closes_at = DateTimeLocalField(_l("Closes at"), format=LOCAL_FORMAT,
                                   validators=[InputRequired(message=_l("Enter when the exam closes."))])


class AttemptActionForm(FlaskForm):
    """One correction to one attempt; every one needs a reason for the audit log."""

    action = SelectField(_l("Action"), choices=[])
    minutes = IntegerField(_l("Minutes"), validators=[Optional(), NumberRange(min=1, max=24 * 60)])
    reason = StringField(_l("Reason"), validators=[Length(max=255)])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.action.choices = action_choices()


def action_choices() -> list[tuple[str, str]]:
    return [("extend", _("Extend time")), ("reopen", _("Reopen")), ("void", _("Void")),
            ("force_submit", _("Force submit"))]


def exam_accounts(exam: Exam) -> dict[int, str]:
    """Named people's accounts, for showing them in the form."""
    from sqlalchemy import select

    from lawexam.extensions import db

    ids = [int(a.value) for a in exam.audience if a.kind == AudienceKind.PERSON]
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.account).where(User.id.in_(ids))).all())
