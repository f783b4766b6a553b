"""An acknowledged answer survives a killed server: save 20 answers over HTTP, SIGKILL the
gunicorn process group, start it again, and read every answer back with its seq."""
from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import subprocess
import sys
import urllib.request
import urllib.parse
import uuid

import pytest
import sqlalchemy as sa

from tests.e2e.conftest import start_server

pytestmark = pytest.mark.e2e

MAKE_EXAM = """
from datetime import timedelta
from lawexam import create_app
from lawexam.db import utcnow
from lawexam.extensions import db
from lawexam.exams import services
from lawexam.exams.models import AudienceKind
from lawexam.auth.models import OrgUnit
app = create_app()
with app.app_context():
    town = db.session.scalar(db.select(OrgUnit).where(OrgUnit.parent_id.is_(None)))
    now = utcnow()
    exam = services.create_exam(services.ExamInput(
        title="断电测试", opens_at=now - timedelta(minutes=1), closes_at=now + timedelta(hours=2),
        duration_minutes=60, pass_mark=10, rules=[services.RuleInput(count=25, points=2, types=["truefalse", "single"])],
        audience=[(AudienceKind.UNIT, str(town.id))]), None)
    services.publish(exam, None)
    db.session.commit()
    print(exam.id)
"""


class Browserless:
    """A signed-in HTTP client using only the standard library."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.token = ""

    def _token_from(self, html: str) -> str:
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)

    def login(self, account: str) -> None:
        page = self.opener.open(self.base + "/login").read().decode()
        data = urllib.parse.urlencode({"account": account, "password": "lawexam-demo",
                                       "csrf_token": self._token_from(page)}).encode()
        self.opener.open(self.base + "/login", data)
        self.token = self._token_from(self.opener.open(self.base + "/home").read().decode())

    def call(self, method: str, path: str, body: object = None) -> dict:
        request = urllib.request.Request(self.base + path, method=method,
                                         data=None if body is None else json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json", "X-CSRFToken": self.token})
        with self.opener.open(request) as response:
            return json.loads(response.read())


def _kill_restart_and_check(tmp_path, database_url=None) -> None:
    instance = tmp_path / "instance"
    server = start_server(instance, database_url=database_url)
    try:
        exam_id = int(subprocess.run([sys.executable, "-c", MAKE_EXAM], env=server.env, capture_output=True,
                                     text=True, check=True).stdout.strip().splitlines()[-1])
        client = Browserless(server.url)
        client.login("examinee05")
        started = client.call("POST", f"/api/exams/{exam_id}/attempts")
        attempt_id = started["attempt_id"]
        acknowledged = {}
        for n, question in enumerate(started["questions"][:20], start=1):
            answer = True if question["type"] == "truefalse" else question["options"][n % 2]["key"]
            reply = client.call("PUT", f"/api/attempts/{attempt_id}/answers/{question['slot']}",
                                {"answer": answer, "seq": n})
            assert reply["seq"] == n
            acknowledged[str(question["slot"])] = {"answer": answer, "seq": n}
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(10)
    finally:
        server.stop()
    restarted = start_server(instance, database_url=database_url, prepare=())
    try:
        client = Browserless(restarted.url)
        client.login("examinee05")
        status = client.call("GET", f"/api/attempts/{attempt_id}")
        assert status["state"] == "in_progress"
        assert status["answers"] == acknowledged
    finally:
        restarted.stop()


def test_answers_survive_sigkill_on_sqlite(tmp_path):
    _kill_restart_and_check(tmp_path)


def test_answers_survive_sigkill_on_postgresql(tmp_path):
    admin_url = os.environ.get("LAWEXAM_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
    admin = sa.create_engine(admin_url.replace("postgresql://", "postgresql+psycopg://", 1),
                             isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    name = f"lawexam_kill_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except Exception as error:  # no server here
        if os.environ.get("LAWEXAM_REQUIRE_PG") == "1":
            raise
        pytest.skip(f"PostgreSQL does not answer: {type(error).__name__}")
    try:
        url = sa.engine.make_url(admin_url).set(drivername="postgresql+psycopg", database=name)
        _kill_restart_and_check(tmp_path, url.render_as_string(hide_password=False))
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
