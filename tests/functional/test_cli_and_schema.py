"""The command line, the demo town and the migrations."""
from __future__ import annotations

import subprocess
import sys

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select, text

from lawexam.auth.models import Category, OrgUnit, Role, UnitKind, User
from lawexam.extensions import db


def test_migrations_match_the_models(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_upgrade_twice_is_a_no_op(runner, caplog):
    head = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    with caplog.at_level("INFO", logger="alembic"):
        result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0
    assert not [r for r in caplog.records if "Running upgrade" in r.getMessage()]
    assert db.session.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == head


def test_demo_town_matches_the_real_case(runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "lawexam-demo" in result.output
    kinds = dict(db.session.execute(select(OrgUnit.kind, func.count()).group_by(OrgUnit.kind)).all())
    assert kinds[UnitKind.TOWN] == 1 and kinds[UnitKind.VILLAGE] == 6 and kinds[UnitKind.COMMUNITY] == 3
    names = set(db.session.scalars(select(OrgUnit.name)))
    assert {"综合执法中队", "司法所"} <= names
    people = db.session.scalars(select(User)).all()
    assert 110 <= len(people) <= 130
    assert sum(Category.ENFORCEMENT in p.categories for p in people) == 11
    assert sum(Category.LEGAL_LITERATE in p.categories for p in people) == 30
    for category in Category:
        assert any(category in p.categories for p in people), category
    accounts = {p.account: p for p in people}
    assert Role.ADMIN in accounts["admin"].roles and Role.OFFICER in accounts["officer"].roles
    assert Role.REVIEWER in accounts["reviewer"].roles and "examinee01" in accounts
    assert not any(p.must_change_password for p in people)


def test_demo_accounts_sign_in_with_the_demo_password(runner, client):
    runner.invoke(args=["demo"])
    for account in ("admin", "officer", "reviewer", "examinee01"):
        response = client.post("/login", data={"account": account, "password": "lawexam-demo"})
        assert response.status_code == 302, account
        client.post("/logout")


def test_demo_refuses_a_database_with_people_but_if_empty_succeeds(runner):
    runner.invoke(args=["demo"])
    before = db.session.scalar(select(func.count()).select_from(User))
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 1 and "已有数据" in result.output
    result = runner.invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0
    assert db.session.scalar(select(func.count()).select_from(User)) == before


def test_create_admin_checks_the_password(runner, monkeypatch):
    monkeypatch.setenv("LAWEXAM_ADMIN_PASSWORD", "12345678")
    result = runner.invoke(args=["users", "create-admin", "--account", "boss", "--name", "镇长"])
    assert result.exit_code == 1 and "过于常见" in result.output
    assert db.session.scalar(select(User).where(User.account == "boss")) is None
    monkeypatch.setenv("LAWEXAM_ADMIN_PASSWORD", "Quiet-Harbour-19")
    result = runner.invoke(args=["users", "create-admin", "--account", "boss", "--name", "镇长"])
    assert result.exit_code == 0, result.output
    boss = db.session.scalar(select(User).where(User.account == "boss"))
    assert Role.ADMIN in boss.roles and not boss.must_change_password


@pytest.mark.sqlite_only
def test_console_script_help_lists_every_command(database_url, tmp_path):
    env = {"LAWEXAM_DATABASE_URL": database_url, "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    exe = sys.executable.rsplit("/", 1)[0] + "/lawexam"
    output = subprocess.run([exe, "--help"], capture_output=True, text=True, env=env, check=True).stdout
    for command in ("db", "demo", "users", "serve"):
        assert f"  {command}" in output
    users = subprocess.run([exe, "users", "--help"], capture_output=True, text=True, env=env, check=True).stdout
    assert "import" in users and "create-admin" in users
