"""Practice with instant feedback: what is drawn, the daily set, resuming, feedback, progress."""
from __future__ import annotations

import random
import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from lawexam.auth.models import Role
from lawexam.extensions import db
from lawexam.questions import bank
from lawexam.questions.models import Question, QuestionStatus, QuestionVersion
from lawexam.questions.qtypes import Option, QuestionContent
from lawexam.study import notebook, practice
from lawexam.study.practice_models import NotebookState, PracticeAnswer, PracticeKind, PracticeSession
from tests.conftest import sign_in
from tests.functional.practice_support import add_questions, mixed_bank, module_id

# 09:00 in Asia/Shanghai on 1 March 2026.
T0 = datetime(2026, 3, 1, 1, 0, tzinfo=timezone.utc)


def stems(session: PracticeSession) -> list[str]:
    ids = [i["version_id"] for i in session.items]
    return [v.stem for v in db.session.scalars(select(QuestionVersion).where(QuestionVersion.id.in_(ids)))]


def start(client, count=10, module=""):
    response = client.post("/study/practice/start", data={"module_id": module, "count": str(count)})
    assert response.status_code == 302, response.get_data(as_text=True)
    match = re.search(r"/study/practice/(\d+)/1$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


# ---- what practice draws -------------------------------------------------------------------

def test_practice_never_draws_exam_only_or_retired_questions(app, make_user):
    banks = mixed_bank()
    allowed = {q.id for q in banks["civil"] + banks["admin"]}
    user = make_user()
    rng = random.Random(7)
    seen: set[int] = set()
    for n in range(40):
        module = [None, module_id("p-civil"), module_id("p-admin")][n % 3]
        session = practice.start_session(user, module, rng.randint(1, 50), T0, rng)
        drawn = {i["question_id"] for i in session.items}
        assert drawn <= allowed
        seen |= drawn
        if module is not None:
            assert {db.session.get(Question, q).module_id for q in drawn} == {module}
    assert seen == allowed  # every practice question turns up, nothing else ever does
    for day in range(60):
        items = practice.draw_daily(practice.eligible_items(), T0.date() + timedelta(days=day))
        assert len(items) == 10 and {i["question_id"] for i in items} <= allowed
    db.session.commit()


def test_the_pages_never_show_an_exam_only_or_retired_question(client, login_as):
    mixed_bank()
    login_as(Role.EXAMINEE)
    for _round in range(3):
        session_id = start(client, count=50)
        session = db.session.get(PracticeSession, session_id)
        assert session.size == 14  # all practice questions of both modules, and only those
        for number in range(1, session.size + 1):
            page = client.get(f"/study/practice/{session_id}/{number}").get_data(as_text=True)
            assert "考试专用" not in page and "已停用" not in page
            client.post(f"/study/practice/{session_id}/{number}", data={"action": "reveal"})


def test_a_question_retired_or_made_exam_only_after_the_draw_is_dropped_before_it_is_asked(app, make_user):
    questions = add_questions("p-x", "模块", 5, prefix="题")
    user = make_user()
    session = practice.start_session(user, None, 5, T0, random.Random(1))
    first, second, third = (db.session.get(Question, session.items[i]["question_id"]) for i in range(3))
    practice.answer(user, session, 0, "B", T0)
    bank.set_status([first, second], QuestionStatus.RETIRED, None)  # `first` is answered already: kept
    third.exam_only = True
    db.session.commit()
    practice.bring_up_to_date(session, T0)
    assert [i["question_id"] for i in session.items][0] == first.id
    assert second.id not in {i["question_id"] for i in session.items}
    assert third.id not in {i["question_id"] for i in session.items}
    assert session.size == 3 and session.answered == 1
    assert len(questions) == 5


def test_count_and_module_are_checked(client, login_as):
    mixed_bank()
    login_as(Role.EXAMINEE)
    for bad in ("0", "51", "x"):
        page = client.post("/study/practice/start", data={"module_id": "", "count": bad})
        assert page.status_code == 200
        assert db.session.scalar(select(func.count()).select_from(PracticeSession)) == 0
    start(client, count=3, module=str(module_id("p-admin")))
    # A module with only exam-only questions has nothing to practise.
    exam_module = bank.ensure_module("exam-only-mod", "只考不练", 9)
    bank.create_question(bank.QuestionInput(exam_module.id, QuestionContent(
        "truefalse", "只考不练的题。", (), True, "", ""), exam_only=True), None)
    db.session.commit()
    page = client.post("/study/practice/start", data={"module_id": str(exam_module.id), "count": "5"})
    assert page.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(PracticeSession)) == 1


def test_fewer_questions_than_asked_gives_all_of_them(client, login_as):
    add_questions("p-small", "小模块", 3, prefix="小")
    login_as(Role.EXAMINEE)
    session_id = start(client, count=20, module=str(module_id("p-small")))
    assert db.session.get(PracticeSession, session_id).size == 3


def test_the_least_practised_questions_come_first(app, make_user):
    add_questions("p-cov", "覆盖", 10, prefix="覆盖")
    user = make_user()
    first = practice.start_session(user, None, 5, T0, random.Random(3))
    for position in range(5):
        practice.answer(user, first, position, "B", T0)
    second = practice.start_session(user, None, 5, T0, random.Random(4))
    assert not {i["question_id"] for i in first.items} & {i["question_id"] for i in second.items}


# ---- the daily set -------------------------------------------------------------------------

def test_the_daily_set_is_the_same_for_two_people_and_changes_the_next_day(app, make_user):
    add_questions("p-day", "每日", 40, prefix="每日")
    alice, bob = make_user(), make_user()
    a, created = practice.start_daily(alice, T0)
    assert created and a.kind == PracticeKind.DAILY and a.size == 10
    b, _created = practice.start_daily(bob, T0 + timedelta(hours=6))
    assert b.id != a.id and b.items == a.items
    # Asking again the same day resumes the same set.
    again, created = practice.start_daily(alice, T0 + timedelta(hours=12))
    assert again.id == a.id and not created
    # 15:59 UTC is 23:59 in Shanghai: still 1 March. 16:00 UTC is already 2 March there.
    assert practice.local_day(datetime(2026, 3, 1, 15, 59, tzinfo=timezone.utc)).isoformat() == "2026-03-01"
    tomorrow, created = practice.start_daily(alice, datetime(2026, 3, 1, 16, 0, tzinfo=timezone.utc))
    assert created and tomorrow.daily_date.isoformat() == "2026-03-02"
    assert tomorrow.items != a.items
    bob_tomorrow, _ = practice.start_daily(bob, datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc))
    assert bob_tomorrow.items == tomorrow.items
    db.session.commit()


def test_the_daily_set_is_drawn_from_the_date_and_kept_when_the_bank_changes(app, make_user):
    questions = add_questions("p-day", "每日", 30, prefix="每日")
    day = T0.date()
    assert practice.draw_daily(practice.eligible_items(), day) == practice.draw_daily(practice.eligible_items(), day)
    alice, bob = make_user(), make_user()
    a, _ = practice.start_daily(alice, T0)
    # An edit to the bank later that day does not change the set for the next person.
    add_questions("p-day", "每日", 10, prefix="新题")
    edited = db.session.get(Question, a.items[0]["question_id"])
    bank.edit_question(edited, bank.QuestionInput(edited.module_id, QuestionContent(
        "single", "改过的题干：哪一项正确？", (Option("A", "甲"), Option("B", "乙")), "B", "", "")), None)
    db.session.commit()
    b, _ = practice.start_daily(bob, T0 + timedelta(hours=2))
    assert b.items == a.items
    assert len(questions) == 30


def test_daily_set_through_the_pages_is_resumable(client, login_as):
    add_questions("p-day", "每日", 12, prefix="每日")
    login_as(Role.EXAMINEE)
    first = client.post("/study/practice/daily")
    assert first.status_code == 302
    session_id = int(re.search(r"/study/practice/(\d+)", first.headers["Location"]).group(1))
    client.post(f"/study/practice/{session_id}/1", data={"q1": "B"})
    again = client.post("/study/practice/daily")
    assert again.headers["Location"].endswith(f"/study/practice/{session_id}")
    assert client.get(again.headers["Location"]).headers["Location"].endswith(f"/study/practice/{session_id}/2")
    page = client.get("/study/practice/").get_data(as_text=True)
    daily_card = page[page.index('class="card daily-card"'):page.index('id="new-title"')]
    assert f'href="/study/practice/{session_id}"' in daily_card and 'value="1"' in daily_card


# ---- answering, feedback, resuming ---------------------------------------------------------

def test_feedback_shows_right_or_wrong_the_key_the_explanation_and_the_basis(client, login_as):
    add_questions("p-fb", "反馈", 3, prefix="反馈")
    login_as(Role.EXAMINEE)
    session_id = start(client, count=3)
    form = client.get(f"/study/practice/{session_id}/1").get_data(as_text=True)
    assert "解析反馈" not in form and "依据反馈" not in form  # no key before answering
    posted = client.post(f"/study/practice/{session_id}/1", data={"q1": "A"})
    assert posted.status_code == 302
    assert posted.headers["Location"].endswith(f"/study/practice/{session_id}/1#feedback")
    page = client.get(f"/study/practice/{session_id}/1").get_data(as_text=True)
    assert 'class="feedback is-wrong"' in page
    session = db.session.get(PracticeSession, session_id)
    version = db.session.get(QuestionVersion, session.items[0]["version_id"])
    assert version.explanation in page and version.basis in page
    right_text = next(o["text"] for o in version.options if o["key"] == "B")
    assert re.search(r'class="feedback-key">.*' + re.escape(right_text), page, re.S)
    assert "disabled" in page  # the answered question is locked
    client.post(f"/study/practice/{session_id}/2", data={"q2": "B"})
    page = client.get(f"/study/practice/{session_id}/2").get_data(as_text=True)
    assert 'class="feedback is-right"' in page


def test_a_session_resumes_where_it_stopped_on_another_device(app, client, login_as):
    add_questions("p-res", "续练", 6, prefix="续练")
    user = login_as(Role.EXAMINEE)
    session_id = start(client, count=4)
    client.post(f"/study/practice/{session_id}/1", data={"q1": "B"})
    client.post(f"/study/practice/{session_id}/2", data={"q2": "C"})
    phone = app.test_client()
    sign_in(phone, user.account)
    start_page = phone.get("/study/practice/").get_data(as_text=True)
    assert f"/study/practice/{session_id}" in start_page
    resumed = phone.get(f"/study/practice/{session_id}")
    assert resumed.headers["Location"].endswith(f"/study/practice/{session_id}/3")
    # Skipping ahead leads back to the next question; earlier ones show their feedback.
    assert phone.get(f"/study/practice/{session_id}/4").headers["Location"].endswith(f"/study/practice/{session_id}/3")
    assert 'feedback is-wrong' in phone.get(f"/study/practice/{session_id}/2").get_data(as_text=True)
    skipped = phone.post(f"/study/practice/{session_id}/4", data={"q4": "B"})
    assert skipped.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(PracticeAnswer)) == 2
    for number in (3, 4):
        phone.post(f"/study/practice/{session_id}/{number}", data={f"q{number}": "B"})
    session = db.session.get(PracticeSession, session_id)
    assert session.finished and session.answered == 4 and session.correct == 3
    assert phone.get(f"/study/practice/{session_id}").headers["Location"].endswith(f"/study/practice/{session_id}/summary")
    summary = phone.get(f"/study/practice/{session_id}/summary").get_data(as_text=True)
    assert "3</strong> / 4" in summary


def test_a_double_submit_records_one_answer(client, login_as):
    add_questions("p-dbl", "重复", 3, prefix="重复")
    login_as(Role.EXAMINEE)
    session_id = start(client, count=3)
    for _ in range(3):
        client.post(f"/study/practice/{session_id}/1", data={"q1": "A"})
    session = db.session.get(PracticeSession, session_id)
    assert session.answered == 1 and session.correct == 0
    assert db.session.scalar(select(func.count()).select_from(PracticeAnswer)) == 1
    entry = notebook.entry_for(session_user(session), session.items[0]["question_id"])
    assert entry.wrong_count == 1


def session_user(session: PracticeSession):
    from lawexam.auth.models import User

    return db.session.get(User, session.user_id)


def test_an_empty_answer_is_refused_and_show_the_answer_counts_as_wrong(client, login_as):
    add_questions("p-empty", "空答", 2, prefix="空答")
    user = login_as(Role.EXAMINEE)
    session_id = start(client, count=2)
    page = client.post(f"/study/practice/{session_id}/1", data={"action": "answer"})
    assert page.status_code == 200 and 'class="error practice-error"' in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(PracticeAnswer)) == 0
    client.post(f"/study/practice/{session_id}/1", data={"action": "reveal", "q1": "B"})
    answer = db.session.scalar(select(PracticeAnswer))
    assert answer.response is None and answer.correct is False
    assert notebook.entry_for(user, answer.question_id).state == NotebookState.ACTIVE
    bad = client.post(f"/study/practice/{session_id}/2", data={"q2": "Z"})
    assert bad.status_code == 200 and db.session.scalar(select(func.count()).select_from(PracticeAnswer)) == 1


def test_every_question_type_is_graded_from_the_form(client, login_as):
    module = bank.ensure_module("p-types", "题型", 1)
    contents = [
        QuestionContent("multiple", "多选：哪些对？", (Option("A", "甲"), Option("B", "乙"), Option("C", "丙")),
                        ("A", "C"), "多选解析", "多选依据"),
        QuestionContent("truefalse", "判断：这是对的。", (), False, "判断解析", "判断依据"),
        QuestionContent("fill", "填空：第____条和第____条。", (), (("十", "10"), ("二十",)), "填空解析", "填空依据"),
    ]
    for content in contents:
        bank.create_question(bank.QuestionInput(module.id, content), None)
    db.session.commit()
    login_as(Role.EXAMINEE)
    session_id = start(client, count=3)
    session = db.session.get(PracticeSession, session_id)
    types = [db.session.get(QuestionVersion, i["version_id"]).type for i in session.items]
    right = {"multiple": {"q{n}": ["C", "A"]}, "truefalse": {"q{n}": "false"},
             "fill": {"q{n}-1": " １０ ", "q{n}-2": "二十"}}
    for number, kind in enumerate(types, start=1):
        data = {k.format(n=number): v for k, v in right[kind].items()}
        assert client.post(f"/study/practice/{session_id}/{number}", data=data).status_code == 302
    session = db.session.get(PracticeSession, session_id)
    assert session.correct == 3
    page = client.get(f"/study/practice/{session_id}/{types.index('fill') + 1}").get_data(as_text=True)
    assert "填空解析" in page and "填空依据" in page and "二十" in page


def test_someone_elses_set_is_404_and_pages_need_a_sign_in(app, client, login_as, make_user):
    add_questions("p-acc", "权限", 3, prefix="权限")
    owner = make_user()
    session = practice.start_session(owner, None, 3, T0)
    db.session.commit()
    assert client.get("/study/practice/").status_code == 302
    assert client.get("/study/notebook/").status_code == 302
    assert client.get("/study/progress").status_code == 302
    login_as(Role.EXAMINEE)
    assert client.get(f"/study/practice/{session.id}").status_code == 404
    assert client.get(f"/study/practice/{session.id}/1").status_code == 404
    assert client.post(f"/study/practice/{session.id}/1", data={"q1": "B"}).status_code == 404
    assert client.get(f"/study/practice/{session.id}/summary").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(PracticeAnswer)) == 0


def test_the_start_page_lists_modules_and_the_daily_set(client, login_as):
    mixed_bank()
    login_as(Role.EXAMINEE)
    page = client.get("/study/practice/").get_data(as_text=True)
    assert "民法典练习" in page and "行政处罚练习" in page
    assert 'action="/study/practice/daily"' in page
    assert 'href="/static/css/practice.css"' in page


# ---- my progress ---------------------------------------------------------------------------

def test_progress_figures_are_exact(client, login_as):
    civil = add_questions("p-civ", "民法典", 4, prefix="民法", order=1)
    admin = add_questions("p-adm", "行政处罚法", 3, prefix="行政", order=2)
    user = login_as(Role.EXAMINEE)
    session = practice.new_session(user, PracticeKind.MIXED, [
        {"question_id": q.id, "version_id": q.current_version_id} for q in civil + admin], T0)
    # 民法典: 4 answers, 3 right. 行政处罚法: 3 answers, 1 right.
    for position, response in enumerate(["B", "B", "A", "B", "A", "C", "B"]):
        practice.answer(user, session, position, response, T0 + timedelta(minutes=position))
    # A notebook redo of the 行政 question answered wrongly (position 4) adds one right answer.
    entry = notebook.entry_for(user, admin[0].id)
    redo = notebook.start_redo(user, T0, entry_id=entry.id)
    practice.answer(user, redo, 0, "B", T0 + timedelta(hours=1))
    db.session.commit()
    rows = {r.name: (r.answered, r.correct, r.percent) for r in practice.accuracy_by_module(user)}
    assert rows == {"民法典": (4, 3, 75.0), "行政处罚法": (4, 2, 50.0)}
    counts = notebook.counts(user)
    assert counts.total == 3 and [(m.name, m.count) for m in counts.by_module] == [("民法典", 1), ("行政处罚法", 2)]
    page = client.get("/study/progress").get_data(as_text=True)
    table = page[page.index('id="accuracy-table"'):]
    assert re.search(r"民法典</th><td class=\"num\">4</td><td class=\"num\">3</td><td class=\"num\">75.0%", table)
    assert re.search(r"行政处罚法</th><td class=\"num\">4</td><td class=\"num\">2</td><td class=\"num\">50.0%", table)
    assert re.search(r"<td class=\"num\">8</td><td class=\"num\">5</td><td class=\"num\">62.5%", table)
    assert 'id="accuracy-data"' in page and '"values": [75.0, 50.0]' in page
    assert 'src="/static/vendor/chartjs/chart.umd.min.js"' in page and "<script>" not in page
    notebook_table = page[page.index('id="notebook-table"'):]
    assert re.search(r"行政处罚法</a></th><td class=\"num\">2</td>", notebook_table)


def test_progress_without_any_practice_shows_empty_states(client, login_as):
    login_as(Role.EXAMINEE)
    page = client.get("/study/progress")
    assert page.status_code == 200
    assert 'id="accuracy-data"' not in page.get_data(as_text=True)


def test_progress_shows_study_hours_lessons_and_modules_against_the_target(client, login_as):
    from lawexam.auth.models import Category
    from lawexam.db import utcnow
    from lawexam.localtime import to_local
    from lawexam.study import services as study
    from lawexam.study.models import Lesson, LessonProgress

    year = to_local(utcnow()).year
    civil = bank.ensure_module("p-civ", "民法典", 1)
    admin = bank.ensure_module("p-adm", "行政处罚法", 2)
    lessons = [Lesson(module_id=module.id, key=f"{module.code}/0{n}", source_path=f"{module.code}/0{n}.md",
                      title=f"第{n}课", sort_order=n, minutes=10, credit_centihours=150, body_markdown="正文",
                      body_html="<p>正文</p>", toc=[], content_hash=f"{module.code}{n}", active=True)
               for module in (civil, admin) for n in (1, 2)]
    db.session.add_all(lessons)
    user = login_as(Role.EXAMINEE, categories={Category.ENFORCEMENT})
    db.session.flush()
    # Both 民法典 lessons and one 行政处罚法 lesson completed: 4.5 学时, 1 of 2 modules.
    for lesson in lessons[:3]:
        db.session.add(LessonProgress(user_id=user.id, lesson_id=lesson.id, year=year, credited_s=600,
                                      read_to_end=True, completed_at=utcnow()))
    study.save_target(year, Category.ENFORCEMENT, 2000, {civil.id, admin.id}, None, utcnow())
    db.session.commit()
    summary = practice.progress_study_summary(user, year)
    assert (summary.hours, summary.target_hours, summary.lessons_completed, summary.lessons_total,
            summary.modules_completed, summary.modules_total) == (4.5, 20.0, 3, 4, 1, 2)
    assert [(m.name, done) for m, done in summary.required] == [("民法典", True), ("行政处罚法", False)]
    page = client.get("/study/progress").get_data(as_text=True)
    hours = page[page.index('data-role="study-hours"'):]
    assert re.search(r"<strong>4.5<small> / 20</small></strong>", hours)
    assert re.search(r'data-role="study-lessons"><strong>3<small> / 4</small>', page)
    assert re.search(r'data-role="study-modules"><strong>1<small> / 2</small>', page)
