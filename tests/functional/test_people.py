"""Officer pages for people and units."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from lawexam.audit.models import AuditEntry
from lawexam.auth.models import Category, OrgUnit, Role, UnitKind, User
from lawexam.extensions import db
from tests.conftest import sign_in


def _person_form(unit: OrgUnit, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {"real_name": "赵新人", "account": "13812345678", "unit_id": unit.id,
                               "categories": ["grid"], "roles": ["examinee"], "enforcement_cert_no": ""}
    data.update(overrides)
    return data


def test_officer_creates_a_person_and_sees_the_temporary_password_once(client, login_as, town):
    login_as(Role.OFFICER)
    response = client.post("/admin/people/new", data=_person_form(town["east"]))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "临时密码" in page
    password = re.search(r'<code class="password">([^<]+)</code>', page).group(1)
    person = db.session.scalar(select(User).where(User.account == "13812345678"))
    assert person.phone == "13812345678" and person.must_change_password
    assert person.categories == {Category.GRID}
    # The new person signs in with it and is sent to change it.
    other = client.application.test_client()
    assert sign_in(other, "13812345678", password).status_code == 302
    assert other.get("/home").location.endswith("/password")


def test_duplicate_account_is_refused_on_the_field(client, login_as, make_user, town):
    login_as(Role.OFFICER)
    make_user(account="13812345678", name="原有人")
    response = client.post("/admin/people/new", data=_person_form(town["east"]))
    assert "已属于 原有人" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User).where(User.account == "13812345678")) == 1


def test_malformed_mobile_number_is_refused(client, login_as, town):
    login_as(Role.OFFICER)
    before = db.session.scalar(select(func.count()).select_from(User))
    response = client.post("/admin/people/new", data=_person_form(town["east"], account="1381234"))
    assert "不是有效的手机号" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User)) == before


def test_officer_cannot_grant_the_admin_role_but_an_admin_can(client, login_as, town):
    login_as(Role.OFFICER)
    response = client.post("/admin/people/new", data=_person_form(town["east"], roles=["admin"]))
    assert "只有系统管理员" in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.account == "13812345678")) is None
    client.post("/logout")
    login_as(Role.ADMIN)
    response = client.post("/admin/people/new", data=_person_form(town["east"], roles=["admin"]))
    assert response.status_code == 200
    assert db.session.scalar(select(User).where(User.account == "13812345678")).roles == {Role.ADMIN}


def test_edit_person_records_what_changed(client, login_as, make_user, town):
    login_as(Role.OFFICER)
    person = make_user(name="钱多多")
    response = client.post(f"/admin/people/{person.id}/edit",
                           data=_person_form(town["west"], real_name="钱多多", account=person.account,
                                             categories=["cadre", "legal_literate"]))
    assert response.status_code == 302
    db.session.expire_all()
    person = db.session.get(User, person.id)
    assert person.unit_id == town["west"].id
    assert person.categories == {Category.CADRE, Category.LEGAL_LITERATE}
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.updated"))
    assert set(entry.details["changed"]) == {"unit_id", "categories"}


def test_deactivate_person_ends_their_sessions(app, client, login_as, make_user):
    login_as(Role.OFFICER)
    person = make_user()
    their_phone = app.test_client()
    sign_in(their_phone, person.account)
    response = client.post(f"/admin/people/{person.id}/active", data={"active": "0"})
    assert response.status_code == 302
    assert their_phone.get("/home").status_code == 302
    assert db.session.get(User, person.id).active is False


def test_officer_cannot_deactivate_themselves(client, login_as):
    me = login_as(Role.OFFICER)
    client.post(f"/admin/people/{me.id}/active", data={"active": "0"})
    assert db.session.get(User, me.id).active is True


def test_reset_password_shows_a_new_temporary_password(client, login_as, make_user):
    login_as(Role.OFFICER)
    person = make_user()
    page = client.post(f"/admin/people/{person.id}/reset-password").get_data(as_text=True)
    password = re.search(r'<code class="password">([^<]+)</code>', page).group(1)
    assert len(password) == 10
    other = client.application.test_client()
    assert sign_in(other, person.account, password).status_code == 302
    assert db.session.get(User, person.id).must_change_password


def test_people_list_searches_and_filters(client, login_as, make_user):
    login_as(Role.OFFICER, name="管理员甲")
    make_user(name="孙悟空", unit="east", categories={Category.GRID})
    make_user(name="孙权", unit="west", categories={Category.ENFORCEMENT})
    make_user(name="刘备", unit="west", categories={Category.ENFORCEMENT}, active=False)
    page = client.get("/admin/people?q=孙").get_data(as_text=True)
    assert "孙悟空" in page and "孙权" in page and "刘备" not in page
    west = db.session.scalar(select(OrgUnit).where(OrgUnit.name == "西岭村"))
    page = client.get(f"/admin/people?unit={west.id}&active=all").get_data(as_text=True)
    assert "孙权" in page and "刘备" in page and "孙悟空" not in page
    page = client.get("/admin/people?category=grid").get_data(as_text=True)
    assert "孙悟空" in page and "孙权" not in page
    page = client.get("/admin/people?active=0").get_data(as_text=True)
    assert "刘备" in page and "孙悟空" not in page


def test_people_list_rejects_garbage_filters(client, login_as):
    login_as(Role.OFFICER)
    assert client.get("/admin/people?category=nonsense").status_code == 400


# ---- units ---------------------------------------------------------------------------------

def test_create_rename_and_move_a_unit(client, login_as, town):
    login_as(Role.OFFICER)
    response = client.post("/admin/units/new", data={"name": "南山村", "kind": "village", "parent_id": town["town"].id})
    assert response.status_code == 302
    unit = db.session.scalar(select(OrgUnit).where(OrgUnit.name == "南山村"))
    client.post(f"/admin/units/{unit.id}/edit", data={"name": "南山新村", "kind": "village", "parent_id": town["river"].id})
    db.session.expire_all()
    unit = db.session.get(OrgUnit, unit.id)
    assert unit.name == "南山新村" and unit.parent_id == town["river"].id
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"unit.created", "unit.moved"} <= actions


def test_unit_cannot_move_under_itself(client, login_as, town):
    login_as(Role.OFFICER)
    response = client.post(f"/admin/units/{town['town'].id}/edit",
                           data={"name": "测试镇", "kind": "village", "parent_id": town["east"].id})
    assert "不能移到自己" in response.get_data(as_text=True)
    assert db.session.get(OrgUnit, town["town"].id).parent_id is None


def test_sibling_units_need_distinct_names(client, login_as, town):
    login_as(Role.OFFICER)
    response = client.post("/admin/units/new", data={"name": "东风村", "kind": "village", "parent_id": town["town"].id})
    assert "已有名为 东风村 的单位" in response.get_data(as_text=True)


def test_unit_with_people_cannot_be_deactivated(client, login_as, make_user, town):
    login_as(Role.OFFICER, unit="squad")
    make_user(unit="east")
    response = client.post(f"/admin/units/{town['east'].id}/active", data={"active": "0"}, follow_redirects=True)
    assert "仍有 1 名在用人员" in response.get_data(as_text=True)
    assert db.session.get(OrgUnit, town["east"].id).active is True
    response = client.post(f"/admin/units/{town['west'].id}/active", data={"active": "0"})
    assert db.session.get(OrgUnit, town["west"].id).active is False


def test_units_are_never_deleted(app):
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("people.unit")]
    assert rules and all("DELETE" not in r.methods for r in rules)
    assert not any("delete" in r.rule for r in rules)


def test_audit_log_lists_and_filters_entries(client, login_as, make_user):
    login_as(Role.OFFICER, name="审计员")
    make_user()
    client.post("/admin/units/new", data={"name": "北坡村", "kind": "village",
                                          "parent_id": db.session.scalar(select(OrgUnit.id).where(OrgUnit.kind == UnitKind.TOWN))})
    page = client.get("/admin/audit/?action=unit.created").get_data(as_text=True)
    assert "unit.created" in page and "北坡村" in page and "auth.login" not in page.split("<tbody>")[1]
    page = client.get("/admin/audit/?actor=审计员").get_data(as_text=True)
    assert "审计员" in page
