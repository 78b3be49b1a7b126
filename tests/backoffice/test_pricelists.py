"""Price-list management by an administrator: lists are created and edited, items added,
changed and removed, lists assigned to customer groups with a priority, PDFs attached.
Bad input answers 422 with the message next to its field and saves nothing; every change
is audited."""

from __future__ import annotations

import datetime as dt
import html
from decimal import Decimal
from io import BytesIO
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from models.audit import AuditEvent
from models.billing.tables import PriceList, PriceListAssignment, PriceListItem
from models.files import StoredFile
from tests import factories
from tests.helpers import count, field_error

NEW = "/backoffice/pricelists/new"
ONE_DAY = dt.timedelta(days=1)


def local_today() -> dt.date:
    """Today where the administrator is (the page decides by it)."""
    return dt.datetime.now(ZoneInfo("Europe/Bratislava")).date()


PDF_BYTES = b"%PDF-1.4\n1 0 obj<< /Type /Catalog >>endobj\ntrailer<< /Root 1 0 R >>\n%%EOF\n"


def actions(session, price_list: PriceList) -> list[str]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return list(
        session.scalars(
            select(AuditEvent.action)
            .where(
                AuditEvent.target_type == "price_lists", AuditEvent.target_id == str(price_list.id)
            )
            .order_by(AuditEvent.id)
        )
    )


def list_data(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "Business electricity 2027",
        "commodity": "electricity",
        "valid_from": "2027-01-01",
        "valid_to": "2027-12-31",
        "currency": "EUR",
        "note": "Prices without VAT.",
        "company": "",
    }
    data.update(changes)
    return data


def item_data(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "code": "ee-ht",
        "name": "Electricity, high tariff",
        "unit": "kWh",
        "unit_price": "0.1650",
        "vat_rate": "23",
    }
    data.update(changes)
    return data


@pytest.fixture
def admin(client, people):
    client.login(people.admin.email)
    return people.admin


@pytest.fixture
def price_list(session, people):
    made = factories.price_list(session, "Business electricity", items={"ee-lt": "0.1120"})
    session.commit()
    return made


def test_an_administrator_creates_a_group_price_list(client, admin, session):
    response = client.post_form(NEW, list_data())
    assert response.status_code == 302
    session.expire_all()
    created = session.scalars(select(PriceList)).one()
    assert urlsplit(response.location).path == f"/backoffice/pricelists/{created.id}"
    assert (created.name, created.commodity, created.company_id) == (
        "Business electricity 2027",
        "electricity",
        None,
    )
    assert (created.valid_from, created.valid_to) == (dt.date(2027, 1, 1), dt.date(2027, 12, 31))
    assert actions(session, created) == ["price_list.created"]
    page = client.get(response.location).get_data(as_text=True)
    assert "Business electricity 2027" in page and "no customer gets these prices" in page


def test_an_individual_list_is_created_for_the_company_with_that_number(
    client, admin, session, people
):
    response = client.post_form(NEW, list_data(company=people.alfa.company_number))
    assert response.status_code == 302
    session.expire_all()
    assert session.scalars(select(PriceList)).one().company_id == people.alfa.id
    unknown = client.post_form(NEW, list_data(company="99999999"))
    assert unknown.status_code == 422
    assert field_error(unknown, "company") == "No company has this company ID or customer number."
    assert count(session, PriceList) == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"valid_from": "2027-02-01", "valid_to": "2027-01-31"},
            "valid_to",
            "The end date is before the start date.",
        ),
        ({"name": "  "}, "name", "This field is required."),
        ({"commodity": "steam"}, "commodity", "Not a valid choice."),
        ({"valid_from": "31.12.2027"}, "valid_from", "Not a valid date value."),
    ],
)
def test_a_price_list_with_bad_input_is_refused_next_to_the_field(
    client, admin, session, changes, field, message
):
    response = client.post_form(NEW, list_data(**changes))
    assert response.status_code == 422
    assert field_error(response, field) == message
    assert count(session, PriceList) == 0
    audited = select(AuditEvent).where(AuditEvent.action.like("price_list.%"))
    assert session.scalars(audited).all() == []


def test_editing_a_list_saves_and_audits_and_refuses_an_end_before_the_start(
    client, admin, session, price_list
):
    url = f"/backoffice/pricelists/{price_list.id}/edit"
    form = client.get(url).get_data(as_text=True)
    assert 'value="Business electricity"' in form and 'value="2026-01-01"' in form
    refused = client.post_form(url, list_data(valid_from="2026-01-01", valid_to="2025-12-31"))
    assert refused.status_code == 422
    assert field_error(refused, "valid_to") == "The end date is before the start date."
    session.expire_all()
    assert session.get(PriceList, price_list.id).valid_to is None
    saved = client.post_form(url, list_data(name="Renamed", valid_from="2026-01-01"))
    assert saved.status_code == 302
    session.expire_all()
    changed = session.get(PriceList, price_list.id)
    assert (changed.name, changed.valid_to, changed.note) == (
        "Renamed",
        dt.date(2027, 12, 31),
        "Prices without VAT.",
    )
    assert actions(session, price_list)[-1] == "price_list.updated"


def test_items_are_added_changed_and_removed(client, admin, session, price_list):
    url = f"/backoffice/pricelists/{price_list.id}/items"
    assert client.post_form(url, item_data(unit_price="0,1650")).status_code == 302
    assert client.post_form(url, item_data(code="EE-HT", unit_price="0.1700")).status_code == 302
    session.expire_all()
    items = {i.code: i for i in session.get(PriceList, price_list.id).items}
    assert items["ee-ht"].unit_price == Decimal("0.1700") and len(items) == 2
    removed = client.post_form(
        f"/backoffice/pricelists/{price_list.id}/items/{items['ee-lt'].id}/remove"
    )
    assert removed.status_code == 302
    session.expire_all()
    assert [i.code for i in session.get(PriceList, price_list.id).items] == ["ee-ht"]
    assert actions(session, price_list)[-3:] == [
        "price_list.item_set",
        "price_list.item_set",
        "price_list.item_removed",
    ]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"unit_price": "-0.10"}, "unit_price", "The price cannot be negative."),
        ({"unit_price": "abc"}, "unit_price", "Enter a number, for example 0.1650."),
        ({"unit_price": "Infinity"}, "unit_price", "Enter a number, for example 0.1650."),
        (
            {"unit_price": "0.12345"},
            "unit_price",
            "The price can have at most four decimal places.",
        ),
        ({"unit_price": ""}, "unit_price", "This field is required."),
        ({"vat_rate": "123"}, "vat_rate", "The VAT rate must be between 0 and 100."),
        ({"code": ""}, "code", "This field is required."),
    ],
)
def test_an_item_with_bad_input_is_refused_next_to_the_field(
    client, admin, session, price_list, changes, field, message
):
    before = count(session, AuditEvent)
    response = client.post_form(
        f"/backoffice/pricelists/{price_list.id}/items", item_data(**changes)
    )
    assert response.status_code == 422
    assert field_error(response, field) == message
    session.expire_all()
    assert [i.code for i in session.get(PriceList, price_list.id).items] == ["ee-lt"]
    assert count(session, AuditEvent) == before


def test_a_list_is_assigned_to_groups_its_priority_changed_and_the_group_removed(
    client, admin, session, people, price_list
):
    url = f"/backoffice/pricelists/{price_list.id}/groups"
    group = people.business.id
    assert client.post_form(url, {"group": group, "priority": "10"}).status_code == 302
    assert client.post_form(url, {"group": group, "priority": "25"}).status_code == 302
    session.expire_all()
    (assignment,) = session.get(PriceList, price_list.id).assignments
    assert (assignment.customer_group_id, assignment.priority) == (group, 25)
    page = client.get(f"/backoffice/pricelists/{price_list.id}").get_data(as_text=True)
    assert f'id="priority-{group}" value="25"' in page
    removed = client.post_form(f"/backoffice/pricelists/{price_list.id}/groups/{group}/remove")
    assert removed.status_code == 302
    assert count(session, PriceListAssignment) == 0
    assert actions(session, price_list)[-3:] == [
        "price_list.assigned",
        "price_list.assigned",
        "price_list.unassigned",
    ]
    session.expire_all()
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "price_list.assigned").order_by(AuditEvent.id)
    ).all()
    assert events[-1].detail_map == {"group": "Business", "priority": 25, "before": 10}


@pytest.mark.parametrize(
    ("priority", "message"),
    [
        ("1.5", "Enter a whole number, for example 10."),
        ("ten", "Enter a whole number, for example 10."),
        ("-3", "The priority must be a whole number from 0 to 10000."),
        ("10001", "The priority must be a whole number from 0 to 10000."),
        ("", "This field is required."),
    ],
)
def test_a_priority_that_is_not_a_whole_number_in_range_is_refused(
    client, admin, session, people, price_list, priority, message
):
    response = client.post_form(
        f"/backoffice/pricelists/{price_list.id}/groups",
        {"group": people.business.id, "priority": priority},
    )
    assert response.status_code == 422
    assert field_error(response, "priority") == message
    assert count(session, PriceListAssignment) == 0


def test_an_individual_list_cannot_be_assigned_to_a_group(client, admin, session, people):
    own = factories.price_list(session, company=people.alfa)
    session.commit()
    response = client.post_form(
        f"/backoffice/pricelists/{own.id}/groups", {"group": people.business.id, "priority": "5"}
    )
    assert response.status_code == 422
    assert count(session, PriceListAssignment) == 0


def test_a_pdf_is_attached_replaced_and_removed(client, admin, session, price_list):
    url = f"/backoffice/pricelists/{price_list.id}/file"
    sent = client.post_form(url, {"file": (BytesIO(PDF_BYTES), "Cenník 2026.pdf")})
    assert sent.status_code == 302
    session.expire_all()
    stored = session.get(PriceList, price_list.id).file
    assert (stored.filename, stored.content_type, stored.company_id) == (
        "Cenník 2026.pdf",
        "application/pdf",
        None,
    )
    download = client.get(f"/backoffice/pricelists/{price_list.id}/pdf")
    assert download.data == PDF_BYTES
    replaced = client.post_form(url, {"file": (BytesIO(PDF_BYTES + b"\n"), "new.pdf")})
    assert replaced.status_code == 302
    assert count(session, StoredFile) == 1
    removed = client.post_form(f"/backoffice/pricelists/{price_list.id}/file/remove")
    assert removed.status_code == 302
    assert count(session, StoredFile) == 0
    assert actions(session, price_list)[-3:] == [
        "price_list.file_attached",
        "price_list.file_attached",
        "price_list.file_removed",
    ]


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            (b"<html><script>alert(1)</script></html>", "prices.pdf"),
            "This type of file is not accepted here.",
        ),
        ((b"", "empty.pdf"), "The file is empty."),
        (None, "Choose a PDF file."),
    ],
)
def test_a_file_that_is_not_a_pdf_by_its_bytes_is_refused(
    client, admin, session, price_list, upload, message
):
    data = {} if upload is None else {"file": (BytesIO(upload[0]), upload[1])}
    response = client.post_form(f"/backoffice/pricelists/{price_list.id}/file", data)
    assert response.status_code == 422
    assert field_error(response, "file") == message
    assert count(session, StoredFile) == 0
    session.expire_all()
    assert session.get(PriceList, price_list.id).file_id is None


def test_the_list_of_price_lists_shows_validity_groups_and_individual_owners(
    client, admin, session, people
):
    factories.price_list(
        session, "Business electricity", items={"a": "1"}, groups=((people.business, 10),)
    )
    factories.price_list(session, "Alfa's own", company=people.alfa)
    factories.price_list(
        session, "Old one", valid_to=dt.date(2000, 1, 31), valid_from=dt.date(2000, 1, 1)
    )
    session.commit()
    page = html.unescape(client.get("/backoffice/pricelists").get_data(as_text=True))
    assert "Business (priority 10)" in page
    assert "Alfa Trade s.r.o." in page and "Alfa's own" in page
    assert "Old one" not in page
    expired = html.unescape(
        client.get("/backoffice/pricelists?show=expired").get_data(as_text=True)
    )
    assert "Old one" in expired and "Alfa's own" not in expired


def test_staff_without_the_permission_cannot_manage_price_lists(
    client, people, session, price_list
):
    client.login(people.clerk.email)
    assert client.get("/backoffice/pricelists").status_code == 403
    response = client.post_form(
        f"/backoffice/pricelists/{price_list.id}/items", item_data(unit_price="0.0001")
    )
    assert response.status_code == 403
    session.expire_all()
    assert count(session, PriceListItem) == 1


# A list in force is a record customers relied on ------------------------------------------


@pytest.fixture
def in_force(session, people):
    """Business electricity, valid since last month for the Business group, made last month."""
    today = local_today()
    made = factories.price_list(
        session,
        "Business electricity",
        valid_from=today - dt.timedelta(days=30),
        items={"ht": "0.1650", "lt": "0.1120"},
        groups=((people.business, 10),),
    )
    made.created_at = made.created_at - dt.timedelta(days=30)
    session.commit()
    return made


def prices_of(session, price_list) -> dict[str, Decimal]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return {i.code: i.unit_price for i in session.get(PriceList, price_list.id).items}


def test_a_price_of_a_list_in_force_cannot_be_corrected_and_the_attempt_is_audited(
    client, admin, session, in_force
):
    url = f"/backoffice/pricelists/{in_force.id}/items"
    response = client.post_form(url, item_data(code="ht", unit_price="0.0100"))
    assert response.status_code == 422
    assert "Make a new version from the day the new prices apply" in html.unescape(
        response.get_data(as_text=True)
    )
    assert prices_of(session, in_force) == {"ht": Decimal("0.1650"), "lt": Decimal("0.1120")}
    assert actions(session, in_force)[-1] == "price_list.change_refused"


def test_an_item_of_a_list_in_force_cannot_be_removed(client, admin, session, in_force):
    item = next(i for i in in_force.items if i.code == "lt")
    client.post_form(f"/backoffice/pricelists/{in_force.id}/items/{item.id}/remove")
    assert set(prices_of(session, in_force)) == {"ht", "lt"}
    assert actions(session, in_force)[-1] == "price_list.change_refused"


def test_a_list_in_force_keeps_its_start_but_may_end_from_today(client, admin, session, in_force):
    url = f"/backoffice/pricelists/{in_force.id}/edit"
    today = local_today()
    data = list_data(name="Business electricity", valid_to="", company=None)
    moved = client.post_form(url, {**data, "valid_from": str(today)})
    assert moved.status_code == 422
    past = client.post_form(
        url, {**data, "valid_from": str(in_force.valid_from), "valid_to": str(today - ONE_DAY)}
    )
    assert field_error(past, "valid_to") == "A price list in force can end today at the earliest."
    ended = client.post_form(
        url, {**data, "valid_from": str(in_force.valid_from), "valid_to": str(today)}
    )
    assert ended.status_code == 302
    session.expire_all()
    assert session.get(PriceList, in_force.id).valid_to == today


def test_new_prices_come_as_a_new_version_from_a_date(client, admin, session, people, in_force):
    start = local_today() + dt.timedelta(days=10)
    response = client.post_form(
        f"/backoffice/pricelists/{in_force.id}/versions", {"valid_from": str(start)}
    )
    assert response.status_code == 302
    session.expire_all()
    version = session.scalars(
        select(PriceList).where(PriceList.valid_from == start, PriceList.name == in_force.name)
    ).one()
    assert urlsplit(response.location).path == f"/backoffice/pricelists/{version.id}"
    assert session.get(PriceList, in_force.id).valid_to == start - ONE_DAY
    assert prices_of(session, version) == prices_of(session, in_force)
    assert [a.customer_group_id for a in version.assignments] == [people.business.id]
    changed = client.post_form(
        f"/backoffice/pricelists/{version.id}/items", item_data(code="ht", unit_price="0.1790")
    )
    assert changed.status_code == 302
    assert prices_of(session, version)["ht"] == Decimal("0.1790")
    assert prices_of(session, in_force)["ht"] == Decimal("0.1650")


def test_a_new_version_starts_tomorrow_at_the_earliest(client, admin, session, in_force):
    response = client.post_form(
        f"/backoffice/pricelists/{in_force.id}/versions", {"valid_from": str(local_today())}
    )
    assert field_error(response, "valid_from") == "A new version starts tomorrow at the earliest."
    assert count(session, PriceList) == 1
