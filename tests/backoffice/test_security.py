"""The Security section: the audit log with who, when, from where (the device named, not the
raw user-agent string) and about what, filtered; the CSV export, itself audited and with no
cell a spreadsheet would run; only administrators and auditors; and `flask audit verify`
finding the first broken link of the chain."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from core.devices import device_name
from models import audit
from models.audit import AuditEvent, Origin, current_origin
from models.identity import StaffRole
from tests import factories
from tests.helpers import text_of

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"


def record(session, action, **kwargs):
    token = current_origin.set(Origin(ip="203.0.113.7", user_agent=FIREFOX))
    try:
        return audit.record(session, action, **kwargs)
    finally:
        current_origin.reset(token)


def log_of(response) -> str:
    """The page's list of events (not its filters' suggestions)."""
    page = text_of(response)
    return page.split('class="stack audit-log"')[1] if "audit-log" in page else page


def test_devices_are_named_as_people_say_them():
    assert device_name(FIREFOX) == "Firefox on Windows"
    iphone = (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
    )
    assert device_name(iphone) == "Mobile Safari on iOS (iPhone)"
    assert device_name("curl/8.5") == "curl"
    assert device_name("") == "an unknown device"


def test_the_log_shows_who_when_where_and_filters(client, people, session):
    record(session, "change.approved", actor=people.clerk, company_id=people.alfa.id)
    record(session, "login.failed", actor_label="mallory@example.com")
    session.commit()
    client.login(people.admin.email)
    page = log_of(client.get("/backoffice/security"))
    assert "change.approved" in page and "login.failed" in page
    assert "Firefox on Windows" in page and "203.0.113.7" in page and "Gecko/2010" not in page
    only_alfa = log_of(client.get("/backoffice/security?company=Alfa"))
    assert "change.approved" in only_alfa and "mallory" not in only_alfa
    by_actor = log_of(client.get("/backoffice/security?actor=mallory"))
    assert "login.failed" in by_actor and "change.approved" not in by_actor
    by_action = log_of(client.get("/backoffice/security?action=login"))
    assert "login.failed" in by_action and "change.approved" not in by_action
    future = log_of(client.get("/backoffice/security?since=2999-01-01"))
    assert "No events match." in future
    ignored = client.get("/backoffice/security?since=not-a-date&until=2026-13-45")
    assert ignored.status_code == 200 and "login.failed" in log_of(ignored)


def test_the_export_neutralises_formulas_and_is_audited(client, people, session):
    record(session, "login.failed", actor_label='=HYPERLINK("http://evil")@example.com')
    session.commit()
    client.login(people.admin.email)
    response = client.get("/backoffice/security/audit.csv?action=login.failed")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0][0] == "When (UTC)"
    [row] = rows[1:]
    assert row[1].startswith("'=HYPERLINK") and row[6] == "Firefox on Windows"
    [exported] = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "audit.exported")
    ).all()
    assert exported.actor_id == people.admin.id
    assert exported.detail_map == {"filters": {"action": "login.failed"}, "rows": 1}


def test_only_administrators_and_auditors_see_the_log(client, other_client, people, session):
    auditor = factories.account(session, staff_role=StaffRole.AUDITOR)
    session.commit()
    client.login(people.clerk.email)
    assert client.get("/backoffice/security").status_code == 403
    assert client.get("/backoffice/security/audit.csv").status_code == 403
    other_client.login(auditor.email)
    assert other_client.get("/backoffice/security").status_code == 200
