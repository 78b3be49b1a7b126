"""Advance payments: the year's schedule as a page, as an iCalendar file with reminders,
and as a PDF."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from icalendar import Calendar
from pypdf import PdfReader

from models.billing import mark_advance_paid, schedule_advances


@pytest.fixture
def schedule(session, people):
    year = dt.date.today().year
    advances = schedule_advances(
        session,
        actor=people.admin,
        company=people.alfa,
        supply_point_id=None,
        first_due=dt.date(year, 1, 31),
        months=12,
        amount=Decimal("420.00"),
        variable_symbol="91000001",
    )
    for advance in advances[:3]:
        mark_advance_paid(session, actor=people.clerk, advance=advance)
    session.commit()
    return advances


def test_advances_fall_on_the_same_day_or_the_month_s_last(schedule):
    assert [a.due_date.day for a in schedule][:4] == [
        31,
        28 if schedule[1].due_date.year % 4 else 29,
        31,
        30,
    ]


def test_the_page_shows_the_year_with_what_is_still_to_pay(client, people, schedule):
    client.login(people.jan.email)
    page = client.get(f"/c/{people.alfa.slug}/advances").get_data(as_text=True)
    assert page.count("€420.00") >= 12
    assert "Still to pay this year: €3,780.00" in page
    assert "Total for the year: €5,040.00" in page


def test_the_calendar_file_has_each_due_advance_with_a_reminder(client, people, schedule):
    client.login(people.jan.email)
    response = client.get(f"/c/{people.alfa.slug}/advances.ics")
    assert response.mimetype == "text/calendar"
    assert response.headers["Content-Disposition"].startswith("attachment")
    calendar = Calendar.from_ical(response.data)
    events = [c for c in calendar.walk("VEVENT")]
    assert len(events) == 9  # twelve, three of them paid
    first = events[0]
    assert first.decoded("dtstart") == schedule[3].due_date
    assert "420.00" in str(first.get("summary"))
    alarm = first.walk("VALARM")[0]
    assert alarm.decoded("trigger") == dt.timedelta(days=-2)
    assert len({str(e.get("uid")) for e in events}) == 9


def test_the_schedule_pdf_lists_the_payments(client, people, schedule):
    client.login(people.jan.email)
    response = client.get(f"/c/{people.alfa.slug}/advances.pdf")
    assert response.status_code == 200
    text = PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
    assert "Alfa Trade s.r.o." in text and text.count("€420.00") == 12
    assert "91000001" in text


def test_another_company_s_schedule_is_not_there(client, people, schedule):
    client.login(people.jan.email)
    page = client.get(f"/c/{people.beta.slug}/advances").get_data(as_text=True)
    assert "€420.00" not in page and "No advance payments are scheduled" in page
    ics = Calendar.from_ical(client.get(f"/c/{people.beta.slug}/advances.ics").data)
    assert list(ics.walk("VEVENT")) == []


@pytest.mark.parametrize("year", ["1999", "abc", "²", "-1"])
def test_an_odd_year_shows_the_current_one(client, people, schedule, year):
    client.login(people.jan.email)
    response = client.get(f"/c/{people.alfa.slug}/advances?year={year}")
    assert response.status_code == 200
    assert f"Advance payments {dt.date.today().year}" in response.get_data(as_text=True)


def test_the_supply_point_list_shows_each_point_s_next_advance(client, people, session):
    from tests import factories

    point = factories.supply_point(session, people.alfa)
    other = factories.supply_point(session, people.alfa, code=None)
    today = dt.date.today()
    advances = schedule_advances(
        session,
        actor=people.admin,
        company=people.alfa,
        supply_point_id=point.id,
        first_due=today - dt.timedelta(days=40),
        months=4,
        amount=Decimal("99.00"),
        variable_symbol="1",
    )
    mark_advance_paid(session, actor=people.clerk, advance=advances[1])
    session.commit()
    client.login(people.jan.email)
    page = client.get(f"/c/{people.alfa.slug}/supply-points").get_data(as_text=True)
    row = page[page.index(point.code) :]
    row = row[: row.index("</tr>")]
    upcoming = next(a for a in advances if a.due_date >= today and a.status.value == "due")
    from babel.dates import format_date

    # Written the European way, as every date in English is ("24 Dec 2026").
    assert format_date(upcoming.due_date, locale="en_GB") in row and "€99.00" in row
    other_row = page[page.index(other.code) :]
    assert "€99.00" not in other_row[: other_row.index("</tr>")]


def test_each_calendar_event_says_how_to_pay_it(client, people, session, schedule):
    """Amount, the payee's IBAN (of the issuer of the company's latest invoice) and the
    variable symbol, readable in the reminder itself."""
    from tests import factories

    factories.invoice(session, people.alfa)
    session.commit()
    client.login(people.jan.email)
    calendar = Calendar.from_ical(client.get(f"/c/{people.alfa.slug}/advances.ics").data)
    first = next(iter(calendar.walk("VEVENT")))
    description = str(first.get("description"))
    assert "Amount: €420.00" in description
    assert "IBAN: SK31 1200 0000 1987 4263 7541" in description
    assert "Payee: Energia Slovensko, a.s." in description
    assert "Variable symbol: 91000001" in description
    assert first.walk("VALARM")[0].decoded("trigger") == dt.timedelta(days=-2)


def test_without_any_invoice_the_event_still_has_the_amount_and_variable_symbol(
    client, people, schedule
):
    client.login(people.jan.email)
    calendar = Calendar.from_ical(client.get(f"/c/{people.alfa.slug}/advances.ics").data)
    description = str(next(iter(calendar.walk("VEVENT"))).get("description"))
    assert "Amount: €420.00" in description and "Variable symbol: 91000001" in description
    assert "IBAN" not in description


def year_links(page: str) -> dict[str, int]:
    import re

    return {
        rel: int(year)
        for year, rel in re.findall(r'href="[^"]*advances\?year=(\d+)" rel="(prev|next)"', page)
    }


def test_the_year_links_lead_only_to_years_with_a_schedule(client, people, session, schedule):
    this_year = dt.date.today().year
    schedule_advances(
        session,
        actor=people.admin,
        company=people.alfa,
        supply_point_id=None,
        first_due=dt.date(this_year - 2, 6, 30),
        months=2,
        amount=Decimal("300.00"),
        variable_symbol="91000002",
    )
    session.commit()
    client.login(people.jan.email)
    page = client.get(f"/c/{people.alfa.slug}/advances").get_data(as_text=True)
    # Last year has none: the previous link skips it; next year has none: no next link.
    assert year_links(page) == {"prev": this_year - 2}
    older = client.get(f"/c/{people.alfa.slug}/advances?year={this_year - 2}")
    assert year_links(older.get_data(as_text=True)) == {"next": this_year}


def test_an_empty_year_asked_directly_says_so_and_offers_the_years_with_a_schedule(
    client, people, schedule
):
    this_year = dt.date.today().year
    client.login(people.jan.email)
    page = client.get(f"/c/{people.alfa.slug}/advances?year={this_year + 1}").get_data(as_text=True)
    assert f"No advance payments are scheduled for {this_year + 1}." in page
    assert "Years with advance payments:" in page
    assert f'href="/c/{people.alfa.slug}/advances?year={this_year}">{this_year}</a>' in page
    assert year_links(page) == {"prev": this_year}
    assert "Add to my calendar" not in page


def test_a_company_without_any_schedule_has_no_year_links(client, people, schedule):
    client.login(people.jan.email)
    page = client.get(f"/c/{people.beta.slug}/advances").get_data(as_text=True)
    assert year_links(page) == {} and 'aria-label="Years"' not in page
    assert "Beta Services s.r.o. has no advance payment schedule." in page
