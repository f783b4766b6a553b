from __future__ import annotations

import dataclasses
import io

import pytest
from openpyxl import load_workbook

from lawexam.questions.formats import (
    Draft, export_xlsx, parse_file, template_csv, template_xlsx)
from lawexam.questions.formats.tabular_values import (
    EXPORT_HEADERS, escape_formula, unescape_formula)
from lawexam.questions.qtypes import Option
from lawexam.questions.richtext import text_to_html

from .factories import fill, multiple, single, truefalse

INJECTIONS = ['=HYPERLINK("http://evil.example","点我")', "+1+1", "-2+3", "@SUM(A1)",
              "'=already quoted", "'plain apostrophe"]


@pytest.mark.parametrize("text", [*INJECTIONS, "普通文本", "a=b", "", "'"])
def test_formula_escaping_is_reversible(text: str) -> None:
    assert unescape_formula(escape_formula(text)) == text


def test_formula_triggers_get_an_apostrophe() -> None:
    assert [escape_formula(t) for t in INJECTIONS] == ["'" + t for t in INJECTIONS]
    assert escape_formula("\t=cmd") == "'\t=cmd"
    assert escape_formula("a=b") == "a=b"


def test_export_never_writes_a_formula_and_the_import_restores_the_text() -> None:
    content = dataclasses.replace(
        single(stem=INJECTIONS[0], options=INJECTIONS[1:5], answer="A"),
        explanation=INJECTIONS[5], basis="-《宪法》第64条")
    draft = Draft(content=content, location="x", module="@模块", tags=("=标签",))
    data = export_xlsx([draft])
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    assert sheet["B2"].value == "'" + INJECTIONS[0]
    [back] = parse_file("export.xlsx", data).drafts
    assert back.content == content
    assert (back.module, back.tags) == ("@模块", ("=标签",))


def test_export_layout_headers_frozen_and_widths() -> None:
    drafts = [Draft(content=c, location="x", exam_only=True)
              for c in (single(), multiple(), truefalse(False), fill())]
    workbook = load_workbook(io.BytesIO(export_xlsx(drafts)))
    sheet = workbook.worksheets[0]
    assert [c.value for c in sheet[1]] == list(EXPORT_HEADERS)
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["B"].width == 60
    assert [sheet.cell(row, 11).value for row in range(2, 6)] == [
        "B", "ABC", "错误", "2020/2020年|十一个坚持"]
    assert [sheet.cell(row, 1).value for row in range(2, 6)] == [
        "单选题", "多选题", "判断题", "填空题"]
    assert sheet.cell(2, 17).value == "是"


def test_rich_stems_are_exported_as_their_text() -> None:
    content = dataclasses.replace(
        truefalse(), stem='<p><b>粗体</b>第一段</p><p>第二段<img src="/media/a.png"></p>')
    [back] = parse_file("x.xlsx", export_xlsx([Draft(content=content, location="")])).drafts
    assert back.content.stem == text_to_html("粗体第一段\n第二段")


def test_xlsx_template_imports_cleanly_and_explains_itself() -> None:
    data = template_xlsx()
    result = parse_file("template.xlsx", data)
    assert result.problems == []
    assert [d.content.type for d in result.drafts] == ["single", "multiple", "truefalse", "fill"]
    workbook = load_workbook(io.BytesIO(data))
    assert len(workbook.worksheets) == 2
    assert workbook.worksheets[1]["A1"].value.startswith("Fill in one question per row")


def test_csv_template_has_a_bom_and_imports_cleanly() -> None:
    data = template_csv()
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").splitlines()[0] == ",".join(EXPORT_HEADERS)
    result = parse_file("template.csv", data)
    assert result.problems == []
    assert [d.content.type for d in result.drafts] == ["single", "multiple", "truefalse", "fill"]
    assert result.drafts[0].content.options[1] == Option("B", "12月4日")
