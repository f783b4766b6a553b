"""Signing in and out, passwords and lock-out."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from flask import current_app
from sqlalchemy import Select, bindparam, delete, func, select, update
from sqlalchemy.orm import lazyload

from lawexam.audit import services as audit
from lawexam.auth.models import LoginSession, LoginThrottle, User
from lawexam.auth.passwords import (
    hash_password,
    needs_rehash,
    password_problems,
    temporary_password,
    verify_password,
)
from lawexam.db import utcnow
from lawexam.errors import DomainError, InvalidInput
from lawexam.extensions import db
from lawexam.i18n import _


class LockedOut(DomainError):
    def __init__(self, message: str, until: datetime) -> None:
        super().__init__(message)
        self.until = until


class BadCredentials(DomainError):
    pass


@dataclass(frozen=True)
class ThrottlePolicy:
    account_failures: int
    address_failures: int
    window: timedelta

    @classmethod
    def from_config(cls) -> "ThrottlePolicy":
        cfg = current_app.config
        return cls(
            account_failures=cfg["LAWEXAM_LOCKOUT_ACCOUNT_FAILURES"],
            address_failures=cfg["LAWEXAM_LOCKOUT_ADDRESS_FAILURES"],
            window=timedelta(minutes=cfg["LAWEXAM_LOCKOUT_MINUTES"]),
        )


def _throttle_keys(account: str, address: str) -> list[tuple[str, str]]:
    return [("account", f"account:{account.strip().lower()[:80]}"), ("address", f"address:{address[:80]}")]


def _lock_message(until: datetime) -> str:
    from lawexam.localtime import format_local_time

    return _("Too many failed sign-ins. Try again after %(time)s.", time=format_local_time(until))


def find_user_by_account(account: str) -> User | None:
    account = account.strip()
    if not account:
        return None
    return db.session.scalar(select(User).where(func.lower(User.account) == account.lower()))


def _check_not_locked(keys: list[tuple[str, str]], now: datetime) -> None:
    rows = db.session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_([k for _, k in keys])))
    for row in rows:
        if row.locked_until and row.locked_until > now:
            raise LockedOut(_lock_message(row.locked_until), row.locked_until)


def _record_failure(keys: list[tuple[str, str]], policy: ThrottlePolicy, now: datetime) -> datetime | None:
    limits = {"account": policy.account_failures, "address": policy.address_failures}
    locked_until: datetime | None = None
    for kind, key in keys:
        row = db.session.get(LoginThrottle, key, with_for_update=True)
        if row is None:
            row = LoginThrottle(key=key, failures=0, window_started_at=now)
            db.session.add(row)
        if now - row.window_started_at > policy.window:
            row.failures, row.window_started_at, row.locked_until = 0, now, None
        row.failures += 1
        if row.failures >= limits[kind]:
            row.locked_until = now + policy.window
            locked_until = max(filter(None, [locked_until, row.locked_until]))
    return locked_until


def authenticate(account: str, password: str, address: str, now: datetime | None = None) -> User:
    """Return the person for these credentials or raise BadCredentials / LockedOut.

    The failure counter is flushed in the same transaction; the caller commits either way so
    a failed attempt is counted even though sign-in is refused.
    """
    now = now or utcnow()
    policy = ThrottlePolicy.from_config()
    keys = _throttle_keys(account, address or "unknown")
    _check_not_locked(keys, now)
    user = find_user_by_account(account)
    if user is None or not user.active or not verify_password(user.password_hash, password):
        locked_until = _record_failure(keys, policy, now)
        audit.record("auth.login_failed", object_type="user",
                     object_id=user.id if user else None,
                     summary=account.strip()[:64], actor=None)
        if locked_until:
            raise LockedOut(_lock_message(locked_until), locked_until)
        if user is not None and not user.active:
            raise BadCredentials(_("This account has been deactivated. Ask your training officer."))
        raise BadCredentials(_("Wrong account or password."))
    for _kind, key in keys:
        row = db.session.get(LoginThrottle, key)
        if row is not None and _kind == "account":
            db.session.delete(row)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    audit.record("auth.login", object_type="user", object_id=user.id, actor=user)
    db.session.flush()
    return user


def change_password(user: User, current: str, new: str, confirm: str) -> None:
    if not verify_password(user.password_hash, current):
        raise InvalidInput(_("The current password is wrong."), field="current_password")
    if new != confirm:
        raise InvalidInput(_("The two new passwords differ."), field="confirm")
    if new == current:
        raise InvalidInput(_("Choose a password different from the current one."), field="new_password")
    problems = password_problems(new, account=user.account)
    if problems:
        raise InvalidInput(" ".join(problems), field="new_password")
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.password_changed_at = utcnow()
    end_all_sessions(user, keep=user.login_key)
    audit.record("auth.password_changed", object_type="user", object_id=user.id, actor=user)
    db.session.flush()


def start_session(user: User, address: str, user_agent: str) -> str:
    """Record a signed-in browser and return the key its cookie will carry."""
    key = secrets.token_urlsafe(32)
    db.session.add(LoginSession(key=key, user_id=user.id, client_address=address[:64],
                                user_agent=user_agent[:255]))
    db.session.flush()
    user.login_key = key
    return key


def end_session(key: str) -> None:
    db.session.execute(delete(LoginSession).where(LoginSession.key == key))


def end_all_sessions(user: User, keep: str | None = None) -> None:
    query = delete(LoginSession).where(LoginSession.user_id == user.id)
    if keep:
        query = query.where(LoginSession.key != keep)
    db.session.execute(query)


def reset_password(user: User) -> str:
    """Give the person a one-time temporary password, to be shown once and changed at sign-in."""
    password = temporary_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    end_all_sessions(user)
    audit.record("user.password_reset", object_type="user", object_id=user.id,
                 summary=user.real_name)
    db.session.flush()
    return password


# Writing last_seen_at on every request would turn each page view (and each autosave) into
# a write; once every few minutes is enough to tell stale sessions apart.
_TOUCH_EVERY = timedelta(minutes=5)


@cache
def _session_and_user() -> Select[Any]:
    # Roles and categories load when first asked for: an autosave never asks, and it is the
    # request an exam hour sends thousands of. Built once: this runs on every request.
    return (select(LoginSession.created_at, LoginSession.last_seen_at, User)
            .join(User, LoginSession.user_id == User.id)
            .where(LoginSession.key == bindparam("key"), User.id == bindparam("user_id"))
            .options(lazyload(User.role_rows), lazyload(User.category_rows)))


def load_user_from_cookie(user_id: str) -> User | None:
    ident, _sep, key = user_id.partition(":")
    if not ident.isdigit() or not key:
        return None
    row = db.session.execute(_session_and_user(), {"key": key, "user_id": int(ident)}).first()
    if row is None:
        return None
    created_at, last_seen_at, user = row
    now = utcnow()
    if not user.active or now - created_at > current_app.permanent_session_lifetime:
        return None
    if now - last_seen_at > _TOUCH_EVERY:
        db.session.execute(update(LoginSession).where(LoginSession.key == key).values(last_seen_at=now))
        db.session.commit()
    user.login_key = key
    return user
