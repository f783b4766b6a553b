"""Study lessons from Markdown files: ``lawexam content sync``, retiring, safe rendering."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lawexam.audit.models import AuditEntry
from lawexam.auth.models import Role
from lawexam.db import utcnow
from lawexam.extensions import db
from lawexam.questions.models import QuestionModule
from lawexam.study.content import render_markdown
from lawexam.study.models import Lesson, LessonProgress

BANK = Path(__file__).resolve().parents[2] / "question_bank"

LESSON = """---
title: {title}
order: {order}
minutes: 5
credit_hours: 0.5
---

开头一段。

## 一、第一节

正文。

## 法律依据与来源

- 《某某法》第一条
"""


def _lesson_count(active: bool | None = None) -> int:
    query = select(func.count()).select_from(Lesson)
    if active is not None:
        query = query.where(Lesson.active.is_(active))
    return db.session.scalar(query)


def _make_root(tmp_path: Path, lessons: dict[str, str], module: str = "demo-mod", name: str = "演示模块") -> Path:
    root = tmp_path / "bank"
    folder = root / module / "lessons"
    folder.mkdir(parents=True, exist_ok=True)
    (root / module / "questions.yaml").write_text(
        f"module:\n  code: {module}\n  name: {name}\n  order: 7\nquestions: []\n", encoding="utf-8")
    for filename, text in lessons.items():
        (folder / filename).write_text(text, encoding="utf-8")
    return root


def test_sync_twice_changes_nothing_the_second_time(runner):
    first = runner.invoke(args=["content", "sync"])
    assert first.exit_code == 0, first.output
    assert "新增 36" in first.output
    assert _lesson_count(active=True) == 36
    modules = {m.code: m for m in db.session.scalars(select(QuestionModule))}
    assert modules["three-systems"].name == '行政执法"三项制度"' and len(modules) == 12
    snapshot = {l.key: (l.updated_at, l.content_hash, l.body_html) for l in db.session.scalars(select(Lesson))}
    audit_before = db.session.scalar(select(func.count()).select_from(AuditEntry))

    second = runner.invoke(args=["content", "sync"])
    assert second.exit_code == 0, second.output
    assert "没有变化" in second.output and "36" in second.output
    db.session.expire_all()
    assert {l.key: (l.updated_at, l.content_hash, l.body_html) for l in db.session.scalars(select(Lesson))} == snapshot
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == audit_before
    assert db.session.scalar(select(func.count()).select_from(QuestionModule)) == 12


def test_real_lessons_have_contents_and_sources(runner):
    runner.invoke(args=["content", "sync"])
    lesson = db.session.scalar(select(Lesson).where(Lesson.key == "three-systems/01-publicity"))
    assert lesson.title == "行政执法公示制度" and lesson.minutes == 7 and lesson.credit_hours == 0.5
    assert lesson.module.code == "three-systems" and lesson.sort_order == 1
    assert [heading for _anchor, heading in lesson.toc][-1] == "法律依据与来源"
    assert all(f'id="{anchor}"' in lesson.body_html for anchor, _heading in lesson.toc)
    assert '<section class="lesson-sources"><h2' in lesson.body_html
    assert lesson.body_html.rstrip().endswith("</section>")


def test_edited_file_is_updated_and_removed_file_retired_with_progress_kept(runner, tmp_path, make_user):
    root = _make_root(tmp_path, {"01-a.md": LESSON.format(title="甲", order=1),
                                 "02-b.md": LESSON.format(title="乙", order=2)})
    result = runner.invoke(args=["content", "sync", str(root)])
    assert result.exit_code == 0, result.output
    lesson_b = db.session.scalar(select(Lesson).where(Lesson.key == "demo-mod/02-b"))
    person = make_user()
    db.session.add(LessonProgress(user_id=person.id, lesson_id=lesson_b.id, year=2025, credited_s=300,
                                  read_to_end=True, completed_at=utcnow()))
    db.session.commit()

    (root / "demo-mod/lessons/01-a.md").write_text(LESSON.format(title="甲（修订）", order=1), encoding="utf-8")
    (root / "demo-mod/lessons/02-b.md").unlink()
    result = runner.invoke(args=["content", "sync", str(root)])
    assert result.exit_code == 0, result.output
    assert "更新 demo-mod/01-a" in result.output and "停用 demo-mod/02-b" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(Lesson).where(Lesson.key == "demo-mod/01-a")).title == "甲（修订）"
    retired = db.session.get(Lesson, lesson_b.id)
    assert not retired.active and retired.retired_at is not None
    progress = db.session.scalar(select(LessonProgress).where(LessonProgress.lesson_id == lesson_b.id))
    assert progress is not None and progress.credited_s == 300 and progress.completed_at is not None

    # The retired lesson is gone from the study pages but its hours still count.
    from lawexam.study.services import hours_by_user
    assert hours_by_user(2025) == {person.id: 0.5}

    # The file comes back: the same lesson is restored, not a new one.
    (root / "demo-mod/lessons/02-b.md").write_text(LESSON.format(title="乙", order=2), encoding="utf-8")
    result = runner.invoke(args=["content", "sync", str(root)])
    assert "恢复 demo-mod/02-b" in result.output
    db.session.expire_all()
    assert db.session.get(Lesson, lesson_b.id).active and _lesson_count() == 2


def test_retired_lesson_is_not_shown(runner, tmp_path, client, login_as):
    root = _make_root(tmp_path, {"01-a.md": LESSON.format(title="甲", order=1),
                                 "02-b.md": LESSON.format(title="乙", order=2)})
    runner.invoke(args=["content", "sync", str(root)])
    lesson_b = db.session.scalar(select(Lesson).where(Lesson.key == "demo-mod/02-b"))
    (root / "demo-mod/lessons/02-b.md").unlink()
    runner.invoke(args=["content", "sync", str(root)])
    login_as(Role.EXAMINEE)
    assert client.get(f"/study/lessons/{lesson_b.id}").status_code == 404
    assert "乙" not in client.get("/study/").get_data(as_text=True)


HOSTILE = """---
title: 不安全的内容
order: 1
minutes: 3
credit_hours: 0.5
---

<script>alert("x")</script>

<div onclick="steal()">raw block</div>

Inline <b onmouseover="x()">bold</b> and <img src=x onerror=alert(1)> and <iframe src="https://evil.example"></iframe>.

## 链接

[js](javascript:alert(1)) [JS upper](JAVASCRIPT:alert(2)) [spaced](  javascript:alert(3)) [entity](jav&#x61;script:alert(4))
<javascript:alert(5)> [vb](vbscript:msgbox(1)) [data](data:text/html;base64,PHNjcmlwdD4=)
![pic](javascript:alert(6)) [ok](https://www.gov.cn/) [mail](mailto:office@example.gov.cn)

[ref]: javascript:alert(7)
[by ref][ref]
"""


def _tags(html: str) -> list[str]:
    return re.findall(r"<\s*([a-zA-Z0-9]+)([^>]*)>", html)


def test_raw_html_scripts_and_javascript_links_do_not_survive(runner, tmp_path, client, login_as):
    root = _make_root(tmp_path, {"01-hostile.md": HOSTILE})
    result = runner.invoke(args=["content", "sync", str(root)])
    assert result.exit_code == 0, result.output
    lesson = db.session.scalar(select(Lesson))
    for html in (lesson.body_html, render_markdown(HOSTILE.split("---", 2)[2]).html):
        tags = _tags(html)
        names = {name.lower() for name, _attrs in tags}
        assert not names & {"script", "iframe", "div", "img", "b", "object", "embed", "style"}, names
        for _name, attrs in tags:
            assert not re.search(r"\bon[a-z]+\s*=", attrs), attrs
            assert not re.search(r"(href|src)\s*=\s*\"?\s*(javascript|vbscript|data):", attrs, re.I), attrs
        hrefs = re.findall(r'href="([^"]*)"', html)
        assert hrefs == ["https://www.gov.cn/", "mailto:office@example.gov.cn"]
        # Raw HTML is shown as text, so the reader sees what the author wrote.
        assert "&lt;script&gt;" in html
    # And the page as served: the only script is the page's own heartbeat file.
    login_as(Role.EXAMINEE)
    page = client.get(f"/study/lessons/{lesson.id}").get_data(as_text=True)
    scripts = re.findall(r"<script[^>]*>", page)
    assert scripts == [s for s in scripts if "/static/js/study.js" in s] and len(scripts) == 1
    assert "javascript:" not in "".join(re.findall(r'(?:href|src)="[^"]*"', page)).lower()


@pytest.mark.parametrize(("text", "line", "reason"), [
    ("title: 甲\norder: 1\nminutes: 5\ncredit_hours: 0.5\n\n正文", 1, "front matter"),
    ("---\ntitle: 甲\norder: 1\nminutes: [5\ncredit_hours: 0.5\n---\n正文", None, "YAML"),
    ("---\ntitle: 甲\norder: 1\nminutes: 五分钟\ncredit_hours: 0.5\n---\n正文", 4, "minutes"),
    ("---\ntitle: 甲\norder: 1\nminutes: 5\n---\n正文", 1, "credit_hours"),
    ("---\ntitle: 甲\norder: 1\nminutes: 5\ncredit_hours: 0.333\n---\n正文", 5, "credit_hours"),
    ("---\ntitle: 甲\norder: 1\nminutes: 5\ncredit_hours: 0.5\nauthor: 某人\n---\n正文", 6, "author"),
    ("---\ntitle: 甲\norder: 1\nminutes: 5\ncredit_hours: 0.5\n---\n\n", 7, "正文为空"),
])
def test_bad_front_matter_exits_1_naming_the_file_and_line(runner, tmp_path, text, line, reason):
    good = LESSON.format(title="好", order=1)
    root = _make_root(tmp_path, {"01-good.md": good, "02-bad.md": text})
    result = runner.invoke(args=["content", "sync", str(root)])
    assert result.exit_code == 1
    assert "demo-mod/lessons/02-bad.md" in result.output and reason in result.output
    if line is not None:
        assert f"02-bad.md 第 {line} 行" in result.output, result.output
    else:
        assert re.search(r"02-bad\.md 第 \d+ 行", result.output)
    assert "未写入" in result.output
    assert _lesson_count() == 0  # the good file is not loaded either: nothing is half-written


def test_yaml_error_points_at_the_broken_line(runner, tmp_path):
    root = _make_root(tmp_path, {"01-bad.md": "---\ntitle: 甲\norder: 1\nminutes: 5\ncredit_hours: 0.5\nx: [\n---\n正文"})
    result = runner.invoke(args=["content", "sync", str(root)])
    assert result.exit_code == 1 and "01-bad.md 第 " in result.output
    line = int(re.search(r"01-bad\.md 第 (\d+) 行", result.output).group(1))
    assert 6 <= line <= 7


def test_sync_refuses_an_empty_folder_instead_of_retiring_everything(runner, tmp_path):
    runner.invoke(args=["content", "sync"])
    empty = tmp_path / "empty"
    empty.mkdir()
    result = runner.invoke(args=["content", "sync", str(empty)])
    assert result.exit_code == 1 and "没有找到" in result.output
    assert _lesson_count(active=True) == 36


def test_demo_loads_the_lessons(runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "学法课程" in result.output
    assert _lesson_count(active=True) == 36
    # make run's "demo --if-empty" keeps them in step with the files too.
    result = runner.invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0 and "学法课程：36" in result.output
