"""The seed bank every town starts with: valid, complete, and free of duplicates."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from lawexam.questions.formats import ParseResult, find_duplicates, parse_file
from lawexam.questions.qtypes import get_type

BANK = Path(__file__).resolve().parents[2] / "question_bank"
MODULE_NAMES = {
    "xi-thought": "习近平法治思想", "three-systems": '行政执法"三项制度"', "constitution": "宪法",
    "civil-code": "民法典", "admin-penalty": "行政处罚法", "review-litigation": "行政复议与行政诉讼",
    "petition-fengqiao": '信访工作条例与新时代"枫桥经验"', "anti-fraud": "反电信网络诈骗法",
    "work-safety": "安全生产法", "security-drugs-consumers": "国家安全、禁毒与消费者权益",
    "pufa": '普法与"法律明白人"', "study-system": "学法用法制度与法治政府建设",
}
FILES = sorted(BANK.glob("*/questions.yaml"))


def _parse(path: Path) -> ParseResult:
    return parse_file(str(path.relative_to(BANK.parent)), path.read_bytes())


def test_the_bank_has_every_module_and_at_least_500_questions():
    assert {p.parent.name for p in FILES} == set(MODULE_NAMES)
    assert sum(len(_parse(p).drafts) for p in FILES) >= 500


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.parent.name)
def test_each_module_parses_cleanly_with_at_least_30_questions(path):
    result = _parse(path)
    assert result.problems == []
    assert result.module_header.code == path.parent.name
    assert result.module_header.name == MODULE_NAMES[path.parent.name]
    assert len(result.drafts) >= 30
    for draft in result.drafts:
        content = draft.content
        assert get_type(content.type).validate(content) == [], draft.external_id
        assert content.explanation.strip(), f"{draft.external_id} has no explanation"
        assert content.basis.strip(), f"{draft.external_id} has no basis"
        assert 1 <= content.difficulty <= 5
        assert get_type(content.type).grade(content, get_type(content.type).key_response(content)) == 1.0
        assert re.fullmatch(rf"{path.parent.name}-\d{{3}}", draft.external_id)


def test_every_question_type_is_represented_in_every_module():
    for path in FILES:
        types = {d.content.type for d in _parse(path).drafts}
        assert types == {"single", "multiple", "truefalse", "fill"}, path.parent.name


def test_no_duplicates_across_the_whole_bank():
    combined = ParseResult()
    for path in FILES:
        combined.extend(_parse(path))
    checked = find_duplicates(combined, set())
    assert checked.problems == []
    ids = [d.external_id for d in combined.drafts]
    assert len(ids) == len(set(ids))


def test_nothing_from_the_unverified_list_is_tested():
    # FACTS.md's "Unverified — do not test" items, as they would be written in a question.
    forbidden = ["不少于执法人员5%", "不少于执法人员的5%", "60学时", "60 学时", "八进", "12·4法制宣传日",
                 "第四十七条", "第五十一条", "第六十条"]
    for path in FILES:
        text = path.read_text("utf-8")
        for phrase in forbidden:
            if phrase in ("第四十七条", "第五十一条", "第六十条") and path.parent.name != "admin-penalty":
                continue
            assert phrase not in text, f"{path.parent.name} mentions {phrase}"
