"""Writing question spreadsheets: the export and the blank import templates.

The export uses the same Chinese headers the importer reads first, so an exported file can
be edited in Excel and imported again unchanged.
"""
from __future__ import annotations

import csv
import io
from typing import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from lawexam.i18n import _
from lawexam.questions.formats import tabular_values as tv
from lawexam.questions.formats.base import Draft
from lawexam.questions.qtypes import OPTION_KEYS, Option, QuestionContent
from lawexam.questions.richtext import html_to_text, text_to_html

_WIDTHS = {tv.TYPE: 10, tv.STEM: 60, tv.ANSWER: 12, tv.EXPLANATION: 40, tv.DIFFICULTY: 8,
           tv.MODULE: 16, tv.TAGS: 16, tv.BASIS: 30, tv.EXAM_ONLY: 8}
_OPTION_WIDTH = 20
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_WRAP = Alignment(wrap_text=True, vertical="top")

CellValue = str | int | None


def format_answer(content: QuestionContent) -> str:
    if content.type == "truefalse":
        return "正确" if content.answer else "错误"
    if content.type == "fill":
        return tv.format_fill_answer(content.answer)  # type: ignore[arg-type]
    if content.type == "multiple":
        return "".join(content.answer)  # type: ignore[arg-type]
    return str(content.answer)


def draft_row(draft: Draft) -> list[CellValue]:
    content = draft.content
    options = {option.key: option.text for option in content.options}
    return [
        tv.EXPORT_TYPE_NAMES[content.type],
        html_to_text(content.stem),
        *(options.get(key, "") for key in OPTION_KEYS),
        format_answer(content),
        content.explanation,
        content.difficulty,
        draft.module or "",
        "、".join(draft.tags),
        content.basis,
        "是" if draft.exam_only else "否",
    ]


def _sheet_cells(sheet: WriteOnlyWorksheet, values: Sequence[CellValue],
                 header: bool = False) -> list[Cell]:
    cells = []
    for value in values:
        # Text is always written as text, with formula triggers escaped, so that a stem such
        # as "=HYPERLINK(...)" can never run in Excel.
        cell = WriteOnlyCell(sheet, value=tv.escape_formula(value)
                             if isinstance(value, str) else value)
        if header:
            cell.font = _HEADER_FONT
            cell.fill = _HEADER_FILL
        else:
            cell.alignment = _WRAP
        cells.append(cell)
    return cells


def _workbook(rows: Iterable[Sequence[CellValue]], notes: Sequence[str] = ()) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Questions"))
    sheet.freeze_panes = "A2"
    for index, header in enumerate(tv.EXPORT_HEADERS, start=1):
        width = _WIDTHS.get(header, _OPTION_WIDTH)
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.append(_sheet_cells(sheet, tv.EXPORT_HEADERS, header=True))
    for row in rows:
        sheet.append(_sheet_cells(sheet, row))
    if notes:
        # The importer reads only the first sheet, so instructions can live on the second.
        help_sheet = workbook.create_sheet(_("Instructions"))
        help_sheet.column_dimensions["A"].width = 100
        for note in notes:
            help_sheet.append(_sheet_cells(help_sheet, [note]))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_xlsx(drafts: Iterable[Draft]) -> bytes:
    return _workbook(draft_row(draft) for draft in drafts)


def template_examples() -> list[Draft]:
    """One example per type, written from the fact sheet so the template teaches real usage."""
    def example(content: QuestionContent, module: str, tags: tuple[str, ...] = ()) -> Draft:
        return Draft(content=content, location="", module=module, tags=tags)

    return [
        example(QuestionContent(
            type="single", stem=text_to_html("国家宪法日是每年的哪一天？"),
            options=(Option("A", "3月15日"), Option("B", "12月4日"), Option("C", "4月15日"),
                     Option("D", "6月26日")),
            answer="B", difficulty=2,
            explanation="2014年11月1日，十二届全国人大常委会决定将12月4日设立为国家宪法日。",
            basis="全国人大常委会关于设立国家宪法日的决定（2014年11月1日）"),
            "宪法", ("国家宪法日",)),
        example(QuestionContent(
            type="multiple", stem=text_to_html("行政执法“三项制度”包括哪些？"),
            options=(Option("A", "行政执法公示制度"), Option("B", "执法全过程记录制度"),
                     Option("C", "重大执法决定法制审核制度"), Option("D", "执法人员末位淘汰制度")),
            answer=("A", "B", "C"), difficulty=2,
            explanation="三项制度分别规范行政执法的源头、过程和结果。",
            basis="国办发〔2018〕118号"),
            "行政执法\"三项制度\""),
        example(QuestionContent(
            type="truefalse", stem=text_to_html("现行宪法（1982年宪法）先后进行了五次修改。"),
            answer=True, difficulty=3,
            explanation="1982年宪法于1988年、1993年、1999年、2004年、2018年五次修改。",
            basis="中华人民共和国宪法修正案"),
            "宪法"),
        example(QuestionContent(
            type="fill",
            stem=text_to_html("习近平法治思想是在____年召开的中央全面依法治国工作会议上提出的。"),
            answer=(("2020", "2020年"),), difficulty=3,
            explanation="2020年11月16日至17日，中央全面依法治国工作会议在北京召开。",
            basis="中央全面依法治国工作会议（2020年11月）"),
            "习近平法治思想"),
    ]


def template_notes() -> list[str]:
    return [
        _("Fill in one question per row on the first sheet; keep the header row as it is."),
        _("题型: 单选题, 多选题, 判断题 or 填空题."),
        _("Choice questions: options in 选项A…选项H, without gaps; 2 to 8 options."),
        _("答案: option letters such as B or ACD (A,C,D and A、C、D also work); for 判断题 "
          "正确 or 错误 (对/错, √/×, T/F also work)."),
        _("填空题: write each blank in 题干 as ____ (four underscores). In 答案 separate the "
          "blanks with | and alternative accepted answers with /, e.g. 2020/2020年|十一个坚持."),
        _("难度: 1 (easy) to 5 (hard), or 易/中/难. Empty means 3."),
        _("标签: separate several tags with 、 or a comma. 仅考试: 是 keeps the question out of "
          "practice."),
    ]


def template_xlsx() -> bytes:
    return _workbook((draft_row(draft) for draft in template_examples()), template_notes())


def template_csv() -> bytes:
    """UTF-8 with a BOM: without it Excel on Chinese Windows opens the file as GBK."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(tv.EXPORT_HEADERS)
    for draft in template_examples():
        writer.writerow([tv.escape_formula(v) if isinstance(v, str) else v
                         for v in draft_row(draft)])
    return buffer.getvalue().encode("utf-8-sig")
