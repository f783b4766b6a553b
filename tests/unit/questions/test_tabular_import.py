from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from openpyxl import Workbook

from lawexam.questions.formats import parse_file, tabular
from lawexam.questions.formats.tabular_values import parse_choice_letters, parse_fill_answer
from lawexam.questions.qtypes import Option

from .factories import HEADER, messages, sheet_with, xlsx_bytes

SINGLE_ROW: list[object] = ["单选题", "国家宪法日是每年的哪一天？", "3月15日", "12月4日", "4月15日", "6月26日",
              "B", "2014年设立。", "易", "宪法", "国家宪法日、宪法", "全国人大常委会决定", "否"]


def only_problem(result: object) -> tuple[str, str | None, str]:
    problems = result.problems  # type: ignore[attr-defined]
    assert len(problems) == 1, problems
    return problems[0].location, problems[0].field, problems[0].message


# --- reading good sheets -------------------------------------------------------------

def test_full_row_becomes_a_draft() -> None:
    result = parse_file("题库.xlsx", sheet_with(SINGLE_ROW))
    assert result.ok and result.problems == []
    [draft] = result.drafts
    assert draft.location == "row 2" and draft.file == "题库.xlsx"
    assert draft.content.type == "single"
    assert draft.content.options[1] == Option("B", "12月4日")
    assert draft.content.answer == "B"
    assert draft.content.difficulty == 2
    assert (draft.module, draft.tags, draft.exam_only) == ("宪法", ("国家宪法日", "宪法"), False)
    assert draft.content.basis == "全国人大常委会决定"


@pytest.mark.parametrize("header", [
    ["试题类型", "试题内容", "A", "B", "正确答案"],
    ["题型", "题目", "选项a", "选项 B", "标准答案"],
    [" 题型（必填） ", "*题干", "Option A", "option b", "ANSWER"],
    ["type", "stem", "A选项", "B选项", "answer"],
])
def test_header_synonyms(header: list[str]) -> None:
    result = parse_file("q.xlsx", sheet_with(["单选", "题？", "甲", "乙", "a"], header=header))
    assert result.problems == []
    assert result.drafts[0].content.answer == "A"


@pytest.mark.parametrize("type_name, expected", [
    ("单选", "single"), ("单项选择题", "single"), ("single", "single"),
    ("多选题", "multiple"), ("多项选择题", "multiple"), ("MULTIPLE", "multiple"),
    ("不定项选择题", "multiple"),
])
def test_choice_type_names(type_name: str, expected: str) -> None:
    answer = "A" if expected == "single" else "AC"
    row = [type_name, "题？", "甲", "乙", "丙", "丁", answer]
    assert parse_file("q.xlsx", sheet_with(row)).drafts[0].content.type == expected


@pytest.mark.parametrize("written", ["ABD", "A,B,D", "A、B、D", "A，B，D", "A B D", "abd", "ＡＢＤ"])
def test_multiple_answer_spellings(written: str) -> None:
    row = ["多选题", "题？", "甲", "乙", "丙", "丁", written]
    assert parse_file("q.xlsx", sheet_with(row)).drafts[0].content.answer == ("A", "B", "D")


@pytest.mark.parametrize("written, expected", [
    ("对", True), ("错", False), ("正确", True), ("错误", False), ("√", True), ("×", False),
    ("✓", True), ("✗", False), ("T", True), ("F", False), ("true", True), ("FALSE", False),
    ("是", True), ("否", False), (True, True), (False, False),
])
def test_truefalse_answer_spellings(written: object, expected: bool) -> None:
    row = ["判断题", "宪法日是12月4日。", None, None, None, None, written]
    assert parse_file("q.xlsx", sheet_with(row)).drafts[0].content.answer is expected


def test_truefalse_stored_as_options_a_b() -> None:
    row = ["判断", "宪法日是12月4日。", "正确", "错误", None, None, "B"]
    result = parse_file("q.xlsx", sheet_with(row))
    assert result.problems == []
    assert result.drafts[0].content.answer is False
    assert result.drafts[0].content.options == ()


def test_fill_answers_blanks_and_alternatives() -> None:
    row = ["填空题", "提出于____年，概括为____，共____条。", None, None, None, None,
           "2020/2020年|十一个坚持；1260"]
    result = parse_file("q.xlsx", sheet_with(row))
    assert result.drafts[0].content.answer == (("2020", "2020年"), ("十一个坚持",), ("1260",))
    assert parse_fill_answer("a;b/ c |") == (("a",), ("b", "c"), ())


def test_fill_bracket_blanks_become_underscores() -> None:
    row = ["填空", "民法典自（  ）年1月1日起施行。", None, None, None, None, "2021"]
    draft = parse_file("q.xlsx", sheet_with(row)).drafts[0]
    assert draft.content.stem == "民法典自____年1月1日起施行。"


@pytest.mark.parametrize("written, level", [(1, 1), (5, 5), ("3", 3), (4.0, 4), ("易", 2),
                                            ("中", 3), ("难", 4), ("简单", 2), ("一般", 3),
                                            ("困难", 4), (None, 3)])
def test_difficulty_spellings(written: object, level: int) -> None:
    row = [*SINGLE_ROW[:8], written]
    assert parse_file("q.xlsx", sheet_with(row)).drafts[0].content.difficulty == level


def test_numbers_and_dates_come_through_as_text() -> None:
    row = ["单选题", 1982, 1982, 12.5, dt.datetime(2014, 12, 4), dt.date(2018, 3, 11), "A",
           None, 2, 2024, None, None, 1]
    result = parse_file("q.xlsx", sheet_with(row))
    assert result.problems == []
    draft = result.drafts[0]
    assert draft.content.stem == "1982"
    assert [o.text for o in draft.content.options] == ["1982", "12.5", "2014-12-04", "2018-03-11"]
    assert draft.module == "2024" and draft.exam_only is True


def test_title_row_above_the_header_is_skipped() -> None:
    data = xlsx_bytes([["2024年学法考试题库"], HEADER, SINGLE_ROW], merges=["A1:M1"])
    result = parse_file("q.xlsx", data)
    assert result.problems == [] and result.drafts[0].location == "row 3"


def test_vertically_merged_module_cells_are_filled_down() -> None:
    rows: list[list[object]] = [
        list(HEADER), SINGLE_ROW, [*SINGLE_ROW[:9], None, *SINGLE_ROW[10:]]]
    rows[2][1] = "国家安全教育日是哪一天？"
    data = xlsx_bytes(rows, merges=["J2:J3"])
    assert [d.module for d in parse_file("q.xlsx", data).drafts] == ["宪法", "宪法"]


def test_only_the_first_sheet_is_read_and_blank_rows_are_ignored() -> None:
    data = xlsx_bytes([HEADER, [], SINGLE_ROW, [None] * 13], sheets=2)
    result = parse_file("q.xlsx", data)
    assert [d.location for d in result.drafts] == ["row 3"]


def test_csv_utf8_with_and_without_bom() -> None:
    text = ",".join(HEADER) + "\n" + ",".join(map(str, SINGLE_ROW)) + "\n"
    for data in (text.encode("utf-8"), text.encode("utf-8-sig")):
        result = parse_file("q.csv", data)
        assert result.problems == [] and result.drafts[0].content.answer == "B"


def test_csv_in_gbk_is_read_with_a_warning() -> None:
    text = ",".join(HEADER) + "\r\n" + ",".join(map(str, SINGLE_ROW)) + "\r\n"
    result = parse_file("q.csv", text.encode("gbk"))
    assert result.ok
    assert result.drafts[0].content.stem == "国家宪法日是每年的哪一天？"
    assert messages(result, "warning") == [
        "The file was not UTF-8; it was read as GBK (Chinese Windows encoding). Check that the "
        "Chinese text below looks right."]


@pytest.mark.parametrize("data", [
    "题型,题干\n".encode("utf-16-le"),                # UTF-16 without its BOM
    b"\xff\xff\xfe\x80 garbage \x80\xff",            # no encoding at all
])
def test_csv_in_an_undecodable_encoding_is_refused_with_a_hint(data: bytes) -> None:
    location, _field, message = only_problem(parse_file("q.csv", data))
    assert location == "whole file"
    assert message.startswith("The file is not in a text encoding we can read (UTF-8 or GBK).")
    assert "UTF-8" in message.split(".", 1)[1]


def test_csv_with_quoted_newlines_and_semicolons() -> None:
    text = ";".join(HEADER[:7]) + '\n单选;"第一行\n第二行";甲;乙;;;A\n'
    draft = parse_file("q.csv", text.encode()).drafts[0]
    assert draft.content.stem == "第一行<br>第二行"


# --- refusing bad files --------------------------------------------------------------

def test_truncated_xlsx_is_refused() -> None:
    data = sheet_with(SINGLE_ROW)
    location, _field, message = only_problem(parse_file("q.xlsx", data[: len(data) // 2]))
    assert location == "whole file"
    assert message.startswith("The workbook is damaged or incomplete (was the upload cut off?)")


def test_password_protected_xlsx_is_refused() -> None:
    # Excel stores an encrypted workbook as an OLE compound file holding these two streams.
    data = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
            + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 50
            + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 1000)
    _location, _field, message = only_problem(parse_file("成绩.xlsx", data))
    assert message.startswith("The workbook is password-protected (encrypted).")


def test_old_xls_renamed_to_xlsx_is_refused() -> None:
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2000
    _location, _field, message = only_problem(parse_file("q.xlsx", data))
    assert message.startswith("This is an old-format Excel file (.xls).")


@pytest.mark.parametrize("data", [b"%PDF-1.7 not a workbook", "题型,题干\n".encode()])
def test_non_excel_file_named_xlsx_is_refused(data: bytes) -> None:
    _location, _field, message = only_problem(parse_file("q.xlsx", data))
    assert message.startswith("This file is not an Excel .xlsx workbook.")


def test_zip_that_is_not_a_workbook_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    _location, _field, message = only_problem(parse_file("q.xlsx", buffer.getvalue()))
    assert message.startswith("This file is not an Excel .xlsx workbook")


def test_empty_first_sheet_is_refused() -> None:
    workbook = Workbook()
    workbook.create_sheet("第二页").append(HEADER)
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert only_problem(parse_file("q.xlsx", buffer.getvalue())) == (
        "whole file", None, "The first worksheet is empty.")


def test_merged_header_cells_are_refused() -> None:
    data = xlsx_bytes([["题型", "题干", "选项", None, "答案"], ["单选", "题", "甲", "乙", "A"]],
                      merges=["C1:D1"])
    assert only_problem(parse_file("q.xlsx", data)) == (
        "whole file", None, "The header row has merged cells (C1:D1). Unmerge them so that "
        "every column has its own header, as in the template.")


def test_header_without_data_rows_is_refused() -> None:
    assert only_problem(parse_file("q.xlsx", sheet_with())) == (
        "whole file", None, "The sheet has a header row but no questions below it.")


def test_missing_required_columns_are_named() -> None:
    data = sheet_with(["题？", "甲", "乙"], header=["题干", "选项A", "选项B"])
    location, _field, message = only_problem(parse_file("q.xlsx", data))
    assert location == "row 1"
    assert message.startswith("Missing required column(s): 题型、答案.")


def test_two_columns_for_the_same_field_are_refused() -> None:
    data = sheet_with(["单选", "题", "甲", "乙", "A", "A"],
                      header=["题型", "题干", "选项A", "选项B", "答案", "正确答案"])
    assert only_problem(parse_file("q.xlsx", data))[2] == (
        "Columns 答案 and 正确答案 mean the same thing; keep only one.")


# --- refusing bad rows ---------------------------------------------------------------

def row_problem(row: list[object]) -> tuple[str, str | None, str]:
    result = parse_file("q.xlsx", sheet_with(row))
    assert result.drafts == []
    return only_problem(result)


def test_answer_letter_outside_the_options() -> None:
    assert row_problem(["单选", "题？", "甲", "乙", "丙", None, "D"]) == (
        "row 2", "answer", "The answer D is not one of the options (A, B, C).")


def test_two_answers_on_a_single_choice_question() -> None:
    assert row_problem(["单选题", "题？", "甲", "乙", "丙", "丁", "AC"]) == (
        "row 2", "answer",
        "A single-choice question has exactly one correct answer; 2 were given (A, C).")


def test_truefalse_answer_maybe() -> None:
    assert row_problem(["判断题", "题。", None, None, None, None, "maybe"]) == (
        "row 2", "answer", "The true/false answer maybe is not recognised; write 对 or 错 "
        "(also 正确/错误, √/×, T/F, true/false, 是/否).")


def test_empty_stem() -> None:
    assert row_problem(["单选", "  ", "甲", "乙", None, None, "A"]) == (
        "row 2", "stem", "The stem is empty.")


def test_ten_thousand_character_stem() -> None:
    assert row_problem(["判断", "法" * 10_000, None, None, None, None, "对"]) == (
        "row 2", "stem", "The stem is 10000 characters long; at most 5000 are allowed.")


def test_gap_in_the_options() -> None:
    assert row_problem(["单选", "题？", "甲", None, "丙", None, "A"]) == (
        "row 2", "options", "Option B is empty but a later option is filled.")


def test_answer_not_written_as_letters() -> None:
    assert row_problem(["多选", "题？", "甲", "乙", "丙", None, "甲乙"]) == (
        "row 2", "answer",
        "The answer 甲乙 is not written as option letters (for example B or ACD).")


def test_unknown_type_and_bad_difficulty_and_flag() -> None:
    assert row_problem(["选做题", "题？", "甲", "乙", None, None, "A"]) == (
        "row 2", "type", "Unknown question type 选做题.")
    result = parse_file("q.xlsx", sheet_with([*SINGLE_ROW[:8], "极难", *SINGLE_ROW[9:12], "也许"]))
    assert [(p.field, p.message) for p in result.problems] == [
        ("difficulty", "Difficulty 极难 is not understood; use 1–5 or 易/中/难."),
        ("exam_only", "The 仅考试 (exam only) value must be 是 or 否, not 也许."),
    ]


def test_unsupported_types_are_reported_by_name_and_row() -> None:
    result = parse_file("q.xlsx", sheet_with(
        SINGLE_ROW, ["简答题", "简述三项制度。", None, None, None, None, "略"],
        ["案例分析", "某村……", None, None, None, None, "略"]))
    assert len(result.drafts) == 1 and result.ok
    assert [(p.severity, p.location, p.message) for p in result.problems] == [
        ("unsupported", "row 3", "Question type 简答题 is not supported (only single choice, "
         "multiple choice, true/false and fill in the blank); the row was skipped."),
        ("unsupported", "row 4", "Question type 案例分析 is not supported (only single choice, "
         "multiple choice, true/false and fill in the blank); the row was skipped."),
    ]


def test_options_on_a_fill_question_are_reported_as_dropped() -> None:
    result = parse_file("q.xlsx", sheet_with(
        ["填空", "于____年", "甲", "乙", None, None, "2020"]))
    assert result.ok and len(result.drafts) == 1
    assert messages(result, "dropped") == [
        "Options are not used by this question type and were ignored."]


def test_every_bad_row_is_reported_and_good_rows_still_parse() -> None:
    result = parse_file("q.xlsx", sheet_with(
        SINGLE_ROW, ["单选", "", "甲", "乙", None, None, "C"], SINGLE_ROW))
    assert [d.location for d in result.drafts] == ["row 2", "row 4"]
    assert [(p.location, p.field) for p in result.errors] == [("row 3", "stem"),
                                                              ("row 3", "answer")]


def test_choice_letter_parser() -> None:
    assert parse_choice_letters("A；C") == ["A", "C"]
    assert parse_choice_letters("A1") is None
    assert parse_choice_letters("") is None


def test_workbook_that_unpacks_too_large_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tabular, "MAX_UNPACKED_BYTES", 1000)
    _location, _field, message = only_problem(parse_file("q.xlsx", sheet_with(SINGLE_ROW)))
    assert message == ("The workbook is too large to import (over 0 MB unpacked). Split it into "
                       "smaller files.")


def test_merge_scan_finds_tags_cut_between_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tabular, "_SCAN_CHUNK", 7)
    data = xlsx_bytes([["题型", "题干", "选项", None, "答案"]], merges=["C1:D1"])
    assert only_problem(parse_file("q.xlsx", data))[2].startswith(
        "The header row has merged cells (C1:D1).")
