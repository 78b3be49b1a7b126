"""Requests in the back office: the queues and their counts, a clerk sees the requests of
their teams only (another team's is 403, audited), replies, notes, assignment and changes of
status, priority and SLA through the pages, and the customer's company beside the request."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from models.audit import AuditEvent
from models.db import as_of
from models.identity import StaffRole
from models.tickets import EventKind, Priority, Ticket, TicketStatus, sweep_clocks
from tests import factories
from tests.factories import desk, supply_point, ticket
from tests.helpers import field_error, text_of


def test_a_clerk_sees_the_requests_of_their_teams_only(client, people, session):
    office = desk(session, people)
    point = supply_point(session, people.alfa)
    ours = ticket(session, people, office.question, subject="For customer care")
    theirs = ticket(
        session, people, office.fault, subject="For field service", supply_point=point.code
    )
    session.commit()
    client.login(people.clerk.email)  # customer care
    listed = text_of(client.get("/backoffice/requests?queue=teams"))
    assert "For customer care" in listed and "For field service" not in listed
    assert "For field service" not in text_of(client.get("/backoffice/requests?queue=all"))
    assert client.get(f"/backoffice/requests/{ours.id}").status_code == 200
    assert client.get(f"/backoffice/requests/{theirs.id}").status_code == 403
    reply = client.post_form(f"/backoffice/requests/{theirs.id}/reply", {"body": "Hi"})
    assert reply.status_code == 403
    session.refresh(theirs)
    assert [e.kind for e in theirs.events if e.kind == EventKind.REPLY] == []
    denied = session.scalars(select(AuditEvent).where(AuditEvent.action == "access.denied")).all()
    assert any(e.detail_map.get("ticket") == theirs.id for e in denied)
    # The company page shows only what the clerk works on.
    company = text_of(client.get(f"/backoffice/companies/{people.alfa.id}"))
    assert "For customer care" in company and "For field service" not in company


def test_the_call_center_sees_every_request(client, people, session):
    office = desk(session, people)
    point = supply_point(session, people.alfa)
    theirs = ticket(
        session, people, office.fault, subject="For field service", supply_point=point.code
    )
    session.commit()
    client.login(people.agent.email)
    assert "For field service" in text_of(client.get("/backoffice/requests"))
    assert client.get(f"/backoffice/requests/{theirs.id}").status_code == 200


def test_a_reply_goes_to_the_customer_and_a_note_stays_internal(client, people, session):
    office = desk(session, people)
    filed = ticket(session, people, office.question)
    session.commit()
    client.login(people.clerk.email)
    url = f"/backoffice/requests/{filed.id}"
    empty = client.post_form(f"{url}/reply", {"body": "  ", "then": ""})
    assert empty.status_code == 422 and field_error(empty, "body")
    assert (
        client.post_form(f"{url}/note", {"note-body": "Check the meter history"}).status_code == 302
    )
    answered = client.post_form(f"{url}/reply", {"body": "Please send a photo.", "then": "waiting"})
    assert answered.status_code == 302
    session.refresh(filed)
    assert filed.status == TicketStatus.WAITING and filed.first_responded_at is not None
    page = text_of(client.get(url))
    assert "Check the meter history" in page and "internal" in page
    assert "Please send a photo." in page


def test_assignment_status_priority_and_sla_through_the_page(client, people, session):
    office = desk(session, people)
    filed = ticket(session, people, office.question)
    relaxed = factories.define_sla_policy(
        session,
        actor=None,
        name="Relaxed",
        calendar=office.policy.calendar,
        targets=factories.BUSINESS_TARGETS,
    )
    session.commit()
    client.login(people.admin.email)
    url = f"/backoffice/requests/{filed.id}"
    foreign = client.post_form(
        f"{url}/assign", {"team": str(people.care.id), "assignee": str(office.technician.id)}
    )
    assert foreign.status_code == 422 and field_error(foreign, "assignee")
    moved = client.post_form(
        f"{url}/assign",
        {"team": str(office.field_service.id), "assignee": str(office.technician.id)},
    )
    assert moved.status_code == 302
    assert client.post_form(f"{url}/priority", {"priority": "urgent"}).status_code == 302
    assert client.post_form(f"{url}/sla", {"policy": str(relaxed.id)}).status_code == 302
    assert client.post_form(f"{url}/status", {"status": "resolved"}).status_code == 302
    assert client.post_form(f"{url}/status", {"status": "new"}).status_code == 422
    session.refresh(filed)
    assert (filed.team, filed.assignee, filed.priority, filed.sla_policy, filed.status) == (
        office.field_service,
        office.technician,
        Priority.URGENT,
        relaxed,
        TicketStatus.RESOLVED,
    )
    kinds = [e.kind for e in filed.events]
    for kind in (EventKind.TEAM, EventKind.ASSIGNMENT, EventKind.PRIORITY, EventKind.SLA):
        assert kind in kinds


def test_the_queues_count_at_risk_and_breached_requests(client, people, session):
    office = desk(session, people)
    office.question.default_priority = Priority.URGENT  # an hour to the first response
    now = dt.datetime.now(dt.UTC)
    with as_of(now - dt.timedelta(days=10)):
        late = ticket(session, people, office.question, subject="Late one")
    ticket(session, people, office.question, subject="Fresh one")
    sweep_clocks(session, now)
    session.commit()
    client.login(people.admin.email)
    breached = text_of(client.get("/backoffice/requests?queue=breached"))
    assert "Late one" in breached and "Fresh one" not in breached
    overview = text_of(client.get("/backoffice/requests/overview"))
    assert "Customer care" in overview
    page = text_of(client.get(f"/backoffice/requests/{late.id}"))
    assert "The first-response time was exceeded." in page and "Breached" in page


def test_a_customer_and_an_auditor_get_no_queue(client, other_client, people, session):
    auditor = factories.account(session, staff_role=StaffRole.AUDITOR)
    session.commit()
    client.login(people.jan.email)
    assert client.get("/backoffice/requests").status_code == 403
    other_client.login(auditor.email)
    assert other_client.get("/backoffice/requests").status_code == 403


def test_the_queue_finds_a_request_by_number_and_company(client, people, session):
    office = desk(session, people)
    filed = ticket(session, people, office.question, subject="Needle")
    ticket(session, people, office.question, subject="Haystack", where=people.beta)
    session.commit()
    client.login(people.admin.email)
    by_number = text_of(client.get(f"/backoffice/requests?queue=all&q=%23{filed.id}"))
    assert "Needle" in by_number and "Haystack" not in by_number
    by_company = text_of(client.get("/backoffice/requests?queue=all&q=Beta"))
    assert "Haystack" in by_company and "Needle" not in by_company
    assert session.scalars(select(Ticket)).all()
