"""Streaming the first worksheet of an .xlsx as rows of plain cell values.

openpyxl's read-only reader is correct but slow for a question bank: it parses every XML part
with defusedxml's pure-Python parser, builds an object per cell and per rich-text run, and
parses the whole sheet twice when the file has no ``<dimension>`` (files written by openpyxl
and some exam systems). That was most of a 10,000-question import (issue 3). Here the two
large parts, the sheet and the shared strings, go through the C parser, and any part that
declares a DTD is refused: a real workbook never has one, so entity tricks cannot apply. The
small parts (workbook, relationships, styles) still go through defusedxml and openpyxl.
Values are what openpyxl gives with ``values_only=True, data_only=True``.
"""
from __future__ import annotations

import posixpath
import re
import zipfile
from typing import IO, Iterator
from xml.etree.ElementTree import Element, XMLPullParser

from defusedxml.ElementTree import fromstring
from openpyxl.styles.stylesheet import Stylesheet
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel, from_ISO8601

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
STRICT_MAIN = "{http://purl.oclc.org/ooxml/spreadsheetml/main}"
RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
STRICT_REL_ID = "{http://purl.oclc.org/ooxml/officeDocument/relationships}id"
_CHUNK = 256 * 1024
_CELL_REF = re.compile(r"([A-Z]+)(\d*)")


class NotAWorkbook(Exception):
    """The zip archive is not a spreadsheet we can read."""


class NoWorksheet(Exception):
    pass


def _relationships(archive: zipfile.ZipFile, part: str) -> list[tuple[str, str, str]]:
    """(id, type, target path inside the archive) of ``part``'s relationships."""
    folder, name = posixpath.split(part)
    try:
        root = fromstring(archive.read(posixpath.join(folder, "_rels", name + ".rels")))
    except KeyError:
        return []
    found = []
    for rel in root.iter(RELS + "Relationship"):
        target = rel.get("Target", "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        found.append((rel.get("Id", ""), rel.get("Type", ""), path))
    return found


def _elements(source: IO[bytes]) -> Iterator[Element]:
    """Every element of the part as it closes, parsed in C; refuses a DTD."""
    parser = XMLPullParser(events=("end",))
    tail = b""
    while chunk := source.read(_CHUNK):
        # "<!DOCTYPE" cannot appear in markup or escaped text after the prolog, so finding it
        # anywhere (the tail catches one cut in two) is enough to refuse the part.
        if b"<!DOCTYPE" in tail + chunk[:16] or b"<!DOCTYPE" in chunk:
            raise NotAWorkbook("DTD")
        tail = chunk[-16:]
        parser.feed(chunk)
        for _event, element in parser.read_events():
            yield element
    parser.close()
    for _event, element in parser.read_events():
        yield element


def _text_of(item: Element, ns: str) -> str:
    """A string item (``<si>`` or ``<is>``): its text and its runs' text, without phonetic guides."""
    parts = []
    for child in item:
        if child.tag == ns + "t":
            parts.append(child.text or "")
        elif child.tag == ns + "r":
            run = child.find(ns + "t")
            if run is not None:
                parts.append(run.text or "")
    return "".join(parts)


def _shared_strings(archive: zipfile.ZipFile, path: str | None) -> list[str]:
    if not path or path not in archive.NameToInfo:
        return []
    strings = []
    with archive.open(path) as source:
        for element in _elements(source):
            tag = element.tag
            if tag == MAIN + "si" or tag == STRICT_MAIN + "si":
                ns = tag[:-2]
                strings.append(_text_of(element, ns).replace("x005F_", ""))
                element.clear()
    return strings


class FirstSheet:
    """The first worksheet of an .xlsx archive; ``rows()`` streams it."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        workbook = next((path for _id, kind, path in _relationships(archive, "")
                         if kind.endswith("/officeDocument")), "xl/workbook.xml")
        try:
            root = fromstring(archive.read(workbook))
        except KeyError:
            raise NotAWorkbook(workbook) from None
        ns = root.tag[:root.tag.index("}") + 1] if root.tag.startswith("{") else ""
        rels = _relationships(archive, workbook)
        targets = {rel_id: (kind, path) for rel_id, kind, path in rels}
        self.path = None
        for sheet in root.iter(ns + "sheet"):
            kind, path = targets.get(sheet.get(REL_ID) or sheet.get(STRICT_REL_ID) or "", ("", ""))
            if kind.endswith("/worksheet") and path in archive.NameToInfo:
                self.path = path
                break
        if self.path is None:
            raise NoWorksheet()
        properties = root.find(ns + "workbookPr")
        self.epoch = (CALENDAR_MAC_1904 if properties is not None and properties.get("date1904") in ("1", "true")
                      else CALENDAR_WINDOWS_1900)
        self.dates, self.durations = self._date_styles()
        self.strings = _shared_strings(archive, next(
            (path for _id, kind, path in rels if kind.endswith("/sharedStrings")), "xl/sharedStrings.xml"))

    def _date_styles(self) -> tuple[set[int], set[int]]:
        try:
            stylesheet = Stylesheet.from_tree(fromstring(self.archive.read("xl/styles.xml")))
        except KeyError:
            return set(), set()
        if not stylesheet.cell_styles:
            return set(), set()
        return stylesheet.date_formats, stylesheet.timedelta_formats

    def rows(self) -> Iterator[tuple[int, tuple[object, ...]]]:
        """(1-based row number, values) for every row up to the last one in the sheet; rows
        the file leaves out come as empty tuples, as openpyxl gives them."""
        row_number = 0
        with self.archive.open(self.path) as source:
            for element in _elements(source):
                tag = element.tag
                if tag[-4:] != "}row" and tag != "row":
                    continue
                ns = tag[:-3]
                declared = element.get("r")
                number = int(float(declared)) if declared else row_number + 1
                while row_number + 1 < number:
                    row_number += 1
                    yield row_number, ()
                row_number = number
                yield row_number, self._row_values(element, ns)
                element.clear()

    def _row_values(self, row: Element, ns: str) -> tuple[object, ...]:
        values: list[object] = []
        column = 0
        for cell in row:
            if cell.tag != ns + "c":
                continue
            ref = cell.get("r")
            match = _CELL_REF.match(ref) if ref else None
            if match:
                column = 0
                for letter in match.group(1):
                    column = column * 26 + ord(letter) - 64
            else:
                column += 1
            if column > len(values):
                values.extend([None] * (column - len(values)))
            values[column - 1] = self._value(cell, ns)
        return tuple(values)

    def _value(self, cell: Element, ns: str) -> object:
        kind = cell.get("t", "n")
        if kind == "inlineStr":
            item = cell.find(ns + "is")
            return _text_of(item, ns) if item is not None else None
        value = cell.findtext(ns + "v") or None
        if value is None:
            return None
        if kind == "n":
            number = float(value) if ("." in value or "E" in value or "e" in value) else int(value)
            style = int(cell.get("s") or 0)
            if style in self.dates:
                try:
                    return from_excel(number, self.epoch, timedelta=style in self.durations)
                except (OverflowError, ValueError):
                    return "#VALUE!"
            return number
        if kind == "s":
            return self.strings[int(value)]
        if kind == "b":
            return bool(int(value))
        if kind == "d":
            return from_ISO8601(value)
        return value  # "str" (a formula's text result) and "e" (an error such as #N/A)
