"""Choosing the reader for an uploaded file by its name."""
from __future__ import annotations

import logging
import re
from typing import Callable

from lawexam.i18n import _
from lawexam.questions.formats.aiken import looks_like_aiken, parse_aiken
from lawexam.questions.formats.base import ImportLog, ParseResult
from lawexam.questions.formats.gift import parse_gift
from lawexam.questions.formats.moodle_xml import parse_moodle_xml
from lawexam.questions.formats.tabular import parse_csv, parse_xlsx
from lawexam.questions.formats.textfile import UndecodableText, decode_text
from lawexam.questions.formats.yaml_format import parse_yaml

logger = logging.getLogger(__name__)

Parser = Callable[[str, bytes], ParseResult]

# Longest suffix first so "x.aiken.txt" is not taken for plain ".txt".
_BY_SUFFIX: tuple[tuple[str, Parser], ...] = (
    (".aiken.txt", parse_aiken),
    (".gift.txt", parse_gift),
    (".xlsx", parse_xlsx),
    (".xlsm", parse_xlsx),
    (".xls", parse_xlsx),  # refused there with a "save as .xlsx" message
    (".csv", parse_csv),
    (".gift", parse_gift),
    (".aiken", parse_aiken),
    (".xml", parse_moodle_xml),
    (".yaml", parse_yaml),
    (".yml", parse_yaml),
)


def _parse_txt(filename: str, data: bytes) -> ParseResult:
    """A .txt file is Aiken when it has ANSWER: lines, GIFT otherwise."""
    try:
        text = decode_text(data).text
    except UndecodableText:
        return parse_gift(filename, data)  # reports the encoding problem
    return (parse_aiken if looks_like_aiken(text) else parse_gift)(filename, data)


def _parser_for(filename: str) -> Parser | None:
    name = re.split(r"[\\/]", filename)[-1].lower()
    for suffix, parser in _BY_SUFFIX:
        if name.endswith(suffix):
            return parser
    return _parse_txt if name.endswith(".txt") else None


def parse_file(filename: str, data: bytes) -> ParseResult:
    parser = _parser_for(filename)
    log = ImportLog(filename)
    if parser is None:
        return log.file_error(_(
            "%(name)s is not a question file we can read. Use Excel (.xlsx), CSV (.csv), GIFT "
            "(.gift or .txt), Aiken (.txt), Moodle XML (.xml) or the bank's YAML (.yaml).",
            name=filename))
    if not data.strip():
        return log.file_error(_("The file is empty."))
    try:
        return parser(filename, data)
    except Exception:
        # Uploaded files are hostile input: a reader bug must show as a problem on the import
        # page, not as a server error. The traceback goes to the log for us to fix.
        logger.exception("question import reader failed on %s", filename)
        return log.file_error(_(
            "The file could not be read because of an internal error; the details were "
            "logged. Try saving it in another format (for example .xlsx)."))
