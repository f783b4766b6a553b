"""Cross-cutting security rules checked over the whole URL map, so new routes are covered
without anyone remembering to add them."""
from __future__ import annotations

import re

import pytest

from lawexam.auth.models import Role
from tests.conftest import PASSWORD

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
INLINE_STYLE = re.compile(r"\sstyle\s*=", re.I)


def _url(rule) -> str:  # noqa: ANN001 - a werkzeug Rule
    values = {}
    for name in rule.arguments:
        converter = rule._converters[name].__class__.__name__
        values[name] = 1 if "Integer" in converter else ("xlsx" if name in ("fmt", "format") else "x")
    return rule.build(values, append_unknown=False)[1]


class TestCsrfEverywhere:
    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_every_state_changing_route_refuses_a_request_without_the_token(self, app, client, make_user):
        admin = make_user(Role.ADMIN, Role.OFFICER)
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        assert client.post("/login", data={"account": admin.account, "password": PASSWORD,
                                           "csrf_token": token}).status_code == 302
        checked = 0
        for rule in app.url_map.iter_rules():
            for method in sorted(rule.methods & STATE_CHANGING):
                if rule.endpoint == "auth.logout":
                    continue  # checked last: it would end the session
                response = client.open(_url(rule), method=method)
                assert response.status_code == 400, (rule.rule, method, response.status_code)
                checked += 1
        assert client.post("/logout").status_code == 400
        assert checked >= 10


def test_pages_carry_no_inline_scripts_styles_or_handlers(app, client, login_as):
    """The CSP forbids inline code; a page that relied on it would silently break."""
    login_as(Role.ADMIN, Role.OFFICER)
    seen = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.arguments or rule.endpoint in ("static", "auth.logout"):
            continue
        response = client.get(rule.rule)
        if response.status_code != 200 or not response.mimetype == "text/html":
            continue
        html = response.get_data(as_text=True)
        assert not INLINE_SCRIPT.search(html), rule.rule
        assert not INLINE_HANDLER.search(html), rule.rule
        assert not INLINE_STYLE.search(html), rule.rule
        seen += 1
    assert seen >= 8
