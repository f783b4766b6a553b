from __future__ import annotations

from lawexam.questions.formats import ParseResult, parse_file
from lawexam.questions.qtypes import Option


def aiken(text: str, name: str = "q.aiken.txt") -> ParseResult:
    return parse_file(name, text.encode("utf-8"))


def test_standard_aiken_with_both_option_styles() -> None:
    result = aiken("国家宪法日是哪一天？\nA. 3月15日\nB) 12月4日\nANSWER: B\n\n"
                   "第二题\n有两行\nA．甲\nB）乙\nanswer：a\n")
    assert result.problems == []
    first, second = result.drafts
    assert first.content.options == (Option("A", "3月15日"), Option("B", "12月4日"))
    assert (first.content.type, first.content.answer, first.location) == ("single", "B", "line 1")
    assert second.content.stem == "第二题<br>有两行"
    assert second.location == "line 6"


def test_markup_in_aiken_is_text() -> None:
    draft = aiken('Uses <html class="cool"> & images:\nA) x\nB) y\nANSWER: A').drafts[0]
    assert draft.content.stem == 'Uses &lt;html class="cool"&gt; &amp; images:'


def test_several_answer_letters_make_a_multiple_choice_question() -> None:
    draft = aiken("题？\nA. 甲\nB. 乙\nC. 丙\nANSWER: A, C").drafts[0]
    assert (draft.content.type, draft.content.answer) == ("multiple", ("A", "C"))


def test_answer_letter_outside_the_options() -> None:
    result = aiken("题？\nA. 甲\nB. 乙\nANSWER: D")
    assert [(p.location, p.field, p.message) for p in result.problems] == [
        ("line 1", "answer", "The answer D is not one of the options (A, B).")]


def test_missing_answer_line_then_next_question() -> None:
    result = aiken("题一？\nA. 甲\nB. 乙\n题二？\nA. 甲\nB. 乙\nANSWER: A")
    assert [d.location for d in result.drafts] == ["line 4"]
    assert [(p.location, p.message) for p in result.problems] == [
        ("line 1", "The question has no ANSWER: line after its options.")]


def test_file_ending_early_and_answer_without_question() -> None:
    result = aiken("ANSWER: A\n题？\nA. 甲")
    assert [(p.location, p.message) for p in result.problems] == [
        ("line 1", "ANSWER line without a question before it."),
        ("line 2", "The file ends before this question's ANSWER: line."),
    ]


def test_option_letters_must_not_skip() -> None:
    result = aiken("题？\nA. 甲\nC. 丙\nANSWER: A")
    assert result.errors[0].message == (
        "Option letters must run A, B, C… without gaps; found A, C.")


def test_plain_txt_with_answer_lines_is_read_as_aiken() -> None:
    result = aiken("题？\nA. 甲\nB. 乙\nANSWER: A", name="export.txt")
    assert result.drafts[0].content.answer == "A"
