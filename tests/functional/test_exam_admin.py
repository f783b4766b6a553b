"""The officer's exam pages: the definition form, the exam page (feasibility, sample draw,
enrolled list, lifecycle), make-up exams, the live monitor and its corrections, and joining by
phone (short link, QR code, notice sheet)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from lawexam.audit.models import AuditEntry
from lawexam.auth.models import Category, Role
from lawexam.db import utcnow
from lawexam.exams import attempts, services
from lawexam.exams.models import (AnswerRelease, Attempt, AttemptState, AudienceKind, CountingPolicy, Exam,
                                  ExamStatus, ScoreRelease)
from lawexam.extensions import db
from lawexam.questions import bank
from tests.conftest import sign_in
from tests.functional.exam_support import correct_display_answer, make_exam, seed_small_bank


@pytest.fixture
def english(client):
    """Assertions read English source strings, which a change of the Chinese catalog never moves."""
    client.set_cookie("lang", "en")
    return client


@pytest.fixture
def officer(english, login_as):
    return login_as(Role.OFFICER, unit="squad")


def page(response) -> str:
    return response.get_data(as_text=True)


def shown(text: str) -> str:
    """A message as the page shows it (HTML-escaped)."""
    return str(escape(text))


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def exam_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Exam))


def form_data(module_id: int, **overrides: object) -> dict[str, object]:
    """A valid definition: two rules (single and true/false) and the east village."""
    data: dict[str, object] = {
        "title": "2030年春季学法考试", "rules_text": "闭卷，独立完成。",
        "opens_at": "2030-03-01T09:00", "closes_at": "2030-03-08T18:00",
        "duration_minutes": "45", "attempts_allowed": "2", "counting": "latest",
        "shuffle_questions": "y", "scoring": "proportional",
        "score_release": "after_close", "answer_release": "never", "paper_included": "1",
        "rules-0-module_ids": [str(module_id)], "rules-0-types": ["single"], "rules-0-count": "2",
        "rules-0-points": "2.5", "rules-0-min_difficulty": "1", "rules-0-max_difficulty": "5",
        "rules-1-count": "", "rules-1-points": "", "rules-1-min_difficulty": "1", "rules-1-max_difficulty": "5",
        "rules-2-types": ["truefalse"], "rules-2-count": "2", "rules-2-points": "1", "rules-2-tags": "",
        "rules-2-min_difficulty": "1", "rules-2-max_difficulty": "5",
        "fixed": "", "pass_mark": "6", "categories": [], "roles": [], "people": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def start(exam, user, now=None):
    attempt, _created = attempts.start_attempt(exam, user, now or utcnow())
    db.session.commit()
    return attempt


def hand_in(attempt, right: bool, now=None):
    now = now or utcnow()
    if right:
        for seq, slot in enumerate(attempt.paper, start=1):
            attempts.save_answer(attempt.user, attempt.id, slot["slot"], correct_display_answer(slot), seq, now)
    done = attempts.finish_attempt(attempt.id, now, AttemptState.SUBMITTED)
    db.session.commit()
    return done


# ---- the definition form -------------------------------------------------------------------

def test_new_exam_form_offers_the_bank_units_and_six_blank_rule_rows(officer, english, town):
    seed_small_bank(1)
    html = page(english.get("/admin/exams/new"))
    assert "考试测试模块" in html and "东风村" in html and "综合执法中队" in html
    assert 'name="rules-5-count"' in html and 'name="rules-6-count"' not in html
    assert 'type="datetime-local"' in html and "exam-admin.js" in html
    assert "<script>" not in html  # no inline scripts (CSP)


def test_officer_creates_an_exam_through_the_form(officer, english, make_user, town):
    module_id, ids = seed_small_bank(3)
    named = make_user(account="13900001111", unit="west", name="点名人")
    response = english.post("/admin/exams/new", data=form_data(
        module_id, fixed=f"{ids[3]},1.5\n", units=[str(town["east"].id)], categories=["grid"],
        roles=["unit_head"], people="13900001111"))
    assert response.status_code == 302, page(response)
    exam = db.session.scalar(select(Exam))
    assert response.location.endswith(f"/admin/exams/{exam.id}")
    assert exam.status == ExamStatus.DRAFT and exam.title == "2030年春季学法考试"
    # 09:00 in Shanghai is 01:00 UTC.
    assert exam.opens_at == datetime(2030, 3, 1, 1, 0, tzinfo=timezone.utc)
    assert exam.closes_at == datetime(2030, 3, 8, 10, 0, tzinfo=timezone.utc)
    assert exam.duration_s == 45 * 60 and exam.pass_mark == 6 and exam.attempts_allowed == 2
    assert exam.counting == CountingPolicy.LATEST and exam.scoring == "proportional"
    assert exam.shuffle_questions and not exam.shuffle_options
    assert exam.score_release == ScoreRelease.AFTER_CLOSE and exam.answer_release == AnswerRelease.NEVER
    # The blank middle row is ignored; the rules keep their order.
    assert [(r.count, r.points, r.module_ids, r.types) for r in exam.rules] == [
        (2, 2.5, [module_id], ["single"]), (2, 1.0, [], ["truefalse"])]
    assert [(f.question_id, f.points) for f in exam.fixed_items] == [(ids[3], 1.5)]
    assert {(a.kind, a.value) for a in exam.audience} == {
        (AudienceKind.UNIT, str(town["east"].id)), (AudienceKind.CATEGORY, "grid"),
        (AudienceKind.ROLE, "unit_head"), (AudienceKind.PERSON, str(named.id))}
    assert "exam.created" in audit_actions()
    # The form shows it back in town time, with the named person by account.
    html = page(english.get(f"/admin/exams/{exam.id}/edit"))
    assert 'value="2030-03-01T09:00"' in html and "13900001111" in html
    assert 'name="rules-1-count"' in html and f"{ids[3]},1.5" in html


@pytest.mark.parametrize("case, overrides, field_id, message", [
    ("close before open", {"closes_at": "2030-02-28T09:00"}, "closes_at-error",
     "The window must close after it opens."),
    ("pass mark above total", {"pass_mark": "99"}, "pass_mark-error",
     "The pass mark must be above 0 and at most the total of 7 points."),
    ("rule count 0", {"rules-2-count": "0"}, None,
     "Rule 2 needs a count of at least 1 and positive points."),
    ("unknown account", {"people": "13900001111\nnobody-here"}, "people-error",
     "No active person has the account nobody-here."),
    ("malformed fixed line", {"fixed": "12 points two"}, "fixed-error",
     "Line 1: write a question number and its points, e.g. “128,2”."),
    ("points not a number", {"rules-0-points": "two"}, "rules-0-points", "Enter the points as a number, e.g. 2 or 1.5."),
    ("unknown fixed question", {"fixed": "99999,2"}, "fixed-error", "The bank has no question No. 99999."),
    ("fixed question twice", {"fixed": "{q},1\n{q},2"}, "fixed-error", "Fixed question No. {q} is listed more than once."),
])
def test_bad_input_shows_the_message_at_its_field_and_writes_nothing(officer, english, make_user, town,
                                                                     case, overrides, field_id, message):
    module_id, ids = seed_small_bank(3)
    make_user(account="13900001111")
    overrides = {k: v.format(q=ids[0]) if isinstance(v, str) else v for k, v in overrides.items()}
    message = message.format(q=ids[0])
    before = audit_actions()
    response = english.post("/admin/exams/new", data=form_data(module_id, units=[str(town["east"].id)], **overrides))
    html = page(response)
    assert response.status_code == 200
    assert shown(message) in html, case
    if field_id:
        assert f'id="{field_id}' in html or f"{field_id}" in html
    else:  # a rule's problem sits with the rules
        rules_section = html.split('class="rules-group')[1].split("</fieldset>")[0]
        assert shown(message) in rules_section
    assert "nothing was saved" in html
    assert exam_count() == 0 and audit_actions() == before
    # What was typed is still there.
    assert "2030年春季学法考试" in html


def test_rows_added_by_the_script_arrive_with_any_index(officer, english, town):
    module_id, _ids = seed_small_bank(3)
    data = form_data(module_id, units=[str(town["east"].id)])
    data.update({"rules-9-types": ["multiple"], "rules-9-count": "1", "rules-9-points": "3",
                 "rules-9-min_difficulty": "1", "rules-9-max_difficulty": "5"})
    assert english.post("/admin/exams/new", data=data).status_code == 302
    assert [(r.count, r.types) for r in db.session.scalar(select(Exam)).rules] == [
        (2, ["single"]), (2, ["truefalse"]), (1, ["multiple"])]


def test_a_rule_message_numbers_the_rows_as_shown(officer, english, town):
    module_id, _ids = seed_small_bank(3)
    data = form_data(module_id, units=[str(town["east"].id)], **{"rules-2-count": "0"})
    html = page(english.post("/admin/exams/new", data=data))
    # The blank row moved to the end: the failing rule is now the second row on screen.
    rows = html.split('<fieldset class="rule-row')[1:]
    assert 'js-rule-number">2<' in rows[1] and 'value="0"' in rows[1]
    assert "is-blank" not in rows[0] + rows[1] and all("is-blank" in row for row in rows[2:])
    assert len(rows) == 6 and "Rule 2 needs a count of at least 1" in html


# ---- the exam page: feasibility, sample draw, enrolled list --------------------------------

def _draft(module_id, audience_unit, rules, **kw):
    data = services.ExamInput(title="可行性测试", opens_at=utcnow() + timedelta(days=1),
                              closes_at=utcnow() + timedelta(days=2), duration_minutes=30, pass_mark=1,
                              rules=rules, audience=[(AudienceKind.UNIT, str(audience_unit.id))], **kw)
    exam = services.create_exam(data, None)
    db.session.commit()
    return exam


def test_feasibility_warns_on_a_small_pool_and_shows_a_problem_in_red(officer, english, town):
    module_id, _ids = seed_small_bank(5)
    exam = _draft(module_id, town["east"], [
        services.RuleInput(count=3, points=1, module_ids=[module_id], types=["single"]),      # pool 5 < 6
        services.RuleInput(count=8, points=1, module_ids=[module_id], types=["truefalse"]),  # only 5
        services.RuleInput(count=1, points=1, module_ids=[module_id], types=["multiple"]),   # fine
    ])
    html = page(english.get(f"/admin/exams/{exam.id}"))
    assert "Rule 1 draws 3 questions from a pool of only 5" in html
    assert "Rule 2 needs 8 questions but only 5 can be drawn." in html
    assert html.count('class="status-small"') == 1 and html.count('class="status-short"') == 1
    assert "This paper cannot be drawn" in html and "flash flash-error" in html
    assert "No sample can be drawn" in html
    # Publishing is refused for the same reason.
    response = english.post(f"/admin/exams/{exam.id}/publish", follow_redirects=True)
    assert "The paper cannot be drawn" in page(response)
    assert db.session.get(Exam, exam.id).status == ExamStatus.DRAFT


def test_exam_page_shows_a_sample_paper_and_the_enrolled_list(officer, english, make_user, town):
    module_id, _ids = seed_small_bank(5)
    make_user(name="东风甲", unit="east", categories={Category.GRID})
    make_user(name="西岭乙", unit="west")
    exam = _draft(module_id, town["east"], [
        services.RuleInput(count=2, points=2, module_ids=[module_id], types=["single"]),
        services.RuleInput(count=1, points=3, module_ids=[module_id], types=["fill"])])
    html = page(english.get(f"/admin/exams/{exam.id}?seed=7"))
    assert "Every rule has enough questions." in html
    sample = html.split('id="sample"')[1].split("</section>")[0]
    assert sample.count("单选题") == 2 and sample.count("填空题") == 1
    assert "Single choice" in sample and "Fill in the blank" in sample
    assert "正确答案标记" not in html  # no keys or explanations in the preview
    enrolled = html.split('id="enrolled"')[1]
    assert "东风甲" in enrolled and "Grid worker" in enrolled and "西岭乙" not in enrolled
    assert "1 person" in enrolled
    assert "7 points" in html or "7 points" in html.replace("\n", " ")


# ---- lifecycle -----------------------------------------------------------------------------

def test_publish_draft_close_and_archive(officer, english, make_user, town):
    make_user(unit="east")
    exam = make_exam(town["east"], publish=False)
    base = f"/admin/exams/{exam.id}"

    def status():
        db.session.expire_all()
        return db.session.get(Exam, exam.id).status

    assert english.post(base + "/publish").status_code == 302 and status() == ExamStatus.PUBLISHED
    # Archiving an open exam is refused.
    html = page(english.post(base + "/archive", follow_redirects=True))
    assert "Close the exam before archiving it." in html and status() == ExamStatus.PUBLISHED
    english.post(base + "/unpublish")
    assert status() == ExamStatus.DRAFT
    english.post(base + "/publish")
    html = page(english.post(base + "/close", follow_redirects=True))
    assert "The exam is closed" in html
    exam = db.session.get(Exam, exam.id)
    assert exam.closes_at <= utcnow() and exam.phase(utcnow()).value == "closed"
    # A closed exam cannot be closed again, nor published.
    assert "Only an open or upcoming exam can be closed." in page(english.post(base + "/close", follow_redirects=True))
    assert "Only a draft can be published." in page(english.post(base + "/publish", follow_redirects=True))
    english.post(base + "/archive")
    assert status() == ExamStatus.ARCHIVED
    assert [a for a in audit_actions() if a.startswith("exam.")][-5:] == [
        "exam.published", "exam.unpublished", "exam.published", "exam.closed", "exam.archived"]
    # The list hides archived exams unless asked.
    assert "测试考试" not in page(english.get("/admin/exams/")).split("<tbody>")[1]
    assert "测试考试" in page(english.get("/admin/exams/?show=archived"))


def test_publishing_needs_an_audience(officer, english, town):
    exam = make_exam(None, publish=False)
    html = page(english.post(f"/admin/exams/{exam.id}/publish", follow_redirects=True))
    assert "Nobody is enrolled yet" in html
    assert db.session.get(Exam, exam.id).status == ExamStatus.DRAFT


def test_the_paper_is_frozen_after_a_start_but_the_window_can_move(officer, english, make_user, town):
    person = make_user(unit="east")
    exam = make_exam(town["east"])
    start(exam, person)
    module_id = bank.module_by_name("考试测试模块").id
    html = page(english.get(f"/admin/exams/{exam.id}/edit"))
    assert "so its paper" in html and "Clone to change the paper" in html
    assert 'name="rules-0-count"' not in html and 'name="paper_included"' not in html
    # Changing the rules is refused...
    refused = english.post(f"/admin/exams/{exam.id}/edit", data=form_data(
        module_id, title="测试考试", opens_at="2020-01-01T08:00", closes_at="2099-01-01T08:00", pass_mark="6",
        scoring="all_or_nothing", units=[str(town["east"].id)]))
    assert "People have started this exam, so its paper is frozen." in page(refused)
    db.session.expire_all()
    assert [r.count for r in db.session.get(Exam, exam.id).rules] == [2, 2, 2, 2]
    # ...while the window (and the rest) may change: the form without the paper fields.
    data = form_data(module_id, title="测试考试（延长）", opens_at="2020-01-01T08:00", closes_at="2099-01-01T08:00",
                     pass_mark="12", scoring="all_or_nothing", units=[str(town["east"].id)], paper_included=None)
    data = {k: v for k, v in data.items() if not k.startswith("rules-")}
    response = english.post(f"/admin/exams/{exam.id}/edit", data=data)
    assert response.status_code == 302, page(response)
    db.session.expire_all()
    exam = db.session.get(Exam, exam.id)
    assert exam.title == "测试考试（延长）" and exam.closes_at == datetime(2099, 1, 1, 0, 0, tzinfo=timezone.utc)
    assert [r.count for r in exam.rules] == [2, 2, 2, 2] and exam.pass_mark == 12
    # Nobody can take a started exam back to draft.
    assert "Only a published exam that nobody has started" in page(
        english.post(f"/admin/exams/{exam.id}/unpublish", follow_redirects=True))


def test_clone_makes_an_editable_draft_copy(officer, english, make_user, town):
    person = make_user(unit="east")
    exam = make_exam(town["east"])
    start(exam, person)
    response = english.post(f"/admin/exams/{exam.id}/clone")
    copy = db.session.scalar(select(Exam).where(Exam.id != exam.id))
    assert response.status_code == 302 and response.location.endswith(f"/admin/exams/{copy.id}/edit")
    assert copy.status == ExamStatus.DRAFT and copy.frozen_at is None and copy.title == "测试考试 (copy)"
    assert [(r.count, r.types) for r in copy.rules] == [(r.count, r.types) for r in exam.rules]
    assert copy.join_code != exam.join_code
    assert 'name="rules-0-count"' in page(english.get(response.location))
    assert "exam.cloned" in audit_actions()


def test_make_up_exam_is_for_those_who_failed_or_did_not_take_it(officer, english, make_user, town):
    passer, failer, absent = (make_user(unit="east", name=n) for n in ("及格者", "不及格者", "缺考者"))
    exam = make_exam(town["east"])
    hand_in(start(exam, passer), right=True)
    hand_in(start(exam, failer), right=False)
    exam.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    html = page(english.get(f"/admin/exams/{exam.id}"))
    assert "Create a make-up exam (2 people)" in html
    html = page(english.get(f"/admin/exams/{exam.id}/makeup"))
    assert "不及格者" in html and "缺考者" in html and "及格者</" not in html.replace("不及格者</", "")
    # Its own window is checked like any other.
    bad = english.post(f"/admin/exams/{exam.id}/makeup", data={"opens_at": "2030-05-02T09:00",
                                                               "closes_at": "2030-05-01T09:00"})
    assert "The window must close after it opens." in page(bad) and exam_count() == 1
    response = english.post(f"/admin/exams/{exam.id}/makeup", data={"opens_at": "2030-05-01T09:00",
                                                                    "closes_at": "2030-05-03T18:00"})
    makeup = db.session.scalar(select(Exam).where(Exam.makeup_of_id == exam.id))
    assert response.status_code == 302 and response.location.endswith(f"/admin/exams/{makeup.id}")
    assert {int(a.value) for a in makeup.audience} == {failer.id, absent.id}
    assert all(a.kind == AudienceKind.PERSON for a in makeup.audience)
    assert makeup.opens_at == datetime(2030, 5, 1, 1, 0, tzinfo=timezone.utc)
    assert "Make-up" in page(english.get("/admin/exams/"))
    # A make-up has no make-up of its own.
    html = page(english.post(f"/admin/exams/{makeup.id}/makeup", data={"opens_at": "2030-06-01T09:00",
                                                                       "closes_at": "2030-06-03T18:00"}))
    assert "A make-up exam cannot have a make-up of its own" in html


# ---- live monitor --------------------------------------------------------------------------

def test_monitor_json_counts_people_and_gives_time_left(officer, english, make_user, town):
    running, done, _idle = (make_user(unit="east", name=n) for n in ("答题中", "已交卷", "未开始"))
    exam = make_exam(town["east"], duration_minutes=30)
    start(exam, running)
    hand_in(start(exam, done), right=True)
    body = english.get(f"/admin/exams/{exam.id}/monitor.json").get_json()
    # The officer works in the squad, so only the three villagers are enrolled.
    assert body["counts"] == {"enrolled": 3, "started": 2, "in_progress": 1, "submitted": 1, "passed": 1}
    rows = {row["name"]: row for row in body["attempts"]}
    assert rows["答题中"]["state"] == "in_progress" and 29 * 60 < rows["答题中"]["time_left_s"] <= 30 * 60
    assert rows["已交卷"]["state"] == "submitted" and rows["已交卷"]["time_left_s"] is None
    assert rows["已交卷"]["score"] == rows["已交卷"]["score"] and rows["已交卷"]["passed"] is True
    assert "server_time" in body and body["phase"] == "open"
    html = page(english.get(f"/admin/exams/{exam.id}/monitor"))
    assert "答题中" in html and "已交卷" in html and "未开始" in html.split("not-started")[1]
    assert 'data-url="/admin/exams/%d/monitor.json"' % exam.id in html and 'class="time-left js-left' in html


@pytest.mark.parametrize("action, finished_first, minutes, audit", [
    ("extend", False, 15, "attempt.extended"),
    ("force_submit", False, None, "attempt.force_submitted"),
    ("void", False, None, "attempt.voided"),
    ("reopen", True, 20, "attempt.reopened"),
])
def test_each_correction_needs_a_reason_changes_the_attempt_and_is_audited(officer, english, make_user, town,
                                                                           action, finished_first, minutes, audit):
    person = make_user(unit="east", name="被处理人")
    exam = make_exam(town["east"])
    attempt = start(exam, person)
    if finished_first:
        attempt = hand_in(attempt, right=False)
    before = (attempt.state, attempt.deadline)
    url = f"/admin/exams/{exam.id}/attempts/{attempt.id}/action"
    data = {"action": action, "minutes": str(minutes or "")}
    # Without a reason nothing happens.
    response = english.post(url, data={**data, "reason": "  "}, follow_redirects=True)
    assert "Give a reason; it is kept in the audit log." in page(response)
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt.id)
    assert (attempt.state, attempt.deadline) == before and audit not in audit_actions()
    # With one, it is done and logged with the reason.
    response = english.post(url, data={**data, "reason": "手机没电"})
    assert response.status_code == 302 and response.location.endswith(f"/monitor#attempt-{attempt.id}")
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt.id)
    expected = {"extend": AttemptState.IN_PROGRESS, "force_submit": AttemptState.SUBMITTED,
                "void": AttemptState.VOIDED, "reopen": AttemptState.IN_PROGRESS}[action]
    assert attempt.state == expected
    if action == "extend":
        assert attempt.deadline == before[1] + timedelta(minutes=15) and attempt.extension_s == 15 * 60
    if action == "reopen":
        assert attempt.score is None and attempt.deadline > utcnow() + timedelta(minutes=19)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == audit))
    assert entry.summary == "手机没电" and entry.object_id == str(attempt.id) and entry.actor_id == officer.id


def test_a_correction_that_does_not_fit_the_state_is_refused(officer, english, make_user, town):
    person = make_user(unit="east", name="已交者")
    exam = make_exam(town["east"])
    attempt = hand_in(start(exam, person), right=False)
    html = page(english.post(f"/admin/exams/{exam.id}/attempts/{attempt.id}/action",
                             data={"action": "extend", "minutes": "5", "reason": "试试"}, follow_redirects=True))
    assert "This attempt is finished; reopen it instead." in html
    other = make_exam(town["east"])
    assert english.post(f"/admin/exams/{other.id}/attempts/{attempt.id}/action",
                        data={"action": "void", "reason": "x"}).status_code == 404


# ---- join by phone -------------------------------------------------------------------------

def test_short_link_redirects_to_the_start_page_after_sign_in(app, make_user, town):
    person = make_user(unit="east")
    exam = make_exam(town["east"])
    phone = app.test_client()
    response = phone.get(f"/j/{exam.join_code}")
    assert response.status_code == 302 and "/login" in response.location
    sign_in(phone, person.account)
    for code in (exam.join_code, exam.join_code.lower()):
        response = phone.get(f"/j/{code}")
        assert response.status_code == 302 and response.location.endswith(f"/exams/{exam.id}")
    assert phone.get("/j/NOSUCH").status_code == 404


def test_qr_code_and_printable_notice(officer, english, make_user, town):
    make_user(unit="east")
    exam = make_exam(town["east"], rules_text="请带好身份证。")
    svg = english.get(f"/admin/exams/{exam.id}/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    png = english.get(f"/admin/exams/{exam.id}/qr.png?download=1")
    assert png.data.startswith(b"\x89PNG") and "attachment" in png.headers["Content-Disposition"]
    html = page(english.get(f"/admin/exams/{exam.id}/notice"))
    assert "测试考试" in html and "请带好身份证。" in html and f"/j/{exam.join_code}" in html
    assert '<svg role="img"' in html and 'class="qr-code"' in html and "js-print" in html
    assert "Sign in with your account" in html and "30 minutes" in html
    detail = page(english.get(f"/admin/exams/{exam.id}"))
    assert f"http://localhost/j/{exam.join_code}" in detail and f"/admin/exams/{exam.id}/qr.svg" in detail


def test_the_qr_code_is_a_full_qr_code_of_the_short_link(app, officer, make_user, town):
    import segno

    make_user(unit="east")
    exam = make_exam(town["east"])
    with app.test_request_context():
        from lawexam.exams.admin_views import _qr, join_url

        code = _qr(exam)
        assert not code.is_micro and join_url(exam).endswith(f"/j/{exam.join_code}")
        assert isinstance(code, segno.QRCode)


def test_exam_list_shows_figures_and_links(officer, english, make_user, town):
    person = make_user(unit="east")
    exam = make_exam(town["east"])
    start(exam, person)
    html = page(english.get("/admin/exams/"))
    row = html.split("<tbody>")[1].split("</tr>")[0]
    assert "测试考试" in row and "Open" in row and f"/admin/exams/{exam.id}/monitor" in row
    cells = [c.split("<", 1)[0] for c in row.split('<td class="num">')[1:]]
    assert cells[:4] == ["1", "1", "0", "0"]  # enrolled, started, handed in, passed


def test_the_officer_menu_links_to_exams(officer, english):
    assert 'href="/admin/exams/"' in page(english.get("/home"))


class TestCsrf:
    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_lifecycle_buttons_and_corrections_need_the_token(self, client, make_user, town):
        import re

        officer = make_user(Role.OFFICER, unit="squad")
        person = make_user(unit="east")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page(client.get("/login"))).group(1)
        client.post("/login", data={"account": officer.account, "password": "Correct-Horse-42", "csrf_token": token})
        exam = make_exam(town["east"])
        attempt = start(exam, person)
        html = page(client.get(f"/admin/exams/{exam.id}/monitor"))
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
        url = f"/admin/exams/{exam.id}/attempts/{attempt.id}/action"
        data = {"action": "void", "reason": "测试"}
        assert client.post(url, data=data).status_code == 400
        assert client.post(f"/admin/exams/{exam.id}/close").status_code == 400
        db.session.expire_all()
        assert db.session.get(Attempt, attempt.id).state == AttemptState.IN_PROGRESS
        assert client.post(url, data={**data, "csrf_token": token}).status_code == 302
        db.session.expire_all()
        assert db.session.get(Attempt, attempt.id).state == AttemptState.VOIDED
