"""``lawexam certificates …``: the due list for a daily mail from cron, and the import."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from lawexam.extensions import db


@click.group("certificates")
def certificates_group() -> None:
    """Enforcement certificates (行政执法证)."""


@certificates_group.command("due")
@click.option("--within", "within", type=click.IntRange(0, 3650), default=60, show_default=True,
              help="List certificates that expire within this many days (expired ones too).")
@with_appcontext
def certificates_due(within: int) -> None:
    """Certificates to renew, one per line: name, unit, type, number, valid until, days left, what is missing.

    Plain text fit for a daily mail from cron; always exits 0."""
    from lawexam.certification import services
    from lawexam.db import utcnow
    from lawexam.people.units import unit_path

    listing = services.due_list(utcnow(), within=within)
    rows = listing.due + listing.expired
    if not rows:
        click.echo(f"none due：截至 {listing.today.isoformat()}，{within} 天内没有到期的执法证件。")
        return
    click.echo(f"截至 {listing.today.isoformat()}：{within} 天内到期 {len(listing.due)} 个，已过期未换证 "
               f"{len(listing.expired)} 个。")
    for row in rows:
        cert, evaluation = row.certificate, row.evaluation
        unit = unit_path(cert.holder.unit) if cert.holder.unit else "—"
        left = (f"剩余 {evaluation.days_left} 天" if evaluation.days_left >= 0
                else f"已过期 {-evaluation.days_left} 天")
        missing = "；".join(row.missing) or "换证要求已满足"
        click.echo("\t".join([cert.holder.real_name, unit, cert.type.name, cert.number,
                              f"有效期至 {cert.valid_until.isoformat()}", left, missing]))


@certificates_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and report; write nothing.")
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows even if some rows are invalid.")
@with_appcontext
def certificates_import(file: Path, dry_run: bool, skip_invalid: bool) -> None:
    """Import existing certificates from an .xlsx file (matched by type and number, so re-importing updates)."""
    from lawexam.certification import importing
    from lawexam.cli import fail
    from lawexam.db import utcnow

    now = utcnow()
    plan = importing.plan_import(file.name, file.read_bytes(), now)
    for problem in plan.file_problems:
        fail(f"{file.name}：{problem}")
    for warning in plan.warnings:
        click.echo(f"提示：{warning}")
    for problem in plan.problems:
        click.echo(f"{file.name} 第 {problem.row} 行 [{problem.column}]：{problem.message}", err=True)
    counts = {s: plan.count(s) for s in importing.RowStatus}
    click.echo(f"新增 {counts[importing.RowStatus.NEW]}，更新 {counts[importing.RowStatus.UPDATE]}，"
               f"未变 {counts[importing.RowStatus.UNCHANGED]}，无效 {counts[importing.RowStatus.INVALID]}。")
    if dry_run:
        db.session.rollback()
        click.echo("试运行（--dry-run）：未写入任何数据。")
        sys.exit(1 if plan.invalid_count and not skip_invalid else 0)
    try:
        outcome = importing.apply_import(plan, skip_invalid=skip_invalid, actor=None, now=now)
    except importing.ImportInvalid:
        db.session.rollback()
        fail("有无效行，未导入任何数据。修正后重试，或使用 --skip-invalid 跳过无效行。")
    db.session.commit()
    click.echo(f"已导入：新增 {outcome.created}，更新 {outcome.updated}，未变 {outcome.unchanged}，"
               f"跳过 {outcome.skipped}。")
