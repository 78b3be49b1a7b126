"""Requests through the portal: filing from the type's form (every mistake next to its field,
nothing filed), the company's list and a request's page with its public timeline (never an
internal note), replies with attachments checked by their bytes, confirming, reopening and
rating, the badge, and the company scope (another company's request is 404)."""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import select

import core.tickets
from core.storage import Upload
from models.identity import CustomerRole
from models.tickets import (
    Ticket,
    TicketEvent,
    TicketStatus,
    add_note,
    assign,
    change_status,
    staff_reply,
)
from tests import factories
from tests.factories import desk, supply_point, ticket
from tests.helpers import count, field_error, mails_to, text_of

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return buffer.getvalue()


def file_fault(client, company, **data):
    form = {
        "subject": "No power",
        "description": "Since the morning.",
        "supply_point": "",
        "callback_phone": "",
        **data,
    }
    return client.post_form(f"/c/{company.slug}/requests/new/fault", form)


def test_filing_a_fault_report_routes_it_and_shows_its_page(client, people, session):
    office = desk(session, people)
    point = supply_point(session, people.alfa)
    session.commit()
    client.login(people.jan.email)
    page = client.get(f"/c/{people.alfa.slug}/requests/new/fault")
    assert page.status_code == 200 and point.code in text_of(page)
    response = file_fault(client, people.alfa, supply_point=point.code)
    assert response.status_code == 302
    filed = session.scalars(select(Ticket)).one()
    assert response.location.endswith(f"/c/{people.alfa.slug}/requests/{filed.id}")
    assert (filed.team, filed.supply_point, filed.requested_by) == (
        office.field_service,
        point,
        people.jan,
    )
    shown = text_of(client.get(response.location))
    assert "No power" in shown and "Since the morning." in shown
    assert "Field service" in shown and "First response by" in shown


def test_every_mistake_shows_next_to_its_field_and_nothing_is_filed(client, people, session):
    desk(session, people)
    foreign = supply_point(session, people.beta)
    session.commit()
    client.login(people.jan.email)
    response = file_fault(client, people.alfa, subject="", description="")
    assert response.status_code == 422
    for name in ("subject", "description", "supply_point"):
        assert field_error(response, name), name
    # A supply point of another company is no choice here.
    response = file_fault(client, people.alfa, supply_point=foreign.code)
    assert response.status_code == 422 and field_error(response, "supply_point")
    assert count(session, Ticket) == 0


def test_a_refused_attachment_files_nothing(client, people, session):
    desk(session, people)
    point = supply_point(session, people.alfa)
    session.commit()
    client.login(people.jan.email)
    response = file_fault(
        client,
        people.alfa,
        supply_point=point.code,
        files=(io.BytesIO(b"MZ\x90\x00 not a pdf"), "invoice.pdf"),
    )
    assert response.status_code == 422
    assert field_error(response, "files") == "This type of file is not accepted here."
    assert count(session, Ticket) == 0


def test_an_unknown_type_is_404(client, people, session):
    desk(session, people)
    session.commit()
    client.login(people.jan.email)
    assert client.get(f"/c/{people.alfa.slug}/requests/new/teleport").status_code == 404


def test_internal_notes_never_reach_the_portal(client, people, session):
    office = desk(session, people)
    filed = ticket(session, people, office.question)
    add_note(
        session,
        actor=people.clerk,
        ticket=filed,
        body="SECRET: the customer owes us",
        files=[Upload(data=PDF, filename="note.pdf", content_type="application/pdf")],
    )
    staff_reply(session, actor=people.clerk, ticket=filed, body="We are on it.")
    session.commit()
    client.login(people.jan.email)
    page = client.get(f"/c/{people.alfa.slug}/requests/{filed.id}").get_data(as_text=True)
    assert "We are on it." in page
    assert "SECRET" not in page and "note.pdf" not in page and "internal" not in page.lower()
    note_file = (
        session.scalars(select(TicketEvent).where(TicketEvent.body.like("SECRET%"))).one().files[0]
    )
    url = f"/c/{people.alfa.slug}/requests/{filed.id}/files/{note_file.id}"
    assert client.get(url).status_code == 404


def test_a_reply_with_attachments_takes_a_waiting_request_back(client, people, session):
    office = desk(session, people)
    filed = ticket(session, people, office.question)
    staff_reply(
        session,
        actor=people.clerk,
        ticket=filed,
        body="Please send a photo of the meter.",
        then=TicketStatus.WAITING,
    )
    session.commit()
    client.login(people.anna.email)  # anyone of the company with the permission
    url = f"/c/{people.alfa.slug}/requests/{filed.id}"
    assert "Waiting for your reply" in text_of(client.get(url))
    response = client.post_form(
        f"{url}/reply",
        {
            "body": "Here it is.",
            "files": [(io.BytesIO(png()), "meter.png"), (io.BytesIO(PDF), "contract.pdf")],
        },
    )
    assert response.status_code == 302
    session.refresh(filed)
    assert filed.status == TicketStatus.OPEN
    reply = next(e for e in filed.events if e.body == "Here it is.")
    assert sorted(f.filename for f in reply.files) == ["contract.pdf", "meter.png"]
    shown = client.get(url).get_data(as_text=True)
    for file in reply.files:
        download = client.get(f"{url}/files/{file.id}")
        assert download.status_code == 200
        assert download.headers["Content-Disposition"].startswith("attachment")
        assert download.headers["X-Content-Type-Options"] == "nosniff"
        assert f"/files/{file.id}" in shown


def test_a_closed_request_takes_no_reply_and_offers_a_follow_up(client, people, session):
    office = desk(session, people)
    filed = ticket(session, people, office.question)
    change_status(session, actor=people.clerk, ticket=filed, status=TicketStatus.CLOSED)
    session.commit()
    client.login(people.jan.email)
    url = f"/c/{people.alfa.slug}/requests/{filed.id}"
    response = client.post_form(f"{url}/reply", {"body": "One more thing"})
    assert response.status_code == 422
    assert "Open a new request" in field_error(response, "body")
    page = client.get(url).get_data(as_text=True)
    assert f"/requests/new?follows={filed.id}" in page
    follow_up = client.post_form(
        f"/c/{people.alfa.slug}/requests/new/question",
        {"subject": "Again", "description": "Still wrong", "follows": str(filed.id)},
    )
    assert follow_up.status_code == 302
    newest = session.scalars(select(Ticket).order_by(Ticket.id.desc())).first()
    assert newest.follows_id == filed.id


def test_the_customer_confirms_and_rates_a_resolution(client, people, session):
    office = desk(session, people)
    filed = ticket(session, people, office.question)
    staff_reply(session, actor=people.clerk, ticket=filed, body="Done.", then=TicketStatus.RESOLVED)
    session.commit()
    client.login(people.jan.email)
    url = f"/c/{people.alfa.slug}/requests/{filed.id}"
    assert "Is it done?" in text_of(client.get(url))
    assert client.post_form(f"{url}/confirm").status_code == 302
    session.refresh(filed)
    assert filed.status == TicketStatus.CLOSED
    refused = client.post_form(f"{url}/rating", {"satisfied": "", "comment": ""})
    assert refused.status_code == 422 and field_error(refused, "satisfied") is None
    assert (
        client.post_form(f"{url}/rating", {"satisfied": "no", "comment": "Slow"}).status_code == 302
    )
    session.refresh(filed)
    assert filed.satisfied is False and filed.rating_comment == "Slow"
    assert "not satisfied" in text_of(client.get(url))


def test_reopening_a_resolution_needs_a_reason(client, people, session):
    office = desk(session, people)
    filed = ticket(session, people, office.question)
    staff_reply(session, actor=people.clerk, ticket=filed, body="Done.", then=TicketStatus.RESOLVED)
    session.commit()
    client.login(people.jan.email)
    url = f"/c/{people.alfa.slug}/requests/{filed.id}"
    response = client.post_form(f"{url}/reopen", {"reopen-body": ""})
    assert response.status_code == 422 and field_error(response, "reopen-body")
    assert client.post_form(f"{url}/reopen", {"reopen-body": "Not fixed"}).status_code == 302
    session.refresh(filed)
    assert filed.status == TicketStatus.OPEN


def test_another_companys_request_is_404(client, people, session):
    office = desk(session, people)
    theirs = ticket(session, people, office.question, where=people.beta)
    session.commit()
    client.login(people.anna.email)  # Anna is of Alfa only
    assert client.get(f"/c/{people.alfa.slug}/requests/{theirs.id}").status_code == 404
    reply = client.post_form(f"/c/{people.alfa.slug}/requests/{theirs.id}/reply", {"body": "x"})
    assert reply.status_code == 404


def test_a_role_without_requests_sees_none(client, people, session):
    office = desk(session, people)
    ticket(session, people, office.question, where=people.beta)
    session.commit()
    client.login(people.eva.email)  # Beta's accountant
    assert client.get(f"/c/{people.beta.slug}/requests").status_code == 403


def test_the_list_filters_by_status_and_the_badge_counts_open_requests(client, people, session):
    office = desk(session, people)
    waiting = ticket(session, people, office.question, subject="Waiting one")
    staff_reply(session, actor=people.clerk, ticket=waiting, body="?", then=TicketStatus.WAITING)
    ticket(session, people, office.question, subject="New one")
    done = ticket(session, people, office.question, subject="Done one")
    staff_reply(session, actor=people.clerk, ticket=done, body="!", then=TicketStatus.RESOLVED)
    session.commit()
    client.login(people.jan.email)
    listed = text_of(client.get(f"/c/{people.alfa.slug}/requests"))
    assert "Waiting one" in listed and "New one" in listed and "Done one" not in listed
    resolved = text_of(client.get(f"/c/{people.alfa.slug}/requests?status=resolved"))
    assert "Done one" in resolved and "New one" not in resolved
    overview = text_of(client.get(f"/c/{people.alfa.slug}/"))
    assert "open requests: 2" in overview
    assert "2 open requests, 1 of them waiting for your reply" in overview


def test_a_viewer_sees_requests_but_cannot_reply(client, people, session):
    office = desk(session, people)
    filed = ticket(session, people, office.question)
    viewer = factories.account(session)
    factories.member(session, viewer, people.alfa, CustomerRole.VIEWER)
    session.commit()
    client.login(viewer.email)
    url = f"/c/{people.alfa.slug}/requests/{filed.id}"
    page = client.get(url)
    assert page.status_code == 200 and "Send the reply" not in text_of(page)
    assert client.post_form(f"{url}/reply", {"body": "x"}).status_code == 403


def test_an_attachment_over_the_limit_or_too_many_are_refused(client, people, session, monkeypatch):
    office = desk(session, people)
    filed = ticket(session, people, office.question)
    session.commit()
    monkeypatch.setattr(core.tickets, "ATTACHMENT_MAX_BYTES", 1024 * 1024)
    client.login(people.jan.email)
    url = f"/c/{people.alfa.slug}/requests/{filed.id}/reply"
    big = PDF + b"%" * (1024 * 1024)
    response = client.post_form(
        url, {"body": "See attached", "files": (io.BytesIO(big), "big.pdf")}
    )
    assert response.status_code == 422
    assert field_error(response, "files") == "The file is larger than 1 MB."
    many = [(io.BytesIO(PDF), f"{n}.pdf") for n in range(6)]
    response = client.post_form(url, {"body": "See attached", "files": many})
    assert response.status_code == 422 and "At most 5 files" in field_error(response, "files")
    session.refresh(filed)
    assert not [e for e in filed.events if e.body == "See attached"]
    # The text typed is still there to send again.
    assert "See attached</textarea>" in response.get_data(as_text=True)


def test_the_customer_and_the_assignee_get_e_mails_that_link_and_never_quote(
    people, session, bound_app
):
    office = desk(session, people)
    point = supply_point(session, people.alfa)
    filed = ticket(session, people, office.fault, supply_point=point.code)
    assign(
        session,
        actor=people.admin,
        ticket=filed,
        team=office.field_service,
        assignee=office.technician,
    )
    staff_reply(
        session,
        actor=office.technician,
        ticket=filed,
        body="SECRET-TEXT of the reply",
        then=TicketStatus.RESOLVED,
    )
    session.commit()
    to_jan = mails_to(session, people.jan.email)
    assert [m.subject for m in to_jan] == [
        f"We received your request #{filed.id}",
        f"A new reply to your request #{filed.id}",
    ]
    for mail in to_jan:
        assert f"/c/{people.alfa.slug}/requests/{filed.id}" in mail.body_text
        assert "SECRET-TEXT" not in mail.body_text + mail.body_html
    [to_technician] = mails_to(session, office.technician.email)
    assert to_technician.subject == f"Request #{filed.id} is assigned to you"
    assert f"/backoffice/requests/{filed.id}" in to_technician.body_text
