"""``lawexam content …``: load the study lessons from their Markdown files."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from lawexam.extensions import db


def _fail(message: str) -> None:
    click.echo(click.style("错误：", fg="red") + message, err=True)
    sys.exit(1)


@click.group("content")
def content_group() -> None:
    """Study content (lessons)."""


def print_sync_report(report) -> None:  # type: ignore[no-untyped-def]
    for label, lessons in (("新增", report.created), ("更新", report.updated), ("恢复", report.restored),
                           ("停用", report.retired)):
        for lesson in lessons:
            click.echo(f"  {label} {lesson.key}  {lesson.title}")
    if not report.changed:
        click.echo(f"没有变化：{report.unchanged} 节课程均为最新。")
        return
    click.echo(f"课程：新增 {len(report.created)}，更新 {len(report.updated)}，恢复 {len(report.restored)}，"
               f"停用 {len(report.retired)}，未变 {report.unchanged}；在用 {report.active} 节，"
               f"{report.modules} 个模块。")


@content_group.command("sync")
@click.argument("path", required=False, type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def sync_command(path: Path | None) -> None:
    """Load or update the lessons from PATH (default: the seed bank, question_bank/).

    Lessons whose file is gone are retired; their study records are kept.
    """
    from lawexam.study.content import ContentInvalid, sync_lessons

    try:
        report = sync_lessons(path)
    except ContentInvalid as error:
        db.session.rollback()
        for problem in error.problems:
            click.echo(f"{problem.file} 第 {problem.line} 行：{problem.message}", err=True)
        _fail(f"有 {len(error.problems)} 处问题，未写入任何课程。")
    db.session.commit()
    print_sync_report(report)
