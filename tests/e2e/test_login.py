"""A person on a phone signs in and sees the Chinese home page."""
from __future__ import annotations

import pytest

from tests.e2e.conftest import log_in, screenshot

pytestmark = pytest.mark.e2e


def test_examinee_signs_in_on_a_phone_and_sees_the_chinese_home_page(live_server, phone):
    phone.goto(live_server.url + "/")
    assert phone.url.endswith("/login")
    assert "登录" in phone.inner_text("h1") + phone.inner_text("form")
    screenshot(phone, "login-360")
    log_in(phone, live_server.url, "examinee01")
    body = phone.inner_text("body")
    assert "您好" in body and "人员类别" in body
    # Nothing on the page is wider than the phone.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    # The submit button and menu are big enough to tap.
    box = phone.locator("details.menu summary").bounding_box()
    assert box["height"] >= 44
    screenshot(phone, "home-360")


def test_wrong_password_shows_a_chinese_message(live_server, phone):
    phone.goto(live_server.url + "/login")
    phone.fill("#account", "examinee02")
    phone.fill("#password", "not-the-password")
    phone.click("button[type=submit]")
    assert "账号或密码错误" in phone.inner_text("form")


def test_officer_sees_the_people_list_on_a_desktop(live_server, desktop):
    log_in(desktop, live_server.url, "officer")
    desktop.goto(live_server.url + "/admin/people?q=examinee01")
    assert "examinee01" in desktop.inner_text("table")
    screenshot(desktop, "people-1280")
    # The page loaded no resource from outside this server.
    assert all(r.startswith(live_server.url) for r in desktop.evaluate(
        "performance.getEntriesByType('resource').map(e => e.name)"))
