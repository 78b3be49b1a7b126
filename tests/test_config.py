"""Configuration: safe defaults, and a secret key that is never a constant in the code."""

from __future__ import annotations

import stat

from core.config import from_environment, secret_key


def test_a_secret_key_is_generated_once_into_the_instance_folder_readable_by_owner_only(
    tmp_path, monkeypatch
):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = secret_key(tmp_path / "instance")
    path = tmp_path / "instance" / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) == 64
    assert secret_key(tmp_path / "instance") == first
    assert secret_key(tmp_path / "other") != first


def test_the_environment_wins_and_postgres_urls_get_the_psycopg_driver(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.example/portal")
    config = from_environment(tmp_path)
    assert config["SECRET_KEY"] == "from-the-environment"
    assert config["DATABASE_URL"] == "postgresql+psycopg://u:p@db.example/portal"
    assert not (tmp_path / "secret_key").exists()


def test_the_defaults_are_the_embedded_database_and_safe_session_limits(tmp_path, monkeypatch):
    for name in ("DATABASE_URL", "SESSION_IDLE_MINUTES", "SESSION_LIFETIME_HOURS", "PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    config = from_environment(tmp_path)
    assert config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'portal.sqlite'}"
    assert (config["SESSION_IDLE_MINUTES"], config["SESSION_LIFETIME_HOURS"]) == (30, 12)
    assert config["PUBLIC_URL"] == "http://127.0.0.1:5000"
