"""Enforcement certificates: the registry, requirements computed from study and exam records,
renewals and status changes, applications (申领), the officer's figures, the due list, import
and export, the command line, the holder's home page and the demo town.

Page texts are checked in the English source strings (``lang=en``)."""
from __future__ import annotations

import io
import re
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from lawexam.audit.models import AuditEntry
from lawexam.auth.models import Category, Role, User
from lawexam.certification import services
from lawexam.certification.compliance import CertificateStatus, Period
from lawexam.certification.models import (
    ApplicationStatus,
    Certificate,
    CertificateApplication,
    CertificateEvent,
    CertificateType,
)
from lawexam.certification.records import evaluate_one, local_today
from lawexam.db import utcnow
from lawexam.exams import attempts
from lawexam.extensions import db
from lawexam.questions.bank import ensure_module
from lawexam.staging import StagedUpload
from lawexam.study import services as study
from lawexam.study.models import Lesson
from tests.functional.exam_support import correct_display_answer, make_exam

SHANGHAI = ZoneInfo("Asia/Shanghai")


# ---- helpers --------------------------------------------------------------------------------

def today() -> date:
    return local_today(utcnow())


def enforcement_type(**requirements: object) -> CertificateType:
    """The preset 行政执法证 with the given requirements (none by default)."""
    ctype = services.preset_type("enforcement")
    data = services.TypeData(name=ctype.name, hours=requirements.get("hours", 0),
                             period=requirements.get("period", Period.YEAR),
                             module_ids=set(requirements.get("module_ids", ())),
                             exam_required=bool(requirements.get("exam_ids")),
                             exam_ids=set(requirements.get("exam_ids", ())), lead_days=60,
                             validity_years=requirements.get("validity_years"))
    services.save_type(ctype, data, None, utcnow())
    db.session.commit()
    return ctype


def issue(holder: User, number: str = "QS-ZF-0001", *, issued: date | None = None, until: date | None = None,
          ctype: CertificateType | None = None, authority: str = "清河县人民政府", field: str = "综合行政执法") -> Certificate:
    ctype = ctype or services.preset_type("enforcement")
    issued = issued or date(today().year - 2, 3, 1)
    cert = services.create_certificate(services.CertificateData(
        type_id=ctype.id, holder_account=holder.account, number=number, authority=authority,
        enforcement_field=field, issued_on=issued, valid_until=until or issued.replace(year=issued.year + 5)),
        None, utcnow())
    db.session.commit()
    return cert


def registry_state() -> list[tuple]:
    """Everything a certificate write could touch."""
    db.session.expire_all()
    certs = [(c.type_id, c.holder_id, c.number, c.authority, c.enforcement_field, c.issued_on, c.valid_from,
              c.valid_until, c.status) for c in db.session.scalars(select(Certificate).order_by(Certificate.id))]
    return [certs, db.session.scalar(select(func.count()).select_from(CertificateEvent)),
            db.session.scalar(select(func.count()).select_from(AuditEntry)),
            db.session.scalar(select(func.count()).select_from(CertificateApplication))]


def make_lesson(code: str = "cert-law", name: str = "执法人员必修", credit: float = 3.0, order: int = 1) -> Lesson:
    module = ensure_module(code, name, 1)
    lesson = Lesson(module_id=module.id, key=f"{code}/{order:02d}-x", source_path=f"{code}/lessons/{order:02d}-x.md",
                    title=f"{name} 第{order}课", sort_order=order, minutes=1, credit_centihours=round(credit * 100),
                    body_markdown="正文", body_html="<p>正文</p>", toc=[], content_hash="x" * 64, active=True)
    db.session.add(lesson)
    db.session.commit()
    return lesson


def study_lesson(user: User, lesson: Lesson, when: datetime) -> None:
    """Read a one-minute lesson to the end through the study service: it is completed at ``when + 60 s``."""
    study.record_beat(user, lesson.id, tab="tab-cert-test", visible=True, now=when)
    study.record_beat(user, lesson.id, tab="tab-cert-test", visible=True, now=when + timedelta(seconds=60),
                      read_to_end=True)
    db.session.commit()


def pass_exam(user: User, exam, right: bool = True) -> None:
    now = utcnow()
    attempt, _created = attempts.start_attempt(exam, user, now)
    for seq, slot in enumerate(attempt.paper, start=1):
        attempts.save_answer(user, attempt.id, slot["slot"], correct_display_answer(slot) if right else None, seq, now)
    attempts.submit_attempt(user, attempt.id, now + timedelta(seconds=5))
    db.session.commit()


def english(client) -> None:
    client.set_cookie("lang", "en")


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def xlsx(rows, headers=("姓名", "账号/手机号", "证件类型", "证件编号", "发证机关", "执法领域", "发证日期", "有效期至", "状态")) -> bytes:
    book = Workbook()
    sheet = book.active
    if headers:
        sheet.append(list(headers))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(client, data: bytes, name: str = "执法证.xlsx"):
    return client.post("/admin/certificates/import", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def confirm(client, page: str, skip_invalid: bool = False):
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
    data = {"token": token}
    if skip_invalid:
        data["skip_invalid"] = "y"
    return client.post("/admin/certificates/import/confirm", data=data)


# ---- types ------------------------------------------------------------------------------------

def test_the_two_preset_types_are_created_once(app):
    services.ensure_preset_types()
    services.ensure_preset_types()
    db.session.commit()
    assert sorted(db.session.scalars(select(CertificateType.name))) == ["行政执法监督证", "行政执法证"]


def test_officer_sets_a_types_requirements_and_marks_an_exam(client, login_as, town):
    officer = login_as(Role.OFFICER)
    english(client)
    module = ensure_module("cert-law", "执法人员必修", 1)
    exam = make_exam(people=[officer])
    ctype = services.preset_type("enforcement")
    db.session.commit()
    response = client.post(f"/admin/certificates/types/{ctype.id}/edit", data={
        "name": "行政执法证", "hours": "12.5", "period": "validity", "module_ids": [str(module.id)],
        "exam_required": "y", "exam_ids": [str(exam.id)], "lead_days": "90", "validity_years": "3", "active": "y"})
    assert response.status_code == 302, text_of(response)
    db.session.expire_all()
    ctype = db.session.get(CertificateType, ctype.id)
    assert ctype.hours_centi == 1250 and ctype.period == Period.VALIDITY and ctype.module_ids == {module.id}
    assert ctype.exam_ids == {exam.id} and ctype.exam_required and ctype.lead_days == 90
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "certificate_type.saved")) is not None
    # An exam requirement without a marked exam is refused.
    response = client.post(f"/admin/certificates/types/{ctype.id}/edit", data={
        "name": "行政执法证", "hours": "1", "period": "year", "exam_required": "y", "lead_days": "60", "active": "y"})
    assert response.status_code == 200 and "Mark at least one exam" in text_of(response)
    # Officers add their own types; names are unique.
    assert client.post("/admin/certificates/types/new", data={
        "name": "森林防火执法证", "hours": "0", "period": "year", "lead_days": "30", "active": "y"}).status_code == 302
    response = client.post("/admin/certificates/types/new", data={
        "name": "森林防火执法证", "hours": "0", "period": "year", "lead_days": "30", "active": "y"})
    assert "There is already a certificate type called 森林防火执法证" in text_of(response)
    assert db.session.scalar(select(func.count()).select_from(CertificateType)) == 3


# ---- the registry -----------------------------------------------------------------------------

def test_officer_enters_and_corrects_a_certificate_with_its_history(client, login_as, make_user, town):
    officer = login_as(Role.OFFICER)
    english(client)
    holder = make_user(name="李执法", unit="squad", categories={Category.ENFORCEMENT})
    ctype = services.preset_type("enforcement")
    db.session.commit()
    response = client.post("/admin/certificates/new", data={
        "type_id": ctype.id, "holder_account": holder.account, "number": "QS-ZF-0101",
        "authority": "清河县人民政府", "enforcement_field": "综合行政执法", "issued_on": "2024-03-01",
        "valid_until": "2029-02-28"})
    assert response.status_code == 302
    cert = db.session.scalar(select(Certificate))
    assert (cert.holder_id, cert.number, cert.valid_from, cert.status) == (
        holder.id, "QS-ZF-0101", date(2024, 3, 1), CertificateStatus.VALID)
    page = text_of(client.get(response.location))
    assert "QS-ZF-0101" in page and "清河县人民政府" in page and "Entered" in page
    # A correction needs a reason; with one it is made and kept in the history.
    response = client.post(f"/admin/certificates/{cert.id}/edit", data={
        "type_id": ctype.id, "holder_account": holder.account, "number": "QS-ZF-0110",
        "authority": "清河县人民政府", "enforcement_field": "综合行政执法", "issued_on": "2024-03-01",
        "valid_until": "2029-02-28"})
    assert "Say why the certificate is corrected" in text_of(response)
    db.session.expire_all()
    assert db.session.get(Certificate, cert.id).number == "QS-ZF-0101"
    response = client.post(f"/admin/certificates/{cert.id}/edit", data={
        "type_id": ctype.id, "holder_account": holder.account, "number": "QS-ZF-0110",
        "authority": "清河县人民政府", "enforcement_field": "综合行政执法", "issued_on": "2024-03-01",
        "valid_until": "2029-02-28", "reason": "录入时证号写错"})
    assert response.status_code == 302
    page = text_of(client.get(response.location))
    assert "QS-ZF-0101 → QS-ZF-0110" in page and "录入时证号写错" in page and officer.real_name in page
    actions = list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "certificate")
                                      .order_by(AuditEntry.id)))
    assert actions == ["certificate.created", "certificate.corrected"]


def test_a_number_is_unique_within_its_type_only(client, login_as, make_user, town):
    login_as(Role.OFFICER)
    english(client)
    first, second = make_user(unit="squad"), make_user(unit="squad")
    issue(first, "NX-001")
    before = registry_state()
    supervision = services.preset_type("supervision")
    response = client.post("/admin/certificates/new", data={
        "type_id": services.preset_type("enforcement").id, "holder_account": second.account, "number": "NX-001",
        "issued_on": "2024-01-02", "valid_until": "2027-01-01"})
    assert response.status_code == 200
    assert f"number NX-001 already belongs to {first.real_name}" in text_of(response)
    assert registry_state() == before
    # The same number in another type is another certificate.
    assert client.post("/admin/certificates/new", data={
        "type_id": supervision.id, "holder_account": second.account, "number": "NX-001",
        "issued_on": "2024-01-02", "valid_until": "2027-01-01"}).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 2


def test_a_person_holds_one_live_certificate_of_a_type(app, make_user, town):
    holder = make_user(unit="squad")
    issue(holder, "NX-001")
    with pytest.raises(services.InvalidInput, match="已持有"):
        issue(holder, "NX-002")
    db.session.rollback()
    cert = db.session.scalar(select(Certificate))
    services.change_status(cert, "revoke", "调离执法岗位", None, utcnow())
    db.session.commit()
    assert issue(holder, "NX-002").number == "NX-002"


def test_a_number_taken_at_the_same_moment_by_another_request_is_refused_cleanly(app, make_user, monkeypatch, town):
    first, second = make_user(unit="squad"), make_user(unit="squad")
    issue(first, "R-1")
    # As if both requests checked before either wrote: the unique constraint decides.
    monkeypatch.setattr(services, "_number_clash", lambda *args, **kwargs: None)
    with pytest.raises(services.InvalidInput, match="已属于他人"):
        issue(second, "R-1")
    db.session.rollback()
    assert [c.holder_id for c in db.session.scalars(select(Certificate))] == [first.id]


def test_bad_input_is_refused_field_by_field(client, login_as, make_user, town):
    login_as(Role.OFFICER)
    english(client)
    holder = make_user(unit="squad")
    type_id = services.preset_type("enforcement").id
    db.session.commit()
    base = {"type_id": type_id, "holder_account": holder.account, "number": "NX-9", "issued_on": "2024-01-02",
            "valid_until": "2027-01-01"}
    for change, message in [({"holder_account": "nobody-here"}, "There is nobody with the account nobody-here"),
                            ({"valid_until": "2023-01-01"}, "cannot expire before it is issued"),
                            ({"issued_on": (today() + timedelta(days=3)).isoformat(),
                              "valid_until": "2099-01-01"}, "cannot be in the future"),
                            ({"issued_on": "2024-02-30"}, "Not a valid date")]:
        response = client.post("/admin/certificates/new", data={**base, **change})
        assert response.status_code == 200 and message in text_of(response), change
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 0


# ---- renewal and status changes ---------------------------------------------------------------

def test_renewal_without_the_requirements_and_without_an_override_is_refused_and_changes_nothing(
        client, login_as, make_user, town):
    login_as(Role.OFFICER)
    english(client)
    lesson = make_lesson()
    enforcement_type(hours=6, module_ids=[lesson.module_id])
    holder = make_user(unit="squad", categories={Category.ENFORCEMENT})
    cert = issue(holder, until=today() + timedelta(days=20))
    before = registry_state()
    page = text_of(client.get(f"/admin/certificates/{cert.id}/renew"))
    assert f"6 study hours still needed in {today().year} (0 of 6)" in page
    assert "Module not completed: 执法人员必修" in page
    response = client.post(f"/admin/certificates/{cert.id}/renew", data={
        "valid_until": (today() + timedelta(days=3 * 365)).isoformat(), "number": "QS-ZF-0999"})
    assert response.status_code == 200
    assert "The requirements are not met" in text_of(response) and "Enter an override reason" in text_of(response)
    assert registry_state() == before
    # The service refuses it too, whoever calls it.
    with pytest.raises(services.RequirementsNotMet):
        services.renew(cert, services.RenewalData(valid_until=today() + timedelta(days=900)), None, utcnow())
    db.session.rollback()
    assert registry_state() == before


def test_renewal_with_an_override_reason_is_recorded_and_audited(client, login_as, make_user, town):
    officer = login_as(Role.OFFICER)
    english(client)
    enforcement_type(hours=6)
    holder = make_user(unit="squad")
    old_until = today() + timedelta(days=20)
    cert = issue(holder, until=old_until)
    new_until = old_until.replace(year=old_until.year + 3) if not (old_until.month == 2 and old_until.day == 29) \
        else date(old_until.year + 3, 2, 28)
    response = client.post(f"/admin/certificates/{cert.id}/renew", data={
        "valid_until": new_until.isoformat(), "number": "QS-ZF-2000",
        "override_reason": "学时系统上线前已在县司法局完成培训，有证明材料"})
    assert response.status_code == 302, text_of(response)
    db.session.expire_all()
    cert = db.session.get(Certificate, cert.id)
    assert cert.valid_until == new_until and cert.number == "QS-ZF-2000"
    assert cert.valid_from == old_until + timedelta(days=1)
    event = cert.events[0]
    assert event.kind.value == "renewed" and event.override and "县司法局" in event.reason
    assert event.old["valid_until"] == old_until.isoformat() and event.new["valid_until"] == new_until.isoformat()
    assert event.actor_id == officer.id
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "certificate.renewed"))
    assert entry.actor_id == officer.id and entry.details["requirements_met"] is False
    assert "县司法局" in entry.details["override_reason"] and entry.details["missing"]


def test_renewal_when_the_records_meet_the_requirements_needs_no_override(client, login_as, make_user, town):
    login_as(Role.OFFICER)
    english(client)
    lesson_a, lesson_b = make_lesson(order=1), make_lesson(order=2)
    holder = make_user(unit="squad", categories={Category.ENFORCEMENT})
    exam = make_exam(people=[holder])
    enforcement_type(hours=6, module_ids=[lesson_a.module_id], exam_ids=[exam.id])
    cert = issue(holder, until=today() + timedelta(days=30))
    now = utcnow()
    study_lesson(holder, lesson_a, now - timedelta(minutes=10))
    page = text_of(client.get(f"/admin/certificates/people/{holder.id}"))
    assert f"3 study hours still needed in {today().year} (3 of 6)" in page
    assert "Not passed: 测试考试" in page
    study_lesson(holder, lesson_b, now - timedelta(minutes=5))
    pass_exam(holder, exam)
    page = text_of(client.get(f"/admin/certificates/people/{holder.id}"))
    assert "All requirements met" in page and "Study hours met: 6 of 6" in page
    assert "Module completed: 执法人员必修" in page and "Passed 测试考试" in page
    response = client.post(f"/admin/certificates/{cert.id}/renew",
                           data={"valid_until": (today() + timedelta(days=1000)).isoformat()})
    assert response.status_code == 302
    db.session.expire_all()
    event = db.session.get(Certificate, cert.id).events[0]
    assert event.kind.value == "renewed" and not event.override and event.reason == ""


def test_a_failed_or_voided_attempt_does_not_meet_the_exam_requirement(app, make_user, town):
    holder = make_user(unit="squad")
    exam = make_exam(people=[holder], attempts_allowed=2)
    enforcement_type(exam_ids=[exam.id])
    cert = issue(holder)
    pass_exam(holder, exam, right=False)
    assert not evaluate_one(cert, today(), utcnow()).met
    pass_exam(holder, exam, right=True)
    assert evaluate_one(cert, today(), utcnow()).met


def test_a_pass_in_the_make_up_exam_counts_for_the_marked_exam(app, make_user, town):
    from lawexam.exams import services as exams

    holder = make_user(unit="squad")
    exam = make_exam(people=[holder])
    enforcement_type(exam_ids=[exam.id])
    cert = issue(holder)
    pass_exam(holder, exam, right=False)
    makeup = exams.create_makeup(exam, utcnow() - timedelta(minutes=1), utcnow() + timedelta(days=1), None)
    exams.publish(makeup, None)
    db.session.commit()
    pass_exam(holder, makeup)
    assert evaluate_one(cert, today(), utcnow()).met


def test_suspend_revoke_and_reinstate_need_a_reason_and_are_recorded(client, login_as, make_user, town):
    officer = login_as(Role.OFFICER)
    english(client)
    holder = make_user(unit="squad")
    cert = issue(holder)
    before = registry_state()
    response = client.post(f"/admin/certificates/{cert.id}/status/suspend", data={"reason": "  "})
    assert response.status_code == 200 and "Give the reason" in text_of(response)
    assert registry_state() == before
    assert client.post(f"/admin/certificates/{cert.id}/status/suspend", data={"reason": "涉嫌违规执法，暂扣待查"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Certificate, cert.id).status == CertificateStatus.SUSPENDED
    # A suspended certificate cannot be renewed.
    response = client.post(f"/admin/certificates/{cert.id}/renew",
                           data={"valid_until": (today() + timedelta(days=3000)).isoformat(), "override_reason": "x"})
    assert "reinstate it first" in text_of(response)
    assert client.post(f"/admin/certificates/{cert.id}/status/reinstate", data={"reason": "经核查无违规"}).status_code == 302
    assert client.post(f"/admin/certificates/{cert.id}/status/revoke", data={"reason": "调离执法岗位"}).status_code == 302
    response = client.post(f"/admin/certificates/{cert.id}/status/reinstate", data={"reason": "误操作"})
    assert "Only a suspended certificate can be reinstated" in text_of(response)
    db.session.expire_all()
    cert = db.session.get(Certificate, cert.id)
    assert cert.status == CertificateStatus.REVOKED
    assert [(e.kind.value, e.reason) for e in reversed(cert.events)][1:] == [
        ("suspended", "涉嫌违规执法，暂扣待查"), ("reinstated", "经核查无违规"), ("revoked", "调离执法岗位")]
    audits = list(db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "certificate")
                                      .order_by(AuditEntry.id)))
    assert [a.action for a in audits][1:] == ["certificate.suspended", "certificate.reinstated", "certificate.revoked"]
    assert all(a.actor_id == officer.id for a in audits[1:])
    page = text_of(client.get(f"/admin/certificates/people/{holder.id}"))
    assert "Revoked" in page and "调离执法岗位" in page


# ---- applications (申领) -----------------------------------------------------------------------

def test_a_candidate_who_passed_is_marked_applied_then_issued_and_counts_as_new_this_year(
        client, login_as, make_user, town):
    login_as(Role.OFFICER)
    english(client)
    newcomer = make_user(name="王新人", unit="squad", categories={Category.CADRE})
    holder = make_user(name="赵老兵", unit="squad", categories={Category.ENFORCEMENT})
    failed = make_user(name="钱未过", unit="squad")
    exam = make_exam(people=[newcomer, holder, failed])
    ctype = enforcement_type(exam_ids=[exam.id])
    issue(holder, "QS-ZF-0001", issued=date(today().year - 3, 5, 1))
    for person in (newcomer, holder):
        pass_exam(person, exam)
    pass_exam(failed, exam, right=False)
    assert services.dashboard(utcnow()).new_holders == 0
    def sections(page: str) -> tuple[str, str]:
        candidates_part, applied_part = page.split("People without a certificate")[1].split("Applied, waiting")
        return candidates_part, applied_part

    page = text_of(client.get("/admin/certificates/candidates"))
    candidates_section = sections(page)[0]
    assert "王新人" in candidates_section and "赵老兵" not in candidates_section and "钱未过" not in candidates_section
    response = client.post("/admin/certificates/candidates/apply", data={
        "user_id": newcomer.id, "type_id": ctype.id, "exam_id": exam.id, "passed_on": today().isoformat()})
    assert response.status_code == 302
    application = db.session.scalar(select(CertificateApplication))
    assert application.status == ApplicationStatus.APPLIED and application.applied_on == today()
    page = text_of(client.get("/admin/certificates/candidates"))
    assert "王新人" not in sections(page)[0] and "王新人" in sections(page)[1]
    form = client.get(f"/admin/certificates/new?application={application.id}").get_data(as_text=True)
    assert newcomer.account in form
    response = client.post(f"/admin/certificates/new?application={application.id}", data={
        "type_id": ctype.id, "holder_account": newcomer.account, "number": "QS-ZF-0012",
        "authority": "清河县人民政府", "issued_on": today().isoformat(),
        "valid_until": (today() + timedelta(days=1800)).isoformat(), "application_id": str(application.id)})
    assert response.status_code == 302
    db.session.expire_all()
    application = db.session.get(CertificateApplication, application.id)
    assert application.status == ApplicationStatus.ISSUED and application.certificate.number == "QS-ZF-0012"
    figures = services.dashboard(utcnow())
    assert (figures.holders, figures.new_holders, figures.new_via_application, figures.candidates) == (2, 1, 1, 0)
    page = text_of(client.get("/admin/certificates/"))
    assert f"New holders in {today().year}" in page and "1 through an application recorded here" in page
    assert "王新人" in page.split(f"New holders in {today().year}")[-1]


def test_new_holders_count_first_certificates_only(app, make_user, town):
    renewed, returning, fresh = make_user(), make_user(), make_user()
    year = today().year
    old = issue(renewed, "A-1", issued=date(year - 4, 6, 1), until=date(year - 1, 5, 31))
    services.renew(old, services.RenewalData(valid_until=date(year + 4, 5, 31), override_reason="演示"), None, utcnow())
    gone = issue(returning, "A-2", issued=date(year - 3, 1, 10))
    services.change_status(gone, "revoke", "调岗", None, utcnow())
    issue(returning, "A-3", issued=date(year, 1, 1))   # certified again: not a new holder
    issue(fresh, "A-4", issued=date(year, 1, 1))       # first issued on 1 January: new
    db.session.commit()
    assert [c.number for c in services.new_holders(year, today())] == ["A-4"]
    assert services.new_holders(year - 1, date(year - 1, 12, 31)) == []


# ---- the officer's figures, the due list, exports --------------------------------------------

def test_dashboard_figures_are_computed_from_the_records(client, login_as, make_user, town):
    login_as(Role.OFFICER)
    english(client)
    enforcement_type(hours=2)
    lesson = make_lesson(credit=2)
    t = today()
    people = [make_user(unit="squad") for _ in range(7)]
    issue(people[0], "D-0", issued=date(t.year - 2, 1, 5), until=t + timedelta(days=400))       # valid
    issue(people[1], "D-1", issued=date(t.year - 2, 1, 5), until=t + timedelta(days=10))        # due
    issue(people[2], "D-2", issued=date(t.year - 5, 1, 5), until=t - timedelta(days=1))         # expired
    s = issue(people[3], "D-3", issued=date(t.year - 2, 1, 5))
    services.change_status(s, "suspend", "暂扣待查", None, utcnow())
    r = issue(people[4], "D-4", issued=date(t.year - 2, 1, 5))
    services.change_status(r, "revoke", "调离", None, utcnow())
    issue(people[5], "D-5", issued=t, until=t + timedelta(days=1800))                          # new this year
    db.session.commit()
    for person in (people[0], people[5]):
        study_lesson(person, lesson, utcnow() - timedelta(minutes=3))
    figures = services.dashboard(utcnow())
    assert (figures.holders, figures.in_force, figures.due, figures.expired, figures.suspended, figures.revoked,
            figures.new_holders) == (5, 3, 1, 1, 1, 1, 1)
    assert figures.unmet == 1  # D-1 (due) has no study hours; D-0 and D-5 have theirs
    page = text_of(client.get("/admin/certificates/"))
    for number, label in [(5, "Holders"), (3, "Valid certificates"), (1, "Due for renewal within"), (1, "Expired"),
                          (1, "Requirements not met"), (1, f"New holders in {t.year}")]:
        assert f"{number} {label}" in page, label
    # As of an earlier date the same records give other figures: D-5 did not exist yet.
    earlier = text_of(client.get(f"/admin/certificates/?on={(t - timedelta(days=30)).isoformat()}"))
    assert "4 Holders" in earlier
    assert services.dashboard(utcnow(), t - timedelta(days=30)).holders == 4
    in_force = text_of(client.get("/admin/certificates/registry?status=in_force"))
    assert "3 certificates found" in in_force and all(n in in_force for n in ("D-0", "D-1", "D-5"))
    assert "D-2" not in text_of(client.get("/admin/certificates/registry?status=valid")).split("certificates found")[1] \
        and "D-1" not in text_of(client.get("/admin/certificates/registry?status=valid")).split("certificates found")[1]
    unmet = text_of(client.get("/admin/certificates/registry?unmet=1"))
    assert "D-1" in unmet and "D-0" not in unmet and "2 study hours still needed" in unmet


def test_due_list_page_and_export(client, login_as, make_user, town):
    officer = login_as(Role.OFFICER)
    english(client)
    t = today()
    soon, later, expired = make_user(name="甲到期"), make_user(name="乙不急"), make_user(name="丙过期")
    issue(soon, "E-1", issued=date(t.year - 3, 1, 1), until=t)              # expires today
    issue(later, "E-2", issued=date(t.year - 3, 1, 1), until=t + timedelta(days=61))
    issue(expired, "E-3", issued=date(t.year - 6, 1, 1), until=t - timedelta(days=3))
    page = text_of(client.get("/admin/certificates/due"))
    assert "甲到期" in page and "Expires today" in page and "乙不急" not in page
    assert "丙过期" in page and "Expired 3 days ago" in page
    assert "乙不急" in text_of(client.get("/admin/certificates/due?within=61"))
    response = client.get("/admin/certificates/due/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:6] == ("姓名", "账号/手机号", "所属单位", "证件类型", "证件编号", "有效期至")
    assert [r[4] for r in rows[1:]] == ["E-1", "E-3"]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "certificates.exported"))
    assert entry.actor_id == officer.id and entry.details["kind"] == "due" and entry.details["rows"] == 2


def test_registry_filters_and_export(client, login_as, make_user, town):
    officer = login_as(Role.OFFICER)
    english(client)
    a = make_user(name="周甲", unit="squad")
    b = make_user(name="吴乙", unit="east")
    issue(a, "F-1", field="综合行政执法")
    c = issue(b, "F-2", field="自然资源")
    services.change_status(c, "suspend", "暂扣", None, utcnow())
    db.session.commit()
    page = text_of(client.get("/admin/certificates/registry"))
    assert "F-1" in page and "F-2" in page and "2 certificates found" in page
    assert "F-2" not in text_of(client.get(f"/admin/certificates/registry?unit={town['squad'].id}"))
    assert "F-1" not in text_of(client.get("/admin/certificates/registry?status=suspended"))
    assert "F-1" not in text_of(client.get("/admin/certificates/registry?q=吴乙"))
    response = client.get("/admin/certificates/registry/export.xlsx?status=all")
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert rows[0][:9] == ("姓名", "账号/手机号", "证件类型", "证件编号", "发证机关", "执法领域", "发证日期", "有效期至", "状态")
    by_number = {r[3]: r for r in rows[1:]}
    assert by_number["F-2"][8] == "暂扣" and by_number["F-1"][0] == "周甲" and by_number["F-1"][5] == "综合行政执法"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "certificates.exported"))
    assert entry.actor_id == officer.id and entry.details["rows"] == 2
    # The export is the import format: importing it back changes nothing.
    before = registry_state()
    preview = upload(client, response.data).get_data(as_text=True)
    assert re.search(r"Unchanged\s*<strong>2</strong>", preview)
    assert registry_state()[0] == before[0]


# ---- import -----------------------------------------------------------------------------------

GOOD = [["张三", "13800138000", "行政执法证", "QS-ZF-0001", "清河县人民政府", "综合行政执法", "2023-03-01", "2028-02-29", "有效"],
        ["李四", "13900139000", "行政执法证", "QS-ZF-0002", "清河县人民政府", "自然资源", "2024/6/15", "2029年6月14日", ""],
        ["李四", "13900139000", "行政执法监督证", "QS-JD-0001", "清河县人民政府", "行政执法监督", date(2024, 6, 15),
         date(2027, 6, 14), "暂扣"]]


@pytest.fixture
def holders(make_user):
    return {"zhang": make_user(account="13800138000", name="张三", unit="squad"),
            "li": make_user(account="13900139000", name="李四", unit="squad")}


def test_good_file_previews_then_imports(client, login_as, holders):
    officer = login_as(Role.OFFICER)
    english(client)
    before = registry_state()
    page = upload(client, xlsx(GOOD)).get_data(as_text=True)
    assert "Import 3 rows" in page
    assert registry_state()[0] == before[0]  # the preview writes nothing
    assert confirm(client, page).status_code == 200
    certs = {c.number: c for c in db.session.scalars(select(Certificate))}
    assert certs["QS-ZF-0001"].valid_until == date(2028, 2, 29) and certs["QS-ZF-0001"].holder_id == holders["zhang"].id
    assert certs["QS-ZF-0002"].issued_on == date(2024, 6, 15) and certs["QS-ZF-0002"].valid_until == date(2029, 6, 14)
    assert certs["QS-JD-0001"].status == CertificateStatus.SUSPENDED and certs["QS-JD-0001"].type.name == "行政执法监督证"
    assert all(c.events[0].kind.value == "imported" for c in certs.values())
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "certificates.imported"))
    assert entry.actor_id == officer.id and entry.details["created"] == 3
    assert db.session.scalar(select(StagedUpload)) is None


def test_reimporting_updates_by_type_and_number(client, login_as, holders):
    login_as(Role.OFFICER)
    english(client)
    confirm(client, upload(client, xlsx(GOOD)).get_data(as_text=True))
    changed = [list(r) for r in GOOD]
    changed[0][7] = "2031-02-28"   # renewed elsewhere
    changed[2][8] = "有效"          # the suspension was lifted
    page = upload(client, xlsx(changed)).get_data(as_text=True)
    assert re.search(r"To update\s*<strong>2</strong>", page) and re.search(r"Unchanged\s*<strong>1</strong>", page)
    confirm(client, page)
    db.session.expire_all()
    certs = {c.number: c for c in db.session.scalars(select(Certificate))}
    assert len(certs) == 3
    assert certs["QS-ZF-0001"].valid_until == date(2031, 2, 28)
    assert certs["QS-JD-0001"].status == CertificateStatus.VALID
    event = certs["QS-ZF-0001"].events[0]
    assert event.kind.value == "imported" and event.old["valid_until"] == "2028-02-29"


BAD_CASES = [
    ([GOOD[0][:3] + GOOD[0][4:]], ["姓名", "账号/手机号", "证件类型", "发证机关", "执法领域", "发证日期", "有效期至", "状态"],
     None, None, "Missing column(s): 证件编号"),
    ([["张三", "13700137000", "行政执法证", "X-1", "", "", "2023-03-01", "2028-02-29", ""]], None, 2, "账号/手机号",
     "There is nobody with the account 13700137000"),
    ([["王五", "13800138000", "行政执法证", "X-1", "", "", "2023-03-01", "2028-02-29", ""]], None, 2, "姓名",
     "belongs to 张三, not 王五"),
    ([["张三", "13800138000", "驾驶证", "X-1", "", "", "2023-03-01", "2028-02-29", ""]], None, 2, "证件类型",
     "There is no certificate type called 驾驶证"),
    ([["张三", "13800138000", "行政执法证", "", "", "", "2023-03-01", "2028-02-29", ""]], None, 2, "证件编号",
     "The certificate number is empty"),
    ([["张三", "13800138000", "行政执法证", "X-1", "", "", "2023-02-30", "2028-02-29", ""]], None, 2, "发证日期",
     "2023-02-30 is not a date"),
    ([["张三", "13800138000", "行政执法证", "X-1", "", "", "2023-03-01", "2022-02-28", ""]], None, 2, "有效期至",
     "cannot expire before it is issued"),
    ([["张三", "13800138000", "行政执法证", "X-1", "", "", "2023-03-01", "2028-02-29", "作废"]], None, 2, "状态",
     "Unknown status: 作废"),
    ([GOOD[0], ["李四", "13900139000", "行政执法证", "QS-ZF-0001", "", "", "2023-03-01", "2028-02-29", ""]], None, 3,
     "证件编号", "The certificate QS-ZF-0001 already appears in row 2"),
    ([GOOD[0], ["张三", "13800138000", "行政执法证", "QS-ZF-0009", "", "", "2023-03-01", "2028-02-29", ""]], None, 3,
     "账号/手机号", "张三 already has a 行政执法证 in row 2"),
    ([], None, None, None, "no data rows"),
]


@pytest.mark.parametrize("rows, headers, row, column, message", BAD_CASES)
def test_bad_rows_are_reported_with_row_and_column_and_nothing_is_written(
        client, login_as, holders, rows, headers, row, column, message):
    login_as(Role.OFFICER)
    english(client)
    services.ensure_preset_types()
    db.session.commit()
    before = registry_state()
    page = upload(client, xlsx(rows, headers) if headers else xlsx(rows)).get_data(as_text=True)
    assert message in page
    if row is not None:
        assert re.search(rf'<td class="num">{row}</td><td>{re.escape(column)}</td><td>[^<]*{re.escape(message)}', page)
    assert registry_state() == before


def test_a_number_already_held_by_someone_else_is_refused(client, login_as, holders):
    login_as(Role.OFFICER)
    english(client)
    issue(holders["zhang"], "QS-ZF-0001")
    before = registry_state()
    page = upload(client, xlsx([["李四", "13900139000", "行政执法证", "QS-ZF-0001", "", "", "2023-03-01",
                                 "2028-02-29", ""]])).get_data(as_text=True)
    assert re.search(r'<td class="num">2</td><td>证件编号</td><td>[^<]*number QS-ZF-0001 already belongs to 张三', page)
    assert registry_state() == before


def test_nothing_is_written_while_a_row_is_invalid_unless_skipping(client, login_as, holders):
    login_as(Role.OFFICER)
    english(client)
    rows = GOOD + [["张三", "13800138000", "行政执法证", "BAD", "", "", "not a date", "2028-02-29", ""]]
    before = registry_state()
    page = upload(client, xlsx(rows)).get_data(as_text=True)
    assert "Skip the invalid rows" in page
    response = confirm(client, page)
    assert "nothing was imported" in text_of(response)
    assert registry_state() == before
    confirm(client, upload(client, xlsx(rows)).get_data(as_text=True), skip_invalid=True)
    numbers = set(db.session.scalars(select(Certificate.number)))
    assert numbers == {"QS-ZF-0001", "QS-ZF-0002", "QS-JD-0001"}


def test_the_template_downloads_and_imports_cleanly_once_the_people_exist(client, login_as, make_user):
    login_as(Role.OFFICER)
    english(client)
    response = client.get("/admin/certificates/import/template.xlsx")
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert rows[0] == ("姓名", "账号/手机号", "证件类型", "证件编号", "发证机关", "执法领域", "发证日期", "有效期至", "状态")
    make_user(account="13800138000", name="张三")
    make_user(account="13900139000", name="李四")
    page = upload(client, response.data).get_data(as_text=True)
    assert "Import 2 rows" in page and "Invalid <strong>0</strong>" in page


# ---- the command line -----------------------------------------------------------------------

def test_cli_due_lists_what_is_due_fit_for_a_mail(runner, make_user):
    result = runner.invoke(args=["certificates", "due"])
    assert result.exit_code == 0 and "none due" in result.output
    t = today()
    enforcement_type(hours=4)
    holder = make_user(name="孙到期", unit="squad")
    issue(holder, "G-1", issued=date(t.year - 3, 1, 1), until=t + timedelta(days=12))
    issue(make_user(name="李远期"), "G-2", issued=date(t.year - 3, 1, 1), until=t + timedelta(days=200))
    result = runner.invoke(args=["certificates", "due"])
    assert result.exit_code == 0
    line = next(l for l in result.output.splitlines() if "G-1" in l)
    assert line.split("\t")[:4] == ["孙到期", "测试镇 / 综合执法中队", "行政执法证", "G-1"]
    assert (t + timedelta(days=12)).isoformat() in line and "12" in line and "4" in line.split("\t")[-1]
    assert "G-2" not in result.output
    assert "G-2" in runner.invoke(args=["certificates", "due", "--within", "365"]).output


def test_cli_import_dry_run_reports_row_and_column_and_writes_nothing(runner, holders, tmp_path):
    services.ensure_preset_types()
    db.session.commit()
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx(GOOD + [["张三", "13800138000", "行政执法证", "QS-ZF-0077", "", "", "2023-13-01",
                                  "2028-02-29", ""]]))
    result = runner.invoke(args=["certificates", "import", str(bad), "--dry-run"])
    assert result.exit_code == 1
    assert "bad.xlsx 第 5 行 [发证日期]" in result.output
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 0
    good = tmp_path / "good.xlsx"
    good.write_bytes(xlsx(GOOD))
    result = runner.invoke(args=["certificates", "import", str(good), "--dry-run"])
    assert result.exit_code == 0 and "新增 3" in result.output
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 0
    result = runner.invoke(args=["certificates", "import", str(good)])
    assert result.exit_code == 0 and "已导入：新增 3" in result.output
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 3
    result = runner.invoke(args=["certificates", "import", str(bad)])
    assert result.exit_code == 1 and db.session.scalar(select(func.count()).select_from(Certificate)) == 3


# ---- the holder's own view ------------------------------------------------------------------

def test_the_holders_home_page_shows_status_and_what_they_still_need(client, login_as, make_user, town):
    holder = login_as(Role.EXAMINEE, unit="squad", categories={Category.ENFORCEMENT})
    english(client)
    lesson = make_lesson()
    exam = make_exam(people=[holder])
    enforcement_type(hours=6, module_ids=[lesson.module_id], exam_ids=[exam.id])
    issue(holder, "QS-ZF-0042", until=today() + timedelta(days=40))
    other = make_user(unit="squad")
    issue(other, "QS-ZF-0043")
    study_lesson(holder, lesson, utcnow() - timedelta(minutes=5))
    page = client.get("/home").get_data(as_text=True)
    text = text_of(client.get("/home"))
    assert "My certificates" in text and "QS-ZF-0042" in text and "Renewal due" in text and "40 days left" in text
    assert f"3 study hours still needed in {today().year} (3 of 6)" in text
    assert "Not passed: 测试考试" in text
    assert f'href="/exams/{exam.id}"' in page  # the missing exam links to where it is taken
    assert "QS-ZF-0043" not in text  # nobody else's number
    assert "Module not completed" not in text  # the module is done
    pass_exam(holder, exam)
    study_lesson(holder, make_lesson(order=2), utcnow() - timedelta(minutes=2))
    text = text_of(client.get("/home"))
    assert f"You meet every requirement for {today().year}" in text
    mine = text_of(client.get("/certificates/"))
    assert "QS-ZF-0042" in mine and "清河县人民政府" in mine and "QS-ZF-0043" not in mine


def test_people_without_a_certificate_see_nothing_of_it_and_cannot_open_officer_pages(client, login_as, make_user):
    login_as(Role.EXAMINEE)
    english(client)
    issue(make_user(unit="squad"), "QS-ZF-0050")
    assert "My certificates" not in text_of(client.get("/home"))
    assert "QS-ZF-0050" not in text_of(client.get("/certificates/"))
    assert client.get("/admin/certificates/registry").status_code == 403
    assert client.get("/admin/certificates/registry/export.xlsx").status_code == 403


# ---- year boundaries through the real records ----------------------------------------------

def test_hours_earned_on_31_december_count_for_that_year_through_the_study_records(app, make_user, town):
    holder = make_user(unit="squad")
    lesson = make_lesson(credit=3)
    enforcement_type(hours=3)
    cert = issue(holder, issued=date(2020, 1, 1), until=date(2030, 12, 31))
    eve = datetime(2024, 12, 31, 23, 50, tzinfo=SHANGHAI).astimezone(timezone.utc)  # completed 23:51 local
    study_lesson(holder, lesson, eve)
    db.session.expire_all()
    cert = db.session.get(Certificate, cert.id)
    new_years_eve = datetime.combine(date(2024, 12, 31), time(23, 59), tzinfo=SHANGHAI).astimezone(timezone.utc)
    assert evaluate_one(cert, date(2024, 12, 31), new_years_eve).met
    assert not evaluate_one(cert, date(2025, 1, 1), new_years_eve + timedelta(minutes=2)).met
    # Per validity period the same hours still count in 2025.
    enforcement_type(hours=3, period=Period.VALIDITY)
    db.session.expire_all()
    cert = db.session.get(Certificate, cert.id)
    assert evaluate_one(cert, date(2025, 1, 1), new_years_eve + timedelta(minutes=2)).met


# ---- the demo town --------------------------------------------------------------------------

def test_the_demo_town_shows_11_holders_and_3_new_holders_this_year_computed_from_its_records(runner, client):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "持证 11 人，今年新增 3 人" in result.output
    figures = services.dashboard(utcnow())
    assert figures.holders == 11 and figures.new_holders == 3
    assert figures.new_via_application == 3 and 1 <= figures.due <= 2
    holders = set(db.session.scalars(select(Certificate.holder_id)))
    officers = set(db.session.scalars(select(User.id).where(User.enforcement_cert_no.is_not(None))))
    assert holders == officers and len(holders) == 11
    assert sorted(db.session.scalars(select(Certificate.number))) == [f"QS-ZF-{n:04d}" for n in range(1, 12)]
    assert all(c.issued_on.year == today().year for c in services.new_holders(today().year, today()))
    assert client.post("/login", data={"account": "officer", "password": "lawexam-demo"}).status_code == 302
    english(client)
    page = text_of(client.get("/admin/certificates/"))
    assert "11 Holders" in page and f"3 New holders in {today().year}" in page
