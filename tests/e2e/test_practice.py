"""An examinee practises on a phone: starts a set, answers, sees the feedback with 解析 and 依据,
and finds the question answered wrongly in the wrong-answer notebook; then the progress page
draws its chart. Screenshots at 360 and 1280 px go to test-artifacts/."""
from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from tests.e2e.conftest import LiveServer, log_in, screenshot, start_server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # "heads": the study, practice and certificate migrations are parallel branches until merged.
    live = start_server(tmp_path_factory.mktemp("practice-live"),
                        prepare=(("db", "upgrade", "heads"), ("demo",)))
    try:
        yield live
    finally:
        live.stop()


def _question(server: LiveServer, session_id: int, number: int) -> dict:
    """The question's type and key, read from the server's database (the page never has it)."""
    engine = sa.create_engine(server.env["LAWEXAM_DATABASE_URL"])
    try:
        with engine.connect() as conn:
            items = conn.execute(sa.text("SELECT items FROM practice_sessions WHERE id = :id"),
                                 {"id": session_id}).scalar_one()
            items = json.loads(items) if isinstance(items, str) else items
            row = conn.execute(sa.text("SELECT type, options, answer, explanation, basis, stem FROM question_versions "
                                       "WHERE id = :id"), {"id": items[number - 1]["version_id"]}).one()
    finally:
        engine.dispose()
    loads = (lambda v: json.loads(v) if isinstance(v, str) else v)
    return {"type": row.type, "options": [o["key"] for o in loads(row.options)], "answer": loads(row.answer),
            "explanation": row.explanation, "basis": row.basis, "stem": row.stem}


def _answer(page, number: int, question: dict, right: bool) -> None:
    kind, key = question["type"], question["answer"]
    if kind == "truefalse":
        value = key if right else not key
        page.check(f"input[name=q{number}][value={'true' if value else 'false'}]")
    elif kind == "single":
        choice = key if right else next(k for k in question["options"] if k != key)
        page.check(f"input[name=q{number}][value={choice}]")
    elif kind == "multiple":
        chosen = key if right else key[:1]
        for option in chosen:
            page.check(f"input[name=q{number}][value={option}]")
    else:
        for blank, accepted in enumerate(key, start=1):
            page.fill(f"input[name=q{number}-{blank}]", accepted[0] if right else "不知道")
    page.click("button[name=action][value=answer]")
    page.wait_for_selector("#feedback")


def _fits_the_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    small = page.evaluate("""() => [...document.querySelectorAll('main .button, main button, .chip')]
        .filter(b => b.offsetParent !== null && !b.closest('.visually-hidden'))
        .map(b => [b.textContent.trim(), b.getBoundingClientRect().height])
        .filter(([, h]) => h < 44)""")
    assert small == []


def test_practise_on_a_phone_see_feedback_and_find_the_wrong_answer_in_the_notebook(server, phone, desktop):
    problems: list[str] = []
    phone.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    phone.on("pageerror", lambda e: problems.append(str(e)))
    log_in(phone, server.url, "examinee05")
    phone.goto(server.url + "/study/practice/")
    _fits_the_phone(phone)
    screenshot(phone, "practice-start-360")
    phone.fill("#count", "3")
    phone.click("form.start-form button[type=submit]")
    phone.wait_for_url(re.compile(r".*/study/practice/\d+/1$"))
    session_id = int(re.search(r"/study/practice/(\d+)/1", phone.url).group(1))
    assert phone.locator("#feedback").count() == 0
    _fits_the_phone(phone)
    screenshot(phone, "practice-question-360")

    first = _question(server, session_id, 1)
    _answer(phone, 1, first, right=True)
    feedback = phone.locator("#feedback")
    assert "is-right" in feedback.get_attribute("class")
    text = feedback.inner_text()
    assert "解析" in text and "依据" in text and "正确答案" in text
    assert first["basis"].split("\n")[0] in text
    _fits_the_phone(phone)
    screenshot(phone, "practice-feedback-right-360")

    phone.click(".practice-actions a.button.primary")
    phone.wait_for_url(re.compile(r".*/study/practice/\d+/2$"))
    second = _question(server, session_id, 2)
    _answer(phone, 2, second, right=False)
    assert "is-wrong" in phone.locator("#feedback").get_attribute("class")
    assert second["explanation"].split("\n")[0] in phone.locator("#feedback").inner_text()
    screenshot(phone, "practice-feedback-wrong-360")

    phone.goto(server.url + "/study/notebook/")
    stem = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", second["stem"])).split())[:16]
    assert stem in phone.locator(".notebook-list").inner_text()
    _fits_the_phone(phone)
    screenshot(phone, "notebook-360")

    phone.goto(server.url + "/study/progress")
    phone.wait_for_function("document.querySelector('.chart-box.is-drawn canvas') !== null")
    assert phone.locator("#accuracy-table tbody tr").count() >= 1
    _fits_the_phone(phone)
    screenshot(phone, "progress-360")
    assert problems == []  # no script errors, nothing the CSP refused

    # The same person on a desktop: the set resumes at question 3; the pages at 1280 px.
    log_in(desktop, server.url, "examinee05")
    desktop.goto(server.url + f"/study/practice/{session_id}")
    assert desktop.url.endswith(f"/study/practice/{session_id}/3")
    screenshot(desktop, "practice-question-1280")
    desktop.goto(server.url + f"/study/practice/{session_id}/2")
    screenshot(desktop, "practice-feedback-1280")
    for path, name in (("/study/practice/", "practice-start-1280"), ("/study/notebook/", "notebook-1280"),
                       ("/study/progress", "progress-1280")):
        desktop.goto(server.url + path)
        if "progress" in path:
            desktop.wait_for_function("document.querySelector('.chart-box.is-drawn canvas') !== null")
        screenshot(desktop, name)
    # Nothing came from outside this server.
    assert all(r.startswith(server.url) for r in desktop.evaluate(
        "performance.getEntriesByType('resource').map(e => e.name)"))
