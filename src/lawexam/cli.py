"""The ``lawexam`` command: a Flask group with one sub-group per domain."""
from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from lawexam.extensions import db


def _create_app() -> Flask:
    from lawexam import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False,
             help="LawExam — 无纸化学法用法及考试平台 command line.")
def main() -> None:
    pass


def fail(message: str) -> None:
    """Exit non-zero with a one-line reason."""
    click.echo(click.style("错误：", fg="red") + message, err=True)
    sys.exit(1)


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing (and succeed) when the database already has people.")
@with_appcontext
def demo_command(if_empty: bool) -> None:
    """Load the demo town (about 120 people) and print the demo logins."""
    from lawexam.demo import DEMO_PASSWORD, build_demo_town, database_is_empty

    if not database_is_empty():
        if if_empty:
            click.echo("数据库已有数据，未加载演示数据。")
            _sync_lessons()
            _print_logins(DEMO_PASSWORD)
            return
        fail("数据库已有数据；演示数据只能加载到空数据库。")
    from lawexam.questions.seed import load_seed_bank

    from lawexam.db import utcnow
    from lawexam.exams.demo import build_demo_exams

    summary = build_demo_town()
    seeded = load_seed_bank()
    exams = build_demo_exams(summary.town, utcnow())
    db.session.commit()
    click.echo(f"已加载演示镇：{summary.units} 个单位，{summary.people} 人"
               f"（执法人员 {summary.enforcement} 人，法律明白人 {summary.legal_literate} 人）。")
    click.echo(f"已加载种子题库：{seeded.created} 道题。")
    _sync_lessons()
    click.echo(f"已创建演示考试：一场正在进行的全镇考试；上半年考试应考 {exams['enrolled']} 人、"
               f"参考 {exams['took_part']} 人，{exams['failed_first']} 人不合格并参加了补考。")
    _demo_certificates()
    _print_logins(DEMO_PASSWORD)


def _demo_certificates() -> None:
    """The demo town's enforcement certificates (after the exams and lessons they draw on)."""
    from lawexam.certification.demo import build_demo_certificates
    from lawexam.db import utcnow

    certificates = build_demo_certificates(utcnow())
    db.session.commit()
    click.echo(f"已创建演示执法证：持证 {certificates.holders} 人，今年新增 {certificates.new_this_year} 人，"
               f"60 天内到期 {certificates.due_soon} 人，申领候选 {certificates.candidates} 人。")


def _sync_lessons() -> None:
    """Load the study lessons (after the seed bank, whose modules they belong to)."""
    from lawexam.study.content import ContentInvalid, sync_lessons

    try:
        report = sync_lessons()
    except ContentInvalid as error:
        db.session.rollback()
        fail(f"学法课程有问题，未加载：{error.problems[0]}")
    db.session.commit()
    click.echo(f"已同步学法课程：{report.active} 节（新增 {len(report.created)}）。")


def _print_logins(password: str) -> None:
    click.echo("演示账号（密码均为 %s）：admin（系统管理员）、officer（培训管理员）、"
               "reviewer（审阅人）、examinee01 … examinee116（考生）" % password)


@click.group("users")
def users_group() -> None:
    """People on the roster."""


@users_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and report; write nothing.")
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows even if some rows are invalid.")
@with_appcontext
def users_import(file: Path, dry_run: bool, skip_invalid: bool) -> None:
    """Import people from an .xlsx or .csv roster."""
    from lawexam.people import roster

    plan = roster.plan_import(file.name, file.read_bytes(), actor=None)
    for problem in plan.file_problems:
        fail(f"{file.name}：{problem}")
    for warning in plan.warnings:
        click.echo(f"提示：{warning}")
    for problem in plan.problems:
        click.echo(f"{file.name} 第 {problem.row} 行 [{problem.column}]：{problem.message}", err=True)
    counts = {s: plan.count(s) for s in roster.RowStatus}
    click.echo(f"新增 {counts[roster.RowStatus.NEW]}，更新 {counts[roster.RowStatus.UPDATE]}，"
               f"未变 {counts[roster.RowStatus.UNCHANGED]}，无效 {counts[roster.RowStatus.INVALID]}。")
    if dry_run:
        click.echo("试运行（--dry-run）：未写入任何数据。")
        sys.exit(1 if plan.invalid_count and not skip_invalid else 0)
    try:
        outcome = roster.apply_import(plan, skip_invalid=skip_invalid, actor=None)
    except roster.RosterInvalid:
        db.session.rollback()
        fail("有无效行，未导入任何数据。修正后重试，或使用 --skip-invalid 跳过无效行。")
    db.session.commit()
    click.echo(f"已导入：新增 {len(outcome.created)}，更新 {outcome.updated}，未变 {outcome.unchanged}，"
               f"跳过 {outcome.skipped}。")
    if outcome.created:
        click.echo("新账号的临时密码（仅显示这一次，首次登录须修改）：")
        for user, password in outcome.created:
            click.echo(f"  {user.account}\t{user.real_name}\t{password}")


@users_group.command("create-admin")
@click.option("--account", prompt="账号", help="Account (mobile number or staff number).")
@click.option("--name", "real_name", prompt="姓名", help="Real name.")
@with_appcontext
def users_create_admin(account: str, real_name: str) -> None:
    """Create an administrator (asks for the password twice; LAWEXAM_ADMIN_PASSWORD for scripts)."""
    from lawexam.auth.models import Category, OrgUnit, Role
    from lawexam.auth.passwords import hash_password, password_problems
    from lawexam.errors import DomainError
    from lawexam.people.services import PersonData, create_person

    password = os.environ.get("LAWEXAM_ADMIN_PASSWORD")
    if not password:
        password = getpass.getpass("密码：")
        if getpass.getpass("再次输入密码：") != password:
            fail("两次输入的密码不一致。")
    problems = password_problems(password, account=account)
    if problems:
        fail(" ".join(problems))
    town = db.session.scalar(db.select(OrgUnit).where(OrgUnit.parent_id.is_(None)).order_by(OrgUnit.id))
    if town is None:
        from lawexam.auth.models import UnitKind
        from lawexam.people.units import create_unit

        town = create_unit(os.environ.get("LAWEXAM_TOWN_NAME") or "本镇", UnitKind.TOWN, None)
    try:
        user, _temporary = create_person(PersonData(real_name=real_name, account=account, unit_id=town.id,
                                                    categories={Category.CADRE}, roles={Role.ADMIN, Role.OFFICER}),
                                         actor=None)
    except DomainError as error:
        db.session.rollback()
        fail(error.message)
    user.password_hash = hash_password(password)
    user.must_change_password = False
    db.session.commit()
    click.echo(f"已创建管理员 {user.account}（{user.real_name}）。")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", type=int, default=None, help="Worker processes (default: 2 × cores + 1).")
def serve_command(host: str, port: int, workers: int | None) -> None:
    """Serve the app with gunicorn, as in production."""
    from lawexam.serving import run_gunicorn

    run_gunicorn(host=host, port=port, workers=workers)


def register_commands(app: Flask) -> None:
    from lawexam.certification.cli import certificates_group
    from lawexam.exams.cli import exams_group
    from lawexam.questions.cli import questions_group
    from lawexam.study.cli import content_group
    from lawexam.backup.cli import COMMANDS as backup_commands

    for command in (demo_command, users_group, questions_group, exams_group, serve_command, content_group, certificates_group, *backup_commands):
        app.cli.add_command(command)
