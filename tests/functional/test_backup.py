"""``lawexam backup FILE`` / ``lawexam restore FILE``: a populated database round-trips exactly,
on every database the suite reaches; bad input changes nothing and exits non-zero."""
from __future__ import annotations

import shutil
import sqlite3

import pytest
import sqlalchemy as sa

from lawexam.auth.models import Role, User
from lawexam.exams.models import AttemptAnswer
from lawexam.extensions import db
from tests.functional.exam_support import make_exam

_TOOLS = {"postgresql": ("pg_dump", "postgresql-client"), "mysql": ("mysqldump", "mariadb-client")}


@pytest.fixture(autouse=True)
def _needs_the_dump_tool(app):
    needed = _TOOLS.get(db.engine.dialect.name)
    if needed and shutil.which(needed[0]) is None:
        pytest.skip(f"{needed[0]} is not on PATH (apt-get install {needed[1]})")


def everything() -> dict[str, list[tuple]]:
    """Every row of every table (alembic_version too), in primary-key order."""
    db.session.commit()
    metadata = sa.MetaData()
    metadata.reflect(bind=db.engine)
    rows = {}
    with db.engine.connect() as connection:
        for table in sorted(metadata.tables.values(), key=lambda t: t.name):
            order = list(table.primary_key.columns) or list(table.columns)
            rows[table.name] = [tuple(row) for row in connection.execute(sa.select(table).order_by(*order))]
    db.engine.dispose()  # nothing of the test's may hold a table while a restore replaces it
    return rows


def an_answer(question: dict) -> object:
    """Some well-formed answer to a question as the browser sees it."""
    if question["type"] == "truefalse":
        return True
    if question["type"] == "fill":
        return ["甲"] * question["blanks"]
    first = question["options"][0]["key"]
    return first if question["type"] == "single" else [first]


def populate(client, login_as, make_user, town) -> int:
    """People, a question bank, an exam, and an attempt with saved answers."""
    make_user(Role.OFFICER, name="管理员甲")
    make_user(Role.EXAMINEE, unit="west", name="考生乙")
    login_as(Role.EXAMINEE, unit="east", name="考生丙")
    exam = make_exam(town["town"])
    started = client.post(f"/api/exams/{exam.id}/attempts").get_json()
    for seq, question in enumerate(started["questions"][:5], start=1):
        reply = client.put(f"/api/attempts/{started['attempt_id']}/answers/{question['slot']}",
                           json={"answer": an_answer(question), "seq": seq})
        assert reply.status_code == 200, reply.get_data(as_text=True)
    return started["attempt_id"]


def test_backup_then_restore_brings_back_every_row_exactly(runner, client, login_as, make_user, town, tmp_path):
    populate(client, login_as, make_user, town)
    before = everything()
    assert len(before["attempt_answers"]) == 5 and len(before["users"]) == 3 and before["alembic_version"]

    target = tmp_path / "lawexam.backup"
    made = runner.invoke(args=["backup", str(target)])
    assert made.exit_code == 0, made.output
    assert "已写入备份" in made.output and "attempt_answers" in made.output and target.stat().st_size > 0
    assert not list(tmp_path.glob(".*partial*"))  # no temporary file left behind

    # Change, delete and add after the backup.
    db.session.execute(sa.update(User).where(User.real_name == "考生乙").values(real_name="改过的名字"))
    db.session.execute(sa.delete(AttemptAnswer))
    make_user(Role.EXAMINEE, name="备份之后的人")
    assert everything() != before

    restored = runner.invoke(args=["restore", str(target), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert "恢复数据库" in restored.output
    assert everything() == before

    # The restored database takes new rows (its id sequences came back too).
    make_user(Role.EXAMINEE, name="恢复之后的人")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 4


def test_an_existing_backup_file_is_kept_unless_forced(runner, client, login_as, make_user, town, tmp_path):
    populate(client, login_as, make_user, town)
    target = tmp_path / "keep.backup"
    target.write_bytes(b"an older backup")
    refused = runner.invoke(args=["backup", str(target)])
    assert refused.exit_code != 0 and "--force" in refused.output
    assert target.read_bytes() == b"an older backup"
    forced = runner.invoke(args=["backup", str(target), "--force"])
    assert forced.exit_code == 0, forced.output
    assert target.read_bytes() != b"an older backup"


def test_restore_refuses_bad_files_and_changes_nothing(runner, client, login_as, make_user, town, tmp_path):
    populate(client, login_as, make_user, town)
    before = everything()

    missing = runner.invoke(args=["restore", str(tmp_path / "no-such.backup"), "--yes"])
    assert missing.exit_code != 0 and "找不到备份文件" in missing.output

    junk = tmp_path / "notes.txt"
    junk.write_text("这不是数据库备份\n" * 50)
    not_a_backup = runner.invoke(args=["restore", str(junk), "--yes"])
    assert not_a_backup.exit_code != 0 and "未恢复任何数据" in not_a_backup.output

    declined = runner.invoke(args=["restore", str(junk)], input="y\n")
    assert declined.exit_code != 0  # refused before it even asks
    assert everything() == before


@pytest.mark.sqlite_only
def test_restore_refuses_an_sqlite_file_that_is_not_ours(runner, town, tmp_path):
    before = everything()
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT)")
        connection.execute("INSERT INTO things (name) VALUES ('x')")
    connection.close()
    refused = runner.invoke(args=["restore", str(other), "--yes"])
    assert refused.exit_code != 0 and "alembic_version" in refused.output
    assert everything() == before


@pytest.mark.sqlite_only
def test_asking_first_and_taking_no_for_an_answer(runner, client, login_as, make_user, town, tmp_path):
    populate(client, login_as, make_user, town)
    target = tmp_path / "a.backup"
    assert runner.invoke(args=["backup", str(target)]).exit_code == 0
    make_user(Role.EXAMINEE, name="后来的人")
    before = everything()
    declined = runner.invoke(args=["restore", str(target)], input="n\n")
    assert declined.exit_code != 0 and "已取消" in declined.output
    assert everything() == before
    accepted = runner.invoke(args=["restore", str(target)], input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert everything() != before
