"""Types shared by every import format, and the bookkeeping each parser does the same way.

A parser turns a file into ``Draft`` questions plus ``ImportProblem`` reports. It never
raises for bad input: the import screen shows every problem with its file, row or line and
field, and nothing is written unless the whole import is valid (or the user skips bad rows).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

from lawexam.i18n import _, lazy_gettext
from lawexam.questions.qtypes import QuestionContent, get_type

ERROR = "error"              # blocks the import unless the user skips invalid questions
UNSUPPORTED = "unsupported"  # a question type we do not have; the question is skipped
DROPPED = "dropped"          # part of a question could not be kept (e.g. a wildcard answer)
DUPLICATE = "duplicate"      # same question earlier in the file or already in the bank
WARNING = "warning"          # imported, but worth a look (e.g. the file was read as GBK)
SEVERITIES = (ERROR, UNSUPPORTED, DROPPED, DUPLICATE, WARNING)

# Moodle and similar systems have many more question types; these labels let a problem name
# the kind of question that was skipped in the reader's language.
UNSUPPORTED_KIND_LABELS = {
    "essay": lazy_gettext("essay"),
    "matching": lazy_gettext("matching"),
    "numerical": lazy_gettext("numerical"),
    "description": lazy_gettext("description (text only)"),
    "calculated": lazy_gettext("calculated"),
    "calculatedsimple": lazy_gettext("calculated"),
    "calculatedmulti": lazy_gettext("calculated"),
    "multianswer": lazy_gettext("cloze (embedded answers)"),
    "ddwtos": lazy_gettext("drag and drop into text"),
    "ddimageortext": lazy_gettext("drag and drop onto image"),
    "ddmarker": lazy_gettext("drag and drop markers"),
    "gapselect": lazy_gettext("select missing words"),
    "randomsamatch": lazy_gettext("random short-answer matching"),
    "ordering": lazy_gettext("ordering"),
}


@dataclass
class Draft:
    content: QuestionContent
    location: str
    module: str | None = None
    tags: tuple[str, ...] = ()
    exam_only: bool = False
    external_id: str | None = None
    title: str | None = None
    attachments: dict[str, bytes] = field(default_factory=dict)
    # The full readable category path when the file has one (Moodle/GIFT), e.g.
    # "法治政府建设/三项制度"; ``module`` holds its last segment.
    category_path: str | None = None
    file: str = ""  # the file it came from; set by the reader


@dataclass
class ImportProblem:
    file: str
    location: str
    field: str | None
    message: str
    severity: str = ERROR


@dataclass(frozen=True)
class ModuleHeader:
    """The ``module:`` block of a project YAML file."""
    code: str
    name: str
    order: int | None = None


@dataclass
class ParseResult:
    drafts: list[Draft] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    module_header: ModuleHeader | None = None

    @property
    def errors(self) -> list[ImportProblem]:
        return self.problems_of(ERROR)

    @property
    def ok(self) -> bool:
        """True when nothing blocks the import (other problems are informational)."""
        return not self.errors

    def problems_of(self, severity: str) -> list[ImportProblem]:
        return [problem for problem in self.problems if problem.severity == severity]

    def extend(self, other: ParseResult) -> None:
        """Add another file's result (importing a folder of files as one batch)."""
        self.drafts.extend(other.drafts)
        self.problems.extend(other.problems)


def line_location(line: int) -> str:
    return _("line %(line)d", line=line)


def row_location(row: int) -> str:
    return _("row %(row)d", row=row)


def file_location() -> str:
    return _("whole file")


def unsupported_kind_label(kind: str) -> str:
    label = UNSUPPORTED_KIND_LABELS.get(kind)
    return str(label) if label is not None else kind


class ImportLog:
    """Collects the drafts and problems of one file, tagging each problem with the file name."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.result = ParseResult()

    def report(self, severity: str, location: str, message: str,
               field: str | None = None) -> None:
        self.result.problems.append(ImportProblem(self.file, location, field, message, severity))

    def error(self, location: str, message: str, field: str | None = None) -> None:
        self.report(ERROR, location, message, field)

    def file_error(self, message: str) -> ParseResult:
        """A problem that stops the whole file from being read; returns the result so far."""
        self.error(file_location(), message)
        return self.result

    def submit(self, draft: Draft,
               parse_errors: Iterable[tuple[str | None, str]] = ()) -> bool:
        """Keep the draft if it parsed cleanly and validates; otherwise report every error.

        Parse errors come first; a validation problem about a field that already has a parse
        error is left out because it would only repeat the same mistake in other words.
        """
        errors = list(parse_errors)
        failed_fields = {name for name, _message in errors}
        for problem in get_type(draft.content.type).validate(draft.content):
            if problem.field not in failed_fields:
                errors.append((problem.field, problem.message))
        for name, message in errors:
            self.error(draft.location, message, name)
        if not errors:
            self.keep(draft)
        return not errors

    def keep(self, draft: Draft) -> None:
        """Accept an already validated draft."""
        draft.file = self.file
        self.result.drafts.append(draft)


_CATEGORY_SEPARATOR = re.compile(r"(?<!/)/(?!/)")
_CATEGORY_CONTEXT = re.compile(r"^\$[a-z0-9]*\$$")


def split_category_path(path: str) -> tuple[str | None, str | None]:
    """``$course$/top/法治政府建设/三项制度`` → ``("三项制度", "法治政府建设/三项制度")``.

    Moodle writes a literal "/" inside a category name as "//", and prefixes paths with a
    context marker (``$course$``, ``$system$``, …) and usually the hidden "top" category.
    """
    segments = [
        segment.replace("//", "/").strip()
        for segment in _CATEGORY_SEPARATOR.split(path.strip())
    ]
    while segments and (not segments[0] or _CATEGORY_CONTEXT.match(segments[0])):
        segments.pop(0)
    if segments and segments[0].lower() == "top":
        segments.pop(0)
    segments = [segment for segment in segments if segment]
    if not segments:
        return None, None
    return segments[-1], "/".join(segments)


def join_category_path(module: str | None) -> str:
    if not module:
        return "$course$/top"
    return "$course$/top/" + module.replace("/", "//")


def clean_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """Stripped, non-empty, first occurrence kept, order preserved."""
    seen: dict[str, None] = {}
    for tag in tags:
        tag = " ".join(tag.split())
        if tag:
            seen.setdefault(tag, None)
    return tuple(seen)


def short_name(title: str | None, content_text: str) -> str:
    """How a problem names a question: its title, or the start of its stem."""
    if title:
        return title
    text = " ".join(content_text.split())
    return text if len(text) <= 30 else text[:30] + "…"
