"""The project's own question file: ``question_bank/<module>/questions.yaml``.

The file is composed into YAML nodes rather than loaded straight into Python values, for two
reasons: every problem can name the line it is on, and scalars keep the text as written
(``2020`` in a fill answer stays the string "2020", ``1.10`` stays "1.10").
"""
from __future__ import annotations

import re

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from lawexam.i18n import _
from lawexam.questions.formats.base import (
    WARNING, Draft, ImportLog, ModuleHeader, ParseResult, clean_tags, file_location,
    line_location)
from lawexam.questions.formats.textfile import UndecodableText, decode_text, gbk_warning
from lawexam.questions.qtypes import (
    DEFAULT_DIFFICULTY, Option, QuestionContent, get_type, type_names)
from lawexam.questions.richtext import clean_plain_text, text_to_html

QUESTION_FIELDS = ("id", "type", "difficulty", "tags", "exam_only", "stem", "options", "answer",
                   "explanation", "basis")
_BOOL_TAG = "tag:yaml.org,2002:bool"
_INT_TAG = "tag:yaml.org,2002:int"
_NULL_TAG = "tag:yaml.org,2002:null"
_MODULE_CODE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")

Errors = list[tuple[str | None, str, Node | None]]
# The bank nests [ ] at most twice (fill answers). PyYAML's scanner slows down with the
# square of the flow nesting depth, so a small file of "[[[[…" could tie up a worker.
MAX_FLOW_DEPTH = 32


class _BankLoader(yaml.SafeLoader):
    def fetch_flow_collection_start(self, TokenClass: type[yaml.Token]) -> None:
        if self.flow_level >= MAX_FLOW_DEPTH:
            raise yaml.scanner.ScannerError(
                None, None, "brackets are nested too deeply", self.get_mark())
        super().fetch_flow_collection_start(TokenClass)


def _line(node: Node | None) -> int:
    return node.start_mark.line + 1 if node is not None else 0


def _mapping(node: MappingNode) -> dict[str, tuple[Node, Node]]:
    """Key text → (key node, value node); later duplicates are reported by the caller."""
    return {key.value: (key, value) for key, value in node.value if isinstance(key, ScalarNode)}


def _duplicate_keys(node: MappingNode) -> list[ScalarNode]:
    seen: set[str] = set()
    duplicates = []
    for key, _value in node.value:
        if isinstance(key, ScalarNode):
            if key.value in seen:
                duplicates.append(key)
            seen.add(key.value)
    return duplicates


def _text(node: Node | None) -> str | None:
    """A scalar as written (None for a missing or null value, or a non-scalar)."""
    if not isinstance(node, ScalarNode) or node.tag == _NULL_TAG:
        return None
    return str(node.value)


def parse_yaml(filename: str, data: bytes) -> ParseResult:
    log = ImportLog(filename)
    try:
        decoded = decode_text(data)
    except UndecodableText as error:
        return log.file_error(str(error))
    if decoded.is_gbk:
        log.report(WARNING, file_location(), gbk_warning())
    try:
        root = yaml.compose(decoded.text, Loader=_BankLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        return log.file_error(_(
            "The YAML is not valid (line %(line)d): %(problem)s.",
            line=(mark.line + 1) if mark else 0, problem=error.problem or error.context or ""))
    except yaml.YAMLError as error:
        return log.file_error(_("The YAML is not valid: %(problem)s.", problem=str(error)))
    except RecursionError:
        return log.file_error(_("The YAML is nested far too deeply to be a question file."))
    if not isinstance(root, MappingNode):
        return log.file_error(_(
            "The file must be a mapping with \"module\" and \"questions\" (see "
            "question_bank/README.md)."))
    top = _mapping(root)
    header = _module_header(log, top.get("module", (None, None))[1], root)
    questions_node = top.get("questions", (None, None))[1]
    if not isinstance(questions_node, SequenceNode):
        log.error(line_location(_line(questions_node or root)), _(
            "The file needs a \"questions\" list."), "questions")
        return log.result
    log.result.module_header = header
    seen_ids: dict[str, int] = {}
    for node in questions_node.value:
        _read_question(log, node, header, seen_ids)
    return log.result


def _module_header(log: ImportLog, node: Node | None, root: Node) -> ModuleHeader | None:
    if not isinstance(node, MappingNode):
        log.error(line_location(_line(node or root)), _(
            "The file needs a \"module\" block with code, name and order."), "module")
        return None
    fields = _mapping(node)
    code = (_text(fields.get("code", (None, None))[1]) or "").strip()
    name = clean_plain_text(_text(fields.get("name", (None, None))[1]) or "")
    order_node = fields.get("order", (None, None))[1]
    order: int | None = None
    ok = True
    if not _MODULE_CODE.fullmatch(code):
        log.error(line_location(_line(node)), _(
            "The module code %(code)s must be lower-case letters, digits and hyphens.",
            code=code or "—"), "module")
        ok = False
    if not name:
        log.error(line_location(_line(node)), _("The module needs a name."), "module")
        ok = False
    if order_node is not None:
        if isinstance(order_node, ScalarNode) and order_node.tag == _INT_TAG:
            order = int(order_node.value)
        else:
            log.error(line_location(_line(order_node)), _(
                "The module order must be a whole number."), "module")
    return ModuleHeader(code, name, order) if ok else None


def _read_question(log: ImportLog, node: Node, header: ModuleHeader | None,
                   seen_ids: dict[str, int]) -> None:
    location = line_location(_line(node))
    if not isinstance(node, MappingNode):
        log.error(location, _("Each question must be a mapping of fields."))
        return
    fields = _mapping(node)
    errors: Errors = []
    for key in _duplicate_keys(node):
        errors.append((key.value, _("The field %(field)s appears twice.", field=key.value), key))
    for key_text, (key_node, _value) in fields.items():
        if key_text not in QUESTION_FIELDS:
            errors.append((key_text, _(
                "Unknown field %(field)s (check the spelling).", field=key_text), key_node))

    def value(name: str) -> Node | None:
        return fields.get(name, (None, None))[1]

    external_id = (_text(value("id")) or "").strip()
    if not external_id:
        errors.append(("id", _("The question has no id."), node))
    elif header and not re.fullmatch(re.escape(header.code) + r"-\d{3,}", external_id):
        errors.append(("id", _(
            "The id %(id)s must be %(code)s-NNN.", id=external_id, code=header.code),
            value("id")))
    elif external_id in seen_ids:
        errors.append(("id", _(
            "The id %(id)s is already used on line %(line)d.",
            id=external_id, line=seen_ids[external_id]), value("id")))
    if external_id:
        seen_ids.setdefault(external_id, _line(node))
    qtype = (_text(value("type")) or "").strip()
    if qtype not in type_names():
        errors.append(("type", _(
            "Unknown question type %(type)s; use single, multiple, truefalse or fill.",
            type=qtype or "—"), value("type") or node))
        _report(log, location, errors)
        return
    explanation = clean_plain_text(_text(value("explanation")) or "")
    basis = clean_plain_text(_text(value("basis")) or "")
    if not explanation:
        errors.append(("explanation", _(
            "The explanation (解析) is required in the question bank."),
            value("explanation") or node))
    if not basis:
        errors.append(("basis", _(
            "The legal basis (依据) is required in the question bank."), value("basis") or node))
    content = QuestionContent(
        type=qtype,
        stem=text_to_html(_text(value("stem")) or ""),
        options=_options(value("options"), errors),
        answer=_answer(qtype, value("answer"), errors),
        explanation=explanation,
        basis=basis,
        difficulty=_difficulty(value("difficulty"), errors),
    )
    draft = Draft(
        content=content, location=location, module=header.name if header else None,
        tags=_tags(value("tags"), errors), exam_only=_flag(value("exam_only"), errors),
        external_id=external_id or None)
    failed = {name for name, _message, _at in errors}
    for problem in get_type(qtype).validate(content):
        if problem.field not in failed:
            errors.append((problem.field, problem.message, value(problem.field) or node))
    _report(log, location, errors)
    if not errors:
        log.keep(draft)


def _report(log: ImportLog, location: str, errors: Errors) -> None:
    # Problems about a particular field are located on that field's line, in file order.
    for name, message, at in sorted(errors, key=lambda error: _line(error[2])):
        log.error(line_location(_line(at)) if at is not None else location, message, name)


def _options(node: Node | None, errors: Errors) -> tuple[Option, ...]:
    if node is None:
        return ()
    if not isinstance(node, MappingNode):
        errors.append(("options", _("Options must be a mapping like A: text."), node))
        return ()
    options = []
    for key, value in node.value:
        text = _text(value)
        if text is None:
            errors.append(("options", _(
                "Option %(key)s must be text.", key=getattr(key, "value", "?")), value))
        options.append(Option(str(getattr(key, "value", "")), clean_plain_text(text or "")))
    return tuple(options)


def _answer(qtype: str, node: Node | None, errors: Errors) -> object:
    if node is None:
        errors.append(("answer", _("The question has no answer."), None))
        return None
    if qtype == "single":
        return (_text(node) or "").strip() or None
    if qtype == "truefalse":
        if isinstance(node, ScalarNode) and node.tag == _BOOL_TAG:
            return yaml.SafeLoader.bool_values[node.value.lower()]
        return None  # the validator explains that true or false is needed
    if not isinstance(node, SequenceNode):
        errors.append(("answer", _("The answer must be a list."), node))
        return None
    if qtype == "multiple":
        keys = [(_text(item) or "").strip() for item in node.value]
        return tuple(sorted(keys))
    blanks = []
    for item in node.value:
        # A blank is a list of accepted answers; a single string is accepted as shorthand.
        items = item.value if isinstance(item, SequenceNode) else [item]
        texts = [_text(entry) for entry in items]
        if any(text is None for text in texts):
            errors.append(("answer", _("Each accepted answer must be text."), item))
        blanks.append(tuple(t for t in (clean_plain_text(t or "") for t in texts) if t))
    return tuple(blanks)


def _difficulty(node: Node | None, errors: Errors) -> int:
    if node is None:
        return DEFAULT_DIFFICULTY
    if isinstance(node, ScalarNode) and node.tag == _INT_TAG:
        return int(node.value)
    errors.append(("difficulty", _("Difficulty must be a whole number from 1 to 5."), node))
    return DEFAULT_DIFFICULTY


def _tags(node: Node | None, errors: Errors) -> tuple[str, ...]:
    if node is None:
        return ()
    if not isinstance(node, SequenceNode) or any(_text(t) is None for t in node.value):
        errors.append(("tags", _("Tags must be a list of text, like [国家宪法日]."), node))
        return ()
    return clean_tags(_text(t) or "" for t in node.value)


def _flag(node: Node | None, errors: Errors) -> bool:
    if node is None:
        return False
    if isinstance(node, ScalarNode) and node.tag == _BOOL_TAG:
        return bool(yaml.SafeLoader.bool_values[node.value.lower()])
    errors.append(("exam_only", _("exam_only must be true or false."), node))
    return False
