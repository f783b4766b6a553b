"""``lawexam questions …``: import, export and count the bank from the shell."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from lawexam.extensions import db

IMPORTABLE = (".xlsx", ".csv", ".gift", ".txt", ".xml", ".yaml", ".yml")


def _fail(message: str) -> None:
    click.echo(click.style("错误：", fg="red") + message, err=True)
    sys.exit(1)


def collect_files(paths: tuple[Path, ...]) -> list[Path]:
    """Files named directly, and every importable file under a named folder (sorted)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in IMPORTABLE
                            and "lessons" not in p.parts and not p.name.startswith("."))
        else:
            files.append(path)
    return files


@click.group("questions")
def questions_group() -> None:
    """The question bank."""


@questions_group.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check everything and print a summary; write nothing.")
@click.option("--skip-invalid", is_flag=True, help="Import the valid questions even if some are invalid.")
@click.option("--module", "module", default=None, help="Put every question into this module (name or code).")
@with_appcontext
def import_command(paths: tuple[Path, ...], dry_run: bool, skip_invalid: bool, module: str | None) -> None:
    """Import questions from .xlsx, .csv, GIFT, Aiken, Moodle XML or the project's YAML (files or folders)."""
    from lawexam.questions.importing import ImportBlocked, apply_import, plan_import

    files = collect_files(paths)
    if not files:
        _fail("没有找到可导入的文件（.xlsx .csv .gift .txt .xml .yaml）。")
    with click.progressbar(files, label="读取并校验", file=sys.stderr) as bar:
        loaded = [(str(path), path.read_bytes()) for path in bar]
    plan = plan_import(loaded, default_module=module)
    for problem in plan.problems:
        field = f" [{problem.field}]" if problem.field else ""
        click.echo(f"{problem.file} {problem.location}{field}（{_severity_label(problem.severity)}）：{problem.message}",
                   err=True)
    counts = plan.counts
    click.echo(f"新题 {counts['new']}，更新 {counts['update']}，重复 {counts['duplicate']}，"
               f"无效 {counts['invalid']}，不支持的题型 {counts['unsupported']}。")
    if dry_run:
        click.echo("试运行（--dry-run）：未写入任何数据。")
        sys.exit(1 if plan.errors else 0)
    if not plan.items:
        if plan.errors:
            _fail("没有可导入的试题。")
        click.echo("没有需要导入的新试题。")
        return
    try:
        outcome = apply_import(plan, skip_invalid=skip_invalid, actor=None)
    except ImportBlocked:
        db.session.rollback()
        _fail("有无效的试题，未导入任何数据。修正后重试，或使用 --skip-invalid 跳过无效试题。")
    db.session.commit()
    click.echo(f"已导入：新增 {outcome.created}，更新 {outcome.updated}。")


def _severity_label(severity: str) -> str:
    return {"error": "错误", "unsupported": "不支持，已跳过", "dropped": "部分内容已舍弃",
            "duplicate": "重复，已跳过", "warning": "提示"}.get(severity, severity)


@questions_group.command("export")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["xlsx", "gift", "moodle-xml", "yaml"]), required=True)
@click.option("--module", "module", default=None, help="Only this module (name or code).")
@click.option("--include-retired", is_flag=True, help="Also export retired questions.")
@with_appcontext
def export_command(path: Path, fmt: str, module: str | None, include_retired: bool) -> None:
    """Export questions. With --format yaml and a folder, one file per module."""
    from lawexam.questions.exporting import ExportError, export_to_path

    try:
        written = export_to_path(path, fmt, module=module, include_retired=include_retired)
    except ExportError as error:
        _fail(str(error))
    db.session.commit()  # the export is recorded in the audit log
    for file, count in written:
        click.echo(f"已导出 {count} 道题到 {file}")


@questions_group.command("stats")
@with_appcontext
def stats_command() -> None:
    """Count questions by module and type."""
    from lawexam.questions.bank import stats
    from lawexam.questions.presentation import TYPE_LABELS_ZH

    rows = stats()
    if not rows:
        click.echo("题库为空。")
        return
    width = max(len(r.module) for r in rows)
    click.echo(f"{'模块'.ljust(width)}\t题型\t在用\t已停用")
    for row in rows:
        click.echo(f"{row.module.ljust(width)}\t{TYPE_LABELS_ZH.get(row.type, row.type)}\t{row.active}\t{row.retired}")
    click.echo(f"合计：在用 {sum(r.active for r in rows)}，已停用 {sum(r.retired for r in rows)}")
