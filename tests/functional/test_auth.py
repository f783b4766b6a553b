"""Signing in and out, forced and voluntary password changes, lock-out."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lawexam.audit.models import AuditEntry
from lawexam.auth.models import LoginThrottle, User
from lawexam.db import utcnow
from lawexam.extensions import db
from tests.conftest import PASSWORD, sign_in


def test_root_leads_anonymous_people_to_the_chinese_login_page(client):
    response = client.get("/", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "登录" in page and "无纸化学法" in page
    assert '<html lang="zh-CN">' in page


def test_sign_in_with_account_and_password_reaches_home(client, make_user):
    user = make_user(name="王小明")
    response = sign_in(client, user.account)
    assert response.status_code == 302 and response.location.endswith("/home")
    home = client.get("/home").get_data(as_text=True)
    assert "王小明" in home
    assert db.session.get(User, user.id).last_login_at is not None
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "auth.login")) is not None


def test_account_matching_ignores_case_and_spaces(client, make_user):
    make_user(account="Staff-01")
    assert sign_in(client, "  staff-01 ").status_code == 302


def test_wrong_password_is_refused_with_a_message_and_counted(client, make_user):
    user = make_user()
    response = sign_in(client, user.account, "wrong-password")
    assert response.status_code == 200
    assert "账号或密码错误" in response.get_data(as_text=True)
    row = db.session.get(LoginThrottle, f"account:{user.account}")
    assert row is not None and row.failures == 1


def test_deactivated_person_cannot_sign_in(client, make_user):
    user = make_user(active=False)
    response = sign_in(client, user.account)
    assert response.status_code == 200
    assert "已停用" in response.get_data(as_text=True)


def test_account_locks_after_repeated_failures_and_says_when_to_retry(client, make_user):
    user = make_user()
    for _ in range(4):
        sign_in(client, user.account, "nope-nope")
    response = sign_in(client, user.account, "nope-nope")
    page = response.get_data(as_text=True)
    assert "登录失败次数过多" in page and "后再试" in page
    # Even the right password is refused while the lock holds.
    response = sign_in(client, user.account, PASSWORD)
    assert response.status_code == 200 and "后再试" in response.get_data(as_text=True)


def test_lock_expires_after_the_window(client, make_user):
    user = make_user()
    for _ in range(5):
        sign_in(client, user.account, "nope-nope")
    row = db.session.get(LoginThrottle, f"account:{user.account}")
    row.locked_until = utcnow() - timedelta(seconds=1)
    row.window_started_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    assert sign_in(client, user.account).status_code == 302


def test_one_address_trying_many_accounts_is_locked_out(app, client, make_user):
    app.config["LAWEXAM_LOCKOUT_ADDRESS_FAILURES"] = 6
    users = [make_user() for _ in range(3)]
    for user in users:
        for _ in range(2):
            sign_in(client, user.account, "nope-nope")
    fresh = make_user()
    response = sign_in(client, fresh.account)
    assert response.status_code == 200
    assert "后再试" in response.get_data(as_text=True)
    assert db.session.get(LoginThrottle, "address:127.0.0.1").locked_until is not None


def test_first_sign_in_forces_a_password_change(client, make_user):
    user = make_user(must_change=True)
    sign_in(client, user.account)
    response = client.get("/home")
    assert response.status_code == 302 and response.location.endswith("/password")
    response = client.post("/password", data={"current_password": PASSWORD, "new_password": "Bright-River-77",
                                              "confirm": "Bright-River-77"})
    assert response.status_code == 302
    assert client.get("/home").status_code == 200
    assert db.session.get(User, user.id).must_change_password is False


@pytest.mark.parametrize("new, confirm, expected", [
    ("short", "short", "至少"),
    ("12345678", "12345678", "过于常见"),
    ("Bright-River-77", "Bright-River-78", "两次输入的新密码不一致"),
    (PASSWORD, PASSWORD, "不同"),
])
def test_weak_or_mismatched_new_passwords_are_refused(client, make_user, new, confirm, expected):
    user = make_user()
    sign_in(client, user.account)
    before = db.session.get(User, user.id).password_hash
    response = client.post("/password", data={"current_password": PASSWORD, "new_password": new, "confirm": confirm})
    assert response.status_code == 200
    assert expected in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash == before


def test_password_change_ends_the_other_sessions(app, make_user):
    user = make_user()
    phone, desktop = app.test_client(), app.test_client()
    sign_in(phone, user.account)
    sign_in(desktop, user.account)
    assert phone.get("/home").status_code == 200
    desktop.post("/password", data={"current_password": PASSWORD, "new_password": "Bright-River-77",
                                    "confirm": "Bright-River-77"})
    assert desktop.get("/home").status_code == 200
    assert phone.get("/home").status_code == 302  # signed out


def test_logout_ends_the_session_for_good(client, make_user):
    user = make_user()
    sign_in(client, user.account)
    cookie = client.get_cookie("lawexam_session")
    assert client.post("/logout").status_code == 302
    assert client.get("/home").status_code == 302
    # Replaying the old cookie does not bring the session back.
    client.set_cookie("lawexam_session", cookie.value)
    assert client.get("/home").status_code == 302


def test_session_cookie_is_httponly_and_samesite(client, make_user):
    user = make_user()
    response = sign_in(client, user.account)
    header = "; ".join(response.headers.getlist("Set-Cookie"))
    assert "HttpOnly" in header and "SameSite=Lax" in header


def test_next_parameter_cannot_send_people_off_site(client, make_user):
    user = make_user()
    response = client.post("/login?next=//evil.example/", data={"account": user.account, "password": PASSWORD})
    assert response.location.endswith("/home")


def test_language_switch_to_english_and_back(client):
    client.post("/language", data={"locale": "en", "next": "/login"})
    assert "Sign in" in client.get("/login").get_data(as_text=True)
    client.post("/language", data={"locale": "zh_CN", "next": "/login"})
    assert "登录" in client.get("/login").get_data(as_text=True)


def test_unknown_language_is_ignored(client):
    client.post("/language", data={"locale": "xx", "next": "/login"})
    assert "登录" in client.get("/login").get_data(as_text=True)
