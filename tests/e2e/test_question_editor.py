"""The training officer keeps the bank in a real browser: the bank browser, and the editor
whose preview shows the question as an examinee will see it on a phone."""
from __future__ import annotations

import base64
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, log_in, screenshot

pytestmark = pytest.mark.e2e

PNG_1PX = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


def _watch_console(page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def test_officer_browses_the_bank(live_server, desktop):
    log_in(desktop, live_server.url, "officer")
    desktop.click("details.menu summary")
    desktop.click("text=题库")
    desktop.wait_for_url("**/admin/questions/")
    rows = desktop.locator("table.bank-table tbody tr")
    assert rows.count() == 30  # the seed bank fills more than one page
    assert "共找到" in desktop.inner_text("main")
    desktop.fill("#q", "宪法")
    desktop.click(".bank-filters button[type=submit]")
    desktop.wait_for_url("**q=*")
    assert desktop.locator("table.bank-table tbody tr").count() > 0
    # "Select all" only appears with JavaScript, and selects the page.
    desktop.check(".js-select-all")
    assert desktop.locator("input[name=ids]:checked").count() == desktop.locator("input[name=ids]").count()
    desktop.uncheck(".js-select-all")
    desktop.goto(live_server.url + "/admin/questions/")
    screenshot(desktop, "question-bank-1280")
    assert desktop.evaluate("document.documentElement.scrollWidth") <= 1280


def test_officer_types_a_question_and_sees_the_preview_update(live_server, desktop):
    errors = _watch_console(desktop)
    log_in(desktop, live_server.url, "officer")
    desktop.goto(live_server.url + "/admin/questions/new")
    preview = desktop.locator(".js-preview")
    # Without an option typed yet, four option rows show; the no-JS buttons are hidden.
    assert desktop.locator(".option-row:visible").count() == 4
    assert desktop.locator("button[name=preview]").is_hidden()

    desktop.select_option("#module_id", index=1)
    desktop.fill("#stem", "行政执法“三项制度”不包括下列哪一项？")
    expect(preview.locator(".q-stem")).to_contain_text("三项制度")
    for index, text in enumerate(["行政执法公示制度", "执法全过程记录制度", "重大执法决定法制审核制度", "执法人员轮岗制度"]):
        desktop.fill(f"#options-{index}", text)
    desktop.check("input[name=answer_single][value=D]")
    expect(preview.locator(".q-choice")).to_have_count(4)
    expect(preview).to_contain_text("执法人员轮岗制度")
    # The examinee's view: big tap targets, and no sign of the answer key.
    heights = preview.locator(".q-choice").evaluate_all("els => els.map(e => e.getBoundingClientRect().height)")
    assert min(heights) >= 44
    assert preview.locator("input:checked").count() == 0
    assert desktop.locator(".phone-frame .phone-screen").bounding_box()["width"] == pytest.approx(360, abs=1)
    # A fifth option row appears when asked for.
    desktop.click(".js-add-option")
    assert desktop.locator(".option-row:visible").count() == 5

    desktop.fill("#explanation", "“三项制度”是行政执法公示、执法全过程记录和重大执法决定法制审核制度。")
    desktop.fill("#basis", "《国务院办公厅关于全面推行行政执法公示制度执法全过程记录制度重大执法决定法制审核制度的指导意见》")
    desktop.fill("#tags", "三项制度、示例")
    # An image goes into the stem at the cursor and shows in the preview.
    desktop.locator("#stem").press("End")
    desktop.set_input_files("#image", files=[{"name": "pic.png", "mimeType": "image/png", "buffer": PNG_1PX}])
    expect(desktop.locator("#stem")).to_have_value(re.compile(r'<img src="/media/[0-9a-f]{64}\.png" alt="">'))
    expect(preview.locator(".q-stem img")).to_have_count(1)
    desktop.wait_for_timeout(600)
    screenshot(desktop, "question-editor-1280")
    ARTIFACTS.mkdir(exist_ok=True)
    desktop.locator(".phone-frame").screenshot(path=str(ARTIFACTS / "question-preview-360.png"))

    desktop.click("button[name=save]")
    desktop.wait_for_url("**/admin/questions/*/edit")
    assert "已创建" in desktop.inner_text(".flash")
    assert desktop.locator("input[name=answer_single][value=D]").is_checked()
    assert errors == []


def test_fill_in_the_blank_gets_one_answer_field_per_blank(live_server, desktop):
    log_in(desktop, live_server.url, "officer")
    desktop.goto(live_server.url + "/admin/questions/new?type=fill")
    assert desktop.locator("[data-types='single multiple']").is_hidden()
    desktop.fill("#stem", "全民国家安全教育日是每年____月____日。")
    assert desktop.locator(".blank-row").count() == 2
    desktop.fill("#blanks-0", "4 / 四")
    desktop.fill("#blanks-1", "15")
    expect(desktop.locator(".js-preview input.q-blank")).to_have_count(2)
    blank = desktop.locator(".js-preview input.q-blank").first
    assert blank.input_value() == ""  # the accepted answers never reach the preview
    assert blank.bounding_box()["height"] >= 44
    desktop.select_option("#type", "truefalse")
    assert desktop.locator("[data-types=truefalse]").is_visible()
    assert desktop.locator("[data-types=fill]").is_hidden()
    expect(desktop.locator(".js-preview .q-truefalse .q-choice")).to_have_count(2)


def test_the_preview_partial_fits_a_phone(live_server, phone):
    log_in(phone, live_server.url, "officer")
    phone.goto(live_server.url + "/admin/questions/new")
    phone.fill("#stem", "宪法规定，中华人民共和国的一切权力属于____。")
    phone.select_option("#type", "fill")
    expect(phone.locator(".js-preview input.q-blank")).to_have_count(1)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "question-editor-360")
