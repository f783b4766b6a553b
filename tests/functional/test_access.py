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
    "questions.bank_list": ("GET", "/admin/questions/"),
    "questions.bulk_action": ("POST", "/admin/questions/bulk"),
    "questions.bank_stats": ("GET", "/admin/questions/stats"),
    "questions.edit": ("GET", "/admin/questions/new"),
    "questions.preview": ("POST", "/admin/questions/preview"),
    "questions.image_upload": ("POST", "/admin/questions/images"),
    "questions.question_set_status": ("POST", "/admin/questions/{user}/status"),
    "questions.history": ("GET", "/admin/questions/history"),
    "questions.import_upload": ("GET", "/admin/questions/import"),
    "questions.import_confirm": ("POST", "/admin/questions/import/confirm"),
    "questions.import_template": ("GET", "/admin/questions/import/template.xlsx"),
    "questions.export": ("GET", "/admin/questions/export"),
    "study_admin.overview": ("GET", "/admin/study/"),
    "study_admin.export": ("GET", "/admin/study/export.xlsx"),
    "study_admin.targets": ("GET", "/admin/study/targets"),
    "study_admin.target_edit": ("GET", "/admin/study/targets/2025/enforcement"),
    "certificates.dashboard": ("GET", "/admin/certificates/"),
    "certificates.registry": ("GET", "/admin/certificates/registry"),
    "certificates.registry_export": ("GET", "/admin/certificates/registry/export.xlsx"),
    "certificates.due": ("GET", "/admin/certificates/due"),
    "certificates.due_export": ("GET", "/admin/certificates/due/export.xlsx"),
    "certificates.person": ("GET", "/admin/certificates/people/{user}"),
    "certificates.edit": ("GET", "/admin/certificates/new"),
    "certificates.renew": ("POST", "/admin/certificates/{user}/renew"),
    "certificates.change_status": ("POST", "/admin/certificates/{user}/status/suspend"),
    "certificates.types": ("GET", "/admin/certificates/types"),
    "certificates.type_edit": ("GET", "/admin/certificates/types/new"),
    "certificates.candidates": ("GET", "/admin/certificates/candidates"),
    "certificates.apply": ("POST", "/admin/certificates/candidates/apply"),
    "certificates.withdraw": ("POST", "/admin/certificates/applications/{user}/withdraw"),
    "certificates.import_upload": ("GET", "/admin/certificates/import"),
    "certificates.import_confirm": ("POST", "/admin/certificates/import/confirm"),
    "certificates.import_template": ("GET", "/admin/certificates/import/template.xlsx"),
    "exam_admin.exam_list": ("GET", "/admin/exams/"),
    "exam_admin.exam_edit": ("GET", "/admin/exams/{exam}/edit"),
    "exam_admin.exam_detail": ("GET", "/admin/exams/{exam}"),
    "exam_admin.exam_publish": ("POST", "/admin/exams/{exam}/publish"),
    "exam_admin.exam_unpublish": ("POST", "/admin/exams/{exam}/unpublish"),
    "exam_admin.exam_close": ("POST", "/admin/exams/{exam}/close"),
    "exam_admin.exam_archive": ("POST", "/admin/exams/{exam}/archive"),
    "exam_admin.exam_clone": ("POST", "/admin/exams/{exam}/clone"),
    "exam_admin.exam_makeup": ("GET", "/admin/exams/{exam}/makeup"),
    "exam_admin.monitor": ("GET", "/admin/exams/{exam}/monitor"),
    "exam_admin.monitor_json": ("GET", "/admin/exams/{exam}/monitor.json"),
    "exam_admin.attempt_action": ("POST", "/admin/exams/{exam}/attempts/{attempt}/action"),
    "exam_admin.exam_qr": ("GET", "/admin/exams/{exam}/qr.svg"),
    "exam_admin.exam_notice": ("GET", "/admin/exams/{exam}/notice"),
}



@pytest.fixture
def objects(make_user, town):
    """An exam with one started attempt, for the pages under /admin/exams/{exam}."""
    from lawexam.db import utcnow
    from lawexam.exams.attempts import start_attempt
    from lawexam.extensions import db
    from tests.functional.exam_support import make_exam

    person = make_user(unit="west")
    exam = make_exam(town["east"], people=[person])
    attempt, _created = start_attempt(exam, person, utcnow())
    db.session.commit()
    return {"exam": exam.id, "attempt": attempt.id}


def test_every_admin_route_is_listed(app):
    admin_endpoints = {r.endpoint for r in app.url_map.iter_rules() if r.rule.startswith("/admin")}
    assert admin_endpoints == set(OFFICER_PAGES)


@pytest.mark.parametrize("role", [Role.EXAMINEE, Role.REVIEWER, Role.UNIT_HEAD])
def test_non_officers_get_403_on_every_officer_page(client, login_as, role, objects):
    me = login_as(role)
    for endpoint, (method, url) in OFFICER_PAGES.items():
        response = client.open(url.format(user=me.id, unit=me.unit_id, **objects), method=method)
        assert response.status_code == 403, (endpoint, response.status_code)
        assert "没有权限" in response.get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for method, url in OFFICER_PAGES.values():
        response = client.open(url.format(user=1, unit=1, exam=1, attempt=1), method=method)
        assert response.status_code == 302 and "/login" in response.location


@pytest.mark.parametrize("role", [Role.OFFICER, Role.ADMIN])
def test_officers_and_admins_open_every_officer_page(client, login_as, role, objects):
    me = login_as(role)
    for endpoint, (method, url) in OFFICER_PAGES.items():
        if method == "GET":
            assert client.get(url.format(user=me.id, unit=me.unit_id, **objects)).status_code == 200, endpoint


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
