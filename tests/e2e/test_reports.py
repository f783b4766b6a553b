"""The town office's reports in a real Chromium against a real server with the demo town:
the exam report, the item analysis and the year-end summary at 1280 px, the exam report on a
360 px phone, charts drawn from the vendored Chart.js, the copy button, no CSP violations."""
from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.e2e.conftest import LiveServer, log_in, screenshot, start_server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def report_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # "heads": features developed side by side add migrations on parallel branches.
    server = start_server(tmp_path_factory.mktemp("reports"), prepare=(("db", "upgrade", "heads"), ("demo",)))
    try:
        yield server
    finally:
        server.stop()


def _watch(page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return problems


def _spring_exam(page, base: str) -> str:
    """The report URL of the demo's spring exam (98 took part, with a make-up)."""
    page.goto(base + "/reports/")
    link = page.locator("#table-exams a", has_text="上半年").first
    return base + link.get_attribute("href")


def _charts_drawn(page) -> int:
    page.wait_for_function("() => window.Chart && document.querySelectorAll('canvas').length > 0")
    return page.evaluate("Array.from(document.querySelectorAll('canvas')).filter(c => window.Chart.getChart(c)).length")


def test_exam_report_and_item_analysis_on_a_desktop(report_server, desktop):
    problems = _watch(desktop)
    log_in(desktop, report_server.url, "reviewer")
    url = _spring_exam(desktop, report_server.url)
    desktop.goto(url)
    assert desktop.inner_text("[data-role=took-part] strong") == "98"
    assert _charts_drawn(desktop) == 2
    assert "缺考" in desktop.inner_text("body") or "Absent" in desktop.inner_text("body")
    screenshot(desktop, "report-exam-1280")
    desktop.click("a[href*='/items']")
    desktop.wait_for_url("**/items*")
    assert _charts_drawn(desktop) == 1
    assert desktop.locator("#table-items tbody tr").count() > 10
    screenshot(desktop, "report-items-1280")
    assert not problems, problems
    # Every asset came from this server (no CDN).
    assert all(r.startswith(report_server.url) for r in desktop.evaluate(
        "performance.getEntriesByType('resource').map(e => e.name)"))


def test_year_end_summary_copies_its_sentences(report_server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=report_server.url)
    page = context.new_page()
    problems = _watch(page)
    try:
        log_in(page, report_server.url, "reviewer")
        year = page.evaluate("new Date().getFullYear()")
        page.goto(f"{report_server.url}/reports/years/{year}/summary")
        text = page.inner_text("#summary-text")
        assert re.search(r"98\s*人", text) or "98 people" in text
        page.click("[data-copy-target]")
        page.wait_for_function("() => document.querySelector('[data-role=copy-status]').textContent.length > 0")
        copied = page.get_attribute("[data-copy-target]", "data-copied-text") or ""
        assert "98" in copied and "\n" in copied
        screenshot(page, "report-summary-1280")
        page.emulate_media(media="print")
        assert not page.locator(".report-filters, .export-links").first.is_visible()
        assert not problems, problems
    finally:
        context.close()


def test_exam_report_fits_a_phone(report_server, phone):
    log_in(phone, report_server.url, "reviewer")
    phone.goto(_spring_exam(phone, report_server.url))
    assert _charts_drawn(phone) == 2
    # Wide tables scroll inside their own box; the page itself is no wider than the phone.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "report-exam-360")


def test_a_unit_head_sees_their_village_only(report_server, desktop):
    log_in(desktop, report_server.url, "examinee12")  # head of 东风村 in the demo town
    desktop.goto(_spring_exam(desktop, report_server.url))
    units = desktop.locator("#table-units tbody th").all_inner_texts()
    assert units == ["东风村"]
    assert int(desktop.inner_text("[data-role=enrolled] strong")) <= 10
