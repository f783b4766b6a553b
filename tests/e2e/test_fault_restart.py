"""PostgreSQL drops every connection in the middle of an exam (what a server restart does to
them): the phone goes on answering, the app reconnects, and every answer reaches the database.

The connections are ended with pg_terminate_backend rather than by restarting the server,
which other tests may be using at the same moment."""
from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa

from tests.e2e.conftest import log_in, start_server
from tests.e2e.test_exam_offline import READ_ANSWERS, answer_next, make_exam, run, start_exam, unsaved, wait_saved

pytestmark = pytest.mark.e2e

ADMIN_URL = os.environ.get("LAWEXAM_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture
def pg_database():
    admin = sa.create_engine(sa.engine.make_url(ADMIN_URL).set(drivername="postgresql+psycopg"),
                             isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    name = f"lawexam_restart_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except Exception as error:  # no server here
        admin.dispose()
        if os.environ.get("LAWEXAM_REQUIRE_PG") == "1":
            raise
        pytest.skip(f"PostgreSQL does not answer at {ADMIN_URL}: {type(error).__name__}")
    url = sa.engine.make_url(ADMIN_URL).set(drivername="postgresql+psycopg", database=name)
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def drop_every_connection(url: sa.URL) -> int:
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            return connection.scalar(sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    finally:
        engine.dispose()


def test_a_phone_keeps_answering_when_postgresql_drops_every_connection(pg_database, phone, tmp_path):
    server = start_server(tmp_path / "instance", database_url=pg_database.render_as_string(hide_password=False))
    try:
        exam_id = make_exam(server, "examinee09", "数据库重启测试")
        log_in(phone, server.url, "examinee09")
        attempt_id = start_exam(phone, server.url, exam_id)
        before = answer_next(phone, 5)
        wait_saved(phone)

        assert drop_every_connection(pg_database) >= 1  # the workers' pooled connections

        after = answer_next(phone, 5)
        wait_saved(phone)
        assert unsaved(phone) == 0
        held = run(server, READ_ANSWERS, str(attempt_id))
        assert held["state"] == "in_progress"
        assert set(held["answers"]) == set(before + after) and len(held["answers"]) == 10
        assert all(row["answer"] is not None for row in held["answers"].values())
        # The reload shows what the server holds: every answer, none waiting on the phone.
        phone.reload()
        phone.wait_for_selector("form.exam.js-on .exam-q.current")
        assert unsaved(phone) == 0
    finally:
        server.stop()
    assert " 500 " not in (tmp_path / "instance" / "server.log").read_text()
