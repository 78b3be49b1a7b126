"""One unit of work per request: a success commits once at the end, anything else rolls back,
a refusal's remembered writes are kept either way, and the e-mails a request queued go out
right after its commit. Probed through throw-away routes on an app of their own."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Blueprint, Flask
from sqlalchemy import Connection, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app import create_app
from core import unit_of_work
from core.extensions import db
from core.forms import refusals
from core.security import deny
from models import audit
from models.audit import AuditEvent
from models.db import remember
from models.errors import DomainError
from models.outbox import OutboxMessage, notify
from tests.conftest import PortalClient, app_config

ROOT = Path(__file__).resolve().parent.parent


def _probe(mode: str) -> tuple[str, int]:
    audit.record(db.session, "probe.write", mode=mode)
    if mode == "raise":
        raise RuntimeError("the view fails after writing")
    if mode == "refuse":
        with refusals(None):
            raise DomainError("refused")
        return "refused, answered 200", 200
    if mode == "deny":
        deny(403)
    if mode == "remember":
        remember(db.session, lambda s: audit.record(s, "probe.remembered"))
        return "refused", 422
    if mode == "mail":
        notify(db.session, to="probe@example.com", template="activation", name="P", token="t")
    return "done", 200


@pytest.fixture(scope="module")
def probe_app(database_url: str) -> Flask:
    app = create_app(
        app_config(
            database_url,
            WTF_CSRF_ENABLED=False,
            PROPAGATE_EXCEPTIONS=False,  # a failing view answers 500, as in production
        )
    )
    probes = Blueprint("probe", __name__)
    probes.add_url_rule("/probe/<mode>", view_func=_probe, methods=["GET", "POST"])
    app.register_blueprint(probes)
    app.test_client_class = PortalClient
    return app


@pytest.fixture
def probe(probe_app: Flask, connection: Connection) -> Iterator[PortalClient]:
    db.bind_to(probe_app, connection)
    yield probe_app.test_client()


def actions(session: Session) -> list[str]:
    session.expire_all()
    return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_a_successful_request_commits_what_the_view_did(probe, session):
    assert probe.post("/probe/ok").status_code == 200
    assert actions(session) == ["probe.write"]


@pytest.mark.parametrize("mode", ["raise", "refuse"])
def test_a_failing_or_refused_request_saves_nothing(probe, session, mode):
    response = probe.post(f"/probe/{mode}")
    assert response.status_code == (500 if mode == "raise" else 200)
    assert actions(session) == []


def test_a_denial_rolls_back_the_request_but_is_audited(probe, session):
    assert probe.post("/probe/deny").status_code == 403
    assert actions(session) == ["access.denied"]


def test_a_remembered_write_survives_the_rollback(probe, session):
    assert probe.post("/probe/remember").status_code == 422
    assert actions(session) == ["probe.remembered"]


def test_a_commit_that_fails_answers_503_with_the_usual_headers(probe, session, monkeypatch):
    def locked(*_args: object, **_kwargs: object) -> list[int]:
        raise OperationalError("COMMIT", {}, Exception("database is locked"))

    monkeypatch.setattr(unit_of_work, "end_unit_of_work", locked)
    response = probe.post("/probe/ok")
    assert response.status_code == 503
    assert "temporarily unavailable" in response.get_data(as_text=True)
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")


def test_an_email_is_delivered_right_after_its_commit(probe, session):
    response = probe.post("/probe/mail")
    response.close()  # the server closes every response; the test client leaves it to us
    session.expire_all()
    message = session.scalars(select(OutboxMessage)).one()
    assert message.sent_at is not None
    assert message.subject == "Your portal account"
    assert "https://portal.example.test/activate/t" in (message.body_text or "")


def test_a_rolled_back_request_sends_nothing(probe, session):
    probe.post("/probe/raise").close()
    session.expire_all()
    assert session.scalars(select(OutboxMessage)).all() == []


def _sources(*folders: str) -> list[Path]:
    return [p for folder in folders for p in (ROOT / folder).rglob("*.py")]


def test_views_never_commit():
    offenders = [
        str(p.relative_to(ROOT))
        for p in _sources("portal", "backoffice")
        if re.search(r"\.commit\(\)|\.rollback\(\)", p.read_text())
    ]
    assert offenders == []


def test_a_refused_rule_is_caught_in_one_place():
    """The refusal path in core/forms.py (and the error page); the command line's one place."""
    catching = sorted(
        str(p.relative_to(ROOT))
        for p in _sources("portal", "backoffice", "core", "cli")
        if re.search(r"except[^:\n]*\b(DomainError|LoginRefused)\b", p.read_text())
    )
    assert catching == ["cli/unit_of_work.py"]
