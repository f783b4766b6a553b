"""Reading and writing the spreadsheets officers exchange with the app (.xlsx and .csv).

Every import and export goes through here, so file-level checks (not really Excel, encrypted,
empty, merged headers, GBK) and formula-injection escaping are done once, the same way.
"""
from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from typing import Iterable, Sequence

from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from lawexam.i18n import _

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class SpreadsheetError(ValueError):
    """The file as a whole cannot be read; the message says why and what to do."""


@dataclass(frozen=True)
class Sheet:
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (1-based row number in the file, cell texts)
    warnings: list[str]


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def escape_formula(value: object) -> object:
    """Keep spreadsheet programs from running text that looks like a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value


def unescape_formula(text: str) -> str:
    if text.startswith("'") and text[1:2] and text[1:].startswith(_FORMULA_PREFIXES):
        return text[1:]
    return text


def read_table(filename: str, data: bytes) -> Sheet:
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _read_xlsx(data)
    if name.endswith(".csv"):
        return _read_csv(data)
    raise SpreadsheetError(_("%(file)s: only .xlsx and .csv files can be imported.", file=filename))


def _read_xlsx(data: bytes) -> Sheet:
    if data.startswith(OLE_SIGNATURE):
        raise SpreadsheetError(_(
            "The workbook is password-protected or in the old .xls format. "
            "Remove the password or save it as .xlsx and try again."))
    if not data.startswith(b"PK"):
        raise SpreadsheetError(_("The file is not an Excel (.xlsx) workbook. Save it as .xlsx and try again."))
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=False, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError) as error:
        raise SpreadsheetError(_(
            "The workbook is damaged or incomplete and cannot be read (%(reason)s). "
            "Open it in Excel, save it again and retry.", reason=type(error).__name__)) from error
    sheet = workbook.worksheets[0]
    for merged in sheet.merged_cells.ranges:
        if merged.min_row == 1:
            raise SpreadsheetError(_(
                "The header row has merged cells (%(range)s). Unmerge them so each column has its own header.",
                range=str(merged)))
    raw_rows = [[cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    workbook.close()
    return _to_sheet(raw_rows, [])


def _decode_csv(data: bytes) -> tuple[str, list[str]]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), []
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), [_("The file was read as GBK (Chinese Windows encoding); "
                                           "saving it as UTF-8 avoids surprises.")]
    except UnicodeDecodeError as error:
        raise SpreadsheetError(_(
            "The file's text encoding is not recognised. In Excel choose "
            "“Save as → CSV UTF-8 (comma delimited)” and try again.")) from error


def _read_csv(data: bytes) -> Sheet:
    text, warnings = _decode_csv(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    raw_rows = [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text), dialect)]
    return _to_sheet(raw_rows, warnings)


def _to_sheet(raw_rows: list[list[str]], warnings: list[str]) -> Sheet:
    numbered = [(index, row) for index, row in enumerate(raw_rows, start=1) if any(row)]
    if not numbered:
        raise SpreadsheetError(_("The first sheet is empty: there is no header row and no data."))
    header_row_number, headers = numbered[0]
    rows = [(n, [unescape_formula(c) for c in row]) for n, row in numbered[1:]]
    if not rows:
        raise SpreadsheetError(_("The file has a header row but no data rows."))
    return Sheet(headers=[h.strip() for h in headers], rows=rows, warnings=warnings)


def header_index(headers: Sequence[str], synonyms: dict[str, Sequence[str]]) -> tuple[dict[str, int], list[str]]:
    """Map each logical column to its position; return (positions, names of missing columns)."""
    normalised = [h.replace(" ", "").replace("\u3000", "").lower() for h in headers]
    positions: dict[str, int] = {}
    for field, names in synonyms.items():
        for name in names:
            key = name.replace(" ", "").lower()
            if key in normalised:
                positions[field] = normalised.index(key)
                break
    missing = [names[0] for field, names in synonyms.items() if field not in positions]
    return positions, missing


def write_xlsx(headers: Sequence[str], rows: Iterable[Sequence[object]], *,
               title: str = "Sheet1", widths: Sequence[int] | None = None) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.freeze_panes = "A2"
    for index, header in enumerate(headers, start=1):
        width = widths[index - 1] if widths else max(10, min(40, len(str(header)) * 2 + 4))
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.append(list(headers))
    for row in rows:
        sheet.append([escape_formula(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_csv(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if v is None else escape_formula(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
