"""Request-wide security: response headers, the audit origin of each request, audited
denials, and the check that keeps `next=` redirects on this site."""

from __future__ import annotations

from typing import Any, NoReturn
from urllib.parse import urlsplit

from flask import Flask, Response, abort, request
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from core.extensions import db
from models import audit
from models.db import remember

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'none'",
    ]
)


def init_app(app: Flask) -> None:
    if app.config["TRUSTED_PROXIES"]:
        n = app.config["TRUSTED_PROXIES"]
        # Flask documents wrapping wsgi_app in middleware; its type says it is a method.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    app.before_request(_set_origin)
    app.after_request(_headers)


def _set_origin() -> None:
    audit.current_origin.set(
        audit.Origin(ip=request.remote_addr, user_agent=request.headers.get("User-Agent"))
    )


def _headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.endpoint != "static" and current_user.is_authenticated:
        # Pages behind a login are the account's own: no shared or back-button caches.
        headers.setdefault("Cache-Control", "private, no-store")
    return response


def deny(status: int, **details: Any) -> NoReturn:
    """Aborts with `status` (403 or 404); the denial is written to the audit log by the one
    path that survives the request's rollback."""
    actor = current_user._get_current_object() if current_user.is_authenticated else None
    where: dict[str, Any] = {"path": request.path[:200], "method": request.method}
    remember(
        db.session,
        lambda s: audit.record(s, "access.denied", actor=actor, status=status, **where, **details),
    )
    abort(status)


def is_safe_next(target: str | None) -> bool:
    """Only a path on this site: no scheme, no host, no protocol-relative or backslash trick."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and "\\" not in target and "\n" not in target
