"""Property: export then import gives back the same questions, in every format.

Each format is compared on the fields it can carry: GIFT and Moodle XML have no difficulty,
legal basis or "exam only"; the spreadsheet has no title or id; GIFT holds one blank only.
"""
from __future__ import annotations

import dataclasses
import os
from typing import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lawexam.questions.formats import (
    Draft, export_gift, export_moodle_xml, export_xlsx, export_yaml, parse_file)
from lawexam.questions.formats.base import clean_tags
from lawexam.questions.qtypes import (
    OPTION_KEYS, Option, QuestionContent, get_type, normalize_fill_answer)
from lawexam.questions.richtext import clean_plain_text, text_to_html

# Characters that matter to one format or another (GIFT and cloze specials, HTML, formula
# triggers, Chinese punctuation), plus letters and symbols from all of Unicode. "_" is left
# out because runs of it are blanks.
SPECIAL = "~=#{}:\\<>&\"'%*[]-+@$ \u3000，。？（）“”：；、|/"
CJK = "国家宪法日是每年的哪一天民法典行政处罚条例法治政府建设三项制度"


def chars(exclude: str = "") -> st.SearchStrategy[str]:
    return st.sampled_from([c for c in SPECIAL + CJK if c not in exclude]) | st.characters(
        whitelist_categories=("L", "N", "P", "S", "Zs"), blacklist_characters="_" + exclude)


def texts(exclude: str = "", newlines: bool = True, max_size: int = 24,
          ) -> st.SearchStrategy[str]:
    alphabet = chars(exclude) | st.just("\n") if newlines else chars(exclude)
    return st.text(alphabet, min_size=1, max_size=max_size).map(clean_plain_text).filter(bool)


# Separators the spreadsheet uses inside one cell cannot appear inside the parts they split.
FILL_ANSWERS = texts(exclude="|;；/／｜>", newlines=False, max_size=10)
TAGS = texts(exclude=",，、;；|[]/\\", newlines=False, max_size=8)
MODULES = texts(exclude="/$", newlines=False, max_size=12).map(lambda t: " ".join(t.split()))
IDS = st.from_regex(r"[a-z][a-z0-9-]{0,10}[0-9]", fullmatch=True)


@st.composite
def contents(draw: st.DrawFn, max_blanks: int) -> QuestionContent:
    qtype = draw(st.sampled_from(["single", "multiple", "truefalse", "fill"]))
    options: tuple[Option, ...] = ()
    if qtype == "fill":
        blanks = draw(st.integers(1, max_blanks))
        # Text between blanks must not be empty, or two blanks would run into one.
        middle = draw(st.lists(texts(newlines=False, max_size=12), min_size=blanks - 1,
                               max_size=blanks - 1))
        ends = draw(st.lists(st.text(chars(), max_size=12), min_size=2, max_size=2))
        stem = clean_plain_text("____".join([ends[0], *middle, ends[1]]))
        answer: object = tuple(
            tuple(draw(st.lists(FILL_ANSWERS, min_size=1, max_size=3, unique=True)))
            for _ in range(blanks))
    else:
        stem = draw(texts(max_size=40))
    if qtype in ("single", "multiple"):
        count = draw(st.integers(2, 8))
        option_texts = draw(st.lists(texts(max_size=12), min_size=count, max_size=count,
                                     unique_by=normalize_fill_answer))
        options = tuple(Option(key, text) for key, text in zip(OPTION_KEYS, option_texts))
        keys = OPTION_KEYS[:count]
        if qtype == "single":
            answer = draw(st.sampled_from(keys))
        else:
            answer = tuple(sorted(draw(st.lists(st.sampled_from(keys), min_size=2,
                                                max_size=count, unique=True))))
    elif qtype == "truefalse":
        answer = draw(st.booleans())
    content = QuestionContent(
        type=qtype, stem=text_to_html(stem), options=options, answer=answer,
        explanation=draw(texts(max_size=30)), basis=draw(texts(max_size=20)),
        difficulty=draw(st.integers(1, 5)))
    assert get_type(qtype).validate(content) == [], content
    return content


@st.composite
def drafts(draw: st.DrawFn, max_blanks: int = 3) -> Draft:
    return Draft(
        content=draw(contents(max_blanks)), location="",
        module=draw(st.none() | MODULES),
        tags=clean_tags(draw(st.lists(TAGS, max_size=3))),
        exam_only=draw(st.booleans()),
        external_id=draw(st.none() | IDS),
        title=draw(st.none() | texts(newlines=False, max_size=12)),
    )


# 40 keeps the suite fast; set LAWEXAM_ROUND_TRIP_EXAMPLES=1000 for a deeper search.
ROUND_TRIP = settings(max_examples=int(os.environ.get("LAWEXAM_ROUND_TRIP_EXAMPLES", "40")),
                      deadline=None,
                      suppress_health_check=[HealthCheck.too_slow])


def assert_round_trip(originals: list[Draft], filename: str, data: bytes,
                      view: Callable[[Draft], tuple[object, ...]]) -> None:
    result = parse_file(filename, data)
    assert result.problems == [], result.problems
    assert [view(d) for d in result.drafts] == [view(d) for d in originals]


def without_basis_and_difficulty(content: QuestionContent) -> QuestionContent:
    return dataclasses.replace(content, basis="", difficulty=3)


@ROUND_TRIP
@given(st.lists(drafts(), min_size=1, max_size=4))
def test_xlsx_round_trip(originals: list[Draft]) -> None:
    assert_round_trip(originals, "q.xlsx", export_xlsx(originals),
                      lambda d: (d.content, d.module, d.tags, d.exam_only))


@ROUND_TRIP
@given(st.lists(drafts(max_blanks=1), min_size=1, max_size=4))
def test_gift_round_trip(originals: list[Draft]) -> None:
    assert_round_trip(
        originals, "q.gift", export_gift(originals).encode("utf-8"),
        lambda d: (without_basis_and_difficulty(d.content), d.module, d.tags, d.title,
                   d.external_id))


@ROUND_TRIP
@given(st.lists(drafts(), min_size=1, max_size=4))
def test_moodle_xml_round_trip(originals: list[Draft]) -> None:
    result = parse_file("q.xml", export_moodle_xml(originals))
    assert result.problems == [], result.problems
    for original, back in zip(originals, result.drafts, strict=True):
        assert back.content == without_basis_and_difficulty(original.content)
        assert (back.module, back.tags, back.external_id) == (
            original.module, original.tags, original.external_id)
        if original.title:
            assert back.title == original.title


@ROUND_TRIP
@given(st.lists(drafts(), min_size=1, max_size=4), MODULES)
def test_yaml_round_trip(originals: list[Draft], module_name: str) -> None:
    text = export_yaml("civil-code", module_name, 4, originals)
    assert_round_trip(originals, "civil-code/questions.yaml", text.encode("utf-8"),
                      lambda d: (d.content, d.tags, d.exam_only))
    assert {d.module for d in parse_file("x.yaml", text.encode()).drafts} == {module_name}
