"""The training officer's exam pages in a real browser at 1280 px: the definition form with its
rule rows, the exam page (feasibility, sample, enrolled list, QR code) and the live monitor with
a per-person correction, plus the printable notice. Screenshots land in test-artifacts/."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import log_in, screenshot

pytestmark = pytest.mark.e2e


def _watch_console(page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def _open_exam_id(page, base_url: str) -> int:
    page.goto(base_url + "/admin/exams/")
    link = page.locator("table.exam-table a", has_text="学法用法考试（全镇）").first
    return int(re.search(r"/admin/exams/(\d+)$", link.get_attribute("href")).group(1))


def test_officer_defines_an_exam_with_rule_rows(live_server, desktop):
    errors = _watch_console(desktop)
    log_in(desktop, live_server.url, "officer")
    desktop.click("details.menu summary")
    desktop.click("nav a[href='/admin/exams/']")
    desktop.wait_for_url("**/admin/exams/")
    assert desktop.locator("table.exam-table tbody tr").count() >= 3
    assert desktop.locator("table.exam-table .tag.makeup").count() >= 1
    screenshot(desktop, "exam-admin-list-1280")

    desktop.click(".page-head a[href='/admin/exams/new']")
    desktop.wait_for_url("**/admin/exams/new")
    # With JavaScript, one blank rule row shows and the rest wait behind "Add a rule".
    expect(desktop.locator(".rule-row:visible")).to_have_count(1)
    desktop.fill("#title", "浏览器里新建的考试")
    desktop.select_option("#rules-0-module_ids", index=0)
    desktop.check("#rules-0-types-0")
    desktop.fill("#rules-0-count", "10")
    desktop.fill("#rules-0-points", "5")
    desktop.click(".js-add-rule")
    expect(desktop.locator(".rule-row:visible")).to_have_count(2)
    desktop.check("#rules-1-types-2")
    desktop.fill("#rules-1-count", "10")
    desktop.fill("#rules-1-points", "5")
    expect(desktop.locator(".js-total")).to_have_text("100")
    # Removing a row clears it and takes its points off the total.
    desktop.click(".js-add-rule")
    desktop.fill("#rules-2-count", "4")
    desktop.fill("#rules-2-points", "2.5")
    expect(desktop.locator(".js-total")).to_have_text("110")
    desktop.locator(".rule-row:visible").nth(2).locator(".js-remove-rule").click()
    expect(desktop.locator(".rule-row:visible")).to_have_count(2)
    expect(desktop.locator(".js-total")).to_have_text("100")
    desktop.fill("#fixed", "1,5")
    expect(desktop.locator(".js-total")).to_have_text("105")
    desktop.fill("#pass_mark", "60")
    desktop.locator(".unit-tree input[type=checkbox]").first.check()
    screenshot(desktop, "exam-admin-form-1280")
    assert desktop.evaluate("document.documentElement.scrollWidth") <= 1280
    desktop.click(".sticky-actions button[type=submit]")
    desktop.wait_for_url(re.compile(r".*/admin/exams/\d+$"))
    expect(desktop.locator(".flash-success")).to_contain_text("浏览器里新建的考试")
    expect(desktop.locator("#feasibility")).to_be_visible()
    # Rows added by the script reached the server.
    assert desktop.locator("table.feasibility-table tbody tr").count() == 2
    assert not errors, errors


def test_exam_page_and_monitor_with_a_correction(live_server, desktop, browser):
    errors = _watch_console(desktop)
    log_in(desktop, live_server.url, "officer")
    exam_id = _open_exam_id(desktop, live_server.url)

    # Someone starts the exam on a phone.
    phone_context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    phone = phone_context.new_page()
    log_in(phone, live_server.url, "examinee07")
    phone.goto(live_server.url + f"/exams/{exam_id}")
    phone.click(f"form[action='/exams/{exam_id}/start'] button[type=submit]")
    phone.wait_for_url("**/exams/attempts/*")
    phone_context.close()

    desktop.goto(live_server.url + f"/admin/exams/{exam_id}")
    assert desktop.locator("table.feasibility-table tbody tr").count() == 3
    assert desktop.locator("#feasibility .ok-note").is_visible()
    assert desktop.locator(".sample-table tbody tr").count() == 50
    assert desktop.locator("#enrolled table tbody tr").count() == 50  # the first page of the list
    qr = desktop.locator(".join-card img.qr-image")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    screenshot(desktop, "exam-admin-detail-1280")
    assert desktop.evaluate("document.documentElement.scrollWidth") <= 1280

    desktop.click(f".page-head a[href='/admin/exams/{exam_id}/monitor']")
    desktop.wait_for_url(f"**/admin/exams/{exam_id}/monitor")
    row = desktop.locator("table.monitor-table tbody tr", has_text="examinee07")
    expect(row).to_have_attribute("data-state", "in_progress")
    left = row.locator(".js-left")
    first = int(left.get_attribute("data-left"))
    assert 55 * 60 < first <= 60 * 60
    # The countdown runs between polls, and the poll brings the server's figures.
    desktop.wait_for_timeout(2200)
    assert int(left.get_attribute("data-left")) < first
    before = desktop.inner_text(".js-updated")
    expect(desktop.locator(".js-updated")).not_to_have_text(before, timeout=15000)
    assert ":" in desktop.inner_text(".js-updated")
    screenshot(desktop, "exam-admin-monitor-1280")

    # Extend the person's time by 15 minutes, with a reason.
    desktop.on("dialog", lambda dialog: dialog.accept())
    row.locator("summary").click()
    row.locator("select[name=action]").select_option("extend")
    row.locator("input[name=minutes]").fill("15")
    row.locator("input[name=reason]").fill("手机没电，换手机继续")
    screenshot(desktop, "exam-admin-monitor-act-1280")
    row.locator("button[type=submit]").click()
    desktop.wait_for_url(re.compile(r".*/monitor#attempt-\d+$"))
    expect(desktop.locator(".flash-success")).to_contain_text("15")
    row = desktop.locator("table.monitor-table tbody tr", has_text="examinee07")
    assert int(row.locator(".js-left").get_attribute("data-left")) > first + 10 * 60
    screenshot(desktop, "exam-admin-monitor-action-1280")
    assert not errors, errors


def test_printable_notice(live_server, desktop):
    log_in(desktop, live_server.url, "officer")
    exam_id = _open_exam_id(desktop, live_server.url)
    desktop.goto(live_server.url + f"/admin/exams/{exam_id}/notice")
    expect(desktop.locator(".notice-sheet h1")).to_contain_text("学法用法考试")
    box = desktop.locator(".notice-qr svg").bounding_box()
    assert box["width"] >= 150 and box["height"] >= 150
    assert "/j/" in desktop.inner_text(".notice-link")
    screenshot(desktop, "exam-admin-notice-1280")
    desktop.emulate_media(media="print")
    assert desktop.locator(".site-header").is_hidden() and desktop.locator(".notice-tools").is_hidden()
    screenshot(desktop, "exam-admin-notice-print")

