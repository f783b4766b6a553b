"""Every route × every role: the status each kind of visitor gets.

``ROUTES`` has one row per (method, URL rule) of ``app.url_map``; a new route that is not in
the table, or a row whose route is gone, fails ``test_the_table_covers_every_route``. The URL
parameters are filled from real objects (``world``): an exam the examinee is sitting, their
attempt, practice set and notebook entry, a question, a lesson, a certificate and an
application, units, a person, a stored image, a staged roster upload.

Reads (GET) must give exactly the status in the table. Writes (POST/PUT) are sent with an
empty form: where the role may not write, the table says how it is refused and the test
checks that nothing in the database changed; where it may, ``WRITE`` (a form error, a
redirect or a page) is expected instead of a refusal.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from lawexam.auth.models import Category, Role, User
from lawexam.db import utcnow
from lawexam.extensions import db
from tests.conftest import sign_in

ROLES = ("anonymous", "examinee", "unit_head", "reviewer", "officer", "admin")
LOGIN = "login"  # 302 to the sign-in page
WRITE = "write"  # a permitted write: the form's errors (200/400), a redirect (302) or a result (200/201)
WRITE_STATUSES = {200, 201, 302, 400}
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass(frozen=True)
class Row:
    expect: tuple[Any, ...]  # one outcome per ROLES entry: a status, LOGIN or WRITE
    args: dict[str, Any] = field(default_factory=dict)  # URL values overriding the world's
    data: dict[str, str] | None = None  # the form sent with a write (empty by default); "{name}" from the world
    json: dict[str, Any] | None = None  # or the JSON body


def row(anonymous, examinee, unit_head, reviewer, officer, admin, **extra) -> Row:  # noqa: ANN001
    return Row((anonymous, examinee, unit_head, reviewer, officer, admin), **extra)


def manager_get(**extra) -> Row:  # noqa: ANN003
    return row(LOGIN, 403, 403, 403, 200, 200, **extra)


def manager_write(**extra) -> Row:  # noqa: ANN003
    return row(LOGIN, 403, 403, 403, WRITE, WRITE, **extra)


# Reports: the town office, unit heads (their own units), officers and admins.
def report_get(**extra) -> Row:  # noqa: ANN003
    return row(LOGIN, 403, 200, 200, 200, 200, **extra)


def signed_in(status, **extra) -> Row:  # noqa: ANN001, ANN003
    """Any signed-in person gets ``status``."""
    return row(LOGIN, status, status, status, status, status, **extra)


ROUTES: dict[str, Row] = {
    # ---- open to everyone ----
    "GET /": row(LOGIN, 302, 302, 302, 302, 302),  # home, or sign in
    "GET /login": row(200, 302, 302, 302, 302, 302),
    "POST /login": row(200, 302, 302, 302, 302, 302),  # an empty form: errors, or "already signed in"
    "POST /logout": row(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),  # sent last; signed out, back to sign in
    "POST /language": row(302, 302, 302, 302, 302, 302, data={"locale": "en"}),  # a cookie, nothing stored
    "GET /healthz": row(200, 200, 200, 200, 200, 200),
    "GET /static/<path:filename>": row(200, 200, 200, 200, 200, 200, args={"filename": "css/app.css"}),
    "GET /exams/sw.js": row(200, 200, 200, 200, 200, 200),
    # ---- anyone signed in ----
    "GET /home": signed_in(200),
    "GET /password": signed_in(200),
    "POST /password": row(LOGIN, 200, 200, 200, 200, 200),  # empty form: errors, password kept
    "GET /certificates/": signed_in(200),
    "GET /media/<filename>": signed_in(200),  # question images
    "GET /study/": signed_in(200),
    "GET /study/lessons/<int:lesson_id>": signed_in(200),
    "POST /study/lessons/<int:lesson_id>/beat": row(LOGIN, WRITE, WRITE, WRITE, WRITE, WRITE,
                                                    json={"tab": "route-tab-1", "visible": True}),
    "GET /study/progress": signed_in(200),
    "GET /study/practice/": signed_in(200),
    "POST /study/practice/start": row(LOGIN, WRITE, WRITE, WRITE, WRITE, WRITE),
    "POST /study/practice/daily": row(LOGIN, WRITE, WRITE, WRITE, WRITE, WRITE),
    "GET /study/notebook/": signed_in(200),
    "POST /study/notebook/redo": row(LOGIN, WRITE, WRITE, WRITE, WRITE, WRITE),
    "GET /exams/": signed_in(200),
    # The exam is for 东风村 (the examinee and the unit head). Anyone else is told they are not on
    # the list; starting is refused.
    "GET /exams/<int:exam_id>": signed_in(200),
    "POST /exams/<int:exam_id>/start": row(LOGIN, WRITE, WRITE, 302, 302, 302),
    "GET /j/<code>": signed_in(302),  # to the exam's start page
    "GET /api/exams": signed_in(200),
    "POST /api/exams/<int:exam_id>/attempts": row(LOGIN, WRITE, WRITE, 409, 409, 409),
    # ---- the examinee's own attempt, practice set and notebook entry: 404 to anyone else ----
    "GET /exams/attempts/<int:attempt_id>": row(LOGIN, 200, 404, 404, 404, 404),
    "GET /exams/attempts/<int:attempt_id>/result": row(LOGIN, 302, 404, 404, 404, 404),  # still running
    "GET /exams/attempts/<int:attempt_id>/review": row(LOGIN, 403, 404, 404, 404, 404),  # not handed in yet
    "POST /exams/attempts/<int:attempt_id>/answers": row(LOGIN, WRITE, 404, 404, 404, 404, data={"q{slot}": "A"}),
    "POST /exams/attempts/<int:attempt_id>/beacon": row(
        LOGIN, WRITE, 404, 404, 404, 404, data={"answers": '[{"slot": {slot}, "answer": "A", "seq": 7}]'}),
    "GET /api/attempts/<int:attempt_id>": row(LOGIN, 200, 404, 404, 404, 404),
    "PUT /api/attempts/<int:attempt_id>/answers/<int:slot>": row(LOGIN, WRITE, 404, 404, 404, 404,
                                                                 json={"answer": "A", "seq": 9}),
    "POST /api/attempts/<int:attempt_id>/submit": row(LOGIN, WRITE, 404, 404, 404, 404),
    "GET /study/practice/<int:session_id>": row(LOGIN, 302, 404, 404, 404, 404),  # to its summary
    "GET /study/practice/<int:session_id>/<int:number>": row(LOGIN, 200, 404, 404, 404, 404),
    "POST /study/practice/<int:session_id>/<int:number>": row(LOGIN, WRITE, 404, 404, 404, 404, data={"answer": "A"}),
    "POST /study/practice/<int:session_id>/<int:number>/star": row(LOGIN, WRITE, 404, 404, 404, 404,
                                                                   data={"starred": "1"}),
    "GET /study/practice/<int:session_id>/summary": row(LOGIN, 200, 404, 404, 404, 404),
    # someone else's notebook entry: "no such entry" and back to their own notebook
    "POST /study/notebook/<int:entry_id>/redo": row(LOGIN, WRITE, 302, 302, 302, 302),
    "POST /study/notebook/<int:entry_id>/star": row(LOGIN, WRITE, 302, 302, 302, 302, data={"starred": "1"}),
    "POST /study/notebook/<int:entry_id>/remove": row(LOGIN, WRITE, 302, 302, 302, 302),
    # ---- reports: the town office, unit heads (their units), officers, admins ----
    "GET /reports/": report_get(),
    "GET /reports/export/<table>.<fmt>": report_get(args={"table": "exams", "fmt": "csv"}),
    "GET /reports/exams/<int:exam_id>": report_get(),
    "GET /reports/exams/<int:exam_id>/attempts": report_get(),
    # The unit head is on this open exam's list: the questions and their keys wait until they sat it.
    "GET /reports/exams/<int:exam_id>/items": row(LOGIN, 403, 403, 200, 200, 200),
    "GET /reports/exams/<int:exam_id>/export/<table>.<fmt>": row(LOGIN, 403, 403, 200, 200, 200,
                                                                args={"table": "items"}),
    "GET /reports/years": row(LOGIN, 403, 302, 302, 302, 302),
    "GET /reports/years/<int:year>": report_get(),
    "GET /reports/years/<int:year>/summary": report_get(),
    "GET /reports/years/<int:year>/export/<table>.<fmt>": report_get(args={"table": "units"}),
    # ---- officers and admins only ----
    "GET /admin/units": manager_get(),
    "GET /admin/units/new": manager_get(),
    "POST /admin/units/new": manager_write(data={"name": "新单位", "kind": "village"}),
    "GET /admin/units/<int:unit_id>/edit": manager_get(),
    "POST /admin/units/<int:unit_id>/edit": manager_write(data={"name": "改名村", "kind": "village"}),
    "POST /admin/units/<int:unit_id>/active": manager_write(data={"active": "0"}),
    "GET /admin/people": manager_get(args={}),
    "GET /admin/people/export.xlsx": manager_get(),
    "GET /admin/people/new": manager_get(),
    "POST /admin/people/new": manager_write(),
    "GET /admin/people/<int:user_id>/edit": manager_get(),
    "POST /admin/people/<int:user_id>/edit": manager_write(),
    "POST /admin/people/<int:user_id>/active": manager_write(data={"active": "0"}),
    "POST /admin/people/<int:user_id>/reset-password": manager_write(),
    "GET /admin/people/import": manager_get(),
    "POST /admin/people/import": manager_write(),
    "POST /admin/people/import/confirm": manager_write(data={"token": "{staged_token}"}),
    "GET /admin/people/import/template.<fmt>": manager_get(),
    "GET /admin/audit/": manager_get(),
    "GET /admin/questions/": manager_get(),
    "POST /admin/questions/bulk": manager_write(data={"action": "retire", "ids": "{question_id}"}),
    "GET /admin/questions/stats": manager_get(),
    "GET /admin/questions/new": manager_get(),
    "POST /admin/questions/new": manager_write(),
    "GET /admin/questions/<int:question_id>/edit": manager_get(),
    "POST /admin/questions/<int:question_id>/edit": manager_write(),
    "POST /admin/questions/<int:question_id>/status": manager_write(data={"status": "retired"}),
    "POST /admin/questions/preview": manager_write(),
    "POST /admin/questions/images": row(LOGIN, 403, 403, 403, 422, 422),  # no file: refused as unusable
    "GET /admin/questions/history": manager_get(),
    "GET /admin/questions/<int:question_id>/history": manager_get(),
    "GET /admin/questions/import": manager_get(),
    "POST /admin/questions/import": manager_write(),
    "POST /admin/questions/import/confirm": manager_write(),
    "GET /admin/questions/import/template.<fmt>": manager_get(),
    "GET /admin/questions/export": manager_get(),
    "POST /admin/questions/export": manager_write(),
    "GET /admin/study/": manager_get(),
    "GET /admin/study/export.xlsx": manager_get(),
    "GET /admin/study/targets": manager_get(),
    "GET /admin/study/targets/<int:year>/<category>": manager_get(),
    "POST /admin/study/targets/<int:year>/<category>": manager_write(data={"hours": "12"}),
    "GET /admin/certificates/": manager_get(),
    "GET /admin/certificates/registry": manager_get(),
    "GET /admin/certificates/registry/export.xlsx": manager_get(),
    "GET /admin/certificates/due": manager_get(),
    "GET /admin/certificates/due/export.xlsx": manager_get(),
    "GET /admin/certificates/people/<int:user_id>": manager_get(),
    "GET /admin/certificates/new": manager_get(),
    "POST /admin/certificates/new": manager_write(),
    "GET /admin/certificates/<int:certificate_id>/edit": manager_get(),
    "POST /admin/certificates/<int:certificate_id>/edit": manager_write(),
    "GET /admin/certificates/<int:certificate_id>/renew": manager_get(),
    "POST /admin/certificates/<int:certificate_id>/renew": manager_write(),
    "GET /admin/certificates/<int:certificate_id>/status/<action>": manager_get(),
    "POST /admin/certificates/<int:certificate_id>/status/<action>": manager_write(data={"reason": "测试暂扣"}),
    "GET /admin/certificates/types": manager_get(),
    "GET /admin/certificates/types/new": manager_get(),
    "POST /admin/certificates/types/new": manager_write(),
    "GET /admin/certificates/types/<int:type_id>/edit": manager_get(),
    "POST /admin/certificates/types/<int:type_id>/edit": manager_write(),
    "GET /admin/certificates/candidates": manager_get(),
    "POST /admin/certificates/candidates/apply": manager_write(),
    "GET /admin/certificates/applications/<int:application_id>/withdraw": manager_get(),
    "POST /admin/certificates/applications/<int:application_id>/withdraw": manager_write(data={"reason": "撤回"}),
    "GET /admin/certificates/import": manager_get(),
    "POST /admin/certificates/import": manager_write(),
    "POST /admin/certificates/import/confirm": manager_write(),
    "GET /admin/certificates/import/template.xlsx": manager_get(),
    "GET /admin/exams/": manager_get(),
    "GET /admin/exams/new": manager_get(),
    "POST /admin/exams/new": manager_write(),
    "GET /admin/exams/<int:exam_id>": manager_get(),
    "GET /admin/exams/<int:exam_id>/edit": manager_get(),
    "POST /admin/exams/<int:exam_id>/edit": manager_write(),
    "POST /admin/exams/<int:exam_id>/publish": manager_write(),
    "POST /admin/exams/<int:exam_id>/unpublish": manager_write(),
    "POST /admin/exams/<int:exam_id>/close": manager_write(),
    "POST /admin/exams/<int:exam_id>/archive": manager_write(),
    "POST /admin/exams/<int:exam_id>/clone": manager_write(),
    "GET /admin/exams/<int:exam_id>/makeup": manager_get(),
    "POST /admin/exams/<int:exam_id>/makeup": manager_write(),
    "GET /admin/exams/<int:exam_id>/monitor": manager_get(),
    "GET /admin/exams/<int:exam_id>/monitor.json": manager_get(),
    "POST /admin/exams/<int:exam_id>/attempts/<int:attempt_id>/action": manager_write(
        data={"action": "void", "reason": "测试作废"}),
    "GET /admin/exams/<int:exam_id>/qr.<any(svg, png):fmt>": manager_get(args={"fmt": "svg"}),
    "GET /admin/exams/<int:exam_id>/notice": manager_get(),
}


# ---- the objects the URLs point at --------------------------------------------------------------

LESSON = "---\ntitle: 测试课\norder: 1\nminutes: 1\ncredit_hours: 0.5\n---\n\n正文。\n"


@dataclass
class World:
    people: dict[str, User]
    values: dict[str, Any]  # URL values for every rule argument
    forms: dict[str, dict[str, Any]]


def build_world(make_user, town, tmp_path: Path) -> World:  # noqa: ANN001
    from lawexam.certification import services as certificates
    from lawexam.exams.attempts import start_attempt
    from lawexam.questions import media
    from lawexam.staging import stage
    from lawexam.study import practice
    from lawexam.study.content import sync_lessons
    from lawexam.study.models import Lesson
    from lawexam.study.practice_models import NotebookEntry, PracticeKind
    from tests.functional.exam_support import make_exam
    from tests.functional.question_files import PNG_1PX

    people = {
        "examinee": make_user(Role.EXAMINEE, unit="east"),
        "unit_head": make_user(Role.UNIT_HEAD, unit="east"),
        "reviewer": make_user(Role.REVIEWER, unit="town"),
        "officer": make_user(Role.OFFICER, unit="town"),
        "admin": make_user(Role.ADMIN, unit="town"),
        # someone else's: the person pages, the certificate and the application are about them
        "holder": make_user(Role.EXAMINEE, unit="squad", categories={Category.ENFORCEMENT}),
        "applicant": make_user(Role.EXAMINEE, unit="west", categories={Category.ENFORCEMENT}),
    }
    now = utcnow()
    exam = make_exam(town["east"], people=[people["examinee"]])
    attempt, _created = start_attempt(exam, people["examinee"], now)
    single = next(entry for entry in attempt.paper if entry["type"] == "single")
    question_id, version_id = single["question_id"], single["version_id"]
    session = practice.new_session(people["examinee"], PracticeKind.MIXED,
                                   [{"question_id": question_id, "version_id": version_id}], now)
    practice.answer(people["examinee"], session, 0, None, now)  # "show the answer": into the notebook
    entry = db.session.scalar(sa.select(NotebookEntry).where(NotebookEntry.user_id == people["examinee"].id))
    assert entry is not None

    lessons = tmp_path / "content" / "route-mod"
    (lessons / "lessons").mkdir(parents=True)
    (lessons / "questions.yaml").write_text("module:\n  code: route-mod\n  name: 路由模块\n  order: 9\nquestions: []\n",
                                            encoding="utf-8")
    (lessons / "lessons" / "01-one.md").write_text(LESSON, encoding="utf-8")
    sync_lessons(tmp_path / "content", now)
    lesson = db.session.scalar(sa.select(Lesson))

    ctype = certificates.preset_type("enforcement")
    cert = certificates.create_certificate(certificates.CertificateData(
        type_id=ctype.id, holder_account=people["holder"].account, number="QS-ZF-0001", authority="县政府",
        enforcement_field="综合行政执法", issued_on=now.date() - timedelta(days=400),
        valid_until=now.date() + timedelta(days=1000)), None, now)
    application = certificates.mark_applied(people["applicant"], ctype, None, now)
    image = media.store_image(PNG_1PX, None)
    staged = stage("roster", people["officer"].id, "roster.csv", "姓名,账号\n".encode())
    db.session.commit()
    values = {
        "unit_id": town["west"].id, "user_id": people["holder"].id, "certificate_id": cert.id, "action": "suspend",
        "application_id": application.id, "type_id": ctype.id, "exam_id": exam.id, "attempt_id": attempt.id,
        "fmt": "xlsx", "question_id": question_id, "year": now.year, "category": "enforcement",
        "slot": single["slot"], "code": exam.join_code, "filename": image.filename, "table": "overview",
        "lesson_id": lesson.id, "entry_id": entry.id, "session_id": session.id, "number": 1,
    }
    return World(people, values, {"staged_token": staged.token})


def _table_rows() -> list[Any]:
    """Every table except the sign-in sessions, whose "last seen" moves on every request."""
    return [t for t in db.metadata.sorted_tables if t.name not in ("login_sessions",)]


def database_state() -> dict[str, list[tuple]]:
    state = {}
    for table in _table_rows():
        order = list(table.primary_key.columns) or list(table.columns)
        state[table.name] = [tuple(r) for r in db.session.execute(sa.select(table).order_by(*order))]
    db.session.commit()
    return state


def _changed(before: dict[str, list[tuple]], after: dict[str, list[tuple]]) -> list[str]:
    return [name for name in before if before[name] != after[name]]


def _rules(app) -> dict[str, Any]:  # noqa: ANN001
    found = {}
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found[f"{method} {rule.rule}"] = rule
    return found


def _url(rule, world: World, spec: Row) -> str:  # noqa: ANN001
    values = {name: world.values[name] for name in rule.arguments}
    values.update(spec.args)
    return rule.build(values, append_unknown=False)[1]


def _outcome(response) -> Any:  # noqa: ANN001
    if response.status_code == 302 and "/login" in (response.location or ""):
        return LOGIN
    return response.status_code


def _matches(expected: Any, response) -> bool:  # noqa: ANN001
    if expected == LOGIN:
        return response.status_code == 302 and response.location.split("?")[0].endswith("/login")
    if expected == WRITE:
        return response.status_code in WRITE_STATUSES and "/login" not in (response.location or "")
    return response.status_code == expected


def _fill(text: str, world: World) -> str:
    for name, value in {**world.values, **world.forms}.items():
        text = text.replace("{" + name + "}", str(value))
    return text


def _send(client, key: str, rule, world: World, spec: Row):  # noqa: ANN001
    method = key.split()[0]
    kwargs: dict[str, Any] = {"method": method}
    if spec.json is not None:
        kwargs["json"] = spec.json
    elif spec.data is not None:
        kwargs["data"] = {_fill(name, world): _fill(value, world) for name, value in spec.data.items()}
    return client.open(_url(rule, world, spec), **kwargs)


def test_the_table_covers_every_route(app):
    rules = set(_rules(app))
    missing = sorted(rules - set(ROUTES))
    gone = sorted(set(ROUTES) - rules)
    assert not missing, f"routes missing from ROUTES in {__name__}: {missing}"
    assert not gone, f"ROUTES names routes that no longer exist: {gone}"
    for key, spec in ROUTES.items():
        assert len(spec.expect) == len(ROLES), key
        if key.split()[0] not in STATE_CHANGING:
            assert WRITE not in spec.expect and spec.data is None and spec.json is None, key


@pytest.mark.sqlite_only
@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_status_in_the_table(app, client, make_user, town, tmp_path, role):
    world = build_world(make_user, town, tmp_path)
    if role != "anonymous":
        assert sign_in(client, world.people[role].account).status_code == 302
    column = ROLES.index(role)
    rules = _rules(app)
    wrong: list[str] = []

    def check(key: str, response) -> None:  # noqa: ANN001
        expected = ROUTES[key].expect[column]
        if not _matches(expected, response):
            wrong.append(f"{key}: expected {expected}, got {response.status_code} {response.location or ''}")

    # Reads first, while every object is as the world made it.
    reads = [k for k in ROUTES if k.split()[0] not in STATE_CHANGING]
    for key in reads:
        check(key, _send(client, key, rules[key], world, ROUTES[key]))

    # Writes this role may not make: refused, and nothing in the database moved.
    writes = [k for k in ROUTES if k.split()[0] in STATE_CHANGING and k != "POST /logout"]
    refused = [k for k in writes if ROUTES[k].expect[column] != WRITE]
    state = database_state()
    for key in refused:
        check(key, _send(client, key, rules[key], world, ROUTES[key]))
        after = database_state()
        if after != state:
            wrong.append(f"{key}: refused, yet changed {_changed(state, after)}")
            state = after

    # Writes it may make, with the table's (mostly empty) form: accepted or answered with form errors.
    for key in [k for k in writes if k not in refused] + ["POST /logout"]:
        check(key, _send(client, key, rules[key], world, ROUTES[key]))
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


@pytest.mark.sqlite_only
def test_a_unit_head_sees_reports_of_their_own_units_only(app, client, make_user, town, tmp_path):
    world = build_world(make_user, town, tmp_path)
    exam, year = world.values["exam_id"], world.values["year"]
    sign_in(client, world.people["unit_head"].account)
    pages = ("/reports/", f"/reports/exams/{exam}", f"/reports/exams/{exam}/attempts",
             f"/reports/exams/{exam}/export/attempts.csv", f"/reports/years/{year}",
             f"/reports/years/{year}/export/units.xlsx", f"/reports/years/{year}/summary")
    for url in pages:
        assert client.get(f"{url}?unit={town['east'].id}").status_code == 200, url
        assert client.get(f"{url}?unit={town['west'].id}").status_code == 403, url
        assert client.get(f"{url}?unit={town['town'].id}").status_code == 403, url  # the level above


@pytest.mark.sqlite_only
def test_item_analysis_waits_until_a_report_reader_has_sat_the_exam(app, client, make_user, town, tmp_path):
    """The item analysis shows the questions with their keys; a unit head on the exam's list
    sees it once they can no longer sit it (bug fixed with this test)."""
    from lawexam.exams.models import Exam

    world = build_world(make_user, town, tmp_path)
    exam_id = world.values["exam_id"]
    sign_in(client, world.people["unit_head"].account)
    items, export = f"/reports/exams/{exam_id}/items", f"/reports/exams/{exam_id}/export/items.xlsx"
    assert client.get(items).status_code == 403 and client.get(export).status_code == 403
    assert client.get(f"/reports/exams/{exam_id}").status_code == 200  # the figures are fine
    exam = db.session.get(Exam, exam_id)
    exam.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert client.get(items).status_code == 200 and client.get(export).status_code == 200
