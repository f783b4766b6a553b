from __future__ import annotations

import base64

import pytest

from lawexam.questions.formats import Draft, ParseResult, export_moodle_xml, parse_file
from lawexam.questions.qtypes import QuestionContent

from .factories import fill, single

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGM4o6QEAALOARFa6phZAAAAAElFTkSuQmCC")


def xml(body: str) -> ParseResult:
    return parse_file("q.xml", f'<?xml version="1.0" encoding="UTF-8"?>\n<quiz>{body}</quiz>'
                      .encode("utf-8"))


def question(kind: str, text: str, answers: str = "", extra: str = "") -> str:
    return (f'<question type="{kind}"><name><text>名</text></name>'
            f'<questiontext format="html"><text><![CDATA[{text}]]></text></questiontext>'
            f"{extra}{answers}</question>")


def answer(fraction: str, text: str) -> str:
    return f'<answer fraction="{fraction}" format="html"><text>{text}</text></answer>'


def test_external_entity_is_refused() -> None:
    data = (b'<?xml version="1.0"?>\n<!DOCTYPE quiz [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            b"<quiz><question type=\"truefalse\"><questiontext><text>&xxe;</text></questiontext>"
            b"</question></quiz>")
    result = parse_file("evil.xml", data)
    assert result.drafts == []
    [problem] = result.problems
    assert problem.location == "whole file"
    assert problem.message.startswith(
        "The XML file declares a document type or entities (<!DOCTYPE …> / <!ENTITY …>). They "
        "are refused for safety")


def test_entity_expansion_bomb_is_refused() -> None:
    data = (b'<?xml version="1.0"?><!DOCTYPE q [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><quiz>&b;</quiz>')
    assert parse_file("bomb.xml", data).problems[0].message.startswith(
        "The XML file declares a document type or entities")


def test_malformed_xml_and_wrong_root() -> None:
    assert parse_file("q.xml", b"<quiz><question></quiz>").problems[0].message.startswith(
        "The XML file is not well-formed (line 1): mismatched tag")
    assert parse_file("q.xml", b"<html/>").problems[0].message == (
        "This is not a Moodle XML question file: the root element is <html>, not <quiz>.")


def test_multichoice_single_and_multiple_with_fractions() -> None:
    result = xml(
        question("multichoice", "<p>一</p>", answer("100", "甲") + answer("0", "乙"),
                 "<single>true</single>")
        + question("multichoice", "<p>多</p>",
                   answer("50", "甲") + answer("-100", "乙") + answer("50", "丙"),
                   "<single>false</single>"))
    assert result.problems == []
    assert [(d.content.type, d.content.answer, d.location) for d in result.drafts] == [
        ("single", "A", "line 2"), ("multiple", ("A", "C"), "line 2")]


def test_partial_credit_on_single_choice_is_dropped() -> None:
    result = xml(question("multichoice", "一", answer("100", "甲") + answer("50", "乙"),
                          "<single>true</single>"))
    assert result.drafts[0].content.answer == "A"
    assert [p.message for p in result.problems] == [
        "Option B was worth 50% of the mark; partial credit is not supported, so it now "
        "counts as wrong."]


def test_shortanswer_wildcards_and_partial_credit_are_dropped() -> None:
    result = xml(question("shortanswer", "<p>最好的动物？</p>",
                          answer("100", "青蛙") + answer("50", "猫") + answer("0", "*")))
    draft = result.drafts[0]
    assert draft.content.stem == "<p>最好的动物？____</p>"
    assert draft.content.answer == (("青蛙",),)
    assert [p.severity for p in result.problems] == ["dropped", "dropped"]


def test_missing_embedded_image_is_an_error() -> None:
    result = xml(question("truefalse", '<img src="@@PLUGINFILE@@/gone.png">题',
                          answer("100", "true") + answer("0", "false")))
    assert [(p.field, p.message) for p in result.errors] == [
        ("stem", "The stem shows the image gone.png, but the file does not embed it.")]


def test_truefalse_needs_a_correct_answer() -> None:
    result = xml(question("truefalse", "题", answer("0", "true") + answer("0", "false")))
    assert result.errors[0].message == (
        "The true/false question has no answer \"true\" or \"false\" marked correct.")


def test_cloze_of_short_answers_is_fill_other_cloze_is_unsupported() -> None:
    result = xml(
        question("multianswer", "提出于{1:SHORTANSWER:=2020~=2020年}年，概括为{1:SA:=十一个坚持}。")
        + question("multianswer", "选{1:MULTICHOICE:=甲~乙}"))
    assert result.drafts[0].content.answer == (("2020", "2020年"), ("十一个坚持",))
    assert result.drafts[0].content.stem == "提出于____年，概括为____。"
    assert [(p.severity, p.message) for p in result.problems] == [
        ("unsupported", "Question 名: cloze (embedded answers) questions are not supported; "
                        "skipped.")]


@pytest.mark.parametrize("kind", ["essay", "matching", "numerical", "calculated", "description",
                                  "ddwtos", "gapselect"])
def test_unsupported_types_are_named(kind: str) -> None:
    result = xml(question(kind, "题"))
    assert [(p.severity, p.location, p.field) for p in result.problems] == [
        ("unsupported", "line 2", "type")]
    assert result.problems[0].message.startswith("Question 名: ")


def test_export_embeds_attachments_and_round_trips() -> None:
    content = QuestionContent(
        type="single", stem='<p>看图<img src="attachment:印 章.png" alt="章"></p>',
        options=single().options, answer="B", explanation="第一行\n第二行")
    draft = Draft(content=content, location="x", module="法治/政府", tags=("宪法",),
                  external_id="q-1", title="看图题", attachments={"印 章.png": PNG})
    data = export_moodle_xml([draft])
    assert b"@@PLUGINFILE@@/%E5%8D%B0%20%E7%AB%A0.png" in data
    assert b'<file name="\xe5\x8d\xb0 \xe7\xab\xa0.png" path="/" encoding="base64">' in data
    assert b"$course$/top/\xe6\xb3\x95\xe6\xb2\xbb//\xe6\x94\xbf\xe5\xba\x9c" in data
    [back] = parse_file("q.xml", data).drafts
    assert back.content == content
    assert (back.module, back.tags, back.external_id, back.title, back.attachments) == (
        "法治/政府", ("宪法",), "q-1", "看图题", {"印 章.png": PNG})


def test_export_multi_blank_fill_as_cloze() -> None:
    content = fill(answer=(("2020", "a/b~c}d#e*"), ("十一个坚持",)))
    data = export_moodle_xml([Draft(content=content, location="x")])
    assert b'type="multianswer"' in data
    [back] = parse_file("q.xml", data).drafts
    assert back.content == content


def test_file_declared_gb2312_is_read() -> None:
    text = ('<?xml version="1.0" encoding="GB2312"?>\n<quiz>'
            + question("truefalse", "宪法日是12月4日。", answer("100", "true") + answer("0", "false"))
            + "</quiz>")
    result = parse_file("gb.xml", text.encode("gb2312"))
    assert result.problems == []
    assert result.drafts[0].content.stem == "宪法日是12月4日。"
    assert result.drafts[0].location == "line 2"


def test_file_with_an_unknown_declared_encoding_is_refused() -> None:
    data = b'<?xml version="1.0" encoding="NO-SUCH-CODEC"?><quiz/>'
    assert parse_file("x.xml", data).problems[0].message == (
        "The XML file says it is in the NO-SUCH-CODEC encoding but cannot be read that way. "
        "Save it again as UTF-8.")
