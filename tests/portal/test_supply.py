"""Supply points through the pages: the list and detail only through the company, contracts
and photos only through the scope, the self-reading form (its hints, every refusal next to
its field with nothing saved, one row however often it is sent), the consumption chart and
its table, the CSV export, and the "readings due" badge."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import html
import io
import re
import threading
from decimal import Decimal

import pytest
import time_machine
from PIL import Image
from sqlalchemy import delete, func, select

from models.audit import AuditEvent
from models.files import StoredFile, store_file
from models.identity import Account, Company, CustomerRole
from models.supply import (
    Reading,
    ReadingSource,
    ReadingStatus,
    ReadingSubmission,
    RegisterSpec,
    RegisterValue,
    add_contract,
    install_meter,
    review_reading,
    submit_reading,
)
from portal import supply as portal_supply
from tests import factories
from tests.factories import read
from tests.helpers import field_error, text_of

D = dt.date
JAN1, JAN31 = D(2025, 1, 1), D(2025, 1, 31)
KEY = re.compile(r'name="idempotency_key" type="hidden" value="([^"]+)"')
REGISTER = re.compile(r'name="registers-(\d+)-register_id" type="hidden" value="(\d+)"')


@pytest.fixture
def office(session, people):
    """Alfa's two-tariff point (HT, NT with one decimal), 10 + 5 units a day in January."""
    point = factories.supply_point(session, people.alfa, registers=("HT", "NT"), decimals=1)
    read(session, point, JAN1, 1000, 500, source="distributor")
    read(session, point, JAN31, 1300, 650, who=people.jan)
    session.commit()
    return point


def url(point, suffix: str = "") -> str:
    return f"/c/{point.company.slug}/supply-points/{point.code}{suffix}"


def form_of(client, point) -> dict[str, str]:
    """The reading form as the page renders it: its key and the registers' ids."""
    page = client.get(url(point, "/readings/new"))
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    data = {"idempotency_key": KEY.search(body).group(1)}
    for index, register_id in REGISTER.findall(body):
        data[f"registers-{index}-register_id"] = register_id
    return data


def send(client, point, day: dt.date | str, *values: str, form=None, **extra):  # type: ignore[no-untyped-def]
    data = dict(form or form_of(client, point))
    data["reading_date"] = day if isinstance(day, str) else day.isoformat()
    for i, value in enumerate(values):
        data[f"registers-{i}-value"] = value
    data.update(extra)
    return client.post_form(url(point, "/readings/new"), data)


def on(day: dt.date):  # type: ignore[no-untyped-def]
    """The clock stopped at noon of `day` (sign in inside it: a session from the future of
    the travelled clock is no session)."""
    return time_machine.travel(
        dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC), tick=False
    )


def rows(session, point) -> list[Reading]:
    session.expire_all()
    return list(
        session.scalars(
            select(Reading).where(Reading.supply_point_id == point.id).order_by(Reading.id)
        )
    )


def png(size: int = 8) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (size, size), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


# Seeing supply points -------------------------------------------------------------------------


def test_the_list_shows_the_companys_points_with_their_last_reading(
    client, people, session, office
):
    beta_point = factories.supply_point(session, people.beta)
    session.commit()
    client.login(people.anna.email)
    page = text_of(client.get(f"/c/{people.alfa.slug}/supply-points"))
    assert office.code in page and "HT 1,300 · NT 650 kWh" in page
    assert "31 Jan 2025" in page
    assert beta_point.code not in page
    assert "Next advance" in page  # billing provides the column


def test_the_list_shows_the_next_advance_when_billing_provides_it(
    client, people, office, monkeypatch
):
    monkeypatch.setattr(
        portal_supply,
        "NEXT_ADVANCE",
        [lambda _session, ids: {point_id: "€45.00 on 15 Dec 2026" for point_id in ids}],
    )
    client.login(people.jan.email)
    page = text_of(client.get(f"/c/{people.alfa.slug}/supply-points"))
    assert "Next advance" in page and "€45.00 on 15 Dec 2026" in page


def test_an_accountant_without_supply_view_sees_neither_the_menu_nor_the_pages(
    client, people, session
):
    point = factories.supply_point(session, people.beta)
    session.commit()
    client.login(people.eva.email)
    assert "Supply points" not in text_of(client.get(f"/c/{people.beta.slug}/"))
    assert client.get(f"/c/{people.beta.slug}/supply-points").status_code == 403
    assert client.get(url(point)).status_code == 403


def test_a_supply_point_of_another_company_is_not_found(
    client, other_client, people, session, office
):
    beta_point = factories.supply_point(session, people.beta)
    session.commit()
    client.login(people.jan.email)  # Jan owns both companies, but not through this URL
    assert client.get(f"/c/{people.alfa.slug}/supply-points/{beta_point.code}").status_code == 404
    wrong = f"/c/{people.alfa.slug}/supply-points/{beta_point.code}/readings/new"
    assert client.post_form(wrong, {"reading_date": "2025-02-10"}).status_code == 404
    other_client.login(people.anna.email)  # Anna is not in Beta at all
    assert other_client.get(url(beta_point)).status_code == 404
    assert other_client.post_form(url(beta_point, "/readings/new"), {}).status_code == 404
    assert rows(session, beta_point) == []


def test_the_detail_page_shows_contracts_meters_the_chart_and_the_history(
    client, people, session, office
):
    document = store_file(
        session,
        data=b"%PDF-1.4 x",
        filename="c.pdf",
        content_type="application/pdf",
        company_id=people.alfa.id,
    )
    add_contract(
        session, actor=None, point=office, number="EE-2025-1", valid_from=JAN1, document=document
    )
    session.commit()
    with on(D(2025, 2, 15)):
        client.login(people.jan.email)
        page = client.get(url(office)).get_data(as_text=True)
    assert "EE-2025-1" in page and "/contracts/" in page
    assert office.current_meter.serial_number in page
    assert "style=" not in page and "<script>" not in page
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert 'role="img"' in svg and 'aria-labelledby="consumption-title consumption-desc"' in svg
    assert '<title id="consumption-title">' in svg
    # January: 300 (HT) + 150 (NT) units, in the chart's bar and in the table.
    assert "January 2025: 450 kWh" in html.unescape(svg)
    table = page[page.index('class="chart-table"') :]
    assert re.search(r"January 2025</th><td class=\"number\"[^>]*>450</td>", table)
    assert "1,300" in page and "650" in page  # the history


def test_a_reading_waiting_for_review_is_shown_but_counted_nowhere(client, people, session, office):
    read(session, office, D(2025, 2, 10), 2000, 700, who=people.jan)  # HT far too high
    session.commit()
    with on(D(2025, 2, 15)):
        client.login(people.jan.email)
        page = text_of(client.get(url(office)))
        form = text_of(client.get(url(office, "/readings/new")))
        listed = text_of(client.get(f"/c/{people.alfa.slug}/supply-points"))
    # February: the low tariff's accepted 50 only, not the high tariff's pending 700.
    assert "February 2025: 50 kWh" in page
    assert re.search(r"February 2025</th><td class=\"number\"[^>]*>50</td>", page)
    history = page[page.index('id="history"') :]
    pending_row = re.search(r'<tr class="reading-pending_review">.*?</tr>', history, re.S).group(0)
    assert "2,000" in pending_row and "Being checked" in pending_row and "—" in pending_row
    assert "Last reading: 1,300 on 31 Jan 2025." in form  # HT's last accepted reading
    assert "HT 1,300 (31 Jan 2025) · NT 700 (10 Feb 2025)" in listed


def test_the_history_names_the_meter_after_a_meter_exchange(client, people, session, office):
    old = office.current_meter

    def history() -> str:
        with on(D(2025, 2, 15)):
            client.login(people.jan.email)
            page = text_of(client.get(url(office)))
        return page[page.index('id="history"') :]

    assert "Meter</th>" not in history()  # one meter: no column for it
    submit_reading(
        session,
        actor=None,
        point=office,
        meter=old,
        reading_date=D(2025, 2, 10),
        values=[
            RegisterValue(old.registers[0].id, "1400"),
            RegisterValue(old.registers[1].id, "700"),
        ],
        source=ReadingSource.DISTRIBUTOR,
    )
    install_meter(
        session,
        actor=None,
        point=office,
        serial_number="NEW-METER-1",
        installed_on=D(2025, 2, 10),
        registers=[RegisterSpec("HT", 6), RegisterSpec("NT", 6)],
    )
    read(session, office, D(2025, 2, 10), 0, 0, source="distributor")
    session.commit()
    table = history()
    assert '<th scope="col">Meter</th>' in table
    assert table.count('<td class="code" data-label="Meter">NEW-METER-1</td>') == 2
    assert table.count(f'<td class="code" data-label="Meter">{old.serial_number}</td>') == 6


def test_the_pages_read_in_the_users_language(client, people, session, office):
    read(session, office, D(2025, 2, 10), 2000, 700, who=people.jan)
    session.get(Account, people.jan.id).locale = "sk"
    session.commit()
    with on(D(2025, 2, 15)):
        client.login(people.jan.email)
        page = text_of(client.get(url(office)))
    assert "Elektrina" in page and "Čaká na kontrolu" in page and "Odberateľ" in page


def test_a_contract_downloads_as_an_attachment_only_through_its_company(
    client, people, session, office
):
    document = store_file(
        session,
        data=b"%PDF-1.4 signed",
        filename="contract.pdf",
        content_type="application/pdf",
        company_id=people.alfa.id,
    )
    contract = add_contract(
        session, actor=None, point=office, number="EE-9", valid_from=JAN1, document=document
    )
    beta_point = factories.supply_point(session, people.beta)
    session.commit()
    client.login(people.jan.email)
    response = client.get(url(office, f"/contracts/{contract.id}"))
    assert response.status_code == 200 and response.data == b"%PDF-1.4 signed"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["Cache-Control"] == "private, no-store"
    # The same contract through Beta's point or Beta's company: no such page.
    assert client.get(url(beta_point, f"/contracts/{contract.id}")).status_code == 404
    wrong = f"/c/{people.beta.slug}/supply-points/{office.code}/contracts/{contract.id}"
    assert client.get(wrong).status_code == 404


# The reading form ----------------------------------------------------------------------------


def test_the_form_shows_the_last_reading_and_the_expected_range(client, people, office):
    with on(D(2025, 2, 10)):
        client.login(people.jan.email)
        page = text_of(client.get(url(office, "/readings/new")))
    assert "Last reading: 1,300 on 31 Jan 2025." in page
    # 10 a day for 10 days, ±50 %: 1,350 to 1,450 on HT; 5 a day on NT: 675 to 725.
    assert re.search(r'expected-low">1,350</span> . <span class="expected-high">1,450<', page)
    assert re.search(r'expected-low">675</span> . <span class="expected-high">725<', page)
    assert 'value="2025-02-10"' in page  # today, where Jan is


def test_the_form_says_when_there_is_no_expected_range_yet(client, people, session):
    point = factories.supply_point(session, people.alfa)
    read(session, point, JAN1, 10, who=people.jan)
    session.commit()
    client.login(people.jan.email)
    page = text_of(client.get(url(point, "/readings/new")))
    assert "No expected range yet: it needs at least two earlier readings." in page


def test_a_customer_submits_a_reading_and_sees_it_in_the_history(client, people, session, office):
    with on(D(2025, 2, 10)):
        client.login(people.anna.email)
        form = form_of(client, office)
        sent = send(client, office, D(2025, 2, 10), "1400.5", "700", form=form)
        assert sent.status_code == 302 and sent.location.endswith(url(office) + "#history")
        page = text_of(client.get(sent.location))
    assert "Thank you, your reading is saved." in page
    assert "1,400.5" in page and "10 Feb 2025" in page
    stored = rows(session, office)[-2:]
    assert [(r.value, r.status) for r in stored] == [
        (Decimal("1400.5"), ReadingStatus.ACCEPTED),
        (700, ReadingStatus.ACCEPTED),
    ]
    submission = session.get(ReadingSubmission, stored[0].submission_id)
    assert submission.submitted_by_id == people.anna.id
    assert submission.idempotency_key == form["idempotency_key"]


def test_a_reading_out_of_range_is_kept_for_review_and_says_why(client, people, session, office):
    with on(D(2025, 2, 10)):
        client.login(people.jan.email)
        sent = send(client, office, D(2025, 2, 10), "2000", "700")
        page = text_of(client.get(sent.location))
    assert "a colleague will check it" in page
    assert "Being checked" in page
    assert "Consumption of 700 kWh is above the expected range of 50 to 150 kWh." in page
    assert [r.status for r in rows(session, office)[-2:]] == ["pending_review", "accepted"]


def test_the_tolerance_comes_from_the_app_configuration(client, people, session, office, bound_app):
    before = bound_app.config["READING_TOLERANCE"]
    bound_app.config["READING_TOLERANCE"] = Decimal("0.1")
    try:
        client.login(people.jan.email)
        send(client, office, D(2025, 2, 10), "1420", "700")  # 120 where 90 to 110 fit
    finally:
        bound_app.config["READING_TOLERANCE"] = before
    assert rows(session, office)[-2].review_reason == "above_expected"


def test_a_rollover_is_accepted_only_when_ticked(client, people, session):
    point = factories.supply_point(session, people.alfa, digits=4)
    read(session, point, JAN1, 9_000, source="distributor")
    read(session, point, JAN31, 9_900, who=people.jan)  # 30 a day
    session.commit()
    client.login(people.jan.email)
    refused = send(client, point, D(2025, 2, 10), "200")
    assert refused.status_code == 422
    assert "tick “meter rolled over”" in text_of(refused)
    sent = send(client, point, D(2025, 2, 10), "200", **{"registers-0-rollover": "y"})
    assert sent.status_code == 302
    [wrapped] = rows(session, point)[-1:]
    assert (wrapped.value, wrapped.rollover, wrapped.consumption) == (200, True, 300)
    page = text_of(client.get(url(point, f"/readings/{wrapped.submission_id}")))
    assert "200 kWh" in page and "rolled over" in page


@pytest.mark.parametrize(
    ("day", "high", "low", "field", "message"),
    [
        ("2025-02-10", "abc", "700", "registers-0-value", "Enter the number shown on the meter"),
        ("2025-02-10", "-5", "700", "registers-0-value", "cannot be negative"),
        ("2025-02-10", "1400.25", "700", "registers-0-value", "at most 1 decimal places"),
        ("2025-02-10", "99999999", "700", "registers-0-value", "must be below 1,000,000"),
        ("2025-02-10", "1e9", "700", "registers-0-value", "Enter the number shown on the meter"),
        ("2025-02-10", "1400", "", "registers-1-value", "Enter the number shown on this register"),
        ("2025-02-10", "1200", "700", "registers-0-value", "below the previous reading"),
        ("10.02.2025", "1400", "700", "reading_date", "Enter the date as YYYY-MM-DD"),
        ("2025-02-30", "1400", "700", "reading_date", "Enter the date as YYYY-MM-DD"),
        ("", "1400", "700", "reading_date", "Enter the date you read the meter"),
        ("2099-01-01", "1400", "700", "reading_date", "cannot be in the future"),
        ("2022-12-31", "1400", "700", "reading_date", "was installed on"),
    ],
)
def test_bad_input_is_refused_next_to_its_field_and_nothing_is_saved(
    client, people, session, office, day, high, low, field, message
):
    client.login(people.jan.email)
    page = send(client, office, day, high, low)
    assert page.status_code == 422
    body = text_of(page)
    error = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', body)
    assert error, body[body.find("alert") : body.find("alert") + 300]
    assert message in error.group(1)
    assert len(rows(session, office)) == 4


def test_a_register_of_another_meter_is_refused_next_to_the_field(client, people, session, office):
    other = factories.supply_point(session, people.alfa)
    session.commit()
    client.login(people.jan.email)
    form = form_of(client, office)
    form["registers-1-register_id"] = str(other.current_meter.registers[0].id)
    page = send(client, office, D(2025, 2, 10), "1400", "700", form=form)
    assert page.status_code == 422
    assert re.search(
        r'id="registers-1-value-error">This register belongs to another meter', text_of(page)
    )
    assert len(rows(session, office)) == 4 and rows(session, other) == []


def test_posted_fields_beyond_the_form_are_ignored(client, people, session, office):
    client.login(people.jan.email)
    send(
        client,
        office,
        D(2025, 2, 10),
        "1400",
        "700",
        status="accepted",
        company_id=str(people.beta.id),
        source="distributor",
    )
    [high, _low] = rows(session, office)[-2:]
    assert high.company_id == people.alfa.id and high.submission.source == "customer"


def test_resending_the_same_form_shows_the_first_reading(client, people, session, office):
    client.login(people.jan.email)
    form = form_of(client, office)
    first = send(client, office, D(2025, 2, 10), "1400", "700", form=form)
    again = send(client, office, D(2025, 2, 11), "1410", "705", form=form)
    submission_id = rows(session, office)[-1].submission_id
    assert first.status_code == again.status_code == 302
    assert again.location.endswith(url(office, f"/readings/{submission_id}"))
    page = text_of(client.get(again.location))
    assert "This reading had already been received. Here it is." in page
    assert "1,400" in page
    assert len(rows(session, office)) == 6


def test_a_refusal_writes_its_date_in_the_readers_language(client, people, session, office):
    session.get(Account, people.jan.id).locale = "sk"
    session.commit()
    client.login(people.jan.email)
    send(client, office, D(2025, 2, 10), "1400", "700")
    again = send(client, office, D(2025, 2, 10), "1500", "800")
    assert again.status_code == 422
    message = field_error(again, "reading_date")
    assert "10. 2. 2025" in message and "2025-02-10" not in message


def test_a_second_reading_for_a_recorded_date_is_refused_next_to_the_date(
    client, people, session, office
):
    client.login(people.jan.email)
    send(client, office, D(2025, 2, 10), "1400", "700")
    again = send(client, office, D(2025, 2, 10), "1500", "800")  # a fresh form, same date
    assert again.status_code == 422
    assert field_error(again, "reading_date") == (
        "A reading of 10 Feb 2025 is already recorded. Choose another date, or contact us to "
        "correct it."
    )
    assert [r.value for r in rows(session, office)[-2:]] == [1400, 700]


def test_a_reading_sent_again_after_its_rejection_is_saved(client, people, session, office):
    [high, _low] = read(session, office, D(2025, 2, 10), 2000, 700, who=people.jan).readings
    review_reading(session, actor=people.clerk, reading=high, accept=False, note="Send it again.")
    session.commit()
    with on(D(2025, 2, 15)):
        client.login(people.jan.email)
        sent = send(client, office, D(2025, 2, 10), "1400", "700")
        assert sent.status_code == 302 and sent.location.endswith("#history")
        page = text_of(client.get(sent.location))
    assert "Thank you, your reading is saved." in page
    history = page[page.index('id="history"') :]
    assert "Rejected" in history and "1,400" in history
    assert [(r.value, r.status) for r in rows(session, office)[-1:]] == [(1400, "accepted")]


def test_the_sender_replaces_their_reading_waiting_for_review_and_is_told_so(
    client, people, session, office
):
    with on(D(2025, 2, 15)):
        client.login(people.jan.email)
        send(client, office, D(2025, 2, 10), "2000", "700")  # HT waits for review
        form = text_of(client.get(url(office, "/readings/new")))
        sent = send(client, office, D(2025, 2, 10), "1400", "700")
        assert sent.status_code == 302
        page = text_of(client.get(sent.location))
    assert "Your reading of 10 Feb 2025 is waiting for review." in form
    assert "It replaces the reading that was waiting for review." in page
    history = page[page.index('id="history"') :]
    assert "Replaced" in history and "<del>2,000</del>" in history
    [old, _low, new] = rows(session, office)[-3:]
    assert (old.status, new.status, new.replaces_id) == ("superseded", "accepted", old.id)


def test_a_reading_waiting_for_review_of_someone_else_is_refused_next_to_the_date(
    client, people, session, office
):
    read(session, office, D(2025, 2, 10), 2000, 700, who=people.jan)
    session.commit()
    client.login(people.anna.email)
    form = text_of(client.get(url(office, "/readings/new")))
    assert "A reading of 10 Feb 2025 is waiting for review." in form
    refused = send(client, office, D(2025, 2, 10), "1400", "700")
    assert refused.status_code == 422
    assert field_error(refused, "reading_date").startswith(
        "A reading of 10 Feb 2025 is waiting for review. Only the person who sent it"
    )
    assert len(rows(session, office)) == 6


def test_points_without_self_reading_have_no_form(client, people, session):
    point = factories.supply_point(session, people.gamma, self_reading=False)
    session.commit()
    client.login(people.jan.email)
    assert "Send a meter reading" not in text_of(client.get(url(point)))
    page = text_of(client.get(url(point, "/readings/new")))
    assert "self-readings are not enabled" in page and "registers-0-value" not in page
    register_id = str(point.current_meter.registers[0].id)
    refused = send(
        client, point, D(2025, 2, 10), "5", form={"registers-0-register_id": register_id}
    )
    assert refused.status_code == 422 and "self-readings are not enabled" in text_of(refused)
    assert rows(session, point) == []


def test_a_viewer_sees_readings_but_cannot_send_them(client, people, session, office):
    viewer = factories.account(session)
    factories.member(session, viewer, people.alfa, CustomerRole.VIEWER)
    session.commit()
    client.login(viewer.email)
    assert client.get(url(office)).status_code == 200
    assert "Send a meter reading" not in text_of(client.get(url(office)))
    assert client.get(url(office, "/readings/new")).status_code == 403
    assert client.post_form(url(office, "/readings/new"), {}).status_code == 403


# Photos -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("meter.jpg", b"<!doctype html><html><script>alert(1)</script></html>"),
        ("meter.png", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>'),
        ("meter.jpg", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"),
    ],
)
def test_a_photo_that_is_not_really_a_jpeg_or_png_is_refused(
    client, people, session, office, name, data
):
    client.login(people.jan.email)
    page = send(client, office, D(2025, 2, 10), "1400", "700", photo=(io.BytesIO(data), name))
    assert page.status_code == 422
    assert re.search(r'id="photo-error">This type of file is not accepted here', text_of(page))
    assert len(rows(session, office)) == 4
    assert session.scalar(select(func.count(StoredFile.id))) == 0


def test_a_photo_larger_than_5_mb_is_refused(client, people, session, office):
    client.login(people.jan.email)
    big = png() + b"\0" * (5 * 1024 * 1024)
    page = send(client, office, D(2025, 2, 10), "1400", "700", photo=(io.BytesIO(big), "m.png"))
    assert page.status_code == 422 and "larger than 5 MB" in text_of(page)


def test_a_photo_is_kept_with_the_reading_and_shown_only_through_its_company(
    client, other_client, people, session, office
):
    client.login(people.jan.email)
    sent = send(
        client, office, D(2025, 2, 10), "1400", "700", photo=(io.BytesIO(png()), "meter.png")
    )
    assert sent.status_code == 302
    submission = session.get(ReadingSubmission, rows(session, office)[-1].submission_id)
    assert submission.photo.company_id == people.alfa.id
    photo_url = url(office, f"/readings/{submission.id}/photo")
    assert photo_url in client.get(url(office, f"/readings/{submission.id}")).get_data(as_text=True)
    shown = client.get(photo_url)
    assert shown.status_code == 200 and shown.mimetype == "image/png"
    assert shown.data[:8] == b"\x89PNG\r\n\x1a\n"
    other_client.login(people.eva.email)  # Beta's accountant
    assert other_client.get(photo_url).status_code == 404
    beta_point = factories.supply_point(session, people.beta)
    session.commit()
    assert client.get(url(beta_point, f"/readings/{submission.id}/photo")).status_code == 404


# Decisions, export, badge ------------------------------------------------------------------------


def test_a_clerks_decision_shows_on_the_supply_point_page(client, people, session, office):
    [pending, _low] = read(session, office, D(2025, 2, 10), 2000, 700, who=people.jan).readings
    review_reading(
        session, actor=people.clerk, reading=pending, accept=False, note="The photo shows 1,400."
    )
    session.commit()
    client.login(people.jan.email)
    page = text_of(client.get(url(office)))
    decisions = page[page.index("Decisions on your readings") :]
    assert "Rejected" in decisions and "The photo shows 1,400." in decisions
    assert people.clerk.full_name not in page  # staff names stay in the back office


def test_the_csv_export_lists_every_reading_and_neutralises_formulas(
    client, people, session, office
):
    [pending, _low] = read(session, office, D(2025, 2, 10), 2000, 700, who=people.jan).readings
    review_reading(
        session, actor=people.clerk, reading=pending, accept=False, note='=HYPERLINK("x")'
    )
    session.commit()
    client.login(people.jan.email)
    response = client.get(url(office, "/readings.csv"))
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=readings-{office.code}.csv"
    )
    # The layout (locale, quoting, formulas) is core/exports.py's: tests/test_exports.py.
    text = response.data.decode("utf-8-sig")
    assert text.startswith('"Date","Meter","Register","Value","Consumption"')
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[1][:5] == ["2025-01-01", office.current_meter.serial_number, "HT", "1000", ""]
    assert lines[4][:5] == ["2025-01-31", office.current_meter.serial_number, "NT", "650", "150"]
    assert lines[5][7] == "Rejected" and lines[5][10] == '\'=HYPERLINK("x")'
    assert len(lines) == 7
    session.expire_all()
    exported = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "readings.exported")
    ).one()
    assert exported.actor_id == people.jan.id and exported.detail_map["rows"] == 6


def test_the_switcher_shows_readings_due_while_the_window_is_open(client, people, session, office):
    with on(D(2025, 2, 26)):
        client.login(people.jan.email)
        page = text_of(client.get("/companies"))
        assert "1 supply point needs a reading" in page
        assert "Reading due" in text_of(client.get(f"/c/{people.alfa.slug}/supply-points"))
        send(client, office, D(2025, 2, 26), "1550", "775")
        assert "needs a reading" not in text_of(client.get("/companies"))
    with on(D(2025, 3, 15)):
        client.login(people.jan.email)
        assert "needs a reading" not in text_of(client.get("/companies"))


# Two requests at once (PostgreSQL) ---------------------------------------------------------------


@pytest.fixture
def committed(app, engine):
    """A company, its owner and a point committed for real, for requests that run in parallel
    outside the test's transaction; deleted afterwards."""
    from sqlalchemy.orm import Session

    with Session(engine) as s:
        first_event = s.scalar(select(func.coalesce(func.max(AuditEvent.id), 0)))
        company = factories.company(s, "Parallel Requests s.r.o.")
        owner = factories.account(s)
        factories.member(s, owner, company)
        point = factories.supply_point(s, company)
        read(s, point, JAN1, 1000, source="distributor")
        read(s, point, JAN31, 1300, who=owner)
        s.commit()
        ids = (company.id, owner.id, owner.email, company.slug, point.code, point.id)
    yield ids
    with Session(engine) as s:
        s.execute(delete(AuditEvent).where(AuditEvent.id > first_event))
        s.execute(delete(Company).where(Company.id == ids[0]))
        s.execute(delete(Account).where(Account.id == ids[1]))
        s.commit()


def test_two_exports_at_once_both_answer_and_both_are_audited(app, engine, committed, monkeypatch):
    """An export is a GET that writes its audit event. Both requests read, then both write:
    on SQLite the second could not upgrade its read transaction once the first committed (503
    "database is locked") unless the export takes its write lock up front, as a POST does."""
    import portal.supply

    _company_id, _owner_id, email, slug, code, point_id = committed
    both_read = threading.Barrier(2, timeout=3)
    real = portal.supply.readings_with_consumption

    def read_then_wait(*args, **kwargs):  # type: ignore[no-untyped-def]
        rows = real(*args, **kwargs)
        # With the lock taken up front the other request waits for this one: no meeting.
        with contextlib.suppress(threading.BrokenBarrierError):
            both_read.wait()
        return rows

    monkeypatch.setattr(portal.supply, "readings_with_consumption", read_then_wait)
    clients = [app.test_client(), app.test_client()]
    for each in clients:
        each.login(email)
    statuses = [0, 0]

    def export(n: int) -> None:
        statuses[n] = clients[n].get(f"/c/{slug}/supply-points/{code}/readings.csv").status_code

    threads = [threading.Thread(target=export, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert statuses == [200, 200]
    from sqlalchemy.orm import Session

    with Session(engine) as s:
        exported = s.scalar(
            select(func.count(AuditEvent.id)).where(
                AuditEvent.action == "readings.exported", AuditEvent.target_id == str(point_id)
            )
        )
    assert exported == 2


@pytest.mark.postgresql
def test_two_parallel_posts_of_the_same_form_write_one_row(app, engine, committed):
    _company_id, _owner_id, email, slug, code, point_id = committed
    clients = [app.test_client(), app.test_client()]
    for each in clients:
        each.login(email)
    page = clients[0].get(f"/c/{slug}/supply-points/{code}/readings/new").get_data(as_text=True)
    form = {
        "idempotency_key": KEY.search(page).group(1),
        "registers-0-register_id": REGISTER.search(page).group(2),
        "registers-0-value": "1400",
        "reading_date": "2025-02-10",
    }
    tokens = [each.csrf_token() for each in clients]
    start = threading.Barrier(2)
    statuses: list[str] = ["", ""]

    def post(n: int) -> None:
        start.wait(timeout=10)
        response = clients[n].post(
            f"/c/{slug}/supply-points/{code}/readings/new",
            data={**form, "csrf_token": tokens[n]},
        )
        statuses[n] = f"{response.status_code} {response.location}"

    threads = [threading.Thread(target=post, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert all(s.startswith("302 ") for s in statuses), statuses
    assert sum("#history" in s for s in statuses) == 1  # one saved it
    assert sum("/readings/" in s for s in statuses) == 1  # the other was shown the first
    from sqlalchemy.orm import Session

    with Session(engine) as s:
        count = s.scalar(
            select(func.count(Reading.id)).where(
                Reading.supply_point_id == point_id, Reading.reading_date == D(2025, 2, 10)
            )
        )
    assert count == 1
