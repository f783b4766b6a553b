"""Reports (issue 7) on a hand-built town whose every figure is worked out below.

The town (``town`` fixture plus 东风村一组 under 东风村), exam audience 东风村, 西岭村, 河畔社区 and
综合执法中队 (so the viewers, who sit in the town unit itself, are not enrolled):

    person  unit      categories           main exam 2025              make-up        best  passed
    e1      东风村     cadre                #1 50 submitted             #1 70          70    yes
    e2      东风村     grid                 #1 90 VOIDED, #2 40         —              40    no
    e3      东风村一组  committee+legal      #1 80                       —              80    yes
    e4      东风村     cadre                —                           —              absent (phone)
    h       东风村     cadre (unit head)    —                           —              absent
    w1      西岭村     grid                 #1 60 overdue (time limit)  —              60    yes
    w2      西岭村     cadre                #1 VOIDED only              —              absent ("voided")
    w3      西岭村     cadre                #1 in progress              —              absent ("started")
    d1      西岭村     cadre, DEACTIVATED   #1 30                       —              30    no
    d2      西岭村     cadre, DEACTIVATED   —                           —              not counted at all
    r1      河畔社区    committee            —  (2024 exam, handed in 2025-01-01 00:30 Beijing time)
    综合执法中队: nobody.

Main exam: enrolled 10 (d1 counts: he took part), took part 5, passed 3 (60.0 %), participation
50.0 %, scores 70 40 80 60 30: mean 56, median 60, highest 80, lowest 30.
"""
from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from lawexam.audit.models import AuditEntry
from lawexam.auth.models import Category, OrgUnit, Role, UnitKind
from lawexam.exams.models import (
    Attempt, AttemptAnswer, AttemptState, AudienceKind, Exam, ExamAudience, ExamFixedItem, ExamRule, ExamStatus,
)
from lawexam.extensions import babel, db
from lawexam.questions import bank
from lawexam.questions.qtypes import Option, QuestionContent
from lawexam.reports.item_report import item_report
from lawexam.reports.scope import EVERYTHING, ReportFilter
from tests.conftest import sign_in

UTC = timezone.utc


@pytest.fixture(autouse=True)
def fresh_translation_cache(app):
    # Flask-Babel caches catalogs per process; keep this module's catalog out of other tests.
    babel.domain_instance.cache.clear()
    yield
    babel.domain_instance.cache.clear()


# ---- reading pages ---------------------------------------------------------------------------

class _Tables(HTMLParser):
    """Rows of cell texts of every ``<table data-table=…>``, and the tiles' figures."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.tiles: dict[str, str] = {}
        self.links: list[str] = []
        self._table: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._tile: str | None = None
        self._tile_text: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag == "table" and attrs.get("data-table"):
            self._table = attrs["data-table"]
            self.tables[self._table] = []
        elif self._table and tag == "tr":
            self._row = []
        elif self._row is not None and tag in ("td", "th"):
            self._cell = []
        if "report-tile" in (attrs.get("class") or ""):
            self._tile = attrs.get("data-role")
        if self._tile and tag == "strong":
            self._tile_text = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._row and self._table:
                self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None
        elif tag == "strong" and self._tile_text is not None and self._tile:
            self.tiles[self._tile] = "".join(self._tile_text).strip()
            self._tile_text, self._tile = None, None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._tile_text is not None:
            self._tile_text.append(data)


def page(client, url: str, status: int = 200) -> _Tables:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code, response.get_data(as_text=True)[:500])
    parsed = _Tables()
    parsed.feed(response.get_data(as_text=True))
    parsed.html = response.get_data(as_text=True)
    return parsed


def body(table: list[list[str]]) -> list[list[str]]:
    """Data rows (without the header row)."""
    return table[1:]


def xlsx_rows(response) -> list[tuple]:
    assert response.status_code == 200, response.status_code
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet.freeze_panes == "A2"
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, so Excel reads Chinese
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


# ---- the hand-built town ---------------------------------------------------------------------

def at(text: str) -> datetime:
    """A Beijing-time wall clock as an aware UTC instant."""
    local = datetime.fromisoformat(text).replace(tzinfo=timezone(timedelta(hours=8)))
    return local.astimezone(UTC)


def add_attempt(exam: Exam, user, number: int, state: AttemptState, score: float | None, started: str,
                used_s: int = 1800, passed: bool | None = None, paper=None, results=None, reason: str = "") -> Attempt:
    start = at(started)
    finished = None if state == AttemptState.IN_PROGRESS else start + timedelta(seconds=used_s)
    attempt = Attempt(exam_id=exam.id, user_id=user.id, number=number, state=state, started_at=start,
                      deadline=start + timedelta(hours=1), finished_at=finished, paper=paper or [], seed=number,
                      score=score, max_score=100, passed=(score >= 60) if passed is None and score is not None else passed,
                      results=results, graded_at=finished if score is not None else None, void_reason=reason)
    db.session.add(attempt)
    db.session.flush()
    return attempt


def new_exam(title: str, opens: str, closes: str, audience: list[tuple[AudienceKind, str]], *,
             makeup_of: Exam | None = None, fixed: list[tuple[int, float]] = (), code: str) -> Exam:
    exam = Exam(title=title, status=ExamStatus.PUBLISHED, opens_at=at(opens), closes_at=at(closes), duration_s=3600,
                pass_mark=60, attempts_allowed=2, join_code=code, makeup_of_id=makeup_of.id if makeup_of else None)
    if fixed:
        exam.fixed_items = [ExamFixedItem(position=i, question_id=q, points=p) for i, (q, p) in enumerate(fixed)]
    else:
        exam.rules = [ExamRule(position=0, count=2, points=50, module_ids=[], tags=[], types=[])]
    exam.audience = [ExamAudience(kind=k, value=v) for k, v in audience]
    db.session.add(exam)
    db.session.flush()
    return exam


@pytest.fixture
def world(app, town, make_user):
    east_sub = OrgUnit(name="东风村一组", kind=UnitKind.VILLAGE, parent=town["east"])
    db.session.add(east_sub)
    db.session.commit()
    town["east_sub"] = east_sub
    C = Category
    p = {
        "reviewer": make_user(Role.REVIEWER, unit="town", name="审阅人", account="reviewer"),
        "e1": make_user(unit="east", name="东一", categories={C.CADRE}),
        "e2": make_user(unit="east", name="东二", categories={C.GRID}),
        "e4": make_user(unit="east", name="=HYPERLINK(\"http://x\")", categories={C.CADRE}, account="13800000004"),
        "h": make_user(Role.UNIT_HEAD, Role.EXAMINEE, unit="east", name="东村长", categories={C.CADRE}, account="head-east"),
        "w1": make_user(unit="west", name="西一", categories={C.GRID}),
        "w2": make_user(unit="west", name="西二", categories={C.CADRE}),
        "w3": make_user(unit="west", name="西三", categories={C.CADRE}),
        "d1": make_user(unit="west", name="西离一", categories={C.CADRE}),
        "d2": make_user(unit="west", name="西离二", categories={C.CADRE}, active=False),
        "r1": make_user(unit="river", name="河一", categories={C.COMMITTEE}),
    }
    p["e3"] = make_user(unit="east", name="东三", categories={C.COMMITTEE, C.LEGAL_LITERATE})
    p["e3"].unit = east_sub
    p["e4"].phone = "13800000004"
    db.session.commit()

    units = [(AudienceKind.UNIT, str(town[k].id)) for k in ("east", "west", "river", "squad")]
    main = new_exam("2025年学法考试", "2025-03-10 09:00", "2025-03-17 18:00", units, code="MAIN25")
    makeup = new_exam("2025年学法考试（补考）", "2025-03-24 09:00", "2025-03-31 18:00",
                      [(AudienceKind.PERSON, str(p["e1"].id)), (AudienceKind.PERSON, str(p["e2"].id))],
                      makeup_of=main, code="MKUP25")
    older = new_exam("2024年学法考试", "2024-06-01 09:00", "2025-01-05 18:00", units, code="OLD24")
    S, O, V, R = AttemptState.SUBMITTED, AttemptState.OVERDUE, AttemptState.VOIDED, AttemptState.IN_PROGRESS
    add_attempt(main, p["e1"], 1, S, 50, "2025-03-10 10:00", used_s=37 * 60 + 5)
    add_attempt(makeup, p["e1"], 1, S, 70, "2025-03-25 10:00", used_s=20 * 60)
    add_attempt(main, p["e2"], 1, V, 90, "2025-03-10 10:05", passed=True, reason="代考")
    add_attempt(main, p["e2"], 2, S, 40, "2025-03-11 10:00")
    add_attempt(main, p["e3"], 1, S, 80, "2025-03-12 10:00")
    add_attempt(main, p["w1"], 1, O, 60, "2025-03-12 11:00", used_s=3600)
    add_attempt(main, p["w2"], 1, V, 70, "2025-03-12 12:00", reason="设备故障")
    add_attempt(main, p["w3"], 1, R, None, "2025-03-17 17:30")
    add_attempt(main, p["d1"], 1, S, 30, "2025-03-13 10:00")
    add_attempt(older, p["e1"], 1, S, 90, "2024-06-15 10:00")
    add_attempt(older, p["e2"], 1, S, 20, "2024-06-16 10:00")
    # Handed in at 00:30 on 1 January 2025, Beijing time (still 2024 in UTC): a 2025 figure.
    add_attempt(older, p["r1"], 1, S, 75, "2024-12-31 23:50", used_s=40 * 60)
    p["d1"].active = False
    db.session.commit()
    return {"people": p, "units": town, "main": main, "makeup": makeup, "older": older}


def as_user(app, user):
    client = app.test_client()
    assert sign_in(client, user.account).status_code == 302
    return client


@pytest.fixture
def reviewer(app, world):
    return as_user(app, world["people"]["reviewer"])


@pytest.fixture
def head(app, world):
    return as_user(app, world["people"]["h"])


# ---- per exam --------------------------------------------------------------------------------

def test_exam_report_counts_exactly(reviewer, world):
    report = page(reviewer, f"/reports/exams/{world['main'].id}")
    assert report.tiles == {"enrolled": "10", "took-part": "5", "participation-rate": "50.0%", "absent": "5",
                            "passed": "3", "pass-rate": "60.0%", "mean": "56", "median": "60", "highest": "80",
                            "lowest": "30"}
    assert "应考人数" in report.html and "缺考名单" in report.html  # Chinese labels
    units = body(report.tables["units"])
    assert units == [
        ["测试镇", "0", "0", "—", "0", "—", "—"],
        ["东风村", "4", "2", "50.0%", "1", "50.0%", "55"],
        ["东风村一组", "1", "1", "100.0%", "1", "100.0%", "80"],
        ["西岭村", "4", "2", "50.0%", "1", "50.0%", "45"],
        ["河畔社区", "1", "0", "0.0%", "0", "—", "—"],
        ["综合执法中队", "0", "0", "—", "0", "—", "—"],
        ["合计", "10", "5", "50.0%", "3", "60.0%", "56"],
    ]
    categories = {row[0]: row[1:6] for row in body(report.tables["categories"])}
    assert categories["干部"] == ["6", "2", "33.3%", "1", "50.0%"]
    assert categories["村（社区）两委成员"] == ["2", "1", "50.0%", "1", "100.0%"]
    assert categories["网格员"] == ["2", "2", "100.0%", "1", "50.0%"]
    assert categories["执法人员"] == ["0", "0", "—", "0", "—"]
    assert categories["法律明白人"] == ["1", "1", "100.0%", "1", "100.0%"]
    histogram = {row[0]: row[1] for row in body(report.tables["histogram"])}
    assert histogram == {"0–10": "0", "10–20": "0", "20–30": "0", "30–40": "1", "40–50": "1", "50–60": "0",
                         "60–70": "1", "70–80": "1", "80–90": "1", "90–100": "0"}
    absent = {row[1]: (row[3], row[4], row[5]) for row in body(report.tables["absent"])}
    assert absent == {
        "=HYPERLINK(\"http://x\")": ("东风村", "13800000004", "未开始"),
        "东村长": ("东风村", "—", "未开始"),
        "西二": ("西岭村", "—", "答卷已作废"),
        "西三": ("西岭村", "—", "已开考未交卷"),
        "河一": ("河畔社区", "—", "未开始"),
    }
    # The chart's data block holds the same numbers as its table.
    data = json.loads(re.search(r'id="chart-data-histogram">(.*?)</script>', report.html, re.S).group(1))
    assert data["datasets"][0]["data"] == [0, 0, 0, 1, 1, 0, 1, 1, 1, 0]


def test_a_make_up_exam_opens_the_report_of_its_sitting(reviewer, world):
    response = reviewer.get(f"/reports/exams/{world['makeup'].id}?category=cadre")
    assert response.status_code == 302
    assert response.location.endswith(f"/reports/exams/{world['main'].id}?category=cadre")


def test_every_attempt_is_listed_with_its_time_used(reviewer, world):
    listing = page(reviewer, f"/reports/exams/{world['main'].id}/attempts")
    rows = body(listing.tables["attempts"])
    assert len(rows) == 9  # 8 in the main exam, 1 in the make-up, voided and unfinished included
    first = rows[0]
    assert first[:6] == ["东一", "user002", "东风村", "正考", "1", "已交卷"]
    assert first[6:10] == ["2025-03-10 10:00", "2025-03-10 10:37", "37:05", "50"]
    voided = next(r for r in rows if r[0] == "东二" and r[4] == "1")
    assert voided[5] == "已作废（代考）" and voided[8] == "—" and voided[9] == "—"
    makeup = next(r for r in rows if r[3] == "补考")
    assert makeup[0] == "东一" and makeup[9] == "70" and makeup[11] == "是"


def test_exports_hold_the_page_figures(reviewer, world):
    exam = world["main"].id
    units = xlsx_rows(reviewer.get(f"/reports/exams/{exam}/export/units.xlsx"))
    assert units[0] == ("单位", "应考人数", "参考人数", "参考率（%）", "合格人数", "合格率（%）", "平均分")
    assert units[2] == ("东风村", 4, 2, 50, 1, 50, 55)
    assert units[-1] == ("合计", 10, 5, 50, 3, 60, 56)
    assert all(isinstance(v, (int, float)) for v in units[2][1:])  # numbers stored as numbers
    overview = xlsx_rows(reviewer.get(f"/reports/exams/{exam}/export/overview.xlsx"))
    assert overview[0][:3] == ("应考人数", "参考人数", "参考率（%）")
    assert overview[1] == (10, 5, 50, 3, 2, 5, 60, 56, 60, 80, 30, 100)
    histogram = csv_rows(reviewer.get(f"/reports/exams/{exam}/export/histogram.csv"))
    assert histogram[0] == ["分数段", "人数", "占参考人数比例（%）"]
    assert histogram[4] == ["30–40", "1", "20"]
    attempts = xlsx_rows(reviewer.get(f"/reports/exams/{exam}/export/attempts.xlsx"))
    assert attempts[0][8] == "用时（分钟）"
    assert attempts[1][0] == "东一" and attempts[1][8] == 37.1 and attempts[1][9] == 50
    categories = csv_rows(reviewer.get(f"/reports/exams/{exam}/export/categories.csv"))
    assert categories[1][:6] == ["干部", "6", "2", "33.33", "1", "50"]


def test_personal_exports_escape_formulas_and_are_audited(reviewer, world):
    exam = world["main"].id
    before = db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "report.exported"))
    rows = xlsx_rows(reviewer.get(f"/reports/exams/{exam}/export/absent.xlsx"))
    assert rows[0] == ("序号", "姓名", "账号", "单位", "联系电话", "情况")
    assert rows[1][1] == "'=HYPERLINK(\"http://x\")"  # never a live formula
    assert rows[1][4] == "13800000004"
    assert len(rows) == 6
    text = csv_rows(reviewer.get(f"/reports/exams/{exam}/export/absent.csv"))
    assert text[1][1].startswith("'=")
    after = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "report.exported")
                               .order_by(AuditEntry.id)).all()
    assert len(after) == before + 2
    assert after[-1].details["table"] == "absent" and after[-1].details["rows"] == 5
    assert after[-1].actor_id == world["people"]["reviewer"].id
    # Aggregates carry no personal data and are not logged.
    reviewer.get(f"/reports/exams/{exam}/export/units.xlsx")
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "report.exported")) == before + 2


def test_filters_stay_in_the_url(reviewer, world):
    exam = world["main"].id
    grid = page(reviewer, f"/reports/exams/{exam}?category=grid")
    assert (grid.tiles["enrolled"], grid.tiles["took-part"], grid.tiles["passed"]) == ("2", "2", "1")
    assert f"/reports/exams/{exam}/export/absent.xlsx?category=grid" in grid.links
    assert f"/reports/exams/{exam}/items?category=grid" in grid.links
    sub = page(reviewer, f"/reports/exams/{exam}?unit={world['units']['east'].id}")
    assert (sub.tiles["enrolled"], sub.tiles["took-part"], sub.tiles["passed"]) == ("5", "3", "2")
    assert [r[0] for r in body(sub.tables["units"])] == ["东风村", "东风村一组", "合计"]
    exported = xlsx_rows(reviewer.get(f"/reports/exams/{exam}/export/units.xlsx?unit={world['units']['east'].id}"))
    assert exported[-1][:4] == ("合计", 5, 3, 60)
    assert reviewer.get(f"/reports/exams/{exam}?category=nonsense").status_code == 400
    assert reviewer.get(f"/reports/exams/{exam}?unit=abc").status_code == 400
    # The index: a period by its days, an exam choice that opens its report.
    period = page(reviewer, "/reports/?from=2025-01-01&to=2025-03-12")
    assert period.tiles["took-part"] == "5"  # r1 (1 Jan), e1, e2 (11 Mar), e3 and w1 (12 Mar)
    jump = reviewer.get(f"/reports/?exam={exam}&unit={world['units']['west'].id}")
    assert jump.status_code == 302 and jump.location.endswith(f"/reports/exams/{exam}?unit={world['units']['west'].id}")


def test_drafts_and_unknown_exams_are_not_reported(reviewer, world):
    world["main"].status = ExamStatus.DRAFT
    db.session.commit()
    assert reviewer.get(f"/reports/exams/{world['main'].id}").status_code == 404
    assert reviewer.get("/reports/exams/99999").status_code == 404
    assert reviewer.get("/reports/years/1999").status_code == 404


# ---- scope: a unit head sees their units only --------------------------------------------------

def test_a_unit_head_sees_only_their_units(head, world):
    exam = world["main"].id
    report = page(head, f"/reports/exams/{exam}")
    assert (report.tiles["enrolled"], report.tiles["took-part"], report.tiles["passed"],
            report.tiles["mean"], report.tiles["median"]) == ("5", "3", "2", "63.3", "70")
    assert [r[0] for r in body(report.tables["units"])] == ["东风村", "东风村一组", "合计"]
    assert {r[1] for r in body(report.tables["absent"])} == {"=HYPERLINK(\"http://x\")", "东村长"}
    assert "西" not in "".join(r[0] for r in body(page(head, f"/reports/exams/{exam}/attempts").tables["attempts"]))
    assert "东风村及其下属单位" in report.html
    # Exports are scoped the same way.
    absent = xlsx_rows(head.get(f"/reports/exams/{exam}/export/absent.xlsx"))
    assert {row[3] for row in absent[1:]} == {"东风村"}
    attempts = csv_rows(head.get(f"/reports/exams/{exam}/export/attempts.csv"))
    assert {row[2] for row in attempts[1:]} == {"东风村", "东风村一组"}
    units = xlsx_rows(head.get(f"/reports/exams/{exam}/export/units.xlsx"))
    assert [row[0] for row in units[1:]] == ["东风村", "东风村一组", "合计"]
    # Another unit's figures are refused, on pages and exports.
    west = world["units"]["west"].id
    for url in (f"/reports/exams/{exam}?unit={west}", f"/reports/exams/{exam}/export/absent.xlsx?unit={west}",
                f"/reports/years/2025?unit={west}", f"/reports/years/2025/export/units.csv?unit={west}",
                f"/reports/exams/{exam}/items?unit={west}", f"/reports/?unit={west}"):
        assert head.get(url).status_code == 403, url
    # Their own sub-unit is fine.
    sub = page(head, f"/reports/exams/{exam}?unit={world['units']['east_sub'].id}")
    assert sub.tiles["enrolled"] == "1"
    year = page(head, "/reports/years/2025")
    assert (year.tiles["on-roll"], year.tiles["took-part"], year.tiles["passed"]) == ("5", "3", "2")


REPORT_URLS = [
    "/reports/", "/reports/?year=2025", "/reports/exams/{main}", "/reports/exams/{main}/attempts",
    "/reports/exams/{main}/items", "/reports/exams/{main}/export/units.xlsx", "/reports/exams/{main}/export/absent.csv",
    "/reports/exams/{main}/export/items.xlsx", "/reports/years/2025", "/reports/years/2025/summary",
    "/reports/years/2025/export/overview.xlsx", "/reports/export/exams.csv?year=2025",
]


@pytest.mark.parametrize("url", REPORT_URLS)
def test_examinees_are_refused_and_unit_heads_admitted_within_scope(app, world, url):
    target = url.format(main=world["main"].id)
    examinee = as_user(app, world["people"]["e1"])
    response = examinee.get(target)
    assert response.status_code == 403 and "没有权限" in response.get_data(as_text=True)
    head = as_user(app, world["people"]["h"])
    assert head.get(target).status_code == 200
    joiner = "&" if "?" in target else "?"
    assert head.get(f"{target}{joiner}unit={world['units']['river'].id}").status_code == 403
    assert app.test_client().get(target).status_code == 302  # anonymous: sign in first


def test_every_report_route_is_in_the_access_test(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if r.rule.startswith("/reports")}
    assert endpoints == {"reports.index", "reports.index_export", "reports.exam_page", "reports.attempt_list",
                         "reports.item_analysis", "reports.exam_export", "reports.year_redirect",
                         "reports.year_page", "reports.year_summary", "reports.year_export"}


def test_the_menu_offers_reports_to_report_roles_only(app, world):
    assert "统计报表" in as_user(app, world["people"]["reviewer"]).get("/home").get_data(as_text=True)
    assert "统计报表" in as_user(app, world["people"]["h"]).get("/home").get_data(as_text=True)
    assert "统计报表" not in as_user(app, world["people"]["e1"]).get("/home").get_data(as_text=True)


# ---- per year --------------------------------------------------------------------------------

def test_year_figures_count_people_once_and_by_local_date(reviewer, world):
    year = page(reviewer, "/reports/years/2025")
    # took part in 2025: e1 e2 e3 w1 d1 and r1 (handed in 00:30 on 1 January, Beijing time)
    assert year.tiles == {"exams-held": "1", "on-roll": "11", "took-part": "6", "participation-rate": "54.5%",
                          "passed": "4", "pass-rate": "66.7%", "study-hours": "0", "people-studied": "0",
                          "holders": "0", "new-holders": "0", "renewals-due": "0", "expired": "0"}
    assert "at least one finished, non-voided attempt" not in year.html  # translated
    assert "至少交过一份未作废答卷" in year.html  # the definition of 参考人数 is on the page
    units = {row[0]: row[1:6] for row in body(year.tables["units"])}
    assert units["测试镇"] == ["1", "0", "0.0%", "0", "—"]
    assert units["东风村"] == ["4", "2", "50.0%", "1", "50.0%"]
    assert units["西岭村"] == ["4", "2", "50.0%", "1", "50.0%"]
    assert units["河畔社区"] == ["1", "1", "100.0%", "1", "100.0%"]
    assert units["综合执法中队"] == ["0", "0", "—", "0", "—"]
    assert units["合计"] == ["11", "6", "54.5%", "4", "66.7%"]
    exams = body(year.tables["exams"])
    assert exams == [["2025年学法考试", "2025-03-10 09:00", "1", "5", "3", "60.0%", "56"]]
    trend = body(year.tables["trend"])
    assert trend == [["2024", "1", "2", "1", "50.0%"], ["2025", "1", "6", "4", "66.7%"]]
    exported = xlsx_rows(reviewer.get("/reports/years/2025/export/trend.xlsx"))
    assert exported == [("年度", "组织考试场次", "参考人数", "合格人数", "合格率（%）"),
                        (2024, 1, 2, 1, 50), (2025, 1, 6, 4, 66.67)]
    overview = xlsx_rows(reviewer.get("/reports/years/2025/export/overview.xlsx"))
    assert overview[1][:8] == (1, 1, 11, 6, 54.55, 4, 66.67, 7)
    assert page(reviewer, "/reports/years/2024").tiles["took-part"] == "2"


def test_year_page_by_category_and_redirect(reviewer, world):
    categories = {row[0]: row[1:6] for row in body(page(reviewer, "/reports/years/2025").tables["categories"])}
    assert categories["干部"] == ["7", "2", "28.6%", "1", "50.0%"]  # e1 e4 h w2 w3 d1 and the reviewer
    response = reviewer.get("/reports/years?year=2024&category=grid")
    assert response.status_code == 302 and response.location.endswith("/reports/years/2024?category=grid")


def test_study_and_certificate_figures_come_from_their_services(reviewer, head, world):
    from lawexam.certification.services import CertificateData, create_certificate, preset_type
    from lawexam.questions.models import QuestionModule
    from lawexam.study.models import Lesson, LessonProgress

    people = world["people"]
    module = QuestionModule(code="study-test", name="学法测试", sort_order=0, active=True)
    db.session.add(module)
    db.session.flush()
    lesson = Lesson(module_id=module.id, key="study-test/one", source_path="x.md", title="第一课", minutes=10,
                    credit_centihours=150, body_markdown="", body_html="", toc=[], content_hash="h")
    db.session.add(lesson)
    db.session.flush()
    for who in ("e3", "w1"):
        db.session.add(LessonProgress(user_id=people[who].id, lesson_id=lesson.id, year=2025, credited_s=600,
                                      read_to_end=True, completed_at=at("2025-05-01 10:00")))
    ctype = preset_type()
    create_certificate(CertificateData(type_id=ctype.id, holder_account=people["e3"].account, number="NX-1",
                                       issued_on=datetime(2025, 5, 1).date(), valid_until=datetime(2035, 5, 1).date()),
                       None, datetime.now(UTC))
    create_certificate(CertificateData(type_id=ctype.id, holder_account=people["w1"].account, number="NX-2",
                                       issued_on=datetime(2020, 5, 1).date(), valid_until=datetime(2035, 5, 1).date()),
                       None, datetime.now(UTC))
    db.session.commit()
    town = page(reviewer, "/reports/years/2025")
    assert (town.tiles["study-hours"], town.tiles["people-studied"]) == ("3", "2")
    assert (town.tiles["holders"], town.tiles["new-holders"]) == ("2", "1")
    east = page(head, "/reports/years/2025")
    assert (east.tiles["study-hours"], east.tiles["people-studied"]) == ("1.5", "1")
    assert (east.tiles["holders"], east.tiles["new-holders"]) == ("1", "1")
    units = {row[0]: row[-1] for row in body(town.tables["units"])}
    assert units["东风村一组"] == "1.5" and units["西岭村"] == "1.5" and units["合计"] == "3"
    summary = page(reviewer, "/reports/years/2025/summary").html
    assert "全年共有2人参加网上学法，累计学法" in re.sub(r"<[^>]+>", "", summary)
    assert "我镇现有行政执法证工作人员2名，其中2025年新增1名。" in re.sub(r"<[^>]+>", "", summary)


def test_year_end_summary_sentences_link_each_number(reviewer, world):
    summary = page(reviewer, "/reports/years/2025/summary")
    text = re.sub(r"\s+", "", re.sub(r"<[^>]+>", "", summary.html))
    assert "2025年，我镇共组织无纸化学法考试1场（另组织补考1场）。" in text
    assert "2025年，我镇共有6人参加无纸化学法考试，占在册人员11人的54.5%。" in text
    assert "其中4人考试合格，合格率为66.7%。" in text
    roles = {role: href for href, role in re.findall(r'<a class="figure" href="([^"]+)" data-role="([^"]+)"',
                                                     summary.html)}
    assert roles["took-part"] == "/reports/years/2025#overview"
    assert roles["exams-held"] == "/reports/years/2025#exams"
    assert 'data-copy-target="summary-text"' in summary.html and "复制" in summary.html
    assert "<script" not in re.sub(r'<script src="[^"]+" defer></script>|<script type="application/json"', "",
                                   summary.html)  # no inline script: the CSP forbids them
    head_summary = re.sub(r"<[^>]+>", "", page(as_user(reviewer.application, world["people"]["h"]),
                                                 "/reports/years/2025/summary").html)
    assert "2025年，东风村共有3人参加无纸化学法考试" in re.sub(r"\s+", "", head_summary)
    assert "2025年，东风村一组共有1人参加" in re.sub(r"\s+", "", re.sub(r"<[^>]+>", "", page(
        reviewer, f"/reports/years/2025/summary?unit={world['units']['east_sub'].id}").html))


# ---- item analysis ---------------------------------------------------------------------------

@pytest.fixture
def item_exam(world):
    """Two questions worth 50 each, the same paper for all, options shown in different orders.

        attempt  Q1 order   shown -> original   Q1   Q2 (true/false)  total
        A1       B A C D    A -> B (right)      1    1                100
        A2       C D A B    D -> B (right)      1    0                 50
        A3       A B C D    C -> C              0    0 (blank)          0
        A4       D C B A    A -> D              0    1                 50
        A5       A B C D    B -> B (right)      1    1                100
        A6       A B C D    A -> A, VOIDED: never counts
    """
    module = bank.ensure_module("report-test", "报表测试", 1)
    q1 = bank.create_question(bank.QuestionInput(module.id, QuestionContent(
        "single", "哪一项对？", (Option("A", "甲"), Option("B", "乙"), Option("C", "丙"), Option("D", "丁")), "B")), None)
    q2 = bank.create_question(bank.QuestionInput(module.id, QuestionContent("truefalse", "这句话对吗？", (), True)), None)
    db.session.flush()
    units = [(AudienceKind.UNIT, str(world["units"][k].id)) for k in ("east", "west")]
    exam = new_exam("2025年试题分析考试", "2025-04-01 09:00", "2025-04-08 18:00", units,
                    fixed=[(q1.id, 50), (q2.id, 50)], code="ITEM25")
    p = world["people"]

    def paper(order):
        return [{"slot": 1, "question_id": q1.id, "version_id": q1.current_version_id, "points": 50.0,
                 "option_order": list(order), "type": "single", "blanks": 0},
                {"slot": 2, "question_id": q2.id, "version_id": q2.current_version_id, "points": 50.0,
                 "option_order": [], "type": "truefalse", "blanks": 0}]

    def results(r1, r2):
        return [{"slot": 1, "awarded": 50.0 * r1, "points": 50.0, "correct": bool(r1)},
                {"slot": 2, "awarded": 50.0 * r2, "points": 50.0, "correct": bool(r2)}]

    plan = [("e1", "BACD", "A", 1, True, 1), ("e2", "CDAB", "D", 1, False, 0), ("e3", "ABCD", "C", 0, None, 0),
            ("w1", "DCBA", "A", 0, True, 1), ("d1", "ABCD", "B", 1, True, 1)]
    for n, (who, order, shown, right1, answer2, right2) in enumerate(plan):
        attempt = add_attempt(exam, p[who], 1, AttemptState.SUBMITTED, 50.0 * (right1 + right2),
                              f"2025-04-0{1 + n} 10:00", paper=paper(order), results=results(right1, right2))
        db.session.add(AttemptAnswer(attempt_id=attempt.id, slot=1, answer=shown, seq=1))
        if answer2 is not None:
            db.session.add(AttemptAnswer(attempt_id=attempt.id, slot=2, answer=answer2, seq=1))
    voided = add_attempt(exam, p["w2"], 1, AttemptState.VOIDED, 0, "2025-04-06 10:00", paper=paper("ABCD"),
                         results=results(0, 0), reason="作废")
    db.session.add(AttemptAnswer(attempt_id=voided.id, slot=1, answer="A", seq=1))
    db.session.commit()
    return {"exam": exam, "q1": q1, "q2": q2}


def test_item_analysis_by_hand(reviewer, world, item_exam):
    analysis = page(reviewer, f"/reports/exams/{item_exam['exam'].id}/items")
    # 5 attempts; KR-20 = 2/1 · (1 − (0.24 + 0.24) / 0.56) = 2/7 = 0.2857; alpha the same.
    assert analysis.tiles["attempts"] == "5" and analysis.tiles["questions"] == "2"
    assert analysis.tiles["kr20"] == "0.29" and analysis.tiles["alpha"] == "0.29"
    assert analysis.tiles["mean"] == "60" and analysis.tiles["flagged"] == "1"
    rows = body(analysis.tables["items"])
    q1, q2 = rows
    # facility 3/5; g = 1: the top seat is shared by the two 100s (½ each), the bottom is A3
    assert q1[3:6] == ["0.60", "1.00 高分组 1.00 / 低分组 0.00", "0.17"]  # point-biserial 1/6
    assert q2[3:6] == ["0.60", "1.00 高分组 1.00 / 低分组 0.00", "0.17"]
    assert "A 0（0%）" in q1[6] and "B ✓ 3（60%）" in " ".join(q1[6].replace("（正确答案）", "").split())
    assert "C 1（20%）" in q1[6] and "D 1（20%）" in q1[6]
    assert "无人选择的干扰项：A" in q1[7]
    assert "非选择题" in q2[6]
    assert "修改试题" not in analysis.html  # reviewers do not edit the bank
    exported = xlsx_rows(reviewer.get(f"/reports/exams/{item_exam['exam'].id}/export/items.xlsx"))
    assert exported[0][:6] == ("序号", "题目编号", "题型", "题干", "作答人次", "难度系数（通过率）")
    assert exported[1][:10] == (1, item_exam["q1"].id, "单选题", "哪一项对？", 5, 0.6, 1, 0, 1, 0.167)
    assert exported[1][10] == "A 0；B✓ 3；C 1；D 1；未作答 0"


def test_item_analysis_links_officers_to_the_editor(app, world, item_exam, make_user):
    officer = make_user(Role.OFFICER, unit="town", account="officer-x")
    analysis = page(as_user(app, officer), f"/reports/exams/{item_exam['exam'].id}/items")
    assert f"/admin/questions/{item_exam['q1'].id}/edit" in analysis.links


def test_item_analysis_is_scoped_and_samples_large_exams(head, world, item_exam):
    east = page(head, f"/reports/exams/{item_exam['exam'].id}/items")
    assert east.tiles["attempts"] == "3"  # e1, e2 and e3 (东风村一组); not 西岭村's
    with head.application.app_context():
        exam = db.session.get(Exam, item_exam["exam"].id)
        sample = item_report(exam, EVERYTHING, ReportFilter(), sample_limit=2)
        assert sample.finished == 5 and sample.attempts <= 2 and sample.sampled
        assert item_report(exam, EVERYTHING, ReportFilter()).attempts == 5
