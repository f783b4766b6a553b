"""Small builders shared by the question tests."""
from __future__ import annotations

import io
import zipfile
from typing import Iterable, Sequence

from openpyxl import Workbook

from lawexam.questions.qtypes import Option, QuestionContent
from lawexam.questions.richtext import text_to_html

HEADER = ["题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "解析", "难度", "模块",
          "标签", "依据", "仅考试"]


def single(stem: str = "国家宪法日是每年的哪一天？", answer: object = "B",
           options: Sequence[str] = ("3月15日", "12月4日", "4月15日", "6月26日"),
           **fields: object) -> QuestionContent:
    return QuestionContent(
        type="single", stem=text_to_html(stem),
        options=tuple(Option(chr(65 + i), text) for i, text in enumerate(options)),
        answer=answer, **fields)  # type: ignore[arg-type]


def multiple(answer: object = ("A", "B", "C"), **fields: object) -> QuestionContent:
    return QuestionContent(
        type="multiple", stem=text_to_html("行政执法“三项制度”包括哪些？"),
        options=(Option("A", "行政执法公示制度"), Option("B", "执法全过程记录制度"),
                 Option("C", "重大执法决定法制审核制度"), Option("D", "执法人员末位淘汰制度")),
        answer=answer, **fields)  # type: ignore[arg-type]


def truefalse(answer: object = True, stem: str = "1982年宪法先后进行了五次修改。",
              **fields: object) -> QuestionContent:
    return QuestionContent(type="truefalse", stem=text_to_html(stem), answer=answer,
                           **fields)  # type: ignore[arg-type]


def fill(stem: str = "习近平法治思想提出于____年，概括为“____”。",
         answer: object = (("2020", "2020年"), ("十一个坚持",)),
         **fields: object) -> QuestionContent:
    return QuestionContent(type="fill", stem=text_to_html(stem), answer=answer,
                           **fields)  # type: ignore[arg-type]


def xlsx_bytes(rows: Iterable[Sequence[object]], merges: Sequence[str] = (),
               sheets: int = 1) -> bytes:
    workbook = Workbook()
    sheet = workbook.worksheets[0]
    for row in rows:
        sheet.append(list(row))
    for cell_range in merges:
        sheet.merge_cells(cell_range)
    for index in range(1, sheets):
        workbook.create_sheet(f"extra{index}").append(["ignored"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def sheet_with(*rows: Sequence[object], header: Sequence[str] = HEADER) -> bytes:
    return xlsx_bytes([list(header), *rows])


def messages(result: object, severity: str | None = None) -> list[str]:
    return [p.message for p in result.problems  # type: ignore[attr-defined]
            if severity is None or p.severity == severity]


def excel_style_xlsx(rows: Sequence[Sequence[str]]) -> bytes:
    """A minimal workbook the way Excel writes it: every text in the shared-string table.

    openpyxl writes inline strings instead, which are slower to read; uploads come from
    Excel and WPS, so speed is measured on this layout.
    """
    from xml.sax.saxutils import escape

    strings: dict[str, int] = {}
    sheet_rows = []
    for r, row in enumerate(rows, start=1):
        cells = []
        for c, value in enumerate(row):
            index = strings.setdefault(value, len(strings))
            column = chr(ord("A") + c)
            cells.append(f'<c r="{column}{r}" t="s"><v>{index}</v></c>')
        sheet_rows.append(f'<row r="{r}">{"".join(cells)}</row>')
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006"
    office = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    files = {
        "[Content_Types].xml": (
            f'<Types xmlns="{pkg}/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{office}.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            f'ContentType="{office}.worksheet+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" '
            f'ContentType="{office}.sharedStrings+xml"/>'
            '</Types>'),
        "_rels/.rels": (
            f'<Relationships xmlns="{pkg}/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
            '</Relationships>'),
        "xl/workbook.xml": (
            f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets>'
            '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{pkg}/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/>'
            '</Relationships>'),
        "xl/sharedStrings.xml": (
            f'<sst xmlns="{main}" count="{len(strings)}" uniqueCount="{len(strings)}">'
            + "".join(f"<si><t>{escape(s)}</t></si>" for s in strings) + "</sst>"),
        "xl/worksheets/sheet1.xml": (
            f'<worksheet xmlns="{main}"><sheetData>{"".join(sheet_rows)}</sheetData></worksheet>'),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()
