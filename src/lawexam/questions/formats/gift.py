"""GIFT import (Moodle's plain-text question format).

Follows Moodle's reader: questions are separated by blank lines, ``//`` lines are comments
(``// [id:…] [tag:…]`` carry the id number and tags), ``::title::`` names a question,
``$CATEGORY:`` sets the category of the questions after it, ``\\~ \\= \\# \\{ \\} \\:`` are
literal characters and ``\\n`` is a newline. Text is plain unless marked ``[html]``; plain
text is escaped, so markup in it shows as text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from lawexam.i18n import _
from lawexam.questions.formats.answer_rules import (
    WeightedAnswer, resolve_choice, resolve_short_answers)
from lawexam.questions.formats.base import (
    DROPPED, UNSUPPORTED, WARNING, Draft, ImportLog, ParseResult, clean_tags, file_location,
    line_location, short_name, split_category_path, unsupported_kind_label)
from lawexam.questions.formats.textfile import UndecodableText, decode_text, gbk_warning
from lawexam.questions.qtypes import BLANK, BLANK_PATTERN, QuestionContent
from lawexam.questions.richtext import (
    clean_plain_text, html_to_text, sanitize_stem_html, text_to_html)

# Escaped characters are swapped for Unicode noncharacters (never present in real text)
# while the structure is parsed, then swapped back.
_PLACEHOLDERS = {"\\": "\ufdd0", ":": "\ufdd1", "#": "\ufdd2", "=": "\ufdd3", "{": "\ufdd4",
                 "}": "\ufdd5", "~": "\ufdd6", "n": "\ufdd7"}
_RESTORE = str.maketrans({v: ("\n" if k == "n" else k) for k, v in _PLACEHOLDERS.items()})
_ESCAPE = re.compile(r"\\([\\:#={}~n])")
_NONCHARACTERS = re.compile("[\ufdd0-\ufdef]")
_TITLE = re.compile(r"::(.*?)::", re.S)
_FORMAT = re.compile(r"\s*\[(html|moodle|plain|markdown)\]")
_WEIGHT = re.compile(r"\s*%(-?\d+(?:\.\d+)?)%")
_TRUEFALSE = re.compile(r"(?i:t|true|f|false)")
_META_ID = re.compile(r"\[id:\s*([^\]]+?)\s*\]")
_META_TAG = re.compile(r"\[tag:\s*([^\]]+?)\s*\]")
CATEGORY_PREFIX = "$CATEGORY:"


def _protect(text: str) -> str:
    return _ESCAPE.sub(lambda match: _PLACEHOLDERS[match.group(1)], text)


def _restore(text: str) -> str:
    return text.translate(_RESTORE)


@dataclass
class _Block:
    lines: list[tuple[int, str]] = field(default_factory=list)  # (line number, stripped line)
    comments: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _BraceProblem:
    position: int
    message: str


@dataclass
class _Answer:
    marker: str
    weight: float | None
    text: str          # plain text, escapes restored
    feedback: str      # plain text


def _blocks(text: str) -> list[_Block]:
    blocks: list[_Block] = []
    current = _Block()
    for number, raw in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
        line = raw.strip()
        if not line:
            if current.lines:
                blocks.append(current)
            current = _Block()
        elif line.startswith("//"):
            current.comments.append(line[2:])
        else:
            current.lines.append((number, line))
    if current.lines:
        blocks.append(current)
    return blocks


def _split_format(text: str) -> tuple[str, str]:
    match = _FORMAT.match(text)
    return (match.group(1), text[match.end():]) if match else ("moodle", text)


def _plain(protected: str) -> str:
    """An answer or feedback text (which may carry its own format marker) as plain text."""
    fmt, text = _split_format(protected.strip())
    text = _restore(text)
    return html_to_text(text) if fmt == "html" else clean_plain_text(text)


def _stem_html(fmt: str, protected: str) -> str:
    text = _restore(protected)
    return sanitize_stem_html(text) if fmt == "html" else text_to_html(text)


def parse_gift(filename: str, data: bytes) -> ParseResult:
    log = ImportLog(filename)
    try:
        decoded = decode_text(data)
    except UndecodableText as error:
        return log.file_error(str(error))
    if decoded.is_gbk:
        log.report(WARNING, file_location(), gbk_warning())
    category: tuple[str | None, str | None] = (None, None)
    for block in _blocks(_NONCHARACTERS.sub("", decoded.text)):
        lines = block.lines
        if lines[0][1].startswith(CATEGORY_PREFIX):
            category = split_category_path(lines[0][1][len(CATEGORY_PREFIX):])
            lines = lines[1:]
            if not lines:
                continue
        _BlockParser(log, lines, block.comments, category).parse()
    return log.result


class _BlockParser:
    def __init__(self, log: ImportLog, lines: list[tuple[int, str]], comments: list[str],
                 category: tuple[str | None, str | None]) -> None:
        self.log = log
        self.lines = lines
        self.text = _protect("\n".join(line for _number, line in lines))
        self.location = line_location(lines[0][0])
        self.comments = " ".join(comments)
        self.module, self.category_path = category
        self.title: str | None = None

    def _line_of(self, position: int) -> int:
        # Placeholders keep one character per escape and no newlines, so counting newlines
        # in the protected text finds the original line.
        return self.lines[self.text.count("\n", 0, position)][0]

    def parse(self) -> None:
        text = self.text
        title_match = _TITLE.match(text)
        if title_match:
            self.title = clean_plain_text(_restore(title_match.group(1))) or None
        start = title_match.end() if title_match else 0
        braces = self._answer_block(start)
        if braces is None:
            return
        open_at, close_at = braces
        fmt, before = _split_format(text[start:open_at])
        answer_text = text[open_at + 1:close_at]
        after = text[close_at + 1:]
        answer_part, _sep, general = answer_text.partition("####")
        stripped = answer_part.strip()
        kind = self._classify(stripped)
        if kind in ("essay", "numerical", "matching"):
            self._unsupported(kind, before)
            return
        if kind is None:
            self.log.error(self.location, _(
                "The answer block {%(answers)s} is not understood. Mark answers with = (right) "
                "and ~ (wrong), or write {T} / {F}.", answers=_restore(stripped)[:60]), "answer")
            return
        explanation = _plain(general) if general.strip() else ""
        if kind == "truefalse":
            self._truefalse(fmt, before, after, stripped, explanation)
        elif kind == "choice":
            self._choice(fmt, before, after, stripped, explanation)
        else:
            self._short_answer(fmt, before, after, stripped, explanation)

    def _answer_block(self, start: int) -> tuple[int, int] | None:
        """Positions of the one {…} block; a problem is reported and gives None."""
        found = self._scan_braces(start)
        if isinstance(found, _BraceProblem):
            self.log.error(line_location(self._line_of(found.position)), found.message,
                           "answer")
            return None
        if found is None:
            self._unsupported("description", self.text[start:])
        return found

    def _scan_braces(self, start: int) -> tuple[int, int] | _BraceProblem | None:
        open_at: int | None = None
        block: tuple[int, int] | None = None
        for position in range(start, len(self.text)):
            char = self.text[position]
            if char == "{":
                if open_at is not None:
                    return _BraceProblem(open_at, _(
                        "Unbalanced braces: the { on line %(line)d is not closed before the "
                        "next {.", line=self._line_of(open_at)))
                if block is not None:
                    return _BraceProblem(position, _(
                        "A second answer block starts on line %(line)d; put a blank line "
                        "between questions.", line=self._line_of(position)))
                open_at = position
            elif char == "}":
                if open_at is None:
                    return _BraceProblem(position, _(
                        "Unbalanced braces: the } on line %(line)d has no matching {.",
                        line=self._line_of(position)))
                block = (open_at, position)
                open_at = None
        if open_at is not None:
            return _BraceProblem(open_at, _(
                "Unbalanced braces: the { on line %(line)d has no matching }.",
                line=self._line_of(open_at)))
        return block

    @staticmethod
    def _classify(stripped: str) -> str | None:
        if not stripped:
            return "essay"
        if stripped.startswith("#"):
            return "numerical"
        if "~" in stripped:
            return "choice"
        answers = [piece for piece in re.split(r"(?==)", stripped) if piece.strip()]
        # Matching has several "question -> answer" pairs; one short answer may contain "->".
        if len(answers) >= 2 and all("->" in piece for piece in answers):
            return "matching"
        if _TRUEFALSE.fullmatch(stripped.split("#", 1)[0].strip()):
            return "truefalse"
        if stripped.startswith("="):
            return "shortanswer"
        return None

    def _unsupported(self, kind: str, stem: str) -> None:
        name = short_name(self.title, _restore(_split_format(stem)[1]))
        self.log.report(UNSUPPORTED, self.location, _(
            "Question %(name)s: %(kind)s questions are not supported; skipped.",
            name=name, kind=unsupported_kind_label(kind)), "type")

    def _answers(self, stripped: str) -> list[_Answer] | None:
        pieces = re.split(r"(?=[=~])", stripped)
        if pieces[0].strip():
            self.log.error(self.location, _(
                "Text %(text)s comes before the first answer; start each answer with = or ~.",
                text=_restore(pieces[0].strip())[:40]), "answer")
            return None
        answers = []
        for piece in pieces[1:]:
            body = piece[1:]
            weight_match = _WEIGHT.match(body)
            weight = float(weight_match.group(1)) if weight_match else None
            if weight_match:
                body = body[weight_match.end():]
            text, _sep, feedback = body.partition("#")
            answers.append(_Answer(piece[0], weight, _plain(text), _plain(feedback)))
        return answers

    def _draft(self, content: QuestionContent) -> Draft:
        ids = _META_ID.findall(self.comments)
        return Draft(
            content=content, location=self.location, module=self.module,
            tags=clean_tags(_META_TAG.findall(self.comments)),
            external_id=ids[0] if ids else None, title=self.title,
            category_path=self.category_path)

    def _truefalse(self, fmt: str, before: str, after: str, stripped: str,
                   explanation: str) -> None:
        head, *feedbacks = stripped.split("#")
        # Moodle: the first feedback is shown for a wrong response, the second for a right one.
        feedback_texts = [_plain(text) for text in feedbacks]
        explanation = explanation or next(
            (text for text in reversed(feedback_texts) if text), "")
        stem = before + (" " + after if after.strip() else "")
        content = QuestionContent(
            type="truefalse", stem=_stem_html(fmt, stem),
            answer=head.strip().upper().startswith("T"), explanation=explanation)
        self.log.submit(self._draft(content))

    def _choice(self, fmt: str, before: str, after: str, stripped: str,
                explanation: str) -> None:
        answers = self._answers(stripped)
        if answers is None:
            return
        weighted = [
            WeightedAnswer(a.text, a.weight if a.weight is not None
                           else (100.0 if a.marker == "=" else 0.0))
            for a in answers
        ]
        outcome = resolve_choice(weighted, single=any(a.marker == "=" for a in answers))
        if not explanation:
            explanation = "\n".join(dict.fromkeys(
                answers[i].feedback for i in outcome.correct_indexes if answers[i].feedback))
        stem = before + BLANK + after if after.strip() else before
        content = QuestionContent(
            type=outcome.type, stem=_stem_html(fmt, stem), options=outcome.options,
            answer=outcome.answer, explanation=explanation)
        if self.log.submit(self._draft(content)):
            for message in outcome.warnings:
                self.log.report(WARNING, self.location, message, "type")
        for message in outcome.dropped:
            self.log.report(DROPPED, self.location, message, "answer")

    def _short_answer(self, fmt: str, before: str, after: str, stripped: str,
                      explanation: str) -> None:
        answers = self._answers(stripped)
        if answers is None:
            return
        outcome = resolve_short_answers([
            WeightedAnswer(a.text, a.weight if a.weight is not None else 100.0)
            for a in answers
        ])
        if not explanation:
            explanation = next((a.feedback for a in answers if a.feedback
                                and a.text in outcome.accepted), "")
        needs_blank = after.strip() or not BLANK_PATTERN.search(_restore(before))
        stem = before + BLANK + after if needs_blank else before + after
        content = QuestionContent(
            type="fill", stem=_stem_html(fmt, stem), answer=(outcome.accepted,),
            explanation=explanation)
        errors: list[tuple[str | None, str]] = []
        if not outcome.accepted:
            errors.append(("answer", _(
                "No answer is left that is fully right and matched exactly; add one with =.")))
        self.log.submit(self._draft(content), errors)
        # Reported either way: when nothing is left they explain the error above.
        for message in outcome.dropped:
            self.log.report(DROPPED, self.location, message, "answer")
