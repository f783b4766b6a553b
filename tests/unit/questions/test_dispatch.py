from __future__ import annotations

import pytest

from lawexam.questions.fingerprint import fingerprint
from lawexam.questions.formats import Draft, ParseResult, find_duplicates, parse_file
from lawexam.questions.formats import dispatch

from .factories import single, truefalse


def test_unknown_extension_is_refused_with_the_list_of_formats() -> None:
    [problem] = parse_file("试题.docx", b"PK\x03\x04").problems
    assert problem.message.startswith("试题.docx is not a question file we can read. Use Excel")


def test_empty_file_is_refused() -> None:
    assert parse_file("q.gift", b"  \n").problems[0].message == "The file is empty."


@pytest.mark.parametrize("name, expected", [
    ("a.xlsx", "parse_xlsx"), ("A.XLSX", "parse_xlsx"), ("a.csv", "parse_csv"),
    ("a.gift", "parse_gift"), ("a.gift.txt", "parse_gift"), ("a.aiken.txt", "parse_aiken"),
    ("a.xml", "parse_moodle_xml"), ("a.yaml", "parse_yaml"), ("dir\\a.yml", "parse_yaml"),
    ("a.txt", "_parse_txt"),
])
def test_reader_is_chosen_by_name(name: str, expected: str) -> None:
    assert dispatch._parser_for(name).__name__ == expected  # type: ignore[union-attr]


def test_plain_txt_without_answer_lines_is_gift() -> None:
    assert parse_file("export.txt", "宪法日是12月4日。{T}".encode()).drafts[0].content.answer


def test_a_reader_crash_becomes_a_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(filename: str, data: bytes) -> ParseResult:
        raise RuntimeError("bug")

    monkeypatch.setattr(dispatch, "_BY_SUFFIX", ((".gift", broken),))
    [problem] = parse_file("q.gift", b"x{T}").problems
    assert problem.message.startswith("The file could not be read because of an internal error")


def test_duplicates_within_a_file_keep_the_first() -> None:
    text = "Ａ  b{T}\n\na B{F}\n\n丙{T}\n\n[html]<p><b>a</b> b</p>{T}"
    result = parse_file("q.gift", text.encode())
    checked = find_duplicates(result, set())
    assert [d.location for d in checked.drafts] == ["line 1", "line 5"]
    assert [(p.severity, p.location, p.message) for p in checked.problems] == [
        ("duplicate", "line 3", "The same question as line 1 of this file; skipped."),
        ("duplicate", "line 7", "The same question as line 1 of this file; skipped."),
    ]
    assert len(result.drafts) == 4  # the input result is not changed


def test_duplicates_against_the_bank_and_across_files() -> None:
    in_bank = Draft(content=single(), location="row 2", file="a.xlsx")
    first = Draft(content=truefalse(), location="row 3", file="a.xlsx")
    again = Draft(content=truefalse(), location="line 9", file="b.gift")
    checked = find_duplicates(ParseResult(drafts=[in_bank, first, again]),
                              {fingerprint(single())})
    assert checked.drafts == [first]
    assert [(p.file, p.location, p.message) for p in checked.problems] == [
        ("a.xlsx", "row 2", "The same question is already in the bank; skipped."),
        ("b.gift", "line 9", "The same question as row 3 of a.xlsx; skipped."),
    ]
