"""A phone takes an exam through a network outage: answers wait on the phone, survive a reload
without network, and reach the server when it is back. The countdown follows the server."""
from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, log_in, screenshot

pytestmark = pytest.mark.e2e

# Runs in a subprocess with the live server's environment: an exam open now for one person,
# 20 questions (single, multiple and true/false choice drawn from the seed bank).
MAKE_EXAM = """
import json, sys
from datetime import timedelta
from sqlalchemy import select
from lawexam import create_app
from lawexam.auth.models import User
from lawexam.db import utcnow
from lawexam.exams import services
from lawexam.exams.models import AnswerRelease, AudienceKind
from lawexam.extensions import db

account, title, minutes, closes_in = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
app = create_app()
with app.app_context():
    user = db.session.scalar(select(User).where(User.account == account))
    now = utcnow()
    data = services.ExamInput(
        title=title, opens_at=now - timedelta(minutes=1), closes_at=now + timedelta(seconds=closes_in),
        duration_minutes=minutes, pass_mark=12, rules_text="闭卷、独立完成。",
        answer_release=AnswerRelease.AT_ONCE,
        rules=[services.RuleInput(count=10, points=1, types=["single"]),
               services.RuleInput(count=5, points=1, types=["multiple"]),
               services.RuleInput(count=5, points=1, types=["truefalse"])],
        audience=[(AudienceKind.PERSON, str(user.id))])
    exam = services.create_exam(data, None)
    services.publish(exam, None)
    db.session.commit()
    print(json.dumps({"exam_id": exam.id}))
"""

# What the server holds for an attempt, read straight from the database.
READ_ANSWERS = """
import json, sys
from sqlalchemy import select
from lawexam import create_app
from lawexam.exams.models import Attempt, AttemptAnswer
from lawexam.extensions import db

app = create_app()
with app.app_context():
    attempt = db.session.get(Attempt, int(sys.argv[1]))
    rows = db.session.scalars(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt.id))
    print(json.dumps({"state": attempt.state.value, "score": attempt.score,
                      "answers": {str(r.slot): {"answer": r.answer, "seq": r.seq} for r in rows}}))
"""


def run(live_server, snippet: str, *args: str) -> dict:
    done = subprocess.run([sys.executable, "-c", snippet, *args], env=live_server.env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def make_exam(live_server, account: str, title: str, minutes: int = 60, closes_in_s: int = 86400) -> int:
    return run(live_server, MAKE_EXAM, account, title, str(minutes), str(closes_in_s))["exam_id"]


def start_exam(page, base_url: str, exam_id: int) -> int:
    page.goto(f"{base_url}/exams/{exam_id}")
    page.click(f"form[action='/exams/{exam_id}/start'] button[type=submit]")
    page.wait_for_url("**/exams/attempts/*")
    page.wait_for_selector("form.exam.js-on .exam-q.current")
    return int(page.url.rstrip("/").rsplit("/", 1)[1])


def current_slot(page) -> str:
    return page.get_attribute(".exam-q.current", "data-slot")


def answer_current(page) -> str:
    """Pick the first option of the question on screen; returns its slot."""
    slot = current_slot(page)
    page.locator(".exam-q.current .q-choice").first.click()
    return slot


def answer_next(page, count: int) -> list[str]:
    slots = []
    for _ in range(count):
        slots.append(answer_current(page))
        page.click("[data-role=next]")
    return slots


def unsaved(page) -> int:
    return int(page.get_attribute("[data-role=save-state]", "data-unsaved"))


def wait_saved(page, timeout: float = 45_000) -> None:
    expect(page.locator("[data-role=save-state]")).to_have_attribute("data-state", "saved", timeout=timeout)


def checked_slots(page) -> set[str]:
    return set(page.evaluate("""() => Array.from(document.querySelectorAll('.exam-q'))
        .filter(s => s.querySelector('input:checked:not([data-role=flag])'))
        .map(s => s.getAttribute('data-slot'))"""))


def wait_offline_ready(page) -> None:
    """The service worker controls the page and holds a copy of it (polled from here: the
    page's CSP forbids the eval that wait_for_function needs)."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if page.evaluate("""async () => !!navigator.serviceWorker.controller
                && !!(await caches.match(location.pathname))"""):
            return
        time.sleep(0.2)
    raise AssertionError("the service worker never took the exam page under its wing")


def seconds_left(page) -> int:
    return int(page.get_attribute("[data-role=clock]", "data-left"))


def test_answers_survive_going_offline_and_a_reload_without_network(live_server, phone):
    exam_id = make_exam(live_server, "examinee05", "断网续答测试")
    log_in(phone, live_server.url, "examinee05")
    attempt_id = start_exam(phone, live_server.url, exam_id)
    context = phone.context

    online_slots = answer_next(phone, 10)
    wait_saved(phone)
    assert unsaved(phone) == 0

    wait_offline_ready(phone)
    cached_copy_time = phone.evaluate("""async () => {
        const html = await (await caches.match(location.pathname)).text();
        const block = new DOMParser().parseFromString(html, "text/html").getElementById("exam-data");
        return JSON.parse(block.textContent).server_time; }""")
    context.set_offline(True)
    offline_slots = answer_next(phone, 5)
    expect(phone.locator("[data-role=save-state]")).to_have_attribute("data-unsaved", "5")
    state = phone.locator("[data-role=save-state]")
    assert "5" in state.inner_text() and state.get_attribute("data-state") == "unsaved"
    screenshot(phone, "exam-offline-360")

    # Reload with no network: the page comes from the service worker's copy, the answers from
    # the server's acknowledged set plus the queue on the phone.
    phone.reload()
    phone.wait_for_selector("form.exam.js-on .exam-q.current")
    page_time = json.loads(phone.text_content("#exam-data"))["server_time"]
    assert page_time == cached_copy_time  # the worker's copy, not the network
    assert checked_slots(phone) == set(online_slots + offline_slots)
    assert unsaved(phone) == 5

    context.set_offline(False)
    wait_saved(phone)
    assert unsaved(phone) == 0
    held = run(live_server, READ_ANSWERS, str(attempt_id))
    assert held["state"] == "in_progress"
    assert set(held["answers"]) == set(online_slots + offline_slots) and len(held["answers"]) == 15
    assert all(a["answer"] is not None for a in held["answers"].values())

    # The answer sheet knows what is answered.
    phone.click("[data-role=sheet-toggle]")
    assert phone.locator(".sheet-item.answered").count() == 15
    phone.click("[data-role=sheet-close]")

    phone.locator("[data-role=hand-in]").first.click()
    assert "5" in phone.inner_text("[data-role=confirm-count]")  # 5 of 20 still unanswered
    phone.click("[data-role=confirm-ok]")
    phone.wait_for_url(f"**/exams/attempts/{attempt_id}/result")
    assert phone.locator("[data-role=result-score]").is_visible()
    held = run(live_server, READ_ANSWERS, str(attempt_id))
    assert held["state"] == "submitted" and held["score"] is not None
    # Nothing is left behind on the phone for this attempt.
    assert phone.evaluate(f"localStorage.getItem('lawexam.exam.{attempt_id}')") is None


def test_the_countdown_follows_the_server_across_a_reload(live_server, phone):
    exam_id = make_exam(live_server, "examinee06", "倒计时测试", minutes=30)
    log_in(phone, live_server.url, "examinee06")
    attempt_id = start_exam(phone, live_server.url, exam_id)
    first = seconds_left(phone)
    assert 29 * 60 <= first <= 30 * 60
    time.sleep(4)
    phone.reload()
    phone.wait_for_selector("form.exam.js-on .exam-q.current")
    after = seconds_left(phone)
    assert first - 8 <= after <= first - 3, (first, after)  # kept counting; not reset to 30:00
    # The page agrees with what the server says is left.
    server = phone.evaluate(f"fetch('/api/attempts/{attempt_id}').then(r => r.json())")
    assert abs(server["time_left_s"] - seconds_left(phone)) <= 2
    # A phone whose clock is an hour fast still shows the server's time left: the end is
    # local-now + time_left_s of the server's reply, never a deadline read on the phone's clock.
    phone.context.add_init_script("Date.now = (orig => () => orig() + 3600 * 1000)(Date.now);")
    phone.reload()
    phone.wait_for_selector("form.exam.js-on .exam-q.current")
    assert abs(seconds_left(phone) - after) <= 4
    assert phone.locator("[data-role=confirm]").is_hidden()  # and it did not hand in by itself


def test_the_page_hands_in_by_itself_when_the_time_is_up(live_server, phone):
    # The window closes in a few seconds, so the deadline (and the countdown's zero) is then.
    exam_id = make_exam(live_server, "examinee08", "到时自动交卷测试", closes_in_s=25)
    log_in(phone, live_server.url, "examinee08")
    attempt_id = start_exam(phone, live_server.url, exam_id)
    assert seconds_left(phone) <= 25
    answered = answer_next(phone, 2)
    phone.wait_for_url(f"**/exams/attempts/{attempt_id}/result", timeout=60_000)
    held = run(live_server, READ_ANSWERS, str(attempt_id))
    assert held["state"] in ("submitted", "overdue") and set(held["answers"]) == set(answered)


def test_screenshots_of_the_exam_pages_on_a_phone_and_a_desktop(live_server, phone, desktop):
    exam_id = make_exam(live_server, "examinee07", "2026年度学法用法考试（截图）")
    log_in(phone, live_server.url, "examinee07")
    screenshot(phone, "exam-home-360")
    phone.goto(f"{live_server.url}/exams/{exam_id}")
    screenshot(phone, "exam-start-360")
    attempt_id = start_exam(phone, live_server.url, exam_id)
    answer_next(phone, 3)
    phone.click("[data-role=prev]")
    phone.click(".exam-q.current [data-role=flag]")
    wait_saved(phone)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    for selector in ("[data-role=next]", "[data-role=prev]", "[data-role=sheet-toggle]", "[data-role=hand-in]",
                     ".exam-q.current .flag-toggle", ".exam-q.current .q-choice"):
        box = phone.locator(selector).first.bounding_box()
        assert box["height"] >= 44, selector
    phone.screenshot(path=str(ARTIFACTS / "exam-page-360.png"))  # the viewport, as the person sees it
    phone.click("[data-role=sheet-toggle]")
    phone.wait_for_timeout(300)
    assert phone.locator(".sheet-item.flagged").count() == 1
    assert phone.locator(".sheet-item").first.bounding_box()["height"] >= 44
    phone.screenshot(path=str(ARTIFACTS / "exam-sheet-360.png"))
    # Jump from the sheet to question 5.
    phone.click(".sheet-item[data-index='4']")
    assert phone.get_attribute(".exam-q.current", "data-index") == "4"

    # The same attempt on a desktop: the sheet sits beside the question.
    log_in(desktop, live_server.url, "examinee07")
    desktop.goto(f"{live_server.url}/exams/attempts/{attempt_id}")
    desktop.wait_for_selector("form.exam.js-on .exam-q.current")
    sheet = desktop.locator("#answer-sheet").bounding_box()
    question = desktop.locator(".exam-q.current").bounding_box()
    assert sheet["x"] > question["x"] + question["width"] - 1 and abs(sheet["y"] - question["y"]) < 120
    assert desktop.locator(".sheet-item.answered").count() == 3
    screenshot(desktop, "exam-page-1280")

    phone.locator("[data-role=hand-in]").first.click()
    screenshot(phone, "exam-confirm-360")
    phone.click("[data-role=confirm-ok]")
    phone.wait_for_url(f"**/exams/attempts/{attempt_id}/result")
    screenshot(phone, "exam-result-360")
    phone.click(f"a[href='/exams/attempts/{attempt_id}/review']")
    screenshot(phone, "exam-review-360")
    desktop.goto(f"{live_server.url}/exams/attempts/{attempt_id}/result")
    screenshot(desktop, "exam-result-1280")
