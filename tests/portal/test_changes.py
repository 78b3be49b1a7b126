"""Account information and change requests through the pages: the data is shown read-only,
a change is a request that leaves the data as it is, every mistake shows next to its field
and files nothing, the form defines the accepted fields (anything else posted is ignored),
the customer follows and withdraws their requests, and a request of another company is 404."""

from __future__ import annotations

import io

from sqlalchemy import select

from models.changes import ChangeRequest, ChangeStatus
from models.identity import CustomerRole
from tests import factories
from tests.helpers import count, field_error, text_of

ALFA_ADDRESS = "Obchodná 12\n811 06 Bratislava\nSlovakia"


def form_of(session, company, **changes):
    """What the change form posts when nothing is edited, with `changes` on top."""
    company.billing_address = ALFA_ADDRESS
    session.flush()
    data = {
        "legal_name": company.legal_name,
        "company_number": company.company_number or "",
        "vat_id": company.vat_id or "",
        "billing_address__street": "Obchodná 12",
        "billing_address__postcode": "811 06",
        "billing_address__town": "Bratislava",
        "postal_address__street": "",
        "postal_address__postcode": "",
        "postal_address__town": "",
        "contact_email": company.contact_email or "",
        "contact_phone": company.contact_phone or "",
        "bank_account": company.bank_account or "",
        "contact_person": company.contact_person or "",
        "note": "",
        "effective_on": "",
    }
    data.update(changes)
    return data


def test_the_account_page_shows_the_data_read_only_with_a_way_to_ask_for_a_change(client, people):
    client.login(people.jan.email)
    page = client.get(f"/c/{people.alfa.slug}/account")
    assert page.status_code == 200
    text = text_of(page)
    assert "Alfa Trade s.r.o." in text and "35757442" in text and "Request a change" in text
    assert "<input" not in page.get_data(as_text=True).split("Company data")[1].split("</dl>")[0]


def test_the_form_starts_with_the_current_data_split_into_address_parts(client, people, session):
    people.alfa.billing_address = ALFA_ADDRESS
    session.flush()
    client.login(people.jan.email)
    page = client.get(f"/c/{people.alfa.slug}/account/change").get_data(as_text=True)
    assert 'value="811 06"' in page and 'value="Bratislava"' in page
    assert "Obchodná 12</textarea>" in page
    assert 'name="legal_name"' in page  # an owner may change the name


def test_filing_a_change_leaves_the_data_until_it_is_verified(client, people, session):
    client.login(people.jan.email)
    sent = client.post_form(
        f"/c/{people.alfa.slug}/account/change",
        form_of(
            session,
            people.alfa,
            billing_address__street="Nová 5",
            billing_address__postcode="81101",
            note="We moved.",
        ),
    )
    assert sent.status_code == 302, field_error(sent, "billing_address__postcode")
    change = session.scalars(select(ChangeRequest)).one()
    session.refresh(people.alfa)
    assert people.alfa.billing_address == ALFA_ADDRESS
    assert [(f.field, f.new_value) for f in change.fields] == [
        ("billing_address", "Nová 5\n811 01 Bratislava\nSlovakia")
    ]
    detail = text_of(client.get(sent.location))
    assert "Pending" in detail and "We moved." in detail and "Nová 5" in detail
    overview = text_of(client.get(f"/c/{people.alfa.slug}/"))
    assert "changes pending: 1" in overview


def test_every_mistake_shows_next_to_its_field_and_nothing_is_filed(client, people, session):
    client.login(people.jan.email)
    sent = client.post_form(
        f"/c/{people.alfa.slug}/account/change",
        form_of(
            session,
            people.alfa,
            bank_account="SK32 1200 0000 1987 4263 7541",
            vat_id="SK2021531521",
            contact_email="billing@",
            billing_address__postcode="8110",
            postal_address__town="Trnava",
        ),
    )
    assert sent.status_code == 422
    assert "IBAN is not valid" in field_error(sent, "bank_account")
    assert "not a valid VAT ID" in field_error(sent, "vat_id")
    assert "e-mail" in field_error(sent, "contact_email")
    assert "811 06" in field_error(sent, "billing_address__postcode")
    assert field_error(sent, "postal_address__street") == "Fill this in."
    assert count(session, ChangeRequest) == 0


def test_an_unchanged_form_is_refused_with_a_message(client, people, session):
    client.login(people.jan.email)
    sent = client.post_form(f"/c/{people.alfa.slug}/account/change", form_of(session, people.alfa))
    assert sent.status_code == 422
    assert "Nothing differs" in text_of(sent)
    assert count(session, ChangeRequest) == 0


def test_posted_fields_beyond_the_form_are_ignored(client, people, session):
    """Mass assignment: status, company, role or a field the role may not change are never
    read: the accountant's form has no legal name."""
    client.login(people.eva.email)  # accountant of Beta
    people.beta.billing_address = ALFA_ADDRESS
    session.flush()
    data = form_of(session, people.beta, contact_person="Eva Horváthová")
    data.update(
        legal_name="Taken Over s.r.o.",
        status="approved",
        company_id=str(people.alfa.id),
        role="owner",
        customer_group_id="1",
    )
    sent = client.post_form(f"/c/{people.beta.slug}/account/change", data)
    assert sent.status_code == 302
    change = session.scalars(select(ChangeRequest)).one()
    assert change.company_id == people.beta.id and change.status == ChangeStatus.PENDING
    assert [f.field for f in change.fields] == ["contact_person"]
    page = client.get(f"/c/{people.beta.slug}/account/change").get_data(as_text=True)
    assert 'name="legal_name"' not in page and 'name="bank_account"' in page


def test_a_role_without_the_permission_cannot_file(client, people, session):
    viewer = factories.account(session)
    factories.member(session, viewer, people.alfa, CustomerRole.VIEWER)
    client.login(viewer.email)
    assert client.get(f"/c/{people.alfa.slug}/account").status_code == 200
    assert "Request a change" not in text_of(client.get(f"/c/{people.alfa.slug}/account"))
    assert client.get(f"/c/{people.alfa.slug}/account/change").status_code == 403
    sent = client.post_form(
        f"/c/{people.alfa.slug}/account/change", form_of(session, people.alfa, contact_person="X")
    )
    assert sent.status_code == 403 and count(session, ChangeRequest) == 0


def test_evidence_is_kept_by_its_bytes_and_served_to_the_company_only(client, people, session):
    client.login(people.jan.email)
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    data = form_of(session, people.alfa, contact_person="Ján Novák")
    data["evidence"] = (io.BytesIO(pdf), "výpis.exe")
    sent = client.post_form(
        f"/c/{people.alfa.slug}/account/change", data, content_type="multipart/form-data"
    )
    assert sent.status_code == 302
    change = session.scalars(select(ChangeRequest)).one()
    got = client.get(f"/c/{people.alfa.slug}/account/changes/{change.id}/evidence")
    assert got.data == pdf and got.headers["Content-Type"] == "application/pdf"
    assert (
        "attachment" in got.headers["Content-Disposition"]
        and ".pdf" in got.headers["Content-Disposition"]
    )
    assert (
        client.get(f"/c/{people.beta.slug}/account/changes/{change.id}/evidence").status_code == 404
    )

    data["evidence"] = (io.BytesIO(b"MZ\x90\x00 not a pdf"), "extract.pdf")
    refused = client.post_form(
        f"/c/{people.alfa.slug}/account/change", data, content_type="multipart/form-data"
    )
    assert refused.status_code == 422 and field_error(refused, "evidence")


def test_a_request_of_another_company_is_not_found(client, people, session):
    theirs = factories.change(session, people.beta, people.eva, contact_person="X")
    outsider = factories.account(session)
    factories.member(session, outsider, people.gamma)
    client.login(outsider.email)
    for path in (f"/c/{people.gamma.slug}/account/changes/{theirs.id}",):
        assert client.get(path).status_code == 404
    withdrawn = client.post_form(f"/c/{people.gamma.slug}/account/changes/{theirs.id}/withdraw")
    assert withdrawn.status_code == 404
    session.refresh(theirs)
    assert theirs.is_pending


def test_the_customer_withdraws_a_pending_request(client, people, session):
    mine = factories.change(session, people.alfa, people.jan, contact_person="X")
    client.login(people.anna.email)  # another login of the company: it is the company's
    done = client.post_form(f"/c/{people.alfa.slug}/account/changes/{mine.id}/withdraw")
    assert done.status_code == 302
    session.refresh(mine)
    assert mine.status == ChangeStatus.WITHDRAWN
    again = client.post_form(f"/c/{people.alfa.slug}/account/changes/{mine.id}/withdraw")
    assert "no longer pending" in text_of(client.get(again.location))


def test_a_supply_point_s_correspondence_address_is_requested_the_same_way(client, people, session):
    point = factories.supply_point(session, people.alfa)
    client.login(people.jan.email)
    url = f"/c/{people.alfa.slug}/supply-points/{point.code}/correspondence"
    page = client.get(url).get_data(as_text=True)
    assert 'name="correspondence_address__street"' in page and 'name="legal_name"' not in page
    sent = client.post_form(
        url,
        {
            "correspondence_address__street": "P.O. Box 12",
            "correspondence_address__postcode": "040 01",
            "correspondence_address__town": "Košice",
            "legal_name": "Ignored s.r.o.",
        },
    )
    assert sent.status_code == 302
    change = session.scalars(select(ChangeRequest)).one()
    assert change.supply_point_id == point.id
    assert [(f.field, f.new_value) for f in change.fields] == [
        ("correspondence_address", "P.O. Box 12\n040 01 Košice\nSlovakia")
    ]
    assert point.correspondence_address is None
