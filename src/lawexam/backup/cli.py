"""``lawexam backup FILE`` and ``lawexam restore FILE``."""
from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from lawexam.backup import services
from lawexam.extensions import db


def _database() -> str:
    return current_app.config["SQLALCHEMY_DATABASE_URI"]


def _shown(url: str) -> str:
    return sa.engine.make_url(url).render_as_string(hide_password=True)


def _size(size: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024  # type: ignore[assignment]
    return str(size)


def _print_counts(report: services.BackupReport) -> None:
    filled = {name: count for name, count in report.row_counts.items() if count}
    click.echo(f"共 {len(report.row_counts)} 张表、{report.total_rows} 行；结构版本 {report.revision or '—'}。")
    width = max((len(name) for name in filled), default=0)
    for name, count in filled.items():
        click.echo(f"  {name:<{width}}  {count}")
    empty = len(report.row_counts) - len(filled)
    if empty:
        click.echo(f"  （另有 {empty} 张空表）")


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite FILE if it already exists.")
@with_appcontext
def backup_command(file: Path, force: bool) -> None:
    """Back up the whole database to FILE (safe while the app is serving).

    SQLite: an online copy; PostgreSQL: pg_dump --format=custom; MariaDB/MySQL: mysqldump."""
    from lawexam.cli import fail

    url = _database()
    click.echo(f"正在备份 {_shown(url)} …")
    try:
        report = services.backup_database(url, file, force=force)
    except services.BackupError as error:
        fail(error.message)
    click.echo(f"已写入备份 {report.path}（{_size(report.size)}）。")
    _print_counts(report)


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask before replacing the data.")
@with_appcontext
def restore_command(file: Path, yes: bool) -> None:
    """Replace every row of the database with the backup in FILE (stop the app servers first)."""
    from lawexam.cli import fail

    url = _database()
    try:
        services.check_backup(url, file)
    except services.BackupError as error:
        fail(error.message)
    if not yes and not click.confirm(f"恢复将用 {file} 替换数据库 {_shown(url)} 中的全部数据。继续吗？"):
        fail("已取消，数据库未改动。")
    # Nothing of ours may hold the tables open while they are replaced.
    db.session.remove()
    db.engine.dispose()
    try:
        report = services.restore_database(url, file)
    except services.BackupError as error:
        fail(error.message)
    click.echo(f"已从 {report.path}（{_size(report.size)}）恢复数据库 {_shown(url)}。")
    _print_counts(report)
    click.echo("若备份来自较早的版本，请接着运行 lawexam db upgrade。")


COMMANDS = (backup_command, restore_command)
