"""Configuration from environment variables with safe defaults (see the README's table)."""

from __future__ import annotations

import os
import secrets
from decimal import Decimal
from pathlib import Path
from typing import Any

from models.supply import DEFAULT_TOLERANCE


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


def secret_key(instance_path: Path) -> str:
    """SECRET_KEY from the environment, else one generated once into instance/ (mode 0600)."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = instance_path / "secret_key"
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def from_environment(instance_path: Path) -> dict[str, Any]:
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'portal.sqlite'}"
    # Heroku-style URLs name the old driver; we use psycopg 3.
    if database_url.startswith(("postgres://", "postgresql://")):
        database_url = "postgresql+psycopg://" + database_url.split("://", 1)[1]
    return {
        "SECRET_KEY": secret_key(instance_path),
        "DATABASE_URL": database_url,
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/"),
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", False),
        "SESSION_IDLE_MINUTES": _int("SESSION_IDLE_MINUTES", 30),
        "SESSION_LIFETIME_HOURS": _int("SESSION_LIFETIME_HOURS", 12),
        "TRUSTED_PROXIES": _int("TRUSTED_PROXIES", 0),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": _int("MAIL_PORT", 25),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", False),
        "MAIL_USE_SSL": _bool("MAIL_USE_SSL", False),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "portal@localhost"),
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        # ± share of the expected consumption a self-reading may differ by before review.
        "READING_TOLERANCE": Decimal(os.environ.get("READING_TOLERANCE", str(DEFAULT_TOLERANCE))),
        "DOCUMENT_LOCALE": os.environ.get("DOCUMENT_LOCALE", "en"),
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "30 per 10 minutes"),
    }


DEFAULTS: dict[str, Any] = {
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_NAME": "portal_session",
    # The cookie is signed again only when its content changes: the login session's row
    # keeps the idle and absolute timeouts, and the cookie expires with the absolute one.
    "SESSION_REFRESH_EACH_REQUEST": False,
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the login session
    "BABEL_TRANSLATION_DIRECTORIES": "translations",
    "PAGE_SIZE": 25,
    # The back office's lists over all companies count this many rows past the page shown,
    # then say "more than" (core.pagination.paginate).
    "COUNT_AHEAD": 10_000,
}
