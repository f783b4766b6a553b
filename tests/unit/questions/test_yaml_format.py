from __future__ import annotations

import textwrap

from lawexam.questions.formats import Draft, ModuleHeader, ParseResult, export_yaml, parse_file
from lawexam.questions.qtypes import Option

from .factories import fill, multiple, single, truefalse

README_EXAMPLE = """\
module:
  code: constitution          # the folder name
  name: 宪法
  order: 3
questions:
  - id: constitution-001      # stable identity: <module-code>-NNN, never reused
    type: single              # single | multiple | truefalse | fill
    difficulty: 2             # 1 (easy) … 5 (hard)
    tags: [国家宪法日]          # optional
    exam_only: false          # optional; true keeps it out of practice
    stem: 国家宪法日是每年的哪一天？
    options:                  # single and multiple only: keys A…H in order, 2–8 of them
      A: 3月15日
      B: 12月4日
      C: 4月15日
      D: 6月26日
    answer: B                 # see below
    explanation: 2014年11月1日，十二届全国人大常委会决定将12月4日设立为国家宪法日。
    basis: 全国人大常委会关于设立国家宪法日的决定（2014年11月1日）
  - id: constitution-002
    type: fill
    stem: 习近平法治思想概括为____，提出于____年。
    answer: [[十一个坚持], [2020, 2020年]]
    explanation: 中央全面依法治国工作会议。
    basis: 2020年11月
"""


def load(text: str) -> ParseResult:
    return parse_file("constitution/questions.yaml", textwrap.dedent(text).encode("utf-8"))


def located(result: ParseResult) -> list[tuple[str, str | None, str]]:
    return [(p.location, p.field, p.message) for p in result.problems]


def test_readme_example_parses() -> None:
    result = load(README_EXAMPLE)
    assert result.problems == []
    assert result.module_header == ModuleHeader("constitution", "宪法", 3)
    first, second = result.drafts
    assert first.external_id == "constitution-001" and first.location == "line 6"
    assert first.module == "宪法" and first.tags == ("国家宪法日",)
    assert first.content.options[1] == Option("B", "12月4日")
    assert (first.content.answer, first.content.difficulty) == ("B", 2)
    # Numbers stay text exactly as written; difficulty defaults to 3.
    assert second.content.answer == (("十一个坚持",), ("2020", "2020年"))
    assert second.content.difficulty == 3


def test_problems_are_located_on_the_field_line() -> None:
    text = README_EXAMPLE.replace("    answer: B ", "    answer: E ").replace(
        "    basis: 2020年11月\n", "")
    assert located(load(text)) == [
        ("line 17", "answer", "The answer E is not one of the options (A, B, C, D)."),
        ("line 20", "basis", "The legal basis (依据) is required in the question bank."),
    ]


def test_id_rules_and_unknown_fields() -> None:
    text = README_EXAMPLE.replace("id: constitution-002", "id: constitution-001").replace(
        "    type: fill\n", "    type: fill\n    explaination: typo\n")
    assert located(load(text)) == [
        ("line 20", "id", "The id constitution-001 is already used on line 6."),
        ("line 22", "explaination", "Unknown field explaination (check the spelling)."),
    ]
    wrong = README_EXAMPLE.replace("id: constitution-002", "id: civil-code-002")
    assert located(load(wrong))[0][2] == "The id civil-code-002 must be constitution-NNN."


def test_truefalse_answer_must_be_a_yaml_bool() -> None:
    text = """\
    module: {code: pufa, name: 普法, order: 11}
    questions:
      - id: pufa-001
        type: truefalse
        stem: 题
        answer: maybe
        explanation: 解
        basis: 据
    """
    assert located(load(text)) == [
        ("line 6", "answer", "The answer of a true/false question must be true or false.")]


def test_invalid_yaml_and_missing_blocks() -> None:
    assert located(load("module: [\n")) [0][0] == "whole file"
    assert located(load("module: [\n"))[0][2].startswith("The YAML is not valid (line 2)")
    assert located(load("- a\n- b\n")) == [("whole file", None, (
        "The file must be a mapping with \"module\" and \"questions\" (see "
        "question_bank/README.md)."))]
    assert located(load("module: {code: Bad Code, name: x}\nquestions: []\n")) == [
        ("line 1", "module", "The module code Bad Code must be lower-case letters, digits and "
                             "hyphens.")]


def test_export_matches_the_readme_layout_and_round_trips() -> None:
    drafts = [
        Draft(content=single(difficulty=2, explanation="解析", basis="依据"), location="x",
              tags=("国家宪法日",), external_id="constitution-007"),
        Draft(content=multiple(explanation="多行\n解析", basis="依据"), location="x",
              exam_only=True),
        Draft(content=truefalse(explanation="解", basis="据"), location="x",
              external_id="other-001"),
        Draft(content=fill(explanation="解", basis="据"), location="x"),
    ]
    text = export_yaml("constitution", "宪法", 3, drafts)
    assert text.startswith("module:\n  code: constitution\n  name: 宪法\n  order: 3\n")
    assert "  tags: [国家宪法日]\n" in text
    assert "  answer: [A, B, C]\n" in text
    assert "  answer: [[2020, 2020年], [十一个坚持]]" not in text  # "2020" must stay a string
    assert "  answer: [['2020', 2020年], [十一个坚持]]\n" in text
    assert "  explanation: |-\n    多行\n    解析\n" in text
    result = parse_file("constitution/questions.yaml", text.encode())
    assert result.problems == []
    assert [d.external_id for d in result.drafts] == [
        "constitution-007", "constitution-008", "constitution-009", "constitution-010"]
    assert [d.content for d in result.drafts] == [d.content for d in drafts]
    assert [d.exam_only for d in result.drafts] == [False, True, False, False]


def test_absurdly_deep_nesting_is_refused() -> None:
    # Speed is a benchmark's business; this checks the nesting cap is what refuses it.
    assert located(load("[" * 100_000)) == [
        ("whole file", None, "The YAML is not valid (line 1): brackets are nested too deeply.")]
    block = "".join(" " * depth + "k:\n" for depth in range(2_000))
    assert located(load(block)) == [
        ("whole file", None, "The YAML is nested far too deeply to be a question file.")]
