"""Settings come from the environment; the secret key is generated once, never a constant."""
from __future__ import annotations

from lawexam.config import build_config, load_secret_key


def test_secret_key_is_generated_once_and_reused(tmp_path, monkeypatch):
    monkeypatch.delenv("LAWEXAM_SECRET_KEY", raising=False)
    first = load_secret_key(tmp_path)
    assert len(first) >= 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert load_secret_key(tmp_path) == first
    other = tmp_path / "other"
    assert load_secret_key(other) != first


def test_secret_key_from_the_environment_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("LAWEXAM_SECRET_KEY", "from-env")
    assert load_secret_key(tmp_path) == "from-env"
    assert not (tmp_path / "secret_key").exists()


def test_default_database_is_sqlite_in_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("LAWEXAM_DATABASE_URL", raising=False)
    config = build_config(tmp_path, {"SECRET_KEY": "x"})
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'lawexam.db'}"
    assert config["SESSION_COOKIE_SECURE"] is False and config["SESSION_COOKIE_HTTPONLY"] is True


def test_production_cookies_are_secure(tmp_path, monkeypatch):
    monkeypatch.setenv("LAWEXAM_ENV", "production")
    monkeypatch.setenv("LAWEXAM_DATABASE_URL", "postgresql+psycopg://db/lawexam")
    config = build_config(tmp_path, {"SECRET_KEY": "x"})
    assert config["SESSION_COOKIE_SECURE"] is True and config["REMEMBER_COOKIE_SECURE"] is True
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://db/lawexam"
