"""The real files in shared/samples import exactly as shared/samples/README.md says."""
from __future__ import annotations

from pathlib import Path

import pytest

from lawexam.questions.formats import ParseResult, find_duplicates, parse_file

SAMPLES = Path(__file__).resolve().parents[3].parent / "shared" / "samples"

pytestmark = pytest.mark.skipif(
    not SAMPLES.is_dir(), reason=f"sample files not present at {SAMPLES}")


def load(name: str) -> ParseResult:
    return find_duplicates(parse_file(name, (SAMPLES / name).read_bytes()), set())


def test_gift_fixture() -> None:
    result = load("moodle-questions.gift.txt")
    assert result.ok
    assert [(d.title, d.content.type) for d in result.drafts] == [
        ("Q2", "single"), ("colours", "multiple"), ("Shortanswer", "fill"),
        ("Q1", "truefalse"), ("2-08 TSL", "truefalse")]
    q2, colours, short, q1, tsl = result.drafts
    assert [o.text for o in q2.content.options] == ["yellow", "red", "blue"]
    assert q2.content.answer == "A"
    assert [o.text for o in colours.content.options] == ["yellow", "red", "off-beige", "blue"]
    assert colours.content.answer == ("A", "C")
    assert short.content.answer == (("Frog",),)
    assert q1.content.answer is False
    assert q1.content.explanation == (
        "This is, of course, a Hitchiker's Guide to the Galaxy reference.")
    assert tsl.content.answer is True

    by_severity = {severity: [(p.location, p.message) for p in result.problems_of(severity)]
                   for severity in ("unsupported", "dropped", "duplicate")}
    assert by_severity["unsupported"] == [
        ("line 2", "Question Q8: essay questions are not supported; skipped."),
        ("line 5", "Question Moodle activities: matching questions are not supported; skipped."),
        ("line 31", "Question Q5: numerical questions are not supported; skipped."),
    ]
    assert by_severity["dropped"] == [
        ("line 34", "The answer Cat was worth 50% of the mark; partial credit is not "
                    "supported, so it was dropped."),
        ("line 34", "The wildcard answer * was dropped; answers must be matched exactly."),
    ]
    assert by_severity["duplicate"] == [
        ("line 49", "The same question as line 46 of this file; skipped.")]
    assert len(result.problems) == 6


def test_aiken_fixture() -> None:
    result = load("moodle-questions.aiken.txt")
    assert result.problems == []
    first, second = result.drafts
    assert (first.content.type, first.content.answer) == ("single", "B")
    assert first.content.options[1].text == "Martin Dougiamas"
    assert (second.content.type, second.content.answer) == ("single", "A")
    # The markup in the question is text, never HTML.
    assert "<html" not in second.content.stem
    assert '&lt;html class="cool"&gt; &amp; images:' in second.content.stem


def test_moodle_xml_fixture() -> None:
    result = load("lawexam-sample.moodle.xml")
    assert [(p.severity, p.location, p.message) for p in result.problems] == [
        ("unsupported", "line 50", "Question 论述题: essay questions are not supported; "
                                   "skipped.")]
    document, contents, constitution_day, civil_code = result.drafts
    assert (document.module, document.category_path) == ("三项制度", "法治政府建设/三项制度")
    assert document.content.type == "single" and document.content.answer == "A"
    assert document.content.options[0].text == "国办发〔2018〕118号"
    assert 'src="attachment:seal.png"' in document.content.stem
    assert document.attachments["seal.png"].startswith(b"\x89PNG")
    assert document.content.explanation == "国务院办公厅 2018 年 12 月印发。"
    assert document.title == "三项制度-文件"
    assert contents.content.type == "multiple" and contents.content.answer == ("A", "B", "C")
    assert constitution_day.module == "宪法"
    assert constitution_day.content.answer is True
    assert civil_code.content.type == "fill"
    assert civil_code.content.answer == (("1260",),)
    assert civil_code.content.stem == "<p>民法典共有多少条？（填阿拉伯数字）____</p>"
