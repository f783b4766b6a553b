"""axe-core (from npm) finds no serious or critical accessibility problem on the pages people
use most: the login page, the examinee's home, an exam in progress, its result, the officer's
home and the report pages, each at phone (360 px) and desktop (1280 px) width."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from tests.e2e.axe import describe, ensure_axe, violations
from tests.e2e.conftest import LiveServer, log_in, start_server
from tests.e2e.test_exam_offline import make_exam, start_exam

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def axe_source() -> Path:
    return ensure_axe()


@pytest.fixture(scope="module")
def a11y_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # "heads": features developed side by side add migrations on parallel branches.
    server = start_server(tmp_path_factory.mktemp("a11y"), prepare=(("db", "upgrade", "heads"), ("demo",)))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=[360, 1280], ids=["phone", "desktop"])
def page(request, browser):
    """A page at one width whose context lets axe's script in past the app's strict CSP
    (the app's own pages stay under it everywhere else)."""
    width = request.param
    options = {"viewport": {"width": width, "height": 740 if width < 600 else 800}, "locale": "zh-CN",
               "bypass_csp": True}
    if width < 600:
        options.update(device_scale_factor=2, is_mobile=True, has_touch=True)
    context = browser.new_context(**options)
    yield context.new_page()
    context.close()


class Audit:
    """Collects every page's findings so one failure lists them all."""

    def __init__(self, page, source: Path, width: int) -> None:
        self.page, self.source, self.width, self.problems = page, source, width, []

    def check(self, name: str) -> None:
        self.page.wait_for_load_state("load")
        self.problems += describe(f"{name} @{self.width}px {self.page.url}", violations(self.page, self.source))

    def assert_clean(self) -> None:
        assert not self.problems, "axe found serious/critical violations:\n" + "\n".join(self.problems)


def _audit(page, axe_source: Path) -> Audit:
    return Audit(page, axe_source, page.viewport_size["width"])


def test_login_page(a11y_server, page, axe_source):
    audit = _audit(page, axe_source)
    page.goto(a11y_server.url + "/")
    audit.check("login")
    page.fill("#account", "examinee01")
    page.fill("#password", "wrong-password")
    page.click("button[type=submit]")
    page.wait_for_selector("#account")
    audit.check("login with an error")
    audit.assert_clean()


def test_examinee_home_exam_and_result(a11y_server, page, axe_source):
    account = "examinee21" if page.viewport_size["width"] < 600 else "examinee22"
    exam_id = make_exam(a11y_server, account, "无障碍检查考试")
    audit = _audit(page, axe_source)
    log_in(page, a11y_server.url, account)
    audit.check("examinee home")
    page.goto(f"{a11y_server.url}/exams/{exam_id}")
    audit.check("exam start")
    attempt_id = start_exam(page, a11y_server.url, exam_id)
    page.locator(".exam-q.current .q-choice").first.click()
    audit.check("exam in progress")
    if page.locator("[data-role=sheet-toggle]").is_visible():  # a phone; a desktop shows the sheet beside
        page.click("[data-role=sheet-toggle]")
        page.wait_for_timeout(300)  # the sheet slides in; axe reads colours only once it is still
        audit.check("exam answer sheet")
        page.click("[data-role=sheet-close]")
    page.locator("[data-role=hand-in]").first.click()
    audit.check("exam hand-in confirmation")
    page.click("[data-role=confirm-ok]")
    page.wait_for_url(f"**/exams/attempts/{attempt_id}/result")
    audit.check("exam result")
    page.goto(f"{a11y_server.url}/exams/attempts/{attempt_id}/review")
    audit.check("exam review")
    audit.assert_clean()


def test_officer_home_and_reports(a11y_server, page, axe_source):
    audit = _audit(page, axe_source)
    log_in(page, a11y_server.url, "officer")
    audit.check("officer home")
    page.goto(a11y_server.url + "/reports/")
    audit.check("reports index")
    report = a11y_server.url + page.locator("#table-exams a", has_text="上半年").first.get_attribute("href")
    page.goto(report)
    page.wait_for_function("() => window.Chart && document.querySelectorAll('canvas').length > 0")
    audit.check("exam report")
    page.goto(report.split("?")[0] + "/attempts")
    audit.check("exam report attempts")
    page.goto(report.split("?")[0] + "/items")
    audit.check("item analysis")
    year = date.today().year
    page.goto(f"{a11y_server.url}/reports/years/{year}")
    audit.check("year report")
    page.goto(f"{a11y_server.url}/reports/years/{year}/summary")
    audit.check("year summary")
    audit.assert_clean()
