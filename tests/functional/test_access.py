"""Officer and admin pages refuse everyone else."""
from __future__ import annotations

import pytest

from lawexam.auth.models import Role

# Every officer/admin page, by endpoint. A new /admin route missing here fails the test below.
OFFICER_PAGES = {
    "people.unit_list": ("GET", "/admin/units"),
    "people.unit_edit": ("GET", "/admin/units/new"),
    "people.unit_set_active": ("POST", "/admin/units/{unit}/active"),
    "people.person_list": ("GET", "/admin/people"),
    "people.person_export": ("GET", "/admin/people/export.xlsx"),
    "people.person_new": ("GET", "/admin/people/new"),
    "people.person_edit": ("GET", "/admin/people/{user}/edit"),
    "people.person_set_active": ("POST", "/admin/people/{user}/active"),
    "people.person_reset_password": ("POST", "/admin/people/{user}/reset-password"),
    "people.roster_upload": ("GET", "/admin/people/import"),
    "people.roster_confirm": ("POST", "/admin/people/import/confirm"),
    "people.roster_template": ("GET", "/admin/people/import/template.xlsx"),
    "audit.entry_list": ("GET", "/admin/audit/"),
}


def test_every_admin_route_is_listed(app):
    admin_endpoints = {r.endpoint for r in app.url_map.iter_rules() if r.rule.startswith("/admin")}
    assert admin_endpoints == set(OFFICER_PAGES)


@pytest.mark.parametrize("role", [Role.EXAMINEE, Role.REVIEWER, Role.UNIT_HEAD])
def test_non_officers_get_403_on_every_officer_page(client, login_as, role):
    me = login_as(role)
    for endpoint, (method, url) in OFFICER_PAGES.items():
        response = client.open(url.format(user=me.id, unit=me.unit_id), method=method)
        assert response.status_code == 403, (endpoint, response.status_code)
        assert "没有权限" in response.get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for method, url in OFFICER_PAGES.values():
        response = client.open(url.format(user=1, unit=1), method=method)
        assert response.status_code == 302 and "/login" in response.location


@pytest.mark.parametrize("role", [Role.OFFICER, Role.ADMIN])
def test_officers_and_admins_open_every_officer_page(client, login_as, role):
    me = login_as(role)
    for endpoint, (method, url) in OFFICER_PAGES.items():
        if method == "GET":
            assert client.get(url.format(user=me.id, unit=me.unit_id)).status_code == 200, endpoint


def test_security_headers_are_sent(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


class TestCsrf:
    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_a_post_without_the_token_is_refused(self, client, make_user):
        user = make_user()
        response = client.post("/login", data={"account": user.account, "password": "x"})
        assert response.status_code == 400
        assert "表单已过期" in response.get_data(as_text=True)
