from __future__ import annotations

import dataclasses

import pytest

from lawexam.questions.qtypes import (
    Option, QuestionContent, UnknownQuestionType, all_types, count_blanks, get_type,
    normalize_fill_answer, split_at_blanks)
from lawexam.questions.richtext import text_to_html

from .factories import fill, multiple, single, truefalse


def problems(content: QuestionContent) -> list[tuple[str, str]]:
    return [(p.field, p.message) for p in get_type(content.type).validate(content)]


# --- registry ------------------------------------------------------------------------

def test_registry_lists_the_four_types_in_order() -> None:
    assert [t.name for t in all_types()] == ["single", "multiple", "truefalse", "fill"]
    assert [str(t.label) for t in all_types()] == [
        "Single choice", "Multiple choice", "True/false", "Fill in the blank"]
    assert [t.has_options for t in all_types()] == [True, True, False, False]


def test_unknown_type_is_a_key_error_with_a_clear_message() -> None:
    with pytest.raises(UnknownQuestionType) as caught:
        get_type("essay")
    assert isinstance(caught.value, KeyError)
    assert str(caught.value) == "Unknown question type essay"


@pytest.mark.parametrize("content", [single(), multiple(), truefalse(), fill()])
def test_valid_examples_have_no_problems(content: QuestionContent) -> None:
    assert problems(content) == []


@pytest.mark.parametrize("content", [single(), multiple(), truefalse(False), fill()])
def test_key_response_grades_full_marks(content: QuestionContent) -> None:
    qtype = get_type(content.type)
    key = qtype.key_response(content)
    assert qtype.is_valid_response(content, key)
    assert qtype.grade(content, key) == 1.0
    assert qtype.grade(content, key, "proportional") == 1.0


@pytest.mark.parametrize("content", [single(), multiple(), truefalse(), fill()])
def test_blank_response_is_valid_and_earns_nothing(content: QuestionContent) -> None:
    qtype = get_type(content.type)
    assert qtype.is_valid_response(content, None)
    assert qtype.grade(content, None) == 0.0
    assert qtype.grade(content, None, "proportional") == 0.0


def test_unknown_scoring_rule_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        get_type("single").grade(single(), "B", "half")


# --- common fields -------------------------------------------------------------------

def test_empty_stem_is_refused() -> None:
    assert ("stem", "The stem is empty.") in problems(single(stem="   "))


def test_stem_with_only_an_image_is_allowed() -> None:
    content = dataclasses.replace(single(), stem='<img src="attachment:a.png">')
    assert problems(content) == []


def test_ten_thousand_character_stem_is_refused_with_its_length() -> None:
    assert problems(single(stem="法" * 10_000)) == [
        ("stem", "The stem is 10000 characters long; at most 5000 are allowed.")]
    assert problems(single(stem="法" * 5_000)) == []


@pytest.mark.parametrize("difficulty", [0, 6, True, "3", 2.5])
def test_difficulty_must_be_a_whole_number_from_one_to_five(difficulty: object) -> None:
    content = dataclasses.replace(single(), difficulty=difficulty)  # type: ignore[arg-type]
    assert [f for f, _m in problems(content)] == ["difficulty"]


def test_explanation_and_basis_length_limits() -> None:
    content = dataclasses.replace(single(), explanation="x" * 5001, basis="y" * 5001)
    assert problems(content) == [
        ("explanation", "The explanation is 5001 characters long; at most 5000 are allowed."),
        ("basis", "The legal basis is 5001 characters long; at most 5000 are allowed.")]


def test_type_field_must_match_the_type_that_validates() -> None:
    content = dataclasses.replace(single(), type="multiple")
    assert ("type", "Question type multiple does not match single.") in [
        (p.field, p.message) for p in get_type("single").validate(content)]


# --- single choice -------------------------------------------------------------------

def test_single_answer_outside_the_options() -> None:
    assert problems(single(answer="E")) == [
        ("answer", "The answer E is not one of the options (A, B, C, D).")]


def test_single_with_two_answers() -> None:
    assert problems(single(answer=("A", "C"))) == [
        ("answer", "A single-choice question has exactly one correct answer; 2 were given "
                   "(A, C).")]


def test_single_without_answer() -> None:
    assert problems(single(answer=None)) == [
        ("answer", "Mark exactly one option as the correct answer.")]


@pytest.mark.parametrize("count", [1, 9])
def test_choice_needs_two_to_eight_options(count: int) -> None:
    options = [f"选项{i}" for i in range(count)]
    found = problems(single(options=options, answer="A"))
    assert ("options", f"A choice question needs 2 to 8 options; this one has {count}.") in found


def test_option_keys_must_be_consecutive_letters() -> None:
    content = dataclasses.replace(
        single(), options=(Option("A", "x"), Option("C", "y")), answer="A")
    assert problems(content) == [("options", "Option keys must be A, B in order; found A, C.")]


def test_option_text_required_limited_and_distinct() -> None:
    content = single(options=("甲", " ", "x" * 501, "ＡＢＣ", "abc"), answer="A")
    assert problems(content) == [
        ("options", "Option B is empty."),
        ("options", "Option C is 501 characters long; at most 500 are allowed."),
        ("options", "Options D and E have the same text."),
    ]


def test_single_grading_and_responses() -> None:
    qtype, content = get_type("single"), single()
    assert qtype.grade(content, "B") == 1.0
    assert qtype.grade(content, "A") == 0.0
    for bad in ("E", "b", ["B"], 2, True):
        assert not qtype.is_valid_response(content, bad)
        assert qtype.grade(content, bad) == 0.0


# --- multiple choice -----------------------------------------------------------------

def test_multiple_needs_two_correct_answers() -> None:
    assert problems(multiple(answer=("A",))) == [
        ("answer", "A multiple-choice question needs at least two correct answers; 1 given. "
                   "Use single choice for one.")]


def test_multiple_unknown_and_repeated_keys() -> None:
    assert problems(multiple(answer=("A", "A", "F"))) == [
        ("answer", "The answer lists A more than once."),
        ("answer", "The answer F is not one of the options (A, B, C, D)."),
    ]


def test_multiple_answer_must_be_a_list() -> None:
    assert problems(multiple(answer="ABC")) == [
        ("answer", "The answer must be a list of option letters.")]


@pytest.mark.parametrize("response, all_or_nothing, proportional", [
    (["A", "B", "C"], 1.0, 1.0),
    (["C", "A", "B"], 1.0, 1.0),        # order does not matter
    (["A", "B"], 0.0, 2 / 3),
    (["A"], 0.0, 1 / 3),
    (["A", "B", "D"], 0.0, 0.0),        # any wrong choice cancels the credit
    (["A", "B", "C", "D"], 0.0, 0.0),
    ([], 0.0, 0.0),
])
def test_multiple_scoring_rules(response: list[str], all_or_nothing: float,
                                proportional: float) -> None:
    qtype, content = get_type("multiple"), multiple()
    assert qtype.grade(content, response) == all_or_nothing
    assert qtype.grade(content, response, "all_or_nothing") == all_or_nothing
    assert qtype.grade(content, response, "proportional") == pytest.approx(proportional)


@pytest.mark.parametrize("bad", [["A", "A"], ["E"], "AB", [1], {"A"}, True])
def test_multiple_invalid_responses(bad: object) -> None:
    assert not get_type("multiple").is_valid_response(multiple(), bad)


# --- true/false ----------------------------------------------------------------------

def test_truefalse_answer_must_be_bool() -> None:
    assert problems(truefalse(answer="maybe")) == [
        ("answer", "The answer of a true/false question must be true or false.")]
    assert problems(truefalse(answer=1)) == [
        ("answer", "The answer of a true/false question must be true or false.")]


def test_truefalse_has_no_options() -> None:
    content = dataclasses.replace(truefalse(), options=(Option("A", "对"), Option("B", "错")))
    assert problems(content) == [("options", "True/false questions have no options.")]


def test_truefalse_grading_and_responses() -> None:
    qtype, content = get_type("truefalse"), truefalse(False)
    assert qtype.grade(content, False) == 1.0
    assert qtype.grade(content, True) == 0.0
    for bad in (0, 1, "false", "错", [False]):
        assert not qtype.is_valid_response(content, bad)


# --- fill in the blank ---------------------------------------------------------------

def test_blank_counting() -> None:
    assert count_blanks(text_to_html("a ____ b ________ c ___ d")) == 2
    assert count_blanks('<img src="/media/a____b.png"> no blank') == 0


def test_fill_needs_a_blank() -> None:
    assert problems(fill(stem="没有空", answer=(("x",),))) == [
        ("stem", "The stem has no blank; write each blank as ____ (four underscores).")]


def test_fill_answer_count_must_match_blanks() -> None:
    assert problems(fill(answer=(("2020",),))) == [
        ("answer", "The stem has 2 blanks but answers are given for 1.")]


def test_fill_each_blank_needs_an_accepted_answer() -> None:
    assert problems(fill(answer=(("2020",), (" ", "")))) == [
        ("answer", "Blank 2 has no accepted answer.")]


def test_fill_answer_shape() -> None:
    assert problems(fill(answer=("2020", "x"))) == [
        ("answer", "The answer must list the accepted answers for each blank.")]


def test_fill_normalisation_full_width_spaces_and_case() -> None:
    content = fill(stem="编号____", answer=(("abc123",),))
    qtype = get_type("fill")
    for given in ("ＡＢＣ１２３", "  abc123 ", "ABC123", "\u3000Abc123\u3000"):
        assert qtype.grade(content, [given]) == 1.0, given
    assert qtype.grade(content, ["abc 123"]) == 0.0
    assert normalize_fill_answer(" Ｔｅｓｔ ") == "test"


def test_fill_scoring_all_or_nothing_and_proportional() -> None:
    qtype, content = get_type("fill"), fill()
    assert qtype.grade(content, ["2020年", "十一个坚持"]) == 1.0
    assert qtype.grade(content, ["2020", "十个坚持"]) == 0.0
    assert qtype.grade(content, ["2020", "十个坚持"], "proportional") == 0.5
    assert qtype.grade(content, ["", ""], "proportional") == 0.0


def test_fill_empty_accepted_answer_never_matches_an_empty_response() -> None:
    content = fill(stem="x____", answer=(("", "对"),))
    assert get_type("fill").grade(content, [""]) == 0.0
    assert get_type("fill").key_response(content) == ["对"]


@pytest.mark.parametrize("bad", [["2020"], ["a", "b", "c"], "2020", [2020, "x"], True])
def test_fill_invalid_responses(bad: object) -> None:
    assert not get_type("fill").is_valid_response(fill(), bad)


def test_split_at_blanks_cuts_text_never_tags() -> None:
    stem = '<p>于____年<img src="/media/a____b.png">，共________条</p>'
    assert split_at_blanks(stem) == ['<p>于', '年<img src="/media/a____b.png">，共', "条</p>"]
    assert split_at_blanks("无空") == ["无空"]
