"""The examinee's exam pages: my exams, start, the exam page (also without JavaScript), the
beacon endpoint, the result and the review."""
from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lawexam.auth.models import Role
from lawexam.db import utcnow
from lawexam.exams.models import AnswerRelease, Attempt, AttemptAnswer, AttemptState, ScoreRelease
from lawexam.extensions import db
from tests.conftest import sign_in
from tests.functional.exam_support import KEY_MARKERS, correct_display_answer, make_exam


@pytest.fixture
def english(client):
    """Assertions read English source strings, which a change of the Chinese catalog never moves."""
    client.set_cookie("lang", "en")
    return client


def titled(exam, title):
    exam.title = title
    db.session.commit()
    return exam


def start_via_page(client, exam):
    response = client.post(f"/exams/{exam.id}/start")
    assert response.status_code == 302, response.get_data(as_text=True)
    match = re.search(r"/exams/attempts/(\d+)$", response.location)
    assert match, response.location
    return db.session.get(Attempt, int(match.group(1)))


def page_data(html):
    match = re.search(r'<script type="application/json" id="exam-data">(.*?)</script>', html, re.S)
    assert match, "the exam page carries its data in a JSON block"
    return json.loads(match.group(1))


def form_fields(attempt, answers):
    """The no-JavaScript form's fields for ``{slot: answer}`` (answers in the display keys)."""
    data = {}
    for entry in attempt.paper:
        answer = answers.get(entry["slot"])
        if answer is None:
            continue
        name = f"q{entry['slot']}"
        if entry["type"] == "fill":
            for n, text in enumerate(answer, start=1):
                data[f"{name}-{n}"] = text
        elif entry["type"] == "truefalse":
            data[name] = "true" if answer else "false"
        else:
            data[name] = answer
    return data


def right_answers(attempt):
    return {entry["slot"]: correct_display_answer(entry) for entry in attempt.paper}


# ---- my exams and the start page ------------------------------------------------------------

def test_home_lists_open_upcoming_and_finished_exams(english, login_as, town):
    client = english
    login_as(Role.EXAMINEE, unit="east")
    now = utcnow()
    open_exam = titled(make_exam(town["town"]), "开放中的考试")
    later = titled(make_exam(town["town"], opens=now + timedelta(days=2), closes=now + timedelta(days=3)),
                   "下周的考试")
    done = titled(make_exam(town["town"]), "已考完的考试")
    attempt = start_via_page(client, done)
    for seq, entry in enumerate(attempt.paper, start=1):
        client.put(f"/api/attempts/{attempt.id}/answers/{entry['slot']}",
                   json={"answer": correct_display_answer(entry), "seq": seq})
    client.post(f"/api/attempts/{attempt.id}/submit")

    html = client.get("/home").get_data(as_text=True)
    assert "My exams" in html and "Hello," in html  # the old home content stays
    open_part = html.split("Open now", 1)[1].split("Upcoming", 1)[0]
    assert "开放中的考试" in open_part and f'href="/exams/{open_exam.id}"' in open_part and ">Start the exam<" in open_part
    upcoming_part = html.split("Upcoming", 1)[1].split("Finished", 1)[0]
    assert "下周的考试" in upcoming_part
    assert (later.opens_at + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M") in upcoming_part  # Asia/Shanghai
    finished_part = html.split("Finished", 1)[1]
    assert "已考完的考试" in finished_part and "20 of 20 points" in finished_part and "Passed" in finished_part
    assert f"/exams/attempts/{attempt.id}/result" in finished_part
    # The same list is the "my exams" page the menu links to.
    page = client.get("/exams/").get_data(as_text=True)
    assert 'href="/exams/"' in page and "开放中的考试" in page and "下周的考试" in page


def test_home_shows_continue_for_a_started_exam_and_hides_scores_until_release(english, login_as, town):
    client = english
    login_as(Role.EXAMINEE, unit="east")
    running = titled(make_exam(town["town"]), "做了一半")
    attempt = start_via_page(client, running)
    later = titled(make_exam(town["town"], score_release=ScoreRelease.AFTER_CLOSE), "成绩晚公布")
    other = start_via_page(client, later)
    client.post(f"/api/attempts/{other.id}/submit")
    html = client.get("/home").get_data(as_text=True)
    assert f'href="/exams/attempts/{attempt.id}"' in html and ">Continue the exam<" in html
    finished_part = html.split("Finished", 1)[1]
    assert "成绩晚公布" in finished_part and "Scores are published at" in finished_part
    assert " of 20 points" not in finished_part


def test_start_page_shows_rules_duration_size_window_and_attempts_left(english, login_as, town):
    client = english
    login_as(Role.EXAMINEE, unit="east")
    exam = make_exam(town["town"], duration_minutes=45, attempts_allowed=2, rules_text="请独立完成，不得翻阅资料。")
    html = client.get(f"/exams/{exam.id}").get_data(as_text=True)
    assert "请独立完成，不得翻阅资料。" in html
    assert "45 minutes" in html
    assert "8 questions, 20 points in all" in html
    assert "2 of 2" in html  # attempts left
    assert (exam.closes_at + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M") in html
    assert f'action="/exams/{exam.id}/start"' in html and 'name="csrf_token"' in html


def test_start_creates_one_attempt_and_a_second_click_continues_it(english, login_as, town):
    client = english
    login_as(Role.EXAMINEE, unit="east")
    exam = make_exam(town["town"])
    first = start_via_page(client, exam)
    second = start_via_page(client, exam)
    assert first.id == second.id
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == 1
    html = client.get(f"/exams/{exam.id}").get_data(as_text=True)
    assert "Continue the exam" in html


@pytest.mark.parametrize("case", ["upcoming", "not_enrolled", "no_attempts_left", "closed"])
def test_start_page_says_why_one_cannot_start(english, login_as, make_user, town, case):
    client = english
    login_as(Role.EXAMINEE, unit="east")
    now = utcnow()
    if case == "upcoming":
        exam = make_exam(town["town"], opens=now + timedelta(hours=1), closes=now + timedelta(hours=5))
        expected = "This exam opens at"
    elif case == "not_enrolled":
        make_user(unit="west")
        exam = make_exam(town["west"])
        expected = "You are not on the list for this exam."
    elif case == "closed":
        exam = make_exam(town["town"])
        exam.closes_at = now - timedelta(minutes=1)
        db.session.commit()
        expected = "This exam closed at"
    else:
        exam = make_exam(town["town"])
        attempt = start_via_page(client, exam)
        client.post(f"/api/attempts/{attempt.id}/submit")
        expected = "You have used all your attempts for this exam."
    html = client.get(f"/exams/{exam.id}").get_data(as_text=True)
    assert expected in html
    assert f'action="/exams/{exam.id}/start"' not in html
    # Posting anyway is refused by the service with the same reason, and nothing is started.
    before = db.session.scalar(select(func.count()).select_from(Attempt))
    response = client.post(f"/exams/{exam.id}/start", follow_redirects=True)
    assert response.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == before


def test_a_draft_exam_has_no_start_page(client, login_as, town):
    login_as(Role.EXAMINEE, unit="east")
    exam = make_exam(town["town"], publish=False)
    assert client.get(f"/exams/{exam.id}").status_code == 404
    assert client.post(f"/exams/{exam.id}/start").status_code == 404


# ---- the exam page --------------------------------------------------------------------------

def test_the_exam_page_has_every_question_and_no_key_or_explanation(client, login_as, town):
    login_as(Role.EXAMINEE, unit="east")
    attempt = start_via_page(client, make_exam(town["town"]))
    slot = attempt.paper[0]
    client.put(f"/api/attempts/{attempt.id}/answers/{slot['slot']}",
               json={"answer": correct_display_answer(slot), "seq": 3, "flagged": True})
    response = client.get(f"/exams/attempts/{attempt.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert not any(marker in html for marker in KEY_MARKERS)
    assert "解析" not in html and "依据" not in html
    for entry in attempt.paper:
        assert f'id="question-{entry["slot"]}"' in html and f'href="#question-{entry["slot"]}"' in html
    data = page_data(html)
    assert data["attempt_id"] == attempt.id and 0 < data["time_left_s"] <= 30 * 60
    assert data["answers"] == {str(slot["slot"]): {"answer": correct_display_answer(slot), "seq": 3, "flagged": True}}
    assert {"explanation", "basis", "key"}.isdisjoint(json.dumps(data))
    assert data["urls"]["beacon"] == f"/exams/attempts/{attempt.id}/beacon"
    # The saved answer is on the page even without JavaScript, and the flag is ticked.
    assert re.search(rf'name="f{slot["slot"]}" value="1" data-role="flag" checked', html)
    # No inline script: only the JSON block and exam.js.
    scripts = re.findall(r"<script([^>]*)>", html)
    assert all('type="application/json"' in attrs or "src=" in attrs for attrs in scripts)
    assert "/static/js/exam.js" in html
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_someone_elses_attempt_is_404_on_every_page(app, client, login_as, make_user, town):
    owner = make_user(unit="east")
    other = app.test_client()
    sign_in(other, owner.account)
    exam = make_exam(town["town"])
    attempt = start_via_page(other, exam)
    login_as(Role.EXAMINEE, unit="east")
    for url in (f"/exams/attempts/{attempt.id}", f"/exams/attempts/{attempt.id}/result",
                f"/exams/attempts/{attempt.id}/review"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/exams/attempts/{attempt.id}/answers", data={"action": "submit"}).status_code == 404
    assert client.post(f"/exams/attempts/{attempt.id}/beacon",
                       data={"answers": json.dumps([{"slot": 1, "answer": None, "seq": 9}])}).status_code == 404
    assert db.session.get(Attempt, attempt.id).state == AttemptState.IN_PROGRESS
    assert db.session.scalar(select(func.count()).select_from(AttemptAnswer)) == 0


def test_an_overdue_attempt_is_finished_and_sends_the_page_to_its_result(client, login_as, town):
    login_as(Role.EXAMINEE, unit="east")
    attempt = start_via_page(client, make_exam(town["town"], duration_minutes=5))
    attempt.deadline = utcnow() - timedelta(minutes=2)
    db.session.commit()
    response = client.get(f"/exams/attempts/{attempt.id}")
    assert response.status_code == 302 and response.location.endswith(f"/exams/attempts/{attempt.id}/result")
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).state == AttemptState.OVERDUE


def test_without_javascript_the_form_saves_every_answer_then_hands_in(english, login_as, town):
    client = english
    login_as(Role.EXAMINEE, unit="east")
    attempt = start_via_page(client, make_exam(town["town"]))
    answers = right_answers(attempt)
    first_slot = attempt.paper[0]["slot"]
    # Save: every answer stored with seq 1; the flag box is saved too.
    fields = {**form_fields(attempt, answers), f"f{first_slot}": "1", "action": "save"}
    response = client.post(f"/exams/attempts/{attempt.id}/answers", data=fields)
    assert response.status_code == 302 and response.location.endswith(f"/exams/attempts/{attempt.id}")
    rows = {row.slot: row for row in db.session.scalars(
        select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt.id))}
    assert set(rows) == set(answers) and {row.seq for row in rows.values()} == {1}
    assert rows[first_slot].flagged is True
    # The page shows them again, and a save after JavaScript saves uses a seq above the stored one.
    client.put(f"/api/attempts/{attempt.id}/answers/{first_slot}", json={"answer": None, "seq": 7})
    fields = {**form_fields(attempt, answers), "action": "submit"}
    response = client.post(f"/exams/attempts/{attempt.id}/answers", data=fields)
    assert response.status_code == 302 and response.location.endswith(f"/exams/attempts/{attempt.id}/result")
    db.session.expire_all()
    stored = db.session.get(AttemptAnswer, (attempt.id, first_slot))
    assert stored.seq == 8 and stored.answer == answers[first_slot] and stored.flagged is False
    assert db.session.scalar(select(func.count()).select_from(AttemptAnswer)) == len(answers)
    finished = db.session.get(Attempt, attempt.id)
    assert finished.state == AttemptState.SUBMITTED and finished.score == 20.0 and finished.passed is True
    html = client.get(response.location).get_data(as_text=True)
    assert "20" in html and "Passed" in html


def test_without_javascript_a_wrong_shape_is_reported_and_the_rest_is_saved(english, login_as, town):
    client = english
    login_as(Role.EXAMINEE, unit="east")
    attempt = start_via_page(client, make_exam(town["town"]))
    single = next(e for e in attempt.paper if e["type"] == "single")
    truefalse = next(e for e in attempt.paper if e["type"] == "truefalse")
    response = client.post(f"/exams/attempts/{attempt.id}/answers",
                           data={f"q{single['slot']}": "Z", f"q{truefalse['slot']}": "false", "action": "save"},
                           follow_redirects=True)
    assert "did not fit their questions" in response.get_data(as_text=True)
    rows = {row.slot: row.answer for row in db.session.scalars(select(AttemptAnswer))}
    assert rows == {truefalse["slot"]: False}


# ---- the beacon endpoint --------------------------------------------------------------------

def beacon(client, attempt, items, **extra):
    return client.post(f"/exams/attempts/{attempt.id}/beacon", data={"answers": json.dumps(items), **extra})


def test_the_beacon_saves_through_the_same_seq_rule(client, login_as, town):
    login_as(Role.EXAMINEE, unit="east")
    attempt = start_via_page(client, make_exam(town["town"]))
    single = next(e for e in attempt.paper if e["type"] == "single")
    fill = next(e for e in attempt.paper if e["type"] == "fill")
    assert client.put(f"/api/attempts/{attempt.id}/answers/{single['slot']}",
                      json={"answer": "A", "seq": 5}).status_code == 200
    # A stale seq is acknowledged without overwriting; a newer one wins; a bad shape is skipped.
    reply = beacon(client, attempt, [{"slot": single["slot"], "answer": "B", "seq": 3},
                                     {"slot": fill["slot"], "answer": ["甲", "乙"], "seq": 2, "flagged": True},
                                     {"slot": fill["slot"] + 100, "answer": "A", "seq": 1}])
    assert reply.status_code == 200, reply.get_data(as_text=True)
    body = reply.get_json()
    assert body["saved"] == {str(single["slot"]): 5, str(fill["slot"]): 2}
    assert body["refused"] == {str(fill["slot"] + 100): "bad_slot"} and body["time_left_s"] > 0
    db.session.expire_all()
    assert db.session.get(AttemptAnswer, (attempt.id, single["slot"])).answer == "A"
    stored_fill = db.session.get(AttemptAnswer, (attempt.id, fill["slot"]))
    assert stored_fill.answer == ["甲", "乙"] and stored_fill.flagged is True
    reply = beacon(client, attempt, [{"slot": single["slot"], "answer": "C", "seq": 6}])
    assert reply.get_json()["saved"] == {str(single["slot"]): 6}
    db.session.expire_all()
    assert db.session.get(AttemptAnswer, (attempt.id, single["slot"])).answer == "C"
    assert beacon(client, attempt, {"not": "a list"}).status_code == 400
    # After hand-in the beacon is refused like the API.
    client.post(f"/api/attempts/{attempt.id}/submit")
    late = beacon(client, attempt, [{"slot": single["slot"], "answer": "D", "seq": 9}])
    assert late.status_code == 409 and late.get_json()["code"] == "finished"


class TestCsrf:
    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_the_beacon_and_the_form_need_the_token_in_the_body(self, client, make_user, town):
        user = make_user(unit="east")
        login_page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page) or \
            re.search(r'name="csrf_token" value="([^"]+)"', login_page)
        client.post("/login", data={"account": user.account, "password": "Correct-Horse-42",
                                    "csrf_token": token.group(1)})
        exam = make_exam(town["town"])
        start_page = client.get(f"/exams/{exam.id}").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', start_page).group(1)
        assert client.post(f"/exams/{exam.id}/start").status_code == 400
        response = client.post(f"/exams/{exam.id}/start", data={"csrf_token": token})
        attempt_id = int(response.location.rsplit("/", 1)[1])
        data = page_data(client.get(f"/exams/attempts/{attempt_id}").get_data(as_text=True))
        slot = db.session.get(Attempt, attempt_id).paper[0]["slot"]
        items = json.dumps([{"slot": slot, "answer": None, "seq": 1, "flagged": True}])
        refused = client.post(f"/exams/attempts/{attempt_id}/beacon", data={"answers": items})
        assert refused.status_code == 400
        assert db.session.scalar(select(func.count()).select_from(AttemptAnswer)) == 0
        accepted = client.post(f"/exams/attempts/{attempt_id}/beacon", data={"answers": items, "csrf_token": data["csrf"]})
        assert accepted.status_code == 200 and accepted.get_json()["saved"] == {str(slot): 1}
        assert client.post(f"/exams/attempts/{attempt_id}/answers", data={"action": "submit"}).status_code == 400
        assert db.session.get(Attempt, attempt_id).state == AttemptState.IN_PROGRESS


# ---- result and review ----------------------------------------------------------------------

def hand_in_right_answers(client, attempt):
    for seq, entry in enumerate(attempt.paper, start=1):
        client.put(f"/api/attempts/{attempt.id}/answers/{entry['slot']}",
                   json={"answer": correct_display_answer(entry), "seq": seq})
    assert client.post(f"/api/attempts/{attempt.id}/submit").status_code == 200


def test_the_result_page_shows_the_score_at_once_when_the_policy_says_so(english, login_as, town):
    client = english
    login_as(Role.EXAMINEE, unit="east")
    attempt = start_via_page(client, make_exam(town["town"], score_release=ScoreRelease.AT_ONCE))
    hand_in_right_answers(client, attempt)
    html = client.get(f"/exams/attempts/{attempt.id}/result").get_data(as_text=True)
    assert 'data-role="result-score"' in html and "<strong>20</strong>" in html and "Passed" in html
    assert "Time used" in html
    # Handed in: the exam page now leads to the result.
    response = client.get(f"/exams/attempts/{attempt.id}")
    assert response.status_code == 302 and response.location.endswith("/result")


def test_the_result_page_hides_the_score_until_the_window_closes(english, login_as, town):
    client = english
    login_as(Role.EXAMINEE, unit="east")
    exam = make_exam(town["town"], score_release=ScoreRelease.AFTER_CLOSE)
    attempt = start_via_page(client, exam)
    hand_in_right_answers(client, attempt)
    html = client.get(f"/exams/attempts/{attempt.id}/result").get_data(as_text=True)
    assert "Scores are published at" in html and (exam.closes_at + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M") in html
    assert 'data-role="result-score"' not in html and "Passed" not in html
    exam.closes_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    html = client.get(f"/exams/attempts/{attempt.id}/result").get_data(as_text=True)
    assert "<strong>20</strong>" in html and "Passed" in html


def test_an_unfinished_attempt_has_no_result_or_review_yet(client, login_as, town):
    login_as(Role.EXAMINEE, unit="east")
    attempt = start_via_page(client, make_exam(town["town"], answer_release=AnswerRelease.AT_ONCE))
    response = client.get(f"/exams/attempts/{attempt.id}/result")
    assert response.status_code == 302 and response.location.endswith(f"/exams/attempts/{attempt.id}")
    assert client.get(f"/exams/attempts/{attempt.id}/review").status_code == 403


def test_review_is_refused_before_answers_are_released_and_shows_keys_after(english, login_as, town):
    client = english
    login_as(Role.EXAMINEE, unit="east")
    exam = make_exam(town["town"], answer_release=AnswerRelease.AFTER_CLOSE)
    attempt = start_via_page(client, exam)
    single = next(e for e in attempt.paper if e["type"] == "single")
    right = correct_display_answer(single)
    wrong = next(k for k in "ABCD" if k != right)
    client.put(f"/api/attempts/{attempt.id}/answers/{single['slot']}", json={"answer": wrong, "seq": 1})
    client.post(f"/api/attempts/{attempt.id}/submit")
    review = client.get(f"/exams/attempts/{attempt.id}/review")
    assert review.status_code == 403
    assert not any(marker in review.get_data(as_text=True) for marker in KEY_MARKERS)
    result = client.get(f"/exams/attempts/{attempt.id}/result").get_data(as_text=True)
    assert f"/exams/attempts/{attempt.id}/review" not in result and "Answers and explanations are shown after" in result

    exam.closes_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    result = client.get(f"/exams/attempts/{attempt.id}/result").get_data(as_text=True)
    assert f"/exams/attempts/{attempt.id}/review" in result
    html = client.get(f"/exams/attempts/{attempt.id}/review").get_data(as_text=True)
    assert all(marker in html for marker in KEY_MARKERS) and "依据" in html
    # The single-choice question: the person's (wrong) answer and the key in the letters they saw.
    part = html.split(f'id="question-{single["slot"]}"', 1)[1].split('class="card review-item', 1)[0]
    assert re.search(rf"Your answer</dt><dd>{wrong}</dd>", part)
    assert re.search(rf'Correct answer</dt><dd class="review-answer">{right}</dd>', part)
    assert "Wrong" in part
    assert re.search(rf'value="{wrong}" checked', part)  # what they picked, shown as they saw it


def test_review_is_never_shown_when_the_policy_says_never(client, login_as, town):
    login_as(Role.EXAMINEE, unit="east")
    exam = make_exam(town["town"], answer_release=AnswerRelease.NEVER)
    attempt = start_via_page(client, exam)
    client.post(f"/api/attempts/{attempt.id}/submit")
    exam.closes_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get(f"/exams/attempts/{attempt.id}/review").status_code == 403


def test_review_at_once_shows_every_question_with_its_key(english, login_as, town):
    client = english
    login_as(Role.EXAMINEE, unit="east")
    attempt = start_via_page(client, make_exam(town["town"], answer_release=AnswerRelease.AT_ONCE))
    hand_in_right_answers(client, attempt)
    html = client.get(f"/exams/attempts/{attempt.id}/review").get_data(as_text=True)
    assert html.count('class="card review-item is-right"') == len(attempt.paper)
    multiple = next(e for e in attempt.paper if e["type"] == "multiple")
    part = html.split(f'id="question-{multiple["slot"]}"', 1)[1].split('class="card review-item', 1)[0]
    assert "、".join(correct_display_answer(multiple)) in part


# ---- the service worker ---------------------------------------------------------------------

def test_the_service_worker_is_served_for_the_exam_pages_only(client):
    response = client.get("/exams/sw.js")
    assert response.status_code == 200 and response.mimetype == "application/javascript"
    body = response.get_data(as_text=True)
    assert '"/exams/attempts/"' in body and '"/static/js/exam.js"' in body
    assert response.headers["Cache-Control"] == "no-cache"


def test_the_exam_pages_ask_anonymous_visitors_to_sign_in(client):
    for url in ("/exams/", "/exams/1", "/exams/attempts/1", "/exams/attempts/1/result", "/exams/attempts/1/review"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.location, url
    for url in ("/exams/1/start", "/exams/attempts/1/answers", "/exams/attempts/1/beacon"):
        response = client.post(url)
        assert response.status_code == 302 and "/login" in response.location, url
