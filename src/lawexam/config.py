"""Settings, read from ``LAWEXAM_*`` environment variables with safe defaults."""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_INSTANCE = PROJECT_ROOT / "instance"


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def load_secret_key(instance_path: Path) -> str:
    """The key from the environment, or one generated once and kept in ``instance/``.

    Keeping it on disk (not in code) means sessions survive restarts and every process on
    this host signs cookies alike; several hosts must share ``LAWEXAM_SECRET_KEY``.
    """
    from_env = os.environ.get("LAWEXAM_SECRET_KEY")
    if from_env:
        return from_env
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # O_EXCL: two processes starting at once must not each write a different key.
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def build_config(instance_path: Path, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    production = os.environ.get("LAWEXAM_ENV", "development") == "production"
    database_url = os.environ.get(
        "LAWEXAM_DATABASE_URL", f"sqlite:///{instance_path / 'lawexam.db'}"
    )
    config: dict[str, Any] = {
        "LAWEXAM_ENV": "production" if production else "development",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _env_bool("LAWEXAM_SECURE_COOKIES", production),
        "SESSION_COOKIE_NAME": "lawexam_session",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _env_bool("LAWEXAM_SECURE_COOKIES", production),
        "PERMANENT_SESSION_LIFETIME": timedelta(
            hours=int(os.environ.get("LAWEXAM_SESSION_HOURS", "12"))
        ),
        # A sign-in ends LAWEXAM_SESSION_HOURS after it began (checked on the server), so the
        # cookie need not be re-signed and re-sent with every autosave.
        "SESSION_REFRESH_EACH_REQUEST": False,
        "WTF_CSRF_TIME_LIMIT": None,  # a CSRF token lives as long as the session
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "LAWEXAM_LOCALES": ("zh_CN", "en"),
        "LAWEXAM_TIMEZONE": os.environ.get("LAWEXAM_TIMEZONE", "Asia/Shanghai"),
        "LAWEXAM_TOWN_NAME": os.environ.get("LAWEXAM_TOWN_NAME", ""),
        "LAWEXAM_LOCKOUT_ACCOUNT_FAILURES": int(os.environ.get("LAWEXAM_LOCKOUT_ACCOUNT_FAILURES", "5")),
        "LAWEXAM_LOCKOUT_ADDRESS_FAILURES": int(os.environ.get("LAWEXAM_LOCKOUT_ADDRESS_FAILURES", "20")),
        "LAWEXAM_LOCKOUT_MINUTES": int(os.environ.get("LAWEXAM_LOCKOUT_MINUTES", "15")),
        "LAWEXAM_TRUSTED_PROXIES": int(os.environ.get("LAWEXAM_TRUSTED_PROXIES", "0")),
        "MAX_CONTENT_LENGTH": int(os.environ.get("LAWEXAM_MAX_UPLOAD_MB", "20")) * 1024 * 1024,
        "LAWEXAM_PAGE_SIZE": 30,
        "LAWEXAM_SAVE_GRACE_S": int(os.environ.get("LAWEXAM_SAVE_GRACE_S", "30")),
        "LAWEXAM_ATTEMPT_WRITES_PER_SECOND": int(os.environ.get("LAWEXAM_ATTEMPT_WRITES_PER_SECOND", "30")),
    }
    if overrides:
        config.update(overrides)
    if "SECRET_KEY" not in config:
        config["SECRET_KEY"] = load_secret_key(instance_path)
    return config
