"""Reading a lesson on a phone: credited study time grows only while the page is visible.

The server runs the demo (which loads the lessons) with the heartbeat sped up to one beat a
second (``LAWEXAM_STUDY_BEAT_SECONDS=1``); credited seconds are read from the server's database.
"""
from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from tests.e2e.conftest import log_in, screenshot, start_server

pytestmark = pytest.mark.e2e

SET_VISIBILITY = """(state) => {
  Object.defineProperty(document, "visibilityState", { configurable: true, get: () => state });
  Object.defineProperty(document, "hidden", { configurable: true, get: () => state === "hidden" });
  document.dispatchEvent(new Event("visibilitychange"));
}"""


@pytest.fixture(scope="module")
def study_server(tmp_path_factory):
    import os

    previous = os.environ.get("LAWEXAM_STUDY_BEAT_SECONDS")
    os.environ["LAWEXAM_STUDY_BEAT_SECONDS"] = "1"
    try:
        # "heads": features developed side by side may add migrations on parallel branches.
        server = start_server(tmp_path_factory.mktemp("study-live"),
                              prepare=(("db", "upgrade", "heads"), ("demo",)))
    finally:
        if previous is None:
            os.environ.pop("LAWEXAM_STUDY_BEAT_SECONDS", None)
        else:
            os.environ["LAWEXAM_STUDY_BEAT_SECONDS"] = previous
    try:
        yield server
    finally:
        server.stop()


class Progress:
    def __init__(self, url: str, account: str, lesson_id: int) -> None:
        self.engine = sa.create_engine(url)
        self.account = account
        self.lesson_id = lesson_id

    def read(self) -> tuple[int, bool]:
        with self.engine.connect() as conn:
            row = conn.execute(sa.text(
                "SELECT p.credited_s, p.read_to_end FROM study_progress p JOIN users u ON u.id = p.user_id "
                "WHERE u.account = :account AND p.lesson_id = :lesson ORDER BY p.year DESC"),
                {"account": self.account, "lesson": self.lesson_id}).first()
        return (int(row[0]), bool(row[1])) if row else (0, False)


def test_credited_time_grows_only_while_the_lesson_is_visible(study_server, phone):
    page = phone
    log_in(page, study_server.url, "examinee07")
    page.goto(study_server.url + "/study/")
    assert page.locator(".study-module").count() == 12
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "study-modules-360")

    page.locator(".lesson-link").first.click()
    page.wait_for_selector("#lesson")
    lesson_id = int(page.get_attribute("#lesson", "data-beat-url").split("/")[-2])
    assert page.get_attribute("#lesson", "data-beat-seconds") == "1.0"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.locator(".lesson-toc a").count() >= 3
    screenshot(page, "study-lesson-360")
    progress = Progress(study_server.env["LAWEXAM_DATABASE_URL"], "examinee07", lesson_id)

    # Visible: time is credited, never more than the wall time the page has been open.
    opened = time.monotonic()
    time.sleep(4.5)
    visible_credit, _ = progress.read()
    assert 2 <= visible_credit <= time.monotonic() - opened + 1

    # Hidden (tab switched / phone locked): nothing more is credited however long it stays hidden.
    page.evaluate(SET_VISIBILITY, "hidden")
    hidden_at = time.monotonic()
    time.sleep(1.5)  # a beat already on its way may still land
    at_hide, _ = progress.read()
    assert at_hide <= visible_credit + 2
    time.sleep(5)
    still, _ = progress.read()
    assert still == at_hide
    visible_wall = hidden_at - opened

    # Visible again: credit grows again, by no more than the new visible time.
    page.evaluate(SET_VISIBILITY, "visible")
    shown_again = time.monotonic()
    time.sleep(4.5)
    again, read_to_end = progress.read()
    assert again > still
    assert again - still <= time.monotonic() - shown_again + 1
    assert again <= visible_wall + (time.monotonic() - shown_again) + 1
    assert not read_to_end

    # The page shows what the server credited.
    shown = page.locator("[data-study=credited]").first.inner_text()
    minutes, seconds = (int(x) for x in shown.split(":"))
    assert abs(minutes * 60 + seconds - again) <= 2

    # Scrolling to the end of the text marks the lesson read to the end.
    page.locator("#lesson-end").scroll_into_view_if_needed()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not progress.read()[1]:
        time.sleep(0.3)
    assert progress.read()[1]
    page.wait_for_selector("[data-study=end].done")


def test_study_pages_at_desktop_width(study_server, desktop):
    page = desktop
    log_in(page, study_server.url, "officer")
    page.goto(study_server.url + "/study/")
    screenshot(page, "study-modules-1280")
    page.locator(".lesson-link").nth(1).click()
    page.wait_for_selector("#lesson")
    screenshot(page, "study-lesson-1280")
    page.goto(study_server.url + "/admin/study/")
    assert page.locator("table.study-table").count() == 3
    screenshot(page, "study-admin-1280")
