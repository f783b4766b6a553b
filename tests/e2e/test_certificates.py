"""Enforcement certificates in a real browser: the officer's overview and a certificate page on a
desktop, and a holder's home page on a phone, in the demo town."""
from __future__ import annotations

import pytest

from tests.e2e.conftest import log_in, screenshot

pytestmark = pytest.mark.e2e


def test_officer_sees_the_certificate_overview_and_a_certificate_page(live_server, desktop):
    log_in(desktop, live_server.url, "officer")
    desktop.goto(live_server.url + "/admin/certificates/")
    figures = desktop.locator(".cert-figures .tile strong").all_inner_texts()
    assert figures[0] == "11"  # holders
    assert "QS-ZF-0003" in desktop.inner_text(".card table")  # due for renewal soon
    assert desktop.evaluate("document.documentElement.scrollWidth") <= 1280
    screenshot(desktop, "certificates-dashboard-1280")
    desktop.goto(live_server.url + "/admin/certificates/registry?q=QS-ZF-0006")
    desktop.click("table.cert-table tbody a")
    card = desktop.locator("article.cert-card").first
    assert "QS-ZF-0006" in card.inner_text()
    assert card.locator(".cert-checks li").count() >= 1 and card.locator(".cert-history").count() == 1
    assert desktop.evaluate("document.documentElement.scrollWidth") <= 1280
    desktop.evaluate("window.scrollTo(0, 0)")  # the link jumps to the certificate; shoot the whole page from the top
    screenshot(desktop, "certificate-1280")
    # Nothing came from outside this server.
    assert all(r.startswith(live_server.url) for r in desktop.evaluate(
        "performance.getEntriesByType('resource').map(e => e.name)"))


def test_a_holder_sees_status_and_what_is_missing_on_the_phone_home_page(live_server, phone):
    log_in(phone, live_server.url, "examinee06")  # QS-ZF-0006: due for renewal, exam not passed
    section = phone.locator("#my-certificates")
    assert "QS-ZF-0006" in section.inner_text()
    assert section.locator(".cert-status.is-renewal_due").count() == 1
    missing = section.locator(".cert-checks .is-missing a")
    assert missing.count() == 1 and "/exams/" in missing.get_attribute("href")
    assert missing.bounding_box()["height"] >= 44
    assert section.locator(".cert-more a").bounding_box()["height"] >= 44
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "certificates-home-360")
