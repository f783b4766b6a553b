from __future__ import annotations

import pytest

from lawexam.questions.formats import Draft, ParseResult, export_gift, parse_file
from lawexam.questions.qtypes import Option

from .factories import fill, messages


def gift(text: str) -> ParseResult:
    return parse_file("q.gift", text.encode("utf-8"))


def one(text: str) -> Draft:
    result = gift(text)
    assert result.problems == [], result.problems
    [draft] = result.drafts
    return draft


def test_single_choice_with_title_feedback_and_general_feedback() -> None:
    draft = one("// 注释\n::宪法日::国家宪法日是哪一天？{\n=12月4日#对\n~3月15日#错\n####2014年设立。\n}")
    assert draft.title == "宪法日"
    assert draft.location == "line 2"
    assert draft.content.type == "single"
    assert draft.content.options == (Option("A", "12月4日"), Option("B", "3月15日"))
    assert draft.content.answer == "A"
    assert draft.content.explanation == "2014年设立。"


def test_feedback_of_the_correct_answer_is_the_fallback_explanation() -> None:
    assert one("题？{=甲#因为甲 ~乙#不是乙}").content.explanation == "因为甲"


def test_multiple_choice_from_weights() -> None:
    draft = one("题？{~%50%甲 ~%-100%乙 ~%50%丙 ~%-100%丁}")
    assert (draft.content.type, draft.content.answer) == ("multiple", ("A", "C"))


def test_unequal_weights_are_reported_as_dropped() -> None:
    result = gift("题？{~%70%甲 ~%30%乙 ~%-100%丙}")
    assert result.drafts[0].content.answer == ("A", "B")
    assert messages(result, "dropped") == [
        "The correct options had different weights (70%, 30%); each correct option now "
        "counts the same."]


def test_one_full_weight_choice_becomes_single_with_a_warning() -> None:
    result = gift("题？{~%100%甲 ~乙 ~丙}")
    assert result.drafts[0].content.type == "single"
    assert messages(result, "warning") == [
        "Only one option is correct, so the question was imported as single choice."]


def test_two_equals_answers_on_a_single_choice_question() -> None:
    result = gift("题？{=甲 =乙 ~丙}")
    assert result.drafts == []
    assert [(p.location, p.field, p.message) for p in result.problems] == [
        ("line 1", "answer", "A single-choice question has exactly one correct answer; "
                             "2 were given (A, B).")]


@pytest.mark.parametrize("marker, expected", [("T", True), ("TRUE", True), ("F", False),
                                              ("FALSE", False), ("true", True)])
def test_truefalse_markers(marker: str, expected: bool) -> None:
    draft = one(f"宪法日是12月4日。{{{marker}}}")
    assert draft.content.type == "truefalse" and draft.content.answer is expected


def test_short_answer_becomes_fill_with_a_blank_appended() -> None:
    draft = one("民法典共有多少条？{=1260 =一千二百六十}")
    assert draft.content.type == "fill"
    assert draft.content.stem == "民法典共有多少条？____"
    assert draft.content.answer == (("1260", "一千二百六十"),)


def test_missing_word_form_puts_the_blank_where_the_answer_was() -> None:
    draft = one("民法典自{=2021}年1月1日起施行。")
    assert draft.content.stem == "民法典自____年1月1日起施行。"


def test_wildcard_and_partial_credit_answers_are_dropped() -> None:
    result = gift("最好的动物？{=青蛙 =%50%猫 =%0%*#全错}")
    assert result.drafts[0].content.answer == (("青蛙",),)
    assert messages(result, "dropped") == [
        "The answer 猫 was worth 50% of the mark; partial credit is not supported, so it was "
        "dropped.",
        "The wildcard answer * was dropped; answers must be matched exactly.",
    ]


def test_short_answer_with_nothing_left_is_an_error() -> None:
    result = gift("题？{=%50%猫 =*}")
    assert result.drafts == []
    assert [p.severity for p in result.problems] == ["error", "dropped", "dropped"]
    assert result.errors[0].message == (
        "No answer is left that is fully right and matched exactly; add one with =.")


def test_escapes_and_newline() -> None:
    draft = one(r"a\{b\}c\~d\=e\#f\:g\\h\nnext{=x\=y ~z}")
    assert draft.content.stem == "a{b}c~d=e#f:g\\h<br>next"
    assert draft.content.options[0].text == "x=y"


def test_plain_text_markup_is_escaped_and_html_is_sanitised() -> None:
    assert one("<b>粗</b>题？{T}").content.stem == "&lt;b&gt;粗&lt;/b&gt;题？"
    draft = one("[html]<b>粗</b><script>x()</script>题？{=[html]<i>甲</i> ~[plain]乙}")
    assert draft.content.stem == "<b>粗</b>题？"
    assert [o.text for o in draft.content.options] == ["甲", "乙"]


def test_category_sets_the_module_of_following_questions() -> None:
    result = gift("$CATEGORY: $course$/top/法治政府/三项制度\n\n甲{T}\n\n"
                  "$CATEGORY: $course$/top\n\n乙{F}")
    assert [(d.module, d.category_path) for d in result.drafts] == [
        ("三项制度", "法治政府/三项制度"), (None, None)]


def test_id_and_tags_from_the_comment_line() -> None:
    draft = one("// question: 1\n// [id:constitution-001] [tag:宪法] [tag:国家宪法日]\n甲{T}")
    assert draft.external_id == "constitution-001"
    assert draft.tags == ("宪法", "国家宪法日")


@pytest.mark.parametrize("text, kind, line", [
    ("::论述::谈谈你的理解。{}", "essay", 1),
    ("\n\n::数字::一到五之间的数？{#3:2}", "numerical", 3),
    ("::连线::配对{\n=甲 -> 1\n=乙 -> 2\n}", "matching", 1),
    ("只有说明文字，没有答案。", "description (text only)", 1),
])
def test_unsupported_types_are_reported_with_name_and_line(text: str, kind: str,
                                                           line: int) -> None:
    result = gift(text)
    assert result.drafts == [] and result.ok
    [problem] = result.problems
    assert (problem.severity, problem.location) == ("unsupported", f"line {line}")
    assert problem.message.endswith(f": {kind} questions are not supported; skipped.")


@pytest.mark.parametrize("text, location, message", [
    ("甲\n乙{=a ~b\n", "line 2",
     "Unbalanced braces: the { on line 2 has no matching }."),
    ("甲\n乙=a ~b}", "line 2", "Unbalanced braces: the } on line 2 has no matching {."),
    ("甲{=a {~b}}", "line 1",
     "Unbalanced braces: the { on line 1 is not closed before the next {."),
    ("甲{T}\n乙{F}", "line 2",
     "A second answer block starts on line 2; put a blank line between questions."),
])
def test_unbalanced_braces_name_the_line(text: str, location: str, message: str) -> None:
    result = gift(text)
    assert [(p.location, p.message) for p in result.errors] == [(location, message)]


def test_a_bad_question_does_not_stop_the_rest() -> None:
    result = gift("好{T}\n\n坏{=a\n\n也好{F}")
    assert [d.location for d in result.drafts] == ["line 1", "line 5"]
    assert [p.location for p in result.errors] == ["line 3"]


def test_export_writes_escaped_html_stems_and_leaves_out_multi_blank_fill() -> None:
    keep = Draft(content=fill(stem="a{b}=____", answer=(("x*y", "%z"),)), location="row 2",
                 title="T:1")
    skip = Draft(content=fill(), location="row 3")
    text = export_gift([keep, skip])
    assert "::T\\:1::[html]a\\{b\\}\\=" in text
    assert "=x\\*y =%100%%z" in text
    assert "// Left out row 3: GIFT can hold only one blank per question." in text
    back = gift(text)
    assert back.problems == []
    assert back.drafts[0].content.answer == (("x*y", "%z"),)


def test_a_single_short_answer_may_contain_an_arrow() -> None:
    assert one("方向？{=a->b}").content.answer == (("a->b",),)
