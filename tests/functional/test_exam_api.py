"""The exam contract through the JSON API: start, autosave, submit, time, keys, access."""
from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lawexam.auth.models import Role
from lawexam.db import utcnow
from lawexam.exams import attempts
from lawexam.exams.models import Attempt, AttemptAnswer, AttemptState
from lawexam.extensions import db
from tests.conftest import sign_in
from tests.functional.exam_support import KEY_MARKERS, correct_display_answer, make_exam


def start(client, exam):
    response = client.post(f"/api/exams/{exam.id}/attempts")
    assert response.status_code in (200, 201), response.get_data(as_text=True)
    return response.get_json()


def put(client, attempt_id, slot, answer, seq, **extra):
    return client.put(f"/api/attempts/{attempt_id}/answers/{slot}", json={"answer": answer, "seq": seq, **extra})


def test_start_freezes_a_paper_without_answer_keys(client, login_as, town):
    user = login_as(Role.EXAMINEE, unit="east")
    exam = make_exam(town["town"])
    body = start(client, exam)
    assert len(body["questions"]) == 8
    assert body["time_left_s"] > 29 * 60
    text = json.dumps(body, ensure_ascii=False)
    assert not any(marker in text for marker in KEY_MARKERS)
    assert "answer" not in text and "explanation" not in text
    attempt = db.session.get(Attempt, body["attempt_id"])
    assert attempt.user_id == user.id and len(attempt.paper) == 8
    # Starting again returns the same attempt and paper.
    again = start(client, exam)
    assert again["attempt_id"] == body["attempt_id"] and again["questions"] == body["questions"]


def test_save_then_status_restores_answers_and_a_stale_seq_never_overwrites(client, login_as, town):
    login_as(Role.EXAMINEE, unit="east")
    body = start(client, make_exam(town["town"]))
    attempt_id = body["attempt_id"]
    slot = next(q["slot"] for q in body["questions"] if q["type"] == "single")
    first = put(client, attempt_id, slot, "A", 5)
    assert first.status_code == 200 and first.get_json()["seq"] == 5
    stale = put(client, attempt_id, slot, "B", 3)
    assert stale.status_code == 200 and stale.get_json()["seq"] == 5
    repeat = put(client, attempt_id, slot, "A", 5)
    assert repeat.status_code == 200
    status = client.get(f"/api/attempts/{attempt_id}").get_json()
    assert status["answers"][str(slot)] == {"answer": "A", "seq": 5}
    assert status["state"] == "in_progress" and status["time_left_s"] > 0


@pytest.mark.parametrize("qtype, bad", [("single", "Z"), ("single", ["A"]), ("multiple", "A"),
                                        ("multiple", ["A", "A"]), ("truefalse", "对"), ("fill", ["only one"]),
                                        ("fill", "甲")])
def test_answers_of_the_wrong_shape_get_422(client, login_as, town, qtype, bad):
    login_as(Role.EXAMINEE, unit="east")
    body = start(client, make_exam(town["town"]))
    slot = next(q["slot"] for q in body["questions"] if q["type"] == qtype)
    response = put(client, body["attempt_id"], slot, bad, 1)
    assert response.status_code == 422 and response.get_json()["code"] == "bad_answer"
    assert db.session.scalar(select(func.count()).select_from(AttemptAnswer)) == 0


def test_full_marks_for_right_answers_and_submit_is_idempotent(client, login_as, town):
    login_as(Role.EXAMINEE, unit="east")
    body = start(client, make_exam(town["town"]))
    attempt = db.session.get(Attempt, body["attempt_id"])
    for seq, slot in enumerate(attempt.paper, start=1):
        assert put(client, attempt.id, slot["slot"], correct_display_answer(slot), seq).status_code == 200
    first = client.post(f"/api/attempts/{attempt.id}/submit").get_json()
    assert first == {"state": "submitted", "score": 20.0, "max_score": 20.0, "passed": True}
    second = client.post(f"/api/attempts/{attempt.id}/submit").get_json()
    assert second == first
    late = put(client, attempt.id, attempt.paper[0]["slot"], None, 99)
    assert late.status_code == 409 and late.get_json()["code"] == "finished"


def test_someone_elses_attempt_is_404(app, client, login_as, make_user, town):
    owner = make_user(unit="east")
    other_client = app.test_client()
    sign_in(other_client, owner.account)
    body = start(other_client, make_exam(town["town"]))
    login_as(Role.EXAMINEE, unit="east")
    assert client.get(f"/api/attempts/{body['attempt_id']}").status_code == 404
    assert put(client, body["attempt_id"], 1, "A", 1).status_code == 404
    assert client.post(f"/api/attempts/{body['attempt_id']}/submit").status_code == 404


def test_outside_the_audience_cannot_start(client, login_as, make_user, town):
    make_user(unit="east")
    login_as(Role.EXAMINEE, unit="west")
    exam = make_exam(town["east"])
    response = client.post(f"/api/exams/{exam.id}/attempts")
    assert response.status_code == 409 and response.get_json()["code"] == "not_enrolled"
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == 0


def test_not_open_and_no_attempts_left_are_409(client, login_as, town):
    login_as(Role.EXAMINEE, unit="east")
    later = make_exam(town["town"], opens=utcnow() + timedelta(hours=1), closes=utcnow() + timedelta(hours=3))
    assert client.post(f"/api/exams/{later.id}/attempts").get_json()["code"] == "not_open"
    exam = make_exam(town["town"])
    body = start(client, exam)
    client.post(f"/api/attempts/{body['attempt_id']}/submit")
    assert client.post(f"/api/exams/{exam.id}/attempts").get_json()["code"] == "no_attempts_left"


def test_saves_are_refused_after_the_deadline_plus_grace_and_the_client_cannot_extend(client, login_as, town):
    login_as(Role.EXAMINEE, unit="east")
    body = start(client, make_exam(town["town"], duration_minutes=10))
    attempt = db.session.get(Attempt, body["attempt_id"])
    slot = attempt.paper[0]["slot"]
    deadline = attempt.deadline
    user = attempt.user
    # Within the grace period the save is accepted; one second after it, refused.
    receipt = attempts.save_answer(user, attempt.id, slot, None, 1, deadline + timedelta(seconds=30))
    assert receipt.time_left_s == 0
    db.session.commit()
    with pytest.raises(attempts.AttemptError) as refused:
        attempts.save_answer(user, attempt.id, slot, None, 2, deadline + timedelta(seconds=31))
    assert refused.value.code == "time_up"
    db.session.rollback()
    # Nothing the client sends moves the deadline.
    put(client, attempt.id, slot, None, 3, deadline="2099-01-01T00:00:00+00:00", time_left_s=999999)
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).deadline == deadline


def test_deadline_passes_with_no_browser_then_the_sweep_grades_what_was_saved(client, login_as, town, runner):
    login_as(Role.EXAMINEE, unit="east")
    body = start(client, make_exam(town["town"], duration_minutes=1))
    attempt = db.session.get(Attempt, body["attempt_id"])
    right = [s for s in attempt.paper if s["type"] == "truefalse"]
    for seq, slot in enumerate(right, start=1):
        put(client, attempt.id, slot["slot"], True, seq)
    # Move the clock: the sweep runs two minutes after the deadline.
    later = attempt.deadline + timedelta(minutes=2)
    assert attempts.sweep_overdue(later) == 1
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt.id)
    assert attempt.state == AttemptState.OVERDUE
    assert attempt.finished_at == attempt.deadline
    assert attempt.score == 2.5 * len(right)
    assert attempts.sweep_overdue(later) == 0  # nothing left, nothing graded twice


def test_sweep_command_runs(runner):
    result = runner.invoke(args=["exams", "sweep"])
    assert result.exit_code == 0 and "0" in result.output


def test_extension_applies_to_one_person_only(app, client, login_as, make_user, town):
    me = login_as(Role.EXAMINEE, unit="east")
    exam = make_exam(town["town"])
    mine = start(client, exam)
    other = make_user(unit="east")
    other_client = app.test_client()
    sign_in(other_client, other.account)
    theirs = start(other_client, exam)
    officer = make_user(Role.OFFICER, unit="squad")
    before_theirs = db.session.get(Attempt, theirs["attempt_id"]).deadline
    mine_attempt = db.session.get(Attempt, mine["attempt_id"])
    before_mine = mine_attempt.deadline
    attempts.extend_time(mine_attempt, 15, "网络故障", officer, utcnow())
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Attempt, mine["attempt_id"]).deadline == before_mine + timedelta(minutes=15)
    assert db.session.get(Attempt, theirs["attempt_id"]).deadline == before_theirs
    with pytest.raises(attempts.AttemptError):
        attempts.extend_time(db.session.get(Attempt, theirs["attempt_id"]), 5, "  ", officer, utcnow())
    assert me.id != other.id


def test_twenty_savers_and_two_racing_submits_grade_once_and_lose_nothing(app, login_as, client, town):
    user = login_as(Role.EXAMINEE, unit="east")
    exam = make_exam(town["town"], per_type=5)
    body = start(client, exam)
    attempt_id = body["attempt_id"]
    paper = db.session.get(Attempt, attempt_id).paper
    cookie = client.get_cookie("lawexam_session").value
    acknowledged: dict[int, object] = {}
    graded: list[dict] = []
    lock = threading.Lock()
    barrier = threading.Barrier(22)

    def new_client():
        c = app.test_client()
        c.set_cookie("lawexam_session", cookie)
        return c

    def saver(slot):
        c = new_client()
        barrier.wait()
        for seq in range(1, 4):
            r = put(c, attempt_id, slot["slot"], correct_display_answer(slot), seq)
            if r.status_code == 200:
                with lock:
                    acknowledged[slot["slot"]] = correct_display_answer(slot)
            else:  # handed in already, or more saves this second than one attempt may make
                assert r.status_code in (409, 429), r.get_data(as_text=True)

    def submitter():
        c = new_client()
        barrier.wait()
        r = c.post(f"/api/attempts/{attempt_id}/submit")
        assert r.status_code == 200, r.get_data(as_text=True)
        with lock:
            graded.append(r.get_json())

    threads = [threading.Thread(target=saver, args=(s,)) for s in paper]
    threads += [threading.Thread(target=submitter) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(graded) == 2 and graded[0] == graded[1]
    db.session.commit()  # end the test's own transaction to see the threads' work
    attempt = db.session.get(Attempt, attempt_id)
    assert attempt.state == AttemptState.SUBMITTED
    stored = {row.slot: row.answer for row in db.session.scalars(
        select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt_id))}
    for slot, answer in acknowledged.items():
        assert stored[slot] == answer
    # The score is exactly what the acknowledged answers are worth: graded once, after them.
    assert attempt.score == pytest.approx(2.5 * len(acknowledged))
    assert user.id == attempt.user_id


class TestWriteRate:
    @pytest.fixture
    def app_config(self):
        return {"LAWEXAM_ATTEMPT_WRITES_PER_SECOND": 3}

    def test_more_saves_per_second_than_allowed_are_refused_and_change_nothing(self, client, login_as, town,
                                                                                 monkeypatch):
        login_as(Role.EXAMINEE, unit="east")
        exam = make_exam(town["town"], per_type=2)
        body = start(client, exam)
        attempt_id, slot = body["attempt_id"], body["questions"][0]
        second = utcnow().replace(microsecond=0)
        # The server's clock decides the window; hold it still so the test does not race it.
        monkeypatch.setattr("lawexam.exams.api.utcnow", lambda: second + timedelta(milliseconds=300))
        answer = None  # any well-formed answer will do; the count is what is tested
        codes = [put(client, attempt_id, slot["slot"], answer, seq).status_code for seq in range(1, 7)]
        assert codes == [200, 200, 200, 429, 429, 429]
        refused = put(client, attempt_id, slot["slot"], answer, 50)
        assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
        assert refused.get_json()["code"] == "too_many_writes"
        stored = db.session.scalar(select(AttemptAnswer.seq).where(AttemptAnswer.attempt_id == attempt_id))
        assert stored == 3  # the refused saves wrote nothing
        monkeypatch.setattr("lawexam.exams.api.utcnow", lambda: second + timedelta(seconds=1, milliseconds=10))
        again = put(client, attempt_id, slot["slot"], answer, 50)
        assert again.status_code == 200 and again.get_json()["seq"] == 50

    def test_the_limit_is_per_attempt(self, client, login_as, make_user, town, monkeypatch):
        people = [make_user(unit="east"), make_user(unit="east")]
        exam = make_exam(town["town"], per_type=2)
        second = utcnow().replace(microsecond=0)
        monkeypatch.setattr("lawexam.exams.api.utcnow", lambda: second + timedelta(milliseconds=500))
        for person in people:
            client.post("/logout")
            assert sign_in(client, person.account).status_code == 302
            body = start(client, exam)
            slot = body["questions"][0]
            codes = [put(client, body["attempt_id"], slot["slot"], None, seq).status_code
                     for seq in range(1, 4)]
            assert codes == [200, 200, 200]


class TestCsrf:
    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_writes_without_the_csrf_header_are_refused(self, client, make_user, town):
        user = make_user(unit="east")
        login_page = client.get("/login").get_data(as_text=True)
        token = login_page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        client.post("/login", data={"account": user.account, "password": "Correct-Horse-42", "csrf_token": token})
        # Signing in starts a new session, so the page after it carries the token to use.
        home = client.get("/home").get_data(as_text=True)
        token = home.split('name="csrf_token" value="')[1].split('"')[0]
        exam = make_exam(town["town"])
        refused = client.post(f"/api/exams/{exam.id}/attempts")
        assert refused.status_code == 400 and refused.is_json
        ok = client.post(f"/api/exams/{exam.id}/attempts", headers={"X-CSRFToken": token})
        assert ok.status_code == 201
        attempt_id = ok.get_json()["attempt_id"]
        assert client.put(f"/api/attempts/{attempt_id}/answers/1", json={"answer": None, "seq": 1}).status_code == 400
        assert client.put(f"/api/attempts/{attempt_id}/answers/1", json={"answer": None, "seq": 1},
                          headers={"X-CSRFToken": token}).status_code == 200
