"""Hostile text through every form, import and search box: stored as typed (or refused with a
message), shown as text, exported with formulas defused, and never a change of row counts or a
server error when it is shaped like SQL.

"Shown as text" is checked on the parsed page, not by substring: no element may carry an
``on…`` attribute, no ``<script>`` may be inline, no link may point at ``javascript:``, and
the payload must come back as the page's text (or an input's value) exactly as typed.
"""
from __future__ import annotations

import io
import re
from datetime import date, timedelta
from html.parser import HTMLParser
from typing import Any

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from lawexam.auth.models import OrgUnit, Role, User
from lawexam.db import utcnow
from lawexam.extensions import db

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "<svg/onload=alert(1)>",
    "{{7*7}}${7*7}",
    "' OR '1'='1",
    "'; DROP TABLE users; --",
    "%' OR 1=1 --",
    '=HYPERLINK("http://evil.example","点我")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "\u202e\u6076\u610f\u202c文件.exe",  # right-to-left override
    "＜script＞全角＜/script＞",
    "</textarea><b>粗</b>",
    "a\\x3cscript\\x3e\\u003c/b",
]
SQL_PAYLOADS = [p for p in PAYLOADS if "'" in p or "%" in p] + [
    "_", "%", "\\", "1; SELECT 1", "') OR ('x'='x", "a\x00b"]  # PostgreSQL refuses NUL in text
FORMULA_START = ("=", "+", "-", "@")
URL_ATTRIBUTES = ("href", "src", "action", "formaction", "xlink:href", "data")


# ---- reading pages -----------------------------------------------------------------------------

class Page(HTMLParser):
    """The page's elements, text and input values, and anything that would run."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.texts: list[str] = []
        self.values: list[str] = []
        self._in: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name in URL_ATTRIBUTES and value and re.sub(r"[\s\x00-\x1f]", "", value).lower().startswith(
                    ("javascript:", "vbscript:", "data:text/html")):
                self.problems.append(f"<{tag} {name}={value!r}>")
        if tag == "script" and "src" not in named and named.get("type") not in ("application/json",):
            self.problems.append("inline <script>")
        if tag in ("input",) and named.get("value") is not None:
            self.values.append(named["value"] or "")
        if tag in ("textarea", "script", "style", "title", "option"):
            self._in.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in ("textarea", "script", "style", "title", "option"):
            self._in.pop()

    def handle_endtag(self, tag: str) -> None:
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data: str) -> None:
        if self._in and self._in[-1] == "textarea":
            self.values.append(data.removeprefix("\n"))
        elif not (self._in and self._in[-1] in ("script", "style")):
            self.texts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.texts).split())


def inert(response, *expected: str, where: str = "") -> Page:  # noqa: ANN001
    """Assert the page is safe and shows each of ``expected`` as text or as an input's value."""
    assert response.status_code == 200, (where, response.status_code)
    html = response.get_data(as_text=True)
    page = Page(html)
    assert not page.problems, (where, page.problems)
    for raw in ("<script>alert(1)", "<img src=x", "<svg/onload"):
        assert raw not in html, (where, raw)
    shown = page.text
    for text in expected:
        wanted = " ".join(text.split())
        assert wanted in shown or text in page.values or wanted in page.values, (where, text)
    return page


def sheet_cells(data: bytes) -> list[Any]:
    book = load_workbook(io.BytesIO(data))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for cell in row]


def assert_formulas_defused(data: bytes, where: str) -> list[str]:
    cells = [c for c in sheet_cells(data) if isinstance(c, str)]
    running = [c for c in cells if c.startswith(FORMULA_START)]
    assert not running, (where, running)
    return cells


def exported(cells: list[str], payload: str) -> bool:
    """The payload is in the export, as typed or with the formula-defusing quote."""
    return payload in cells or "'" + payload in cells


def xlsx(headers: list[str], rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text typed into a cell, not a formula
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def token_of(page: str) -> str:
    return re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)


def counts() -> dict[str, int]:
    from lawexam.exams.models import Exam
    from lawexam.questions.models import Question

    db.session.commit()
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (User, OrgUnit, Question, Exam)}


# ---- people and units --------------------------------------------------------------------------

def test_units_and_people_forms_keep_hostile_text_inert(app, client, login_as, town):
    officer = login_as(Role.OFFICER, unit="town")
    for n, payload in enumerate(PAYLOADS):
        response = client.post("/admin/units/new", data={"name": payload, "kind": "village",
                                                         "parent_id": town["town"].id})
        assert response.status_code == 302, (payload, response.get_data(as_text=True)[-2000:])
        response = client.post("/admin/people/new", data={
            "real_name": payload, "account": f"pay{n:03d}", "unit_id": town["east"].id, "categories": ["cadre"],
            "roles": ["examinee"], "enforcement_cert_no": payload[:64]})
        inert(response, payload, where=f"password page for {payload!r}")  # the new person's one-time password
        # An account is letters and digits: the payload is refused with a message, nothing stored.
        before = counts()
        refused = client.post("/admin/people/new", data={
            "real_name": "张三", "account": payload, "unit_id": town["east"].id, "categories": ["cadre"],
            "roles": ["examinee"]})
        inert(refused, where=f"account {payload!r}")
        assert 'class="field-error' in refused.get_data(as_text=True) or "error" in refused.get_data(as_text=True)
        assert counts() == before, payload
    stored_units = set(db.session.scalars(select(OrgUnit.name)))
    stored_people = {u.real_name: u for u in db.session.scalars(select(User).where(User.account.like("pay%")))}
    for payload in PAYLOADS:
        assert payload in stored_units and payload in stored_people, payload
        assert stored_people[payload].enforcement_cert_no == payload[:64]

    inert(client.get("/admin/units"), *PAYLOADS, where="unit list")
    inert(client.get("/admin/people?active=all"), *PAYLOADS, where="people list")
    for payload in PAYLOADS:
        person = stored_people[payload]
        inert(client.get(f"/admin/people/{person.id}/edit"), payload, where=f"edit {payload!r}")
        found = inert(client.get("/admin/people", query_string={"q": payload}), payload, where=f"search {payload!r}")
        assert person.account in found.text, payload
        inert(client.get("/admin/people/new"), payload, where="unit choices")  # the unit in the select
    cells = assert_formulas_defused(client.get("/admin/people/export.xlsx?active=all").data, "people export")
    assert all(exported(cells, payload) for payload in PAYLOADS)
    assert officer.account in cells


def test_a_roster_import_keeps_hostile_names_inert(app, client, login_as, town):
    login_as(Role.OFFICER, unit="town")
    rows = [[payload, f"13{n:09d}", "东风村", "干部", "考生", ""] for n, payload in enumerate(PAYLOADS)]
    data = xlsx(["姓名", "账号/手机号", "所属单位", "人员类别", "角色", "执法证号"], rows)
    preview = client.post("/admin/people/import", data={"file": (io.BytesIO(data), "名单.xlsx")},
                          content_type="multipart/form-data")
    inert(preview, *PAYLOADS, where="roster preview")
    done = client.post("/admin/people/import/confirm", data={"token": token_of(preview.get_data(as_text=True))})
    inert(done, where="roster done")
    names = set(db.session.scalars(select(User.real_name).where(User.account.like("13%"))))
    assert names == set(PAYLOADS)
    # The same as CSV, with formula-looking names written the way our export writes them.
    csv_rows = ["姓名,账号/手机号,所属单位,人员类别"] + [
        '"{}",14{:09d},西岭村,干部'.format(("'" + p if p.startswith(FORMULA_START) else p).replace('"', '""'), n)
        for n, p in enumerate(PAYLOADS)]
    preview = client.post("/admin/people/import", data={
        "file": (io.BytesIO("\n".join(csv_rows).encode("utf-8-sig")), "名单.csv")}, content_type="multipart/form-data")
    inert(preview, *PAYLOADS, where="csv preview")
    client.post("/admin/people/import/confirm", data={"token": token_of(preview.get_data(as_text=True))})
    names = set(db.session.scalars(select(User.real_name).where(User.account.like("14%"))))
    assert names == set(PAYLOADS)


# ---- the question bank -------------------------------------------------------------------------

def _versions() -> list[Any]:
    from lawexam.questions.models import QuestionVersion

    db.session.expire_all()
    return list(db.session.scalars(select(QuestionVersion).order_by(QuestionVersion.id)))


class _Tags(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)


def _stem_is_clean(stem: str) -> None:
    """A stored stem is sanitised HTML: only formatting tags, nothing that runs."""
    from lawexam.questions.richtext import ALLOWED_TAGS

    assert not Page(stem).problems, stem
    assert _Tags(stem).tags <= ALLOWED_TAGS, stem


def test_the_question_editor_keeps_hostile_text_inert(app, client, login_as, make_user):
    from lawexam.questions import bank

    login_as(Role.OFFICER, unit="town")
    module = bank.ensure_module("payload", "载荷模块", 1)
    db.session.commit()
    for n, payload in enumerate(PAYLOADS):
        data = {"module_id": module.id, "type": "single", "stem": f"{payload} 第{n}题",
                "options-0": payload, "options-1": f"乙{n}", "options-2": f"丙{n}", "options-3": f"丁{n}",
                "answer_single": "A", "explanation": payload, "basis": payload, "difficulty": "3", "save": "1"}
        preview = client.post("/admin/questions/preview", data=data)
        inert(preview, where=f"preview {payload!r}")
        response = client.post("/admin/questions/new", data=data)
        assert response.status_code == 302, (payload, response.get_data(as_text=True)[-1500:])
        question_id = int(re.search(r"/admin/questions/(\d+)/edit", response.location).group(1))
        inert(client.get(f"/admin/questions/{question_id}/edit"), payload, where=f"editor {payload!r}")
        inert(client.get(f"/admin/questions/{question_id}/history"), where=f"history {payload!r}")
    versions = _versions()
    assert [(v.options[0]["text"], v.explanation, v.basis) for v in versions] == [(p, p, p) for p in PAYLOADS]
    for version in versions:
        _stem_is_clean(version.stem)
    listing = inert(client.get("/admin/questions/"), where="bank list")
    assert "第15题" in listing.text
    for n, payload in enumerate(PAYLOADS):
        found = inert(client.get("/admin/questions/", query_string={"q": f"第{n}题"}), where=f"search {payload!r}")
        assert f"第{n}题" in found.text
    download = client.post("/admin/questions/export", data={"format": "xlsx", "module_id": ""})
    cells = assert_formulas_defused(download.data, "bank export")
    assert all(exported(cells, payload) for payload in PAYLOADS)
    _examinee_practises(app, make_user, versions)


def _examinee_practises(app, make_user, versions) -> None:  # noqa: ANN001
    """The examinee's practice pages show the stem, options, explanation and basis: as text."""
    from lawexam.study import practice
    from lawexam.study.practice_models import PracticeKind
    from tests.conftest import sign_in

    examinee = make_user(Role.EXAMINEE)
    session = practice.new_session(examinee, PracticeKind.MIXED, [
        {"question_id": v.question_id, "version_id": v.id} for v in versions], utcnow())
    db.session.commit()
    browser = app.test_client()
    sign_in(browser, examinee.account)
    for number, payload in enumerate(PAYLOADS, start=1):
        inert(browser.get(f"/study/practice/{session.id}/{number}"), payload, where=f"practice {payload!r}")
        answered = browser.post(f"/study/practice/{session.id}/{number}", data={"action": "reveal"},
                                follow_redirects=True)
        inert(answered, payload, where=f"practice feedback {payload!r}")
    inert(browser.get(f"/study/practice/{session.id}/summary"), where="practice summary")
    inert(browser.get("/study/notebook/"), where="notebook")


def _gift_escape(text: str) -> str:
    return re.sub(r"([~=#{}:\\])", r"\\\1", text)


def test_question_imports_keep_hostile_text_inert(app, client, login_as):
    from tests.functional.question_files import HEADERS

    login_as(Role.OFFICER, unit="town")
    rows = [["单选题", f"表格{payload}第{n}题", payload, f"乙{n}", f"丙{n}", f"丁{n}", "A", payload, "3", "载荷模块", payload]
            for n, payload in enumerate(PAYLOADS)]
    gift = "\n\n".join(f"::G{n}:: GIFT{_gift_escape(payload)}第{n}题 {{={_gift_escape(payload)} ~乙{n} ~丙{n}}}"
                       for n, payload in enumerate(PAYLOADS))
    moodle = "".join(f"""
  <question type="multichoice"><name><text>M{n}</text></name>
    <questiontext format="html"><text><![CDATA[<p>Moodle第{n}题{payload}</p><script>alert(1)</script><img src="x" onerror="alert(1)"><a href="javascript:alert(1)">链接</a>]]></text></questiontext>
    <generalfeedback format="html"><text><![CDATA[<b onmouseover="alert(1)">解析</b>]]></text></generalfeedback>
    <single>true</single>
    <answer fraction="100" format="html"><text><![CDATA[对{n}<img src=x onerror=alert(1)>]]></text></answer>
    <answer fraction="0" format="html"><text>错{n}</text></answer>
  </question>""" for n, payload in enumerate(PAYLOADS[:4]))
    moodle = f'<?xml version="1.0" encoding="UTF-8"?>\n<quiz>{moodle}\n</quiz>'
    files = [("题库.xlsx", xlsx(HEADERS, rows)), ("题库.gift", gift.encode()), ("题库.xml", moodle.encode())]
    for name, content in files:
        preview = client.post("/admin/questions/import", data={"files": [(io.BytesIO(content), name)]},
                              content_type="multipart/form-data")
        page = inert(preview, where=f"import preview {name}")
        assert 'name="token"' in preview.get_data(as_text=True), (name, page.text[-1500:])
        inert(client.post("/admin/questions/import/confirm", data={"token": token_of(preview.get_data(as_text=True))}),
              where=f"import done {name}")
    versions = _versions()
    assert len(versions) == 2 * len(PAYLOADS) + 4
    for version in versions:
        _stem_is_clean(version.stem)
    from_table = [v for v in versions if "表格" in v.stem]
    assert [(v.options[0]["text"], v.explanation, v.basis) for v in from_table] == [(p, p, p) for p in PAYLOADS]
    from_gift = [v for v in versions if "GIFT" in v.stem]
    assert [v.options[0]["text"] for v in from_gift] == PAYLOADS
    inert(client.get("/admin/questions/?status=all"), where="bank after imports")
    for version in versions[-4:]:
        inert(client.get(f"/admin/questions/{version.question_id}/edit"), where=f"editor {version.stem!r}")


# ---- study lessons (Markdown files) ------------------------------------------------------------

def test_lesson_markdown_keeps_hostile_text_inert(app, client, login_as, tmp_path):
    import json

    from lawexam.study.content import sync_lessons
    from lawexam.study.models import Lesson

    login_as(Role.EXAMINEE)
    folder = tmp_path / "content" / "payload-mod"
    (folder / "lessons").mkdir(parents=True)
    (folder / "questions.yaml").write_text("module:\n  code: payload-mod\n  name: 载荷模块\n  order: 1\nquestions: []\n",
                                           encoding="utf-8")
    for n, payload in enumerate(PAYLOADS):
        body = (f"---\ntitle: {json.dumps(payload + f' 第{n}课')}\norder: {n + 1}\nminutes: 1\ncredit_hours: 0.5\n---\n\n"
                f"{payload}\n\n## {payload}\n\n<script>alert({n})</script>\n\n<img src=x onerror=alert(1)>\n\n"
                f"[点我](javascript:alert(1)) [再点](JaVaScRiPt:alert(1)) ![图](x\" onerror=\"alert(1))\n\n"
                f"<a href=\"javascript:alert(1)\">原始链接</a>\n")
        (folder / "lessons" / f"{n:02d}-l.md").write_text(body, encoding="utf-8")
    sync_lessons(tmp_path / "content", utcnow())
    db.session.commit()
    lessons = list(db.session.scalars(select(Lesson).order_by(Lesson.sort_order)))
    assert [lesson.title for lesson in lessons] == [f"{p} 第{n}课" for n, p in enumerate(PAYLOADS)]
    for lesson in lessons:
        _stem_is_clean_markup(lesson.body_html)
        payload = PAYLOADS[lessons.index(lesson)]
        inert(client.get(f"/study/lessons/{lesson.id}"), lesson.title, payload, where=f"lesson {payload!r}")
    inert(client.get("/study/"), *[lesson.title for lesson in lessons], where="study index")


def _stem_is_clean_markup(html: str) -> None:
    page = Page(html)
    assert not page.problems, html
    assert not {"script", "svg", "iframe", "object", "embed", "style"} & _Tags(html).tags, html


# ---- exams -------------------------------------------------------------------------------------

class _Form(HTMLParser):
    """The fields of the first POST form on a page whose action is ``action`` (or the page itself), as a
    browser would send them."""

    def __init__(self, html: str, action: str) -> None:
        super().__init__(convert_charrefs=True)
        self.action, self.fields, self._form, self._select, self._textarea = action, [], False, None, None
        self._options: list[str] = []
        self._multiple = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            target = a.get("action", "")
            self._form = (not target or self.action in target) and a.get("method", "").lower() == "post" \
                and not self.fields
        if not self._form or "name" not in a:
            if tag == "option" and self._select:
                self._options.append(a.get("value", ""))
                if "selected" in a:
                    self.fields.append((self._select, a.get("value", "")))
            return
        if tag == "input" and (a.get("type") not in ("checkbox", "radio", "submit", "file") or "checked" in a):
            self.fields.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select, self._options = a["name"], []
            self._multiple = "multiple" in a  # a browser sends nothing for an empty multiple select
        elif tag == "textarea":
            self._textarea = a["name"]
            self.fields.append((a["name"], ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = False
        elif tag == "select" and self._select:
            if self._options and not self._multiple and not any(name == self._select for name, _value in self.fields):
                self.fields.append((self._select, self._options[0]))  # what a browser sends
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea and self.fields and self.fields[-1][0] == self._textarea:
            self.fields[-1] = (self._textarea, self.fields[-1][1] + data.removeprefix("\n"))

    def data(self, **changes: str) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for name, value in self.fields:
            out.setdefault(name, []).append(value)
        out.update({name: [value] for name, value in changes.items()})
        return out


def test_exam_titles_and_rules_keep_hostile_text_inert(app, client, login_as, make_user, town):
    from lawexam.exams import services
    from lawexam.exams.models import Exam
    from tests.functional.exam_support import make_exam

    officer = login_as(Role.OFFICER, unit="town")
    examinee = make_user(Role.EXAMINEE, unit="east")
    exam = make_exam(town["east"], publish=False)
    exam_ids = []
    for payload in PAYLOADS:
        form = _Form(client.get(f"/admin/exams/{exam.id}/edit").get_data(as_text=True), f"/admin/exams/{exam.id}/edit")
        response = client.post(f"/admin/exams/{exam.id}/edit", data=form.data(title=payload, rules_text=payload))
        assert response.status_code == 302, (payload, Page(response.get_data(as_text=True)).text[-1500:])
        db.session.expire_all()
        assert (db.session.get(Exam, exam.id).title, db.session.get(Exam, exam.id).rules_text) == (payload, payload)
        inert(client.get(f"/admin/exams/{exam.id}"), payload, where=f"exam detail {payload!r}")
        clone = client.post(f"/admin/exams/{exam.id}/clone")
        exam_ids.append(int(re.search(r"/admin/exams/(\d+)", clone.location).group(1)))
    for exam_id in exam_ids:
        services.publish(db.session.get(Exam, exam_id), officer)
    db.session.commit()
    titles = [db.session.get(Exam, i).title for i in exam_ids]
    assert all(payload in " ".join(titles) for payload in PAYLOADS)
    inert(client.get("/admin/exams/"), where="exam list")
    inert(client.get(f"/admin/exams/{exam_ids[0]}/notice"), where="notice")
    inert(client.get(f"/admin/exams/{exam_ids[0]}/monitor"), where="monitor")
    inert(client.get("/reports/"), where="reports index")
    inert(client.get(f"/reports/exams/{exam_ids[0]}"), where="exam report")
    cells = assert_formulas_defused(client.get("/reports/export/exams.xlsx").data, "report export")
    assert any(exported(cells, payload) for payload in titles)
    client.post("/logout")
    client.post("/login", data={"account": examinee.account, "password": "Correct-Horse-42"})
    inert(client.get("/home"), where="home")
    inert(client.get("/exams/"), where="my exams")
    for exam_id, title in zip(exam_ids, titles):
        inert(client.get(f"/exams/{exam_id}"), title, where=f"start page {title!r}")


# ---- certificates ------------------------------------------------------------------------------

def test_certificate_fields_keep_hostile_text_inert(app, client, login_as, make_user):
    from lawexam.auth.models import Category
    from lawexam.certification import services
    from lawexam.certification.models import Certificate, CertificateType

    login_as(Role.OFFICER, unit="town")
    holder = make_user(Role.EXAMINEE, unit="squad", categories={Category.ENFORCEMENT})
    ctype = services.preset_type("enforcement")
    db.session.commit()
    today = date.today()
    for n, payload in enumerate(PAYLOADS):
        # a new type for each, so the holder may hold one of each
        form = _Form(client.get("/admin/certificates/types/new").get_data(as_text=True), "/admin/certificates/types/new")
        response = client.post("/admin/certificates/types/new",
                               data=form.data(name=f"证{n}{payload}"[:60], description=payload))
        assert response.status_code == 302, (payload, Page(response.get_data(as_text=True)).text[-800:])
        type_id = db.session.scalar(select(CertificateType.id).where(CertificateType.name == f"证{n}{payload}"[:60]))
        assert type_id is not None, (payload, Page(response.get_data(as_text=True)).text[-800:])
        response = client.post("/admin/certificates/new", data={
            "type_id": type_id, "holder_account": holder.account, "number": f"NO-{n}-{payload}"[:64],
            "authority": payload, "enforcement_field": payload, "issued_on": (today - timedelta(days=30)).isoformat(),
            "valid_until": (today + timedelta(days=700)).isoformat()})
        assert response.status_code == 302, (payload, re.findall(r'class="[^"]*error[^"]*"[^>]*>([^<]*)<', response.get_data(as_text=True)))
    certs = list(db.session.scalars(select(Certificate).order_by(Certificate.id)))
    assert [(c.authority, c.enforcement_field) for c in certs] == [(p, p) for p in PAYLOADS]
    inert(client.get("/admin/certificates/registry"), *PAYLOADS, where="registry")
    inert(client.get(f"/admin/certificates/people/{holder.id}"), *PAYLOADS, where="holder page")
    inert(client.get("/admin/certificates/types"), where="types")
    inert(client.get(f"/admin/certificates/{certs[1].id}/edit"), PAYLOADS[1], where="certificate editor")
    for payload in PAYLOADS:
        inert(client.get("/admin/certificates/registry", query_string={"q": payload}), where=f"search {payload!r}")
    cells = assert_formulas_defused(client.get("/admin/certificates/registry/export.xlsx").data, "registry export")
    assert all(exported(cells, payload) for payload in PAYLOADS)
    client.post("/logout")
    client.post("/login", data={"account": holder.account, "password": "Correct-Horse-42"})
    inert(client.get("/certificates/"), *PAYLOADS, where="my certificates")
    assert ctype.id not in [c.type_id for c in certs]


# ---- search boxes and filters: SQL-shaped text --------------------------------------------------

def test_sql_shaped_searches_and_filters_find_nothing_and_change_nothing(app, client, login_as, make_user):
    from tests.functional.exam_support import seed_small_bank

    login_as(Role.OFFICER, unit="town")
    for n in range(3):
        make_user(name=f"普通人{n}")
    seed_small_bank(per_type=1)
    before = counts()
    searches = [("/admin/people", {"active": "all", "q": None}), ("/admin/questions/", {"status": "all", "q": None}),
                ("/admin/questions/", {"tag": None}), ("/admin/certificates/registry", {"q": None}),
                ("/admin/audit/", {"actor": None, "action": None, "object_type": None}),
                ("/admin/study/", {"q": None})]
    for payload in SQL_PAYLOADS:
        for path, args in searches:
            query = {name: payload if value is None else value for name, value in args.items()}
            response = client.get(path, query_string=query)
            assert response.status_code in (200, 400), (path, payload, response.status_code)
            if response.status_code == 200:
                page = inert(response, where=f"{path} {payload!r}")
                assert "普通人" not in page.text and "单选题0" not in page.text, (path, payload)
        # Report filters are numbers, dates or a category: anything else is a 400, not an error.
        for name in ("unit", "category", "year", "from", "to", "exam"):
            assert client.get("/reports/", query_string={name: payload}).status_code == 400, (name, payload)
        assert client.get("/reports/years/2025", query_string={"unit": payload}).status_code == 400
        assert client.get("/admin/people", query_string={"unit": payload}).status_code == 400
        assert client.get("/admin/questions/", query_string={"module": payload}).status_code == 400
    assert counts() == before


def test_a_nul_character_is_refused_or_dropped_never_a_server_error(app, client, login_as, town):
    """PostgreSQL cannot store or even compare text with NUL in it; a form or a search box
    carrying one must still get an answer, not a 500."""
    login_as(Role.OFFICER, unit="town")
    before = counts()
    for path, query in (("/admin/people", {"q": "a\x00b"}), ("/admin/certificates/registry", {"q": "\x00"}),
                        ("/admin/audit/", {"actor": "\x00"}), ("/admin/study/", {"q": "a\x00"}),
                        ("/admin/questions/", {"q": "\x00"}), ("/reports/", {"unit": "1\x00"})):
        response = client.get(path, query_string=query)
        assert response.status_code == 400 and "NUL" in response.get_data(as_text=True), path
    response = client.post("/admin/units/new", data={"name": "坏\x00村", "kind": "village", "parent_id": town["town"].id})
    assert response.status_code == 400
    response = client.post("/admin/people/new", data={
        "real_name": "坏\x00人", "account": "nul001", "unit_id": town["east"].id, "categories": ["cadre"],
        "roles": ["examinee"]})
    assert response.status_code == 400
    response = client.put("/api/attempts/1/answers/1", json={"answer": ["\x00"], "seq": 1})
    assert response.status_code == 400 and response.is_json and "NUL" in response.get_json()["message"]
    stored = set(db.session.scalars(select(User.real_name))) | set(db.session.scalars(select(OrgUnit.name)))
    assert not any("\x00" in name for name in stored)
    assert counts() == before
