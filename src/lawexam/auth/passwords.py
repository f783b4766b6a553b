"""Password hashing (Argon2id) and the password rules people must meet."""
from __future__ import annotations

import secrets
from functools import lru_cache
from importlib import resources

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context

from lawexam.i18n import _

MIN_LENGTH = 8
# Argon2id at OWASP's recommended minimum (19 MiB, 2 passes, 1 lane). argon2-cffi's default
# (64 MiB, 3 passes, 4 lanes) costs about five times the CPU, and on exam morning a 2-core
# town server checks hundreds of passwords within minutes while it also serves the exam.
# Older hashes are upgraded at the next sign-in (``needs_rehash``).
_DEFAULT_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Tests create hundreds of accounts; the cheapest profile keeps them fast. Never in production.
_TEST_HASHER = PasswordHasher.from_parameters(profiles.CHEAPEST)
# Alphabet for temporary passwords: no 0/O, 1/l/I, easy to read aloud over the phone.
_TEMP_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789"


def _hasher() -> PasswordHasher:
    if has_app_context() and current_app.config.get("LAWEXAM_FAST_PASSWORD_HASH"):
        return _TEST_HASHER
    return _DEFAULT_HASHER


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    try:
        return _hasher().check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    text = resources.files("lawexam").joinpath("data/common_passwords.txt").read_text("utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def password_problems(password: str, *, account: str = "") -> list[str]:
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append(_("Use at least %(num)d characters.", num=MIN_LENGTH))
    lowered = password.lower()
    if lowered in _common_passwords() or len(set(password)) <= 2:
        problems.append(_("This password is too common; choose one that is harder to guess."))
    elif account and account.lower() in lowered:
        problems.append(_("The password must not contain your account."))
    return problems


def temporary_password() -> str:
    return "".join(secrets.choice(_TEMP_ALPHABET) for _ in range(10))
