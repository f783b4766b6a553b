"""The database misbehaves: locked (SQLite), read-only, full, or its server drops every
connection. A user never sees "database is locked"; what cannot be written gives a clear 503
and leaves no half-written rows; acknowledged answers are never lost."""
from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import event, func, select

from lawexam import write_retry
from lawexam.auth.models import Role, User
from lawexam.db import engine_options_for
from lawexam.exams.models import AttemptAnswer
from lawexam.extensions import db
from lawexam.staging import StagedUpload
from tests.conftest import IsolatedClient, _make_app
from tests.functional.exam_support import make_exam
from tests.functional.test_backup import an_answer
from tests.functional.test_roster import confirm, upload, xlsx

UNAVAILABLE_TITLE = "服务暂时不可用"
UNAVAILABLE_MESSAGE = "数据库暂时无法写入，本次未保存任何内容，请稍后重试。"


@pytest.fixture
def app_config(database_url: str) -> dict[str, object]:
    if database_url.startswith("sqlite"):
        # A short busy timeout so that "database is locked" comes at once, not after 15 s.
        return {"SQLALCHEMY_ENGINE_OPTIONS_EXTRA": {"connect_args": {"timeout": 0.05}}}
    return {}


class Pauses:
    """The retry's pauses, recorded instead of slept; ``hooks`` run at each pause."""

    def __init__(self) -> None:
        self.seen: list[float] = []
        self.hooks: list = []

    def __call__(self, seconds: float) -> None:
        self.seen.append(seconds)
        for hook in self.hooks:
            hook()


@pytest.fixture
def pauses(monkeypatch) -> Pauses:
    recorder = Pauses()
    monkeypatch.setattr(write_retry, "_pause", recorder)
    return recorder


def begin_exam(client, login_as, town) -> dict:
    login_as(Role.EXAMINEE, unit="east")
    started = client.post(f"/api/exams/{make_exam(town['town']).id}/attempts")
    assert started.status_code == 201, started.get_data(as_text=True)
    return started.get_json()


def save(client, started: dict, index: int, seq: int):
    question = started["questions"][index]
    return client.put(f"/api/attempts/{started['attempt_id']}/answers/{question['slot']}",
                      json={"answer": an_answer(question), "seq": seq})


def assert_form_post_gives_the_503_page(client, started: dict) -> None:
    """Every question answered on the exam page without JavaScript, posted as one form."""
    fields = {"action": "save"}
    for question in started["questions"]:
        answer, name = an_answer(question), f"q{question['slot']}"
        if question["type"] == "fill":
            fields.update({f"{name}-{n}": text for n, text in enumerate(answer, start=1)})
        elif question["type"] == "truefalse":
            fields[name] = "true"
        else:
            fields[name] = answer if isinstance(answer, str) else answer[0]
    form = client.post(f"/exams/attempts/{started['attempt_id']}/answers", data=fields)
    assert form.status_code == 503 and form.mimetype == "text/html"
    page = form.get_data(as_text=True)
    assert UNAVAILABLE_TITLE in page and UNAVAILABLE_MESSAGE in page


def answer_count() -> int:
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(AttemptAnswer))


def sqlite_file() -> Path:
    return Path(db.engine.url.database)


class WriteLockHolder(threading.Thread):
    """Another connection that holds SQLite's write lock until told to let go."""

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        self.path = path
        self.held, self.let_go, self.released = threading.Event(), threading.Event(), threading.Event()

    def run(self) -> None:
        connection = sqlite3.connect(self.path, isolation_level=None, timeout=10)
        connection.execute("BEGIN EXCLUSIVE")
        connection.execute("UPDATE org_units SET name = name")
        self.held.set()
        self.let_go.wait(60)
        connection.execute("COMMIT")
        connection.close()
        self.released.set()

    def __enter__(self) -> WriteLockHolder:
        self.start()
        assert self.held.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self.let_go.set()
        self.join(10)

    def release_now(self) -> None:
        self.let_go.set()
        assert self.released.wait(10)


# ---- SQLite: "database is locked" -----------------------------------------------------------

def test_the_busy_timeout_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("LAWEXAM_SQLITE_BUSY_TIMEOUT_MS", "2500")
    assert engine_options_for("sqlite:///x.db") == {"connect_args": {"timeout": 2.5}}
    monkeypatch.delenv("LAWEXAM_SQLITE_BUSY_TIMEOUT_MS")
    assert engine_options_for("sqlite:///x.db") == {"connect_args": {"timeout": 15.0}}


@pytest.mark.sqlite_only
def test_a_save_that_meets_a_held_write_lock_is_retried_and_stored(client, login_as, town, pauses):
    started = begin_exam(client, login_as, town)
    with WriteLockHolder(sqlite_file()) as lock:
        # The lock is let go only once the first try has failed with "database is locked".
        pauses.hooks.append(lock.release_now)
        reply = save(client, started, 0, 1)
    assert reply.status_code == 200, reply.get_data(as_text=True)
    assert reply.get_json()["seq"] == 1
    assert len(pauses.seen) == 1  # it did meet the lock, and the second run succeeded
    assert answer_count() == 1


@pytest.mark.sqlite_only
def test_a_lock_that_outlasts_every_retry_gives_a_json_503_and_writes_nothing(client, login_as, town, pauses):
    started = begin_exam(client, login_as, town)
    with WriteLockHolder(sqlite_file()):
        reply = save(client, started, 0, 1)
        submitted = client.post(f"/api/attempts/{started['attempt_id']}/submit")
    assert reply.status_code == 503 and reply.is_json
    assert reply.get_json() == {"code": "503", "message": UNAVAILABLE_MESSAGE}
    assert submitted.status_code == 503 and submitted.is_json
    assert len(pauses.seen) == 2 * len(write_retry.BACKOFF_S)
    assert answer_count() == 0
    # Once the lock is gone the same save (the page re-sends it) is stored.
    assert save(client, started, 0, 1).status_code == 200
    assert answer_count() == 1


# ---- SQLite: read-only and full ----------------------------------------------------------------

@pytest.mark.sqlite_only
def test_a_read_only_database_gives_503_to_a_form_and_to_the_api_and_writes_nothing(
        client, login_as, town, tmp_path):
    started = begin_exam(client, login_as, town)
    # Root ignores file modes, so the database is opened read-only by URL instead of chmod.
    read_only = _make_app(f"sqlite:///file:{sqlite_file()}?mode=ro&uri=true", tmp_path / "ro")
    read_only.test_client_class = IsolatedClient
    ro_client = read_only.test_client()
    ro_client.set_cookie("lawexam_session", client.get_cookie("lawexam_session").value)
    try:
        api = save(ro_client, started, 0, 1)
        assert api.status_code == 503 and api.is_json
        assert api.get_json()["message"] == UNAVAILABLE_MESSAGE
        assert_form_post_gives_the_503_page(ro_client, started)
    finally:
        with read_only.app_context():
            db.engine.dispose()
    assert answer_count() == 0


def test_a_read_only_server_database_gives_503_and_writes_nothing(client, login_as, town):
    dialect = db.engine.dialect.name
    if dialect == "sqlite":
        pytest.skip("a server database only (SQLite's read-only file has its own test)")
    started = begin_exam(client, login_as, town)
    # What a hot standby, or a database set read-only for maintenance, answers to every write.
    statement = {"postgresql": "SET default_transaction_read_only = on",
                 "mysql": "SET SESSION TRANSACTION READ ONLY"}[dialect]

    def read_only(dbapi_connection, record) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute(statement)
        dbapi_connection.commit()

    db.session.commit()
    event.listen(db.engine, "connect", read_only)
    db.engine.dispose()
    try:
        api = save(client, started, 0, 1)
        assert api.status_code == 503 and api.is_json, api.get_data(as_text=True)
        assert api.get_json() == {"code": "503", "message": UNAVAILABLE_MESSAGE}
        assert_form_post_gives_the_503_page(client, started)
        assert answer_count() == 0
    finally:
        event.remove(db.engine, "connect", read_only)
        db.session.rollback()
        db.engine.dispose()


@pytest.fixture
def full_database(app):
    """From the next connection on, the SQLite file may not grow by a single page."""
    db.session.commit()
    db.engine.dispose()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM")  # no free pages left to fill
    db.engine.dispose()

    def cap(dbapi_connection, record) -> None:
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    def on() -> None:
        event.listen(db.engine, "connect", cap)
        db.engine.dispose()

    yield on
    if event.contains(db.engine, "connect", cap):
        event.remove(db.engine, "connect", cap)
    db.session.rollback()
    db.engine.dispose()


@pytest.mark.sqlite_only
def test_a_full_database_gives_503_and_an_import_leaves_no_half_rows(client, login_as, town, full_database):
    login_as(Role.OFFICER)
    rows = [[f"导入人员{n}", f"1380000{n:04d}", "东风村", "网格员", "", ""] for n in range(400)]
    preview = upload(client, xlsx(rows)).get_data(as_text=True)
    assert "导入 400 行" in preview
    people_before = db.session.scalar(select(func.count()).select_from(User))
    full_database()
    done = confirm(client, preview)
    assert done.status_code == 503
    assert UNAVAILABLE_MESSAGE in done.get_data(as_text=True)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(User)) == people_before
    assert db.session.scalar(select(StagedUpload)) is not None  # kept, to import once there is room


# ---- a server drops every connection (what a restart does) -------------------------------------

def _admin_engine() -> sa.Engine:
    return sa.create_engine(db.engine.url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


def test_saves_after_postgresql_drops_every_connection_succeed_and_nothing_is_lost(client, login_as, town, pauses):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: terminates the server's connections")
    started = begin_exam(client, login_as, town)
    for n in range(4):  # half the paper's 8 questions before the drop, half after
        assert save(client, started, n, n + 1).status_code == 200
    db.session.commit()
    admin = _admin_engine()
    try:
        with admin.connect() as connection:
            dropped = connection.scalar(sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    finally:
        admin.dispose()
    assert dropped >= 1  # the app's pooled connections are gone
    for n in range(4, 8):
        reply = save(client, started, n, n + 1)
        assert reply.status_code == 200, reply.get_data(as_text=True)
    status = client.get(f"/api/attempts/{started['attempt_id']}").get_json()
    assert {int(slot): row["seq"] for slot, row in status["answers"].items()} == {
        q["slot"]: n + 1 for n, q in enumerate(started["questions"])}
    assert answer_count() == 8


def test_a_connection_dropped_in_the_middle_of_a_save_is_retried(client, login_as, town, pauses):
    if db.engine.dialect.name == "sqlite":
        pytest.skip("a server database only: SQLite has no connection to lose")
    started = begin_exam(client, login_as, town)
    admin = _admin_engine()
    dropped: list[int] = []

    def drop_own_connection(connection, cursor, statement, parameters, context, executemany) -> None:
        # The first write of the save loses its connection, as when the server restarts.
        if dropped or not statement.lstrip().upper().startswith("UPDATE ATTEMPTS"):
            return
        with admin.connect() as killer:
            if connection.dialect.name == "postgresql":
                pid = connection.connection.dbapi_connection.info.backend_pid
                killer.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            else:
                pid = connection.connection.dbapi_connection.thread_id()
                killer.exec_driver_sql(f"KILL {int(pid)}")
        dropped.append(pid)

    event.listen(db.engine, "before_cursor_execute", drop_own_connection)
    try:
        reply = save(client, started, 0, 1)
    finally:
        event.remove(db.engine, "before_cursor_execute", drop_own_connection)
        admin.dispose()
    assert dropped and len(pauses.seen) == 1
    assert reply.status_code == 200, reply.get_data(as_text=True)
    assert answer_count() == 1
