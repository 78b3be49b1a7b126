"""The staff side of readings: the review queue (clerks see readings waiting for review with
their reason, the register's history, the portal's consumption block and the photo, decide
each once with a note, and the customer who sent it is told by e-mail in their language if
they still have access to the company; a reading its sender replaced leaves the queue). The
distributor's import: tests/cli/test_supply.py and tests/backoffice/test_imports.py."""

from __future__ import annotations

import datetime as dt
import html
import io
import re

import pytest
import time_machine
from PIL import Image

from models.identity import Account, CustomerRole
from models.memberships import revoke_membership
from models.supply import (
    Reading,
    ReadingStatus,
    RegisterSpec,
    RegisterValue,
    install_meter,
    submit_reading,
)
from tests import factories
from tests.factories import read
from tests.helpers import mails_to, text_of

D = dt.date
QUEUE = "/backoffice/readings"


@pytest.fixture
def pending(session, people) -> Reading:
    """Anna's reading on Alfa's point, far above the 10 units a day of January."""
    point = factories.supply_point(session, people.alfa)
    read(session, point, D(2025, 1, 1), 1000, source="distributor")
    read(session, point, D(2025, 1, 31), 1300, who=people.anna)
    [reading] = read(session, point, D(2025, 2, 10), 1900, who=people.anna).readings
    assert reading.status == ReadingStatus.PENDING_REVIEW
    session.commit()
    return reading


def decide(client, reading, decision: str, note: str = ""):  # type: ignore[no-untyped-def]
    return client.post_form(f"{QUEUE}/{reading.id}/decision", {"decision": decision, "note": note})


def status_of(session, reading) -> str:
    session.expire_all()
    return session.get(Reading, reading.id).status


def test_the_queue_lists_pending_readings_with_their_reason(client, people, session, pending):
    accepted_point = factories.supply_point(session, people.beta)
    read(session, accepted_point, D(2025, 1, 1), 5, who=people.jan)
    session.commit()
    client.login(people.clerk.email)
    page = text_of(client.get(QUEUE))
    assert "1 reading waits for a decision" in page
    assert pending.supply_point.code in page and "Alfa Trade s.r.o." in page
    assert "Consumption of 600 kWh is above the expected range of 50 to 150 kWh." in page
    assert accepted_point.code not in page
    assert f'href="{QUEUE}/{pending.id}"' in page


def test_the_menu_offers_the_queue_only_to_staff_who_review_readings(client, people):
    client.login(people.clerk.email)
    assert "Readings to review" in text_of(client.get("/backoffice/companies"))
    client.post_form("/logout")
    client.login(people.agent.email)
    assert "Readings to review" not in text_of(client.get("/backoffice/companies"))
    assert client.get(QUEUE).status_code == 403


def test_the_review_page_shows_the_reason_the_history_the_chart_and_the_photo(
    client, people, session
):
    point = factories.supply_point(session, people.alfa)
    read(session, point, D(2025, 1, 1), 1000, source="distributor")
    read(session, point, D(2025, 1, 31), 1300, who=people.jan)
    photo = io.BytesIO()
    Image.new("RGB", (4, 4)).save(photo, format="JPEG")

    class Upload:
        data, filename, content_type = photo.getvalue(), "meter.jpg", "image/jpeg"

    meter = point.current_meter
    submission = submit_reading(
        session,
        actor=people.jan,
        point=point,
        meter=meter,
        reading_date=D(2025, 2, 10),
        values=[RegisterValue(meter.registers[0].id, "1310")],
        photo=Upload(),
    )
    reading = submission.readings[0]
    session.commit()
    client.login(people.clerk.email)
    page = client.get(f"{QUEUE}/{reading.id}").get_data(as_text=True)
    text = html.unescape(page)
    assert "Consumption of 10 kWh is below the expected range of 50 to 150 kWh." in text
    assert "<svg" in page and 'role="img"' in page and "style=" not in page
    assert "Latest readings of this register" in text and "1,300" in text
    assert f'src="{QUEUE}/{reading.id}/photo"' in page
    shown = client.get(f"{QUEUE}/{reading.id}/photo")
    assert shown.status_code == 200 and shown.mimetype == "image/jpeg"
    assert shown.headers["X-Content-Type-Options"] == "nosniff"


def test_the_review_page_shows_the_portals_consumption_block_without_the_pending_reading(
    client, other_client, people, session, pending
):
    point = pending.supply_point
    with time_machine.travel(dt.datetime(2025, 2, 15, 12, tzinfo=dt.UTC), tick=False):
        client.login(people.clerk.email)
        review = html.unescape(client.get(f"{QUEUE}/{pending.id}").get_data(as_text=True))
        other_client.login(people.anna.email)
        portal = other_client.get(f"/c/alfa-trade/supply-points/{point.code}")
        portal = html.unescape(portal.get_data(as_text=True))

    def block(page: str) -> str:
        start = page.index('<details class="chart-table">')
        return page[start : page.index("</details>", start)]

    assert block(review) == block(portal)
    assert "January 2025: 300 kWh" in review
    # The pending 600 counts nowhere yet.
    pending = r'February 2025</th><td class="number"[^>]*><span class="quiet">no readings'
    assert re.search(pending, review)


def test_the_register_history_names_the_meter_across_an_exchange(client, people, session):
    point = factories.supply_point(session, people.alfa)
    old = point.current_meter
    read(session, point, D(2025, 1, 1), 1000, source="distributor")
    read(session, point, D(2025, 1, 31), 1300, who=people.jan)
    install_meter(
        session,
        actor=None,
        point=point,
        serial_number="NEW-METER-1",
        installed_on=D(2025, 2, 1),
        registers=[RegisterSpec("T1", 6)],
    )
    read(session, point, D(2025, 2, 1), 0, source="distributor")
    read(session, point, D(2025, 3, 1), 280, source="distributor")
    read(session, point, D(2025, 3, 31), 300, source="distributor")
    [reading] = read(session, point, D(2025, 4, 10), 900, who=people.jan).readings
    assert reading.is_pending
    session.commit()
    client.login(people.clerk.email)
    page = text_of(client.get(f"{QUEUE}/{reading.id}"))
    history = page[page.index("Latest readings of this register") :]
    assert history.count('<td class="code" data-label="Meter">NEW-METER-1</td>') == 4
    assert history.count(f'<td class="code" data-label="Meter">{old.serial_number}</td>') == 2
    assert "this one" in history


def test_a_reading_its_sender_replaced_leaves_the_queue_and_cannot_be_decided(
    client, people, session, pending
):
    [newer] = read(session, pending.supply_point, D(2025, 2, 10), 1400, who=people.anna).readings
    session.commit()
    client.login(people.clerk.email)
    assert "Nothing to review. Every reading has been decided." in text_of(client.get(QUEUE))
    page = text_of(client.get(f"{QUEUE}/{pending.id}"))
    assert "The customer replaced this reading with a newer one" in page
    assert f'href="{QUEUE}/{newer.id}"' in page
    late = decide(client, pending, "accept")
    assert late.status_code == 422
    assert "The customer replaced this reading with a newer one" in text_of(late)
    assert status_of(session, pending) == ReadingStatus.SUPERSEDED
    assert mails_to(session, people.anna.email) == []


def test_a_clerk_accepts_a_reading_and_its_sender_is_told_by_email(
    client, people, session, pending
):
    client.login(people.clerk.email)
    done = decide(client, pending, "accept", "Confirmed by phone.")
    assert done.status_code == 302 and done.location.endswith(QUEUE)
    assert "The reading was accepted." in text_of(client.get(done.location))
    assert status_of(session, pending) == ReadingStatus.ACCEPTED
    [mail] = mails_to(session, people.anna.email)
    assert mail.subject == f"Your meter reading for {pending.supply_point.code} was accepted"
    assert "checked and accepted" in mail.body_text and "Confirmed by phone." in mail.body_text
    link = f"https://portal.example.test/c/alfa-trade/supply-points/{pending.supply_point.code}"
    assert link in mail.body_text and link in mail.body_html


def test_a_rejection_reaches_the_customer_on_the_page_and_by_email(
    client, other_client, people, session, pending
):
    client.login(people.clerk.email)
    decide(client, pending, "reject", "The photo shows 1,400 — please send it again.")
    assert status_of(session, pending) == ReadingStatus.REJECTED
    [mail] = mails_to(session, people.anna.email)
    assert mail.subject.endswith("was rejected")
    assert "The photo shows 1,400" in mail.body_text
    other_client.login(people.anna.email)
    page = text_of(other_client.get(f"/c/alfa-trade/supply-points/{pending.supply_point.code}"))
    assert "Rejected" in page and "The photo shows 1,400 — please send it again." in page


def test_the_email_is_written_in_the_senders_language(client, people, session, pending):
    session.get(Account, people.anna.id).locale = "sk"
    session.commit()
    client.login(people.clerk.email)
    decide(client, pending, "accept")
    [mail] = mails_to(session, people.anna.email)
    assert "10. 2. 2025" in mail.body_text  # the Slovak date format


def test_a_rejection_needs_a_note_next_to_the_note_field(client, people, session, pending):
    client.login(people.clerk.email)
    page = decide(client, pending, "reject", "   ")
    assert page.status_code == 422
    assert re.search(r'id="note-error">Write a note for the customer', text_of(page))
    assert status_of(session, pending) == ReadingStatus.PENDING_REVIEW
    assert mails_to(session, people.anna.email) == []


def test_a_reading_is_decided_once(client, other_client, people, session, pending):
    client.login(people.clerk.email)
    other_client.login(people.admin.email)
    assert decide(client, pending, "accept").status_code == 302
    late = decide(other_client, pending, "reject", "No")
    assert late.status_code == 422
    assert "This reading has already been decided." in text_of(late)
    assert status_of(session, pending) == ReadingStatus.ACCEPTED
    assert len(mails_to(session, people.anna.email)) == 1
    assert pending.id not in [r for r in re.findall(r"/readings/(\d+)", text_of(client.get(QUEUE)))]


def test_an_empty_decision_changes_nothing(client, people, session, pending):
    client.login(people.clerk.email)
    refused = client.post_form(f"{QUEUE}/{pending.id}/decision", {"decision": "approve-all"})
    assert refused.status_code == 302
    assert "Choose whether to accept or reject" in text_of(client.get(refused.location))
    assert status_of(session, pending) == ReadingStatus.PENDING_REVIEW


def test_a_sender_who_lost_access_to_the_company_is_not_told(client, people, session, pending):
    membership = factories.membership(session, people.anna, people.alfa)
    revoke_membership(session, actor=people.jan, membership=membership)
    session.commit()
    client.login(people.clerk.email)
    decide(client, pending, "accept")
    assert status_of(session, pending) == ReadingStatus.ACCEPTED
    assert mails_to(session, people.anna.email) == []


def test_a_reading_that_does_not_exist_is_not_found(client, people, session, pending):
    client.login(people.clerk.email)
    assert client.get(f"{QUEUE}/{pending.id + 1000}").status_code == 404
    assert (
        decide(client, type("Missing", (), {"id": pending.id + 1000}), "accept").status_code == 404
    )


def test_customers_cannot_reach_the_queue(client, people, pending):
    client.login(people.jan.email)
    assert client.get(QUEUE).status_code == 403
    assert decide(client, pending, "accept").status_code == 403
    assert client.get(f"{QUEUE}/{pending.id}/photo").status_code == 403


def test_a_viewer_member_gets_no_mail_for_a_reading_they_did_not_send(
    client, people, session, pending
):
    viewer = factories.account(session)
    factories.member(session, viewer, people.alfa, CustomerRole.VIEWER)
    session.commit()
    client.login(people.clerk.email)
    decide(client, pending, "accept")
    assert mails_to(session, viewer.email) == []
    assert len(mails_to(session, people.anna.email)) == 1
