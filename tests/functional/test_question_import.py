"""Question import and export through the services and the CLI: validate all, write once."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from lawexam.audit.models import AuditEntry
from lawexam.extensions import db
from lawexam.questions.importing import ImportBlocked, apply_import, plan_import
from lawexam.questions.models import MediaFile, Question, QuestionModule, QuestionVersion
from tests.functional.question_files import ELF_BYTES, GOOD_ROWS, PNG_1PX, moodle_with_image, row, xlsx

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples"


def bank_snapshot() -> tuple[int, int, int, int]:
    count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
    return count(Question), count(QuestionVersion), count(QuestionModule), count(MediaFile)


def test_good_workbook_imports_every_type(app):
    plan = plan_import([("题库.xlsx", xlsx(GOOD_ROWS))])
    assert plan.errors == [] and plan.counts["new"] == 4
    outcome = apply_import(plan, skip_invalid=False, actor=None)
    db.session.commit()
    assert outcome.created == 4
    types = set(db.session.scalars(select(Question.type)))
    assert types == {"single", "multiple", "truefalse", "fill"}
    multiple = db.session.scalar(select(QuestionVersion).where(QuestionVersion.type == "multiple"))
    assert multiple.answer == ["A", "B", "C"]
    fill = db.session.scalar(select(QuestionVersion).where(QuestionVersion.type == "fill"))
    assert fill.answer == [["4", "四"]]
    modules = set(db.session.scalars(select(QuestionModule.name)))
    assert {"宪法", "民法典", "行政处罚法", "国家安全"} <= modules
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "questions.imported"))
    assert entry.details["created"] == 4 and entry.details["files"] == ["题库.xlsx"]


BAD_FILES = {
    "truncated xlsx": ("q.xlsx", xlsx(GOOD_ROWS)[:600], "whole file", None),
    "password-protected xlsx": ("q.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2000, "whole file", None),
    "not really Excel": ("q.xlsx", b"<html>not a workbook</html>", "whole file", None),
    "empty first sheet": ("q.xlsx", xlsx(GOOD_ROWS, empty_first=True), "whole file", None),
    "merged header cells": ("q.xlsx", xlsx(GOOD_ROWS, merge_header=True), "whole file", None),
    "missing stem column": ("q.xlsx", xlsx([["单选题", "甲", "乙", "A"]], headers=["题型", "选项A", "选项B", "答案"]), "row 1", None),
    "no data rows": ("q.xlsx", xlsx([]), None, None),
    "answer letter outside the options": ("q.xlsx", xlsx([row(answer="F")]), "row 2", "answer"),
    "two answers on single choice": ("q.xlsx", xlsx([row(answer="AB")]), "row 2", "answer"),
    "true/false answer maybe": ("q.xlsx", xlsx([row(type="判断题", a="", b="", c="", d="", answer="maybe")]), "row 2", "answer"),
    "empty stem": ("q.xlsx", xlsx([row(stem="")]), "row 2", "stem"),
    "10,000-character stem": ("q.xlsx", xlsx([row(stem="长" * 10000)]), "row 2", "stem"),
    "multiple choice with one key": ("q.xlsx", xlsx([row(type="多选题", answer="A")]), "row 2", "answer"),
    "difficulty 9": ("q.xlsx", xlsx([row(difficulty=9)]), "row 2", "difficulty"),
    "option of 600 characters": ("q.xlsx", xlsx([row(b="选" * 600)]), "row 2", "options"),
    "fill without a blank": ("q.xlsx", xlsx([row(type="填空题", stem="没有空", a="", b="", c="", d="", answer="甲")]), "row 2", None),
    "GIFT unbalanced braces": ("q.gift", "::Q1:: 宪法日是哪天？ {=12月4日 ~3月15日\n".encode(), "line 1", None),
    "Moodle XML external entity": ("q.xml", b'<?xml version="1.0"?><!DOCTYPE q [<!ENTITY x SYSTEM "file:///etc/passwd">]><quiz>&x;</quiz>', "whole file", None),
    "Moodle XML not well-formed": ("q.xml", b"<quiz><question type='truefalse'>", "whole file", None),
    "image that is an executable": ("q.xml", moodle_with_image(ELF_BYTES), None, "stem"),
    "CSV in no known encoding": ("q.csv", b"\xff\xfe\xfa" * 40 + b"\n\xff\xff", None, None),
    "YAML not well-formed": ("q.yaml", b"module: [unclosed\n", "whole file", None),
    "YAML id repeated": ("q.yaml", """module: {code: test-mod, name: 测试, order: 1}
questions:
  - {id: test-mod-001, type: truefalse, stem: 甲, answer: true, explanation: 解, basis: 据}
  - {id: test-mod-001, type: truefalse, stem: 乙, answer: false, explanation: 解, basis: 据}
""".encode(), None, None),
    "unsupported file type": ("q.docx", b"PK\x03\x04rest", "whole file", None),
    "Aiken without an answer line": ("q.txt", "宪法日是哪天？\nA. 12月4日\nB. 3月15日\n".encode(), None, None),
}


def _located(english: str) -> str:
    """The location as the importer words it in the app's language ("row 2" → "第 2 行")."""
    from lawexam.questions.formats.base import file_location, line_location, row_location

    if english == "whole file":
        return file_location()
    kind, number = english.split()
    return (row_location if kind == "row" else line_location)(int(number))


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_bad_input_is_reported_and_changes_nothing(app, name):
    filename, data, location, field = BAD_FILES[name]
    before = bank_snapshot()
    plan = plan_import([(filename, data)])
    problems = [p for p in plan.problems if p.severity in ("error", "unsupported")]
    assert problems, f"{name}: no problem reported"
    assert all(p.file == filename and p.message for p in problems)
    if location:
        expected = _located(location)
        assert any(p.location == expected for p in problems), [(p.location, p.message) for p in problems]
    if field:
        assert any(p.field == field for p in problems), [(p.field, p.message) for p in problems]
    if plan.items:
        with pytest.raises(ImportBlocked):
            apply_import(plan, skip_invalid=False, actor=None)
    else:
        with pytest.raises(ImportBlocked):
            apply_import(plan, skip_invalid=True, actor=None)
    db.session.rollback()
    assert bank_snapshot() == before


def test_gbk_csv_is_read_with_a_warning(app):
    data = "题型,题干,选项A,选项B,答案,解析,依据\n单选题,宪法日是哪天？,12月4日,3月15日,A,解析,依据\n".encode("gbk")
    plan = plan_import([("题库.csv", data)])
    assert plan.counts["new"] == 1 and plan.of("warning")
    apply_import(plan, skip_invalid=False, actor=None)
    db.session.commit()
    assert "宪法日是哪天" in db.session.scalar(select(QuestionVersion.stem))


def test_skip_invalid_imports_the_rest_only_when_asked(app):
    plan = plan_import([("q.xlsx", xlsx(GOOD_ROWS + [row(answer="F")]))])
    with pytest.raises(ImportBlocked):
        apply_import(plan, skip_invalid=False, actor=None)
    db.session.rollback()
    assert bank_snapshot()[0] == 0
    apply_import(plan, skip_invalid=True, actor=None)
    db.session.commit()
    assert bank_snapshot()[0] == 4


def test_the_same_file_twice_is_all_duplicates_and_writes_nothing(app):
    apply_import(plan_import([("q.xlsx", xlsx(GOOD_ROWS))]), skip_invalid=False, actor=None)
    db.session.commit()
    before = bank_snapshot()
    plan = plan_import([("q.xlsx", xlsx(GOOD_ROWS))])
    assert plan.counts["new"] == 0 and plan.counts["duplicate"] == 4
    with pytest.raises(ImportBlocked):
        apply_import(plan, skip_invalid=False, actor=None)
    db.session.rollback()
    assert bank_snapshot() == before


def test_embedded_image_is_stored_by_hash_and_linked(app):
    plan = plan_import([("q.xml", moodle_with_image(PNG_1PX))])
    apply_import(plan, skip_invalid=False, actor=None)
    db.session.commit()
    media = db.session.scalar(select(MediaFile))
    assert media.mime_type == "image/png" and media.size == len(PNG_1PX)
    stem = db.session.scalar(select(QuestionVersion.stem))
    assert f'src="/media/{media.sha256}.png"' in stem
    stored = Path(app.instance_path) / "media" / media.sha256[:2] / f"{media.sha256}.png"
    assert stored.read_bytes() == PNG_1PX


def test_reimport_with_a_stable_id_and_new_content_adds_a_version(app, tmp_path):
    text = """module: {code: test-mod, name: 测试模块, order: 1}
questions:
  - {id: test-mod-001, type: truefalse, stem: 宪法日是12月4日。, answer: true, explanation: 解析, basis: 依据}
"""
    apply_import(plan_import([("q.yaml", text.encode())]), skip_invalid=False, actor=None)
    db.session.commit()
    changed = text.replace("解析", "更正后的解析")
    plan = plan_import([("q.yaml", changed.encode())])
    assert plan.counts["update"] == 1
    apply_import(plan, skip_invalid=False, actor=None)
    db.session.commit()
    question = db.session.scalar(select(Question).where(Question.uid == "test-mod-001"))
    assert [v.number for v in question.versions] == [1, 2]
    assert question.versions[0].explanation == "解析"
    assert question.current_version.explanation == "更正后的解析"


# ---- the seed bank and the CLI -------------------------------------------------------------

def test_cli_imports_the_seed_bank_then_finds_only_duplicates(runner):
    result = runner.invoke(args=["questions", "import", "question_bank"])
    assert result.exit_code == 0, result.output
    total = db.session.scalar(select(func.count()).select_from(Question))
    assert total >= 500
    assert db.session.scalar(select(func.count()).select_from(QuestionModule)) == 12
    result = runner.invoke(args=["questions", "import", "question_bank"])
    assert result.exit_code == 0
    assert db.session.scalar(select(func.count()).select_from(Question)) == total
    result = runner.invoke(args=["questions", "stats"])
    assert "民法典" in result.output and "单选题" in result.output


def test_cli_dry_run_writes_nothing_and_reports(runner, tmp_path):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(xlsx(GOOD_ROWS + [row(answer="F")]))
    result = runner.invoke(args=["questions", "import", str(path), "--dry-run"])
    assert result.exit_code == 1
    assert "row 6" in result.output or "第 6 行" in result.output
    assert db.session.scalar(select(func.count()).select_from(Question)) == 0
    result = runner.invoke(args=["questions", "import", str(path)])
    assert result.exit_code == 1
    assert db.session.scalar(select(func.count()).select_from(Question)) == 0
    result = runner.invoke(args=["questions", "import", str(path), "--skip-invalid", "--module", "测试"])
    assert result.exit_code == 0
    assert set(db.session.scalars(select(QuestionModule.name))) == {"测试"}


def test_cli_export_every_format_and_import_it_back(runner, tmp_path):
    runner.invoke(args=["questions", "import", "question_bank/constitution"])
    originals = {v.stem: v for v in db.session.scalars(select(QuestionVersion))}
    for fmt, name in [("xlsx", "out.xlsx"), ("gift", "out.gift"), ("moodle-xml", "out.xml")]:
        result = runner.invoke(args=["questions", "export", str(tmp_path / name), "--format", fmt])
        assert result.exit_code == 0, result.output
        plan = plan_import([(name, (tmp_path / name).read_bytes())])
        assert plan.errors == [], plan.errors[:3]
        expected = len(originals)
        if fmt == "gift":  # GIFT's short answer has one blank; multi-blank questions can't travel
            expected -= sum(1 for v in originals.values() if v.type == "fill" and len(v.answer) > 1)
        assert plan.counts["duplicate"] == expected, (fmt, plan.counts)
    result = runner.invoke(args=["questions", "export", str(tmp_path / "yaml"), "--format", "yaml"])
    assert result.exit_code == 0
    exported = tmp_path / "yaml" / "constitution" / "questions.yaml"
    assert exported.read_text("utf-8").count("- id: constitution-") == len(originals)
    sheet = load_workbook(io.BytesIO((tmp_path / "out.xlsx").read_bytes())).active
    assert sheet.freeze_panes == "A2"
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "questions.exported")) == 4


def test_cli_export_refuses_an_unknown_module(runner, tmp_path):
    result = runner.invoke(args=["questions", "export", str(tmp_path / "x.xlsx"), "--format", "xlsx", "--module", "不存在"])
    assert result.exit_code == 1 and "不存在" in result.output


@pytest.mark.skipif(not SAMPLES.exists(), reason="../shared/samples is not beside this checkout")
def test_the_shared_moodle_xml_sample_imports_with_its_image(app):
    path = SAMPLES / "lawexam-sample.moodle.xml"
    plan = plan_import([(path.name, path.read_bytes())])
    assert plan.errors == []
    unsupported = plan.of("unsupported")
    assert len(unsupported) == 1 and "essay" in (unsupported[0].message + unsupported[0].location).lower() \
        or any("论述" in p.message or "问答" in p.message or "essay" in p.message.lower() for p in unsupported)
    apply_import(plan, skip_invalid=False, actor=None)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(MediaFile)) == 1
    assert set(db.session.scalars(select(Question.type))) == {"single", "multiple", "truefalse", "fill"}
