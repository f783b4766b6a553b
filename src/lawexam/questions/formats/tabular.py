"""Reading question spreadsheets: Excel .xlsx (first sheet) and .csv.

The first sheet is streamed (``xlsx_sheet``) rather than loaded whole, so a 10,000-row file
is read in seconds. Damaged, encrypted and old-format files are recognised from their first
bytes and refused with a message that says what to do in Excel.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
import zlib
from typing import Iterable, Iterator, Sequence
from xml.etree.ElementTree import ParseError


from lawexam.i18n import _
from lawexam.questions.formats.base import (
    WARNING, ImportLog, ParseResult, file_location, row_location)
from lawexam.questions.formats.tabular_rows import RowReader, looks_like_header, map_header
from lawexam.questions.formats.tabular_values import cell_text
from lawexam.questions.formats.textfile import UndecodableText, decode_text, gbk_warning
from lawexam.questions.formats.xlsx_sheet import FirstSheet, NoWorksheet, NotAWorkbook

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
# A title row ("2024年学法考试题库") above the header is common; look this far for the header.
HEADER_SEARCH_ROWS = 5
# Vertically merged cells (e.g. one 模块 cell spanning many rows) are filled down; a merge
# larger than this is ignored rather than expanded, so a hostile file cannot exhaust memory.
MAX_FILLED_MERGE_CELLS = 100_000
# A 10,000-row bank unpacks to a few MB; far beyond that is a zip bomb or not a question bank.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
_SCAN_CHUNK = 1024 * 1024

_MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')

Row = tuple[int, Sequence[object]]


def parse_xlsx(filename: str, data: bytes) -> ParseResult:
    log = ImportLog(filename)
    if data.startswith(OLE_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in data:
            return log.file_error(_(
                "The workbook is password-protected (encrypted). Remove the password in Excel "
                "(File → Info → Protect Workbook → Encrypt with Password, clear it) and save "
                "again."))
        return log.file_error(_(
            "This is an old-format Excel file (.xls). Open it in Excel or WPS and save it as "
            ".xlsx (Excel Workbook)."))
    if not data.startswith(ZIP_MAGIC):
        return log.file_error(_(
            "This file is not an Excel .xlsx workbook. Save the sheet from Excel or WPS as "
            ".xlsx, or export it as CSV."))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
            return log.file_error(_(
                "The workbook is too large to import (over %(limit)d MB unpacked). Split it "
                "into smaller files.", limit=MAX_UNPACKED_BYTES // (1024 * 1024)))
        sheet = FirstSheet(archive)
    except zipfile.BadZipFile:
        return log.file_error(_(
            "The workbook is damaged or incomplete (was the upload cut off?). Open it in Excel, "
            "save it again and upload the new copy."))
    except NoWorksheet:
        return log.file_error(_("The workbook has no worksheets."))
    except Exception:  # a zip of something else fails in many ways (missing parts, bad XML)
        return log.file_error(_(
            "This file is not an Excel .xlsx workbook (it is a zip archive of something else)."))
    try:
        merges = _merged_ranges(archive, sheet.path)
        _read_rows(log, _xlsx_rows(sheet.rows(), merges), merges)
    except (zipfile.BadZipFile, EOFError, OSError, KeyError, ParseError, NotAWorkbook, zlib.error):
        log.error(file_location(), _(
            "The workbook is damaged or incomplete (was the upload cut off?). Open it in Excel, "
            "save it again and upload the new copy."))
    return log.result


def parse_csv(filename: str, data: bytes) -> ParseResult:
    log = ImportLog(filename)
    try:
        decoded = decode_text(data)
    except UndecodableText as error:
        return log.file_error(str(error))
    if decoded.is_gbk:
        log.report(WARNING, file_location(), gbk_warning())
    text = decoded.text
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text))
    try:
        _read_rows(log, ((number, row) for number, row in enumerate(reader, start=1)), [])
    except csv.Error as error:
        log.error(file_location(), _("The CSV file is malformed: %(error)s.", error=str(error)))
    return log.result


def _sniff_delimiter(text: str) -> str:
    first_line = text.split("\n", 1)[0]
    return max((",", "\t", ";"), key=first_line.count)


def _is_blank(values: Sequence[object]) -> bool:
    return all(value is None or not cell_text(value).strip() for value in values)


def _read_rows(log: ImportLog, rows: Iterable[Row], merges: list[tuple[int, int, int, int]]
               ) -> None:
    iterator = iter(rows)
    header: Row | None = None
    first_nonblank: Row | None = None
    nonblank_seen = 0
    for row_number, values in iterator:
        if _is_blank(values):
            continue
        first_nonblank = first_nonblank or (row_number, values)
        if looks_like_header(values):
            header = (row_number, values)
            break
        nonblank_seen += 1
        if nonblank_seen >= HEADER_SEARCH_ROWS:
            break
    if first_nonblank is None:
        log.file_error(_("The first worksheet is empty."))
        return
    # Without a recognisable header the first row is reported as the header it should be.
    header_row, header_values = header or first_nonblank
    merged = [_range_name(merge) for merge in merges if merge[0] <= header_row <= merge[2]]
    if merged:
        log.file_error(_(
            "The header row has merged cells (%(cells)s). Unmerge them so that every column "
            "has its own header, as in the template.", cells=", ".join(merged)))
        return
    mapping, header_problems = map_header(header_values)
    for message in header_problems:
        log.error(row_location(header_row), message)
    if header_problems:
        return
    reader = RowReader(log, mapping)
    data_rows = 0
    for row_number, values in iterator:
        if not _is_blank(values):
            data_rows += 1
            reader.read(row_number, values)
    if data_rows == 0:
        log.file_error(_("The sheet has a header row but no questions below it."))


def _xlsx_rows(rows: Iterable[Row],
               merges: list[tuple[int, int, int, int]]) -> Iterator[Row]:
    covered = _fill_down_cells(merges)
    anchor_columns: dict[int, list[int]] = {}
    for cells in covered.values():
        for _column, (anchor_row, anchor_column) in cells:
            if anchor_column not in anchor_columns.setdefault(anchor_row, []):
                anchor_columns[anchor_row].append(anchor_column)
    anchor_values: dict[tuple[int, int], object] = {}
    for row_number, values in rows:
        for column in anchor_columns.get(row_number, ()):
            anchor_values[(row_number, column)] = values[column] if column < len(values) else None
        if row_number in covered:
            values = list(values)
            for column, anchor in covered[row_number]:
                values.extend([None] * (column + 1 - len(values)))
                values[column] = anchor_values.get(anchor)
        yield row_number, values


def _fill_down_cells(merges: list[tuple[int, int, int, int]]
                     ) -> dict[int, list[tuple[int, tuple[int, int]]]]:
    """Row → [(0-based column, anchor cell)] for cells covered by a single-column merge.

    Filling a wide merge across would copy a stem into the option columns, so only merges
    down one column (a 模块 or 题型 cell spanning rows) are filled.
    """
    covered: dict[int, list[tuple[int, tuple[int, int]]]] = {}
    budget = MAX_FILLED_MERGE_CELLS
    for top, left, bottom, right in merges:
        if left != right or bottom - top > budget:
            continue
        budget -= bottom - top
        for row in range(top + 1, bottom + 1):
            covered.setdefault(row, []).append((left - 1, (top, left - 1)))
    return covered


def _merged_ranges(archive: zipfile.ZipFile, sheet_path: str | None
                   ) -> list[tuple[int, int, int, int]]:
    """(top, left, bottom, right), 1-based; read-only openpyxl does not expose merges."""
    if not sheet_path:
        return []
    ranges = []
    tail = b""
    try:
        with archive.open(sheet_path.lstrip("/")) as source:
            # Streamed in chunks so a large sheet is never held in memory whole; the tail of
            # each chunk is carried over so a tag cut in two is still found.
            while chunk := source.read(_SCAN_CHUNK):
                text = tail + chunk
                last_end = 0
                for match in _MERGE_REF.finditer(text):
                    first_col, first_row, last_col, last_row = match.groups()
                    ranges.append((int(first_row), _column_number(first_col),
                                   int(last_row or first_row),
                                   _column_number(last_col or first_col)))
                    last_end = match.end()
                tail = text[max(last_end, len(text) - 256):]
    except KeyError:
        return []
    return ranges


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.decode("ascii"):
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _column_letters(number: int) -> str:
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _range_name(merge: tuple[int, int, int, int]) -> str:
    top, left, bottom, right = merge
    return f"{_column_letters(left)}{top}:{_column_letters(right)}{bottom}"
