"""Readers must report, never raise, on any input; tested below the dispatcher's safety net."""
from __future__ import annotations

from typing import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lawexam.questions.formats.aiken import parse_aiken
from lawexam.questions.formats.base import ParseResult
from lawexam.questions.formats.gift import parse_gift
from lawexam.questions.formats.moodle_xml import parse_moodle_xml
from lawexam.questions.formats.tabular import parse_csv, parse_xlsx
from lawexam.questions.formats.yaml_format import parse_yaml

from .factories import HEADER, sheet_with

READERS: dict[str, Callable[[str, bytes], ParseResult]] = {
    "gift": parse_gift, "aiken": parse_aiken, "yaml": parse_yaml, "csv": parse_csv,
    "xml": parse_moodle_xml, "xlsx": parse_xlsx,
}
# Text made mostly of the characters each syntax cares about, so the fuzzing reaches deep.
TOKENS = st.sampled_from(list("{}=~#%:\\[]ABCD.)\n -|/,\"'<>&!?题型题干答案对错")
                        + ["ANSWER: ", "::", "{T}", "####", "$CATEGORY: ", "- id: ", "type: ",
                           "answer: ", "<question type=\"", "<quiz>", "</quiz>", "<text>",
                           "@@PLUGINFILE@@/", "{1:SA:=", "\t"])
SYNTAX = st.lists(TOKENS, max_size=60).map("".join)
FUZZ = settings(max_examples=60, deadline=None)


@pytest.mark.parametrize("name", sorted(READERS))
@FUZZ
@given(data=st.binary(max_size=300) | SYNTAX.map(str.encode))
def test_readers_never_raise(name: str, data: bytes) -> None:
    result = READERS[name]("fuzz", data)
    for problem in result.problems:
        assert problem.file == "fuzz" and problem.location and problem.message


CELL_TEXT = st.lists(st.characters(blacklist_categories=("Cc", "Cs")) | TOKENS,
                     max_size=6).map("".join)


@FUZZ
@given(cells=st.lists(st.lists(st.none() | CELL_TEXT | st.integers() | st.floats(
    allow_nan=False, allow_infinity=False) | st.booleans(), max_size=len(HEADER)), max_size=5))
def test_spreadsheet_rows_never_raise(cells: list[list[object]]) -> None:
    result = parse_xlsx("fuzz.xlsx", sheet_with(*cells))
    assert all(problem.location for problem in result.problems)
