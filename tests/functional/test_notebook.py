"""The wrong-answer notebook: entry and exit rules, star, remove, redo, and exam questions that
enter only when the exam's results policy shows answers."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from lawexam.auth.models import Role
from lawexam.exams import attempts
from lawexam.exams.models import AnswerRelease, Attempt
from lawexam.extensions import db
from lawexam.questions.models import Question
from lawexam.study import notebook, practice
from lawexam.study.practice_models import (
    NotebookEntry, NotebookExamAttempt, NotebookSource, NotebookState, PracticeKind, PracticeSession,
)
from tests.functional.exam_support import correct_display_answer, make_exam
from tests.functional.practice_support import add_questions, module_id

T0 = datetime(2026, 3, 1, 1, 0, tzinfo=timezone.utc)


def practise(user, question: Question, response: str, when: datetime) -> None:
    """Answer one question in a one-question practice set."""
    session = practice.new_session(user, PracticeKind.MIXED,
                                   [{"question_id": question.id, "version_id": question.current_version_id}], when)
    practice.answer(user, session, 0, response, when)
    db.session.commit()


def state(user, question: Question) -> NotebookState | None:
    entry = notebook.entry_for(user, question.id)
    return None if entry is None else entry.state


# ---- entry and exit ------------------------------------------------------------------------

def test_a_wrong_practice_answer_enters_and_two_right_in_a_row_take_it_out(app, make_user):
    [question, other] = add_questions("n-mod", "错题模块", 2, prefix="错题")
    user = make_user()
    practise(user, other, "B", T0)
    assert state(user, other) is None  # a right answer alone never enters
    practise(user, question, "A", T0)
    entry = notebook.entry_for(user, question.id)
    assert entry.state == NotebookState.ACTIVE and entry.source == NotebookSource.PRACTICE
    assert entry.wrong_count == 1 and entry.streak == 0
    practise(user, question, "B", T0 + timedelta(minutes=1))
    assert state(user, question) == NotebookState.ACTIVE and notebook.entry_for(user, question.id).streak == 1
    practise(user, question, "B", T0 + timedelta(minutes=2))
    assert state(user, question) == NotebookState.CLEARED
    assert notebook.counts(user).total == 0


def test_a_wrong_answer_resets_the_streak(app, make_user):
    [question] = add_questions("n-mod", "错题模块", 1, prefix="重置")
    user = make_user()
    practise(user, question, "A", T0)
    practise(user, question, "B", T0 + timedelta(minutes=1))
    practise(user, question, "C", T0 + timedelta(minutes=2))  # wrong: back to 0
    entry = notebook.entry_for(user, question.id)
    assert entry.state == NotebookState.ACTIVE and entry.streak == 0 and entry.wrong_count == 2
    practise(user, question, "B", T0 + timedelta(minutes=3))
    assert state(user, question) == NotebookState.ACTIVE
    practise(user, question, "B", T0 + timedelta(minutes=4))
    assert state(user, question) == NotebookState.CLEARED
    # A later wrong answer brings it back, starting again from 0.
    practise(user, question, "A", T0 + timedelta(minutes=5))
    entry = notebook.entry_for(user, question.id)
    assert entry.state == NotebookState.ACTIVE and entry.streak == 0 and entry.wrong_count == 3


def test_a_starred_question_stays_until_unstarred(app, make_user):
    [question] = add_questions("n-mod", "错题模块", 1, prefix="收藏")
    user = make_user()
    practise(user, question, "A", T0)
    entry = notebook.entry_for(user, question.id)
    notebook.set_starred(user, entry.id, True, T0)
    for minute in range(1, 5):
        practise(user, question, "B", T0 + timedelta(minutes=minute))
    entry = notebook.entry_for(user, question.id)
    assert entry.state == NotebookState.ACTIVE and entry.starred and entry.streak == 4
    notebook.set_starred(user, entry.id, False, T0 + timedelta(minutes=6))
    assert state(user, question) == NotebookState.CLEARED


def test_unstarring_before_the_streak_is_reached_keeps_it(app, make_user):
    [question] = add_questions("n-mod", "错题模块", 1, prefix="取消")
    user = make_user()
    practise(user, question, "A", T0)
    entry = notebook.entry_for(user, question.id)
    notebook.set_starred(user, entry.id, True, T0)
    notebook.set_starred(user, entry.id, False, T0)
    assert state(user, question) == NotebookState.ACTIVE
    practise(user, question, "B", T0 + timedelta(minutes=1))
    practise(user, question, "B", T0 + timedelta(minutes=2))
    assert state(user, question) == NotebookState.CLEARED


def test_the_clearing_streak_is_configurable(app, make_user):
    app.config["LAWEXAM_NOTEBOOK_CLEAR_STREAK"] = 3
    [question] = add_questions("n-mod", "错题模块", 1, prefix="三次")
    user = make_user()
    practise(user, question, "A", T0)
    for minute in (1, 2):
        practise(user, question, "B", T0 + timedelta(minutes=minute))
    assert state(user, question) == NotebookState.ACTIVE
    practise(user, question, "B", T0 + timedelta(minutes=3))
    assert state(user, question) == NotebookState.CLEARED


def test_remove_takes_it_out_and_a_new_wrong_answer_brings_it_back(app, make_user):
    [question] = add_questions("n-mod", "错题模块", 1, prefix="移出")
    user, other = make_user(), make_user()
    practise(user, question, "A", T0)
    entry = notebook.entry_for(user, question.id)
    with pytest.raises(notebook.NotFound):
        notebook.remove(other, entry.id, T0)
    notebook.remove(user, entry.id, T0)
    assert state(user, question) == NotebookState.REMOVED and notebook.counts(user).total == 0
    practise(user, question, "C", T0 + timedelta(minutes=1))
    assert state(user, question) == NotebookState.ACTIVE


def test_counts_per_module(app, make_user):
    civil = add_questions("n-civ", "民法典", 3, prefix="民法", order=1)
    admin = add_questions("n-adm", "行政处罚法", 2, prefix="行政", order=2)
    user = make_user()
    for question in civil + admin[:1]:
        practise(user, question, "A", T0)
    notebook.set_starred(user, notebook.entry_for(user, civil[0].id).id, True, T0)
    counts = notebook.counts(user)
    assert counts.total == 4 and counts.starred == 1
    assert [(m.name, m.count) for m in counts.by_module] == [("民法典", 3), ("行政处罚法", 1)]
    assert len(notebook.entries(user, module_id("n-adm"))) == 1
    assert [e.question_id for e in notebook.entries(user, starred_only=True)] == [civil[0].id]


# ---- the notebook pages --------------------------------------------------------------------

def test_notebook_page_lists_redoes_stars_and_removes(client, login_as):
    civil = add_questions("n-civ", "民法典", 2, prefix="民法", order=1)
    admin = add_questions("n-adm", "行政处罚法", 1, prefix="行政", order=2)
    user = login_as(Role.EXAMINEE)
    for question in civil + admin:
        practise(user, question, "A", T0)
    page = client.get("/study/notebook/").get_data(as_text=True)
    assert all(f"民法{n:02d}" in page for n in range(2)) and "行政00" in page
    only_admin = client.get(f"/study/notebook/?module={module_id('n-adm')}").get_data(as_text=True)
    assert "行政00" in only_admin and "民法00" not in only_admin
    entry = notebook.entry_for(user, civil[0].id)
    # Redo one question: the same feedback as practice.
    redo = client.post(f"/study/notebook/{entry.id}/redo")
    assert redo.status_code == 302
    session_id = int(re.search(r"/study/practice/(\d+)/1", redo.headers["Location"]).group(1))
    client.post(f"/study/practice/{session_id}/1", data={"q1": "B"})
    feedback = client.get(f"/study/practice/{session_id}/1").get_data(as_text=True)
    assert 'class="feedback is-right"' in feedback and "解析民法00" in feedback and "依据民法00" in feedback
    assert notebook.entry_for(user, civil[0].id).streak == 1
    # Star, then remove another.
    assert client.post(f"/study/notebook/{entry.id}/star", data={"starred": "1"}).status_code == 302
    assert notebook.entry_for(user, civil[0].id).starred
    second = notebook.entry_for(user, civil[1].id)
    client.post(f"/study/notebook/{second.id}/remove")
    assert state(user, civil[1]) == NotebookState.REMOVED
    page = client.get("/study/notebook/").get_data(as_text=True)
    assert "民法01" not in page and "民法00" in page
    # Redo all of a module.
    redo_all = client.post(f"/study/notebook/redo?module={module_id('n-adm')}")
    session = db.session.get(PracticeSession, int(re.search(r"/study/practice/(\d+)/1", redo_all.headers["Location"]).group(1)))
    assert session.kind == PracticeKind.NOTEBOOK and [i["question_id"] for i in session.items] == [admin[0].id]


def test_someone_elses_notebook_entry_cannot_be_touched(app, client, login_as, make_user):
    [question] = add_questions("n-mod", "错题模块", 1, prefix="别人")
    owner = make_user()
    practise(owner, question, "A", T0)
    entry = notebook.entry_for(owner, question.id)
    login_as(Role.EXAMINEE)
    client.post(f"/study/notebook/{entry.id}/remove")
    client.post(f"/study/notebook/{entry.id}/star", data={"starred": "1"})
    client.post(f"/study/notebook/{entry.id}/redo")
    entry = notebook.entry_for(owner, question.id)
    assert entry.state == NotebookState.ACTIVE and not entry.starred
    assert db.session.scalar(select(func.count()).select_from(PracticeSession)) == 1


def test_starring_from_practice_feedback_keeps_a_right_answer_in_the_notebook(client, login_as):
    add_questions("n-star", "收藏", 2, prefix="星标")
    user = login_as(Role.EXAMINEE)
    response = client.post("/study/practice/start", data={"module_id": "", "count": "2"})
    session_id = int(re.search(r"/study/practice/(\d+)/1", response.headers["Location"]).group(1))
    client.post(f"/study/practice/{session_id}/1", data={"q1": "B"})
    client.post(f"/study/practice/{session_id}/1/star", data={"starred": "1"})
    session = db.session.get(PracticeSession, session_id)
    entry = notebook.entry_for(user, session.items[0]["question_id"])
    assert entry.state == NotebookState.ACTIVE and entry.starred and entry.source == NotebookSource.STARRED
    # Question 2 has not been answered: it cannot be starred (its key would show).
    assert client.post(f"/study/practice/{session_id}/2/star", data={"starred": "1"}).status_code == 404


# ---- from exams, by the results policy -----------------------------------------------------

def sit_exam(user, town, release: AnswerRelease, now: datetime, *, right: int = 3) -> Attempt:
    """Sit an 8-question exam (open now, closing in a day): ``right`` questions answered
    right, the rest wrong or blank."""
    exam = make_exam(town["town"], opens=now - timedelta(minutes=5), closes=now + timedelta(days=1),
                     answer_release=release)
    attempt, _created = attempts.start_attempt(exam, user, now)
    db.session.flush()
    for seq, slot in enumerate(attempt.paper[:right], start=1):
        attempts.save_answer(user, attempt.id, slot["slot"], correct_display_answer(slot), seq, now)
    wrong_slot = attempt.paper[right]
    key = correct_display_answer(wrong_slot)
    kind = wrong_slot["type"]
    wrong = ("A" if key != "A" else "B") if kind == "single" else [key[0]] if kind == "multiple" \
        else (not key) if kind == "truefalse" else ["错", "错"]
    attempts.save_answer(user, attempt.id, wrong_slot["slot"], wrong, 99, now)
    attempts.submit_attempt(user, attempt.id, now + timedelta(minutes=10))
    db.session.commit()
    return attempt


def exam_entries(user) -> set[int]:
    return {e.question_id for e in notebook.entries(user) if e.source == NotebookSource.EXAM}


def test_exam_answers_never_released_never_enter(app, make_user, town):
    user = make_user(unit="east")
    attempt = sit_exam(user, town, AnswerRelease.NEVER, T0)
    for later in (timedelta(minutes=20), timedelta(days=2), timedelta(days=400)):
        assert notebook.collect_from_exams(user, T0 + later) == 0
    db.session.commit()
    assert exam_entries(user) == set()
    assert db.session.get(Attempt, attempt.id).results


def test_exam_answers_released_after_close_enter_only_after_close(app, make_user, town):
    user = make_user(unit="east")
    attempt = sit_exam(user, town, AnswerRelease.AFTER_CLOSE, T0)
    assert notebook.collect_from_exams(user, T0 + timedelta(hours=1)) == 0
    assert notebook.collect_from_exams(user, T0 + timedelta(days=1) - timedelta(seconds=1)) == 0
    db.session.commit()
    assert exam_entries(user) == set()
    added = notebook.collect_from_exams(user, T0 + timedelta(days=1))
    db.session.commit()
    attempt = db.session.get(Attempt, attempt.id)
    wrong = {s["question_id"] for s in attempt.paper
             if not next(r for r in attempt.results if r["slot"] == s["slot"])["correct"]}
    assert added == 5 and len(wrong) == 5 and exam_entries(user) == wrong
    right = {s["question_id"] for s in attempt.paper} - wrong
    assert not right & {e.question_id for e in notebook.entries(user)}


def test_exam_answers_released_at_once_enter_at_once_and_collecting_is_idempotent(app, make_user, town):
    user = make_user(unit="east")
    sit_exam(user, town, AnswerRelease.AT_ONCE, T0)
    assert notebook.collect_from_exams(user, T0 + timedelta(minutes=11)) == 5
    db.session.commit()
    before = {e.question_id: e.wrong_count for e in notebook.entries(user)}
    assert len(before) == 5 and set(before.values()) == {1}
    assert notebook.collect_from_exams(user, T0 + timedelta(minutes=12)) == 0
    assert notebook.collect_from_exams(user, T0 + timedelta(days=3)) == 0
    db.session.commit()
    assert {e.question_id: e.wrong_count for e in notebook.entries(user)} == before
    assert db.session.scalar(select(func.count()).select_from(NotebookExamAttempt)) == 1
    # A removed exam question is not brought back by collecting again.
    entry = notebook.entries(user)[0]
    notebook.remove(user, entry.id, T0 + timedelta(hours=1))
    notebook.collect_from_exams(user, T0 + timedelta(days=4))
    db.session.commit()
    assert len(notebook.entries(user)) == 4


def test_an_unfinished_attempt_is_not_collected(app, make_user, town):
    user = make_user(unit="east")
    exam = make_exam(town["town"], opens=T0 - timedelta(minutes=5), closes=T0 + timedelta(days=1),
                     answer_release=AnswerRelease.AT_ONCE)
    attempts.start_attempt(exam, user, T0)
    db.session.commit()
    assert notebook.collect_from_exams(user, T0 + timedelta(minutes=1)) == 0


def test_exam_only_questions_enter_from_exams_and_are_redone_there_but_never_practised(client, login_as, town):
    user = login_as(Role.EXAMINEE, unit="east")
    now = datetime.now(timezone.utc)
    exam = make_exam(town["town"], opens=now - timedelta(minutes=5), closes=now + timedelta(days=1),
                     answer_release=AnswerRelease.AT_ONCE, publish=False)
    for question in db.session.scalars(select(Question)):
        question.exam_only = True
    from lawexam.exams import services

    services.publish(exam, None)
    db.session.commit()
    attempt, _created = attempts.start_attempt(exam, user, now)
    db.session.commit()
    client.post(f"/api/attempts/{attempt.id}/submit")
    assert db.session.get(Attempt, attempt.id).state.finished
    page = client.get("/study/notebook/").get_data(as_text=True)
    assert len(notebook.entries(user)) == 8
    assert len(re.findall(r"单选题\d：", page)) == 2 and len(re.findall(r"判断题\d：", page)) == 2
    # Practice has nothing to draw: every question is exam-only.
    refused = client.post("/study/practice/start", data={"module_id": "", "count": "10"})
    assert refused.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(PracticeSession)) == 0
    # …but the notebook redoes them, with the key, explanation and basis.
    redo = client.post("/study/notebook/redo")
    session_id = int(re.search(r"/study/practice/(\d+)/1", redo.headers["Location"]).group(1))
    client.post(f"/study/practice/{session_id}/1", data={"action": "reveal"})
    feedback = client.get(f"/study/practice/{session_id}/1").get_data(as_text=True)
    assert "正确答案标记" in feedback and 'class="feedback is-wrong"' in feedback


def test_opening_the_notebook_collects_released_exam_questions(client, login_as, town):
    user = login_as(Role.EXAMINEE, unit="east")
    now = datetime.now(timezone.utc)
    sit_exam(user, town, AnswerRelease.AT_ONCE, now - timedelta(minutes=15))
    assert db.session.scalar(select(func.count()).select_from(NotebookEntry)) == 0  # not at submit
    page = client.get("/study/notebook/").get_data(as_text=True)
    assert len(notebook.entries(user)) == 5
    assert "flash-info" in page
    assert client.get("/study/progress").status_code == 200
    assert len(notebook.entries(user)) == 5


def test_a_long_notebook_is_paged(client, login_as):
    questions = add_questions("n-many", "很多错题", 35, prefix="多错")
    user = login_as(Role.EXAMINEE)
    for question in questions:
        notebook.record_wrong(user.id, question.id, question.current_version_id, T0, NotebookSource.PRACTICE)
    db.session.commit()
    first = client.get("/study/notebook/").get_data(as_text=True)
    second = client.get("/study/notebook/?page=2").get_data(as_text=True)
    assert first.count('class="card notebook-item') == 30 and second.count('class="card notebook-item') == 5
    assert "重做这 35 道题" in first or "Redo these 35 questions" in first
