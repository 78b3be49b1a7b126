"""The company overview as cards the areas contribute, shown by the role's permissions: what
there is to pay (the most urgent first, with its payment code), the next advance payment, the
readings due, the consumption against a year earlier; the all-companies summary; where a
login lands; and a statement count that stays the same however much data there is."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import event

from core.consumption import added_up, year_on_year
from models.billing import Invoice, record_payment, schedule_advances
from models.identity import CustomerRole
from models.supply import MonthTotal, add_months
from tests import factories
from tests.helpers import pay_by_square_fields, payment_of, text_of

TODAY = dt.date(2026, 11, 28)  # November's reading window is open (24 Nov - 7 Dec)
CARDS = {
    "to pay": 'id="card-to-pay"',
    "next advance": 'id="card-next-advance"',
    "readings": 'id="card-readings-due"',
    "consumption": 'id="card-consumption"',
    "details": 'id="card-company-details"',
}


@pytest.fixture(autouse=True)
def clock():  # type: ignore[no-untyped-def]
    """Noon of TODAY (sign in inside it: a session from the clock's future is no session)."""
    with time_machine.travel(dt.datetime(2026, 11, 28, 12, tzinfo=dt.UTC), tick=False):
        yield


def invoice(session, where, number: str, *, due: dt.date, **kwargs):  # type: ignore[no-untyped-def]
    issued = due - dt.timedelta(days=14)
    return factories.invoice(
        session,
        where,
        number,
        issued=issued.isoformat(),
        due=due.isoformat(),
        period_start=(issued - dt.timedelta(days=30)).isoformat(),
        period_end=(issued - dt.timedelta(days=1)).isoformat(),
        **kwargs,
    )


@pytest.fixture
def alfa(session, people):  # type: ignore[no-untyped-def]
    """Alfa: three open invoices (one overdue, one partly paid), one paid; a self-read point
    with two years of monthly readings, due for November; advances from December."""
    later = invoice(session, people.alfa, "2026-0050", due=dt.date(2026, 12, 20))
    partly = invoice(session, people.alfa, "2026-0049", due=dt.date(2026, 12, 5))
    record_payment(
        session, actor=people.clerk, invoice=partly, amount=Decimal("40.00"), expected_version=1
    )
    overdue = invoice(session, people.alfa, "2026-0047", due=dt.date(2026, 10, 15))
    paid = invoice(session, people.alfa, "2026-0048", due=dt.date(2026, 11, 15))
    record_payment(
        session, actor=people.clerk, invoice=paid, amount=paid.gross_total, expected_version=1
    )
    point = factories.supply_point(session, people.alfa, installed_on=dt.date(2024, 9, 1))
    factories.monthly_readings(
        session, point, dt.date(2024, 10, 1), [1000 + 100 * i for i in range(26)], step_days=30
    )  # the last on 21 Oct 2026
    schedule_advances(
        session,
        actor=None,
        company=people.alfa,
        supply_point_id=point.id,
        first_due=dt.date(2026, 12, 15),
        months=3,
        amount=Decimal("120.00"),
        variable_symbol="91000001",
    )
    session.commit()
    return {"later": later, "partly": partly, "overdue": overdue, "paid": paid, "point": point}


def overview(client, people, company=None) -> str:  # type: ignore[no-untyped-def]
    response = client.get(f"/c/{(company or people.alfa).slug}/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    return page[page.index("<main") :]


def shown_cards(page: str) -> set[str]:
    return {name for name, marker in CARDS.items() if marker in page}


def card(page: str, marker: str) -> str:
    start = page.index(marker)
    return page[start : page.index("</section>", start)]


def member(session, where, role: CustomerRole):  # type: ignore[no-untyped-def]
    who = factories.account(session)
    factories.member(session, who, where, role)
    session.commit()
    return who


# Cards per persona ---------------------------------------------------------------------------


def test_the_owner_sees_every_card_in_order(client, people, alfa):
    client.login(people.jan.email)
    page = overview(client, people)
    assert shown_cards(page) == set(CARDS)
    positions = [page.index(marker) for marker in CARDS.values()]
    assert positions == sorted(positions), "cards out of order; details must come last"


def test_an_accountant_sees_billing_cards_but_not_readings_or_consumption(
    client, people, session, alfa
):
    invoice(session, people.beta, "2026-0060", due=dt.date(2026, 12, 10))
    schedule_advances(
        session,
        actor=None,
        company=people.beta,
        supply_point_id=None,
        first_due=dt.date(2026, 12, 15),
        months=3,
        amount=Decimal("60.00"),
        variable_symbol="91000002",
    )
    session.commit()
    client.login(people.eva.email)  # Beta's accountant
    page = overview(client, people, people.beta)
    assert shown_cards(page) == {"to pay", "next advance", "details"}


def test_a_company_that_pays_no_advances_gets_no_advance_card(client, people, alfa):
    """Beta has no advance schedule: "no advance payment is due" would suggest it has one."""
    client.login(people.jan.email)
    assert "next advance" not in shown_cards(overview(client, people, people.beta))
    assert "next advance" in shown_cards(overview(client, people))


def test_a_technician_sees_readings_and_consumption_but_no_money(client, people, session, alfa):
    tech = member(session, people.alfa, CustomerRole.TECHNICIAN)
    client.login(tech.email)
    page = overview(client, people)
    assert shown_cards(page) == {"readings", "consumption", "details"}
    assert "€" not in page


# To pay ----------------------------------------------------------------------------------------


def open_numbers(page: str) -> list[str]:
    table = card(page, CARDS["to pay"])
    table = table[table.index("<tbody>") : table.index("</tbody>")]
    return re.findall(r'/invoices/(2026-\d{4})">', table)


def test_the_to_pay_total_is_the_sum_of_what_is_left_on_the_open_invoices(
    client, people, session, alfa
):
    client.login(people.jan.email)
    page = overview(client, people)
    session.expire_all()
    left = sum(
        (session.get(Invoice, alfa[k].id).balance for k in ("later", "partly", "overdue")),
        Decimal(0),
    )
    assert left == 3 * alfa["later"].gross_total - Decimal("40.00")
    total = re.search(r'<p class="total"><span class="amount">([^<]+)</span>', page)
    assert total and total.group(1) == f"€{left:,.2f}"


def test_overdue_invoices_come_first_then_by_due_date(client, people, alfa):
    client.login(people.jan.email)
    page = overview(client, people)
    assert open_numbers(page) == ["2026-0047", "2026-0049", "2026-0050"]  # the paid one: not
    rows = card(page, CARDS["to pay"]).split("<tr>")[2:]
    assert "Overdue" in rows[0] and "Overdue" not in rows[1]
    assert "1 overdue" in card(page, CARDS["to pay"])


def test_the_most_urgent_invoice_has_its_qr_and_the_others_theirs_behind_a_disclosure(
    client, people, alfa
):
    client.login(people.jan.email)
    to_pay = card(overview(client, people), CARDS["to pay"])
    pay = to_pay[to_pay.index('<div class="pay"') :]
    first = pay[: pay.index("<details")]
    assert "Pay invoice 2026-0047" in first and first.count("<svg") == 1
    assert "SK31 1200 0000 1987 4263 7541" in first and "20260047" in first
    assert "Scan with your banking app (" in first
    others = re.findall(r'<details class="pay-other">\s*<summary>Pay invoice (2026-\d{4})', pay)
    assert others == ["2026-0049", "2026-0050"]
    assert pay.count("<svg") == 3


def test_the_list_is_capped_with_a_link_to_the_rest(client, people, session, alfa):
    for n in range(4):
        invoice(session, people.alfa, f"2026-007{n}", due=dt.date(2027, 1, 10 + n))
    session.commit()
    client.login(people.jan.email)
    page = overview(client, people)
    assert len(open_numbers(page)) == 5
    to_pay = card(page, CARDS["to pay"])
    assert "and 2 more open invoices" in to_pay and "7 open invoices" in to_pay
    assert 'href="/c/alfa-trade/invoices?status=unpaid"' in to_pay


def test_a_paid_off_company_has_nothing_to_pay_and_no_qr(client, people, session, alfa):
    for key in ("later", "partly", "overdue"):
        session.expire_all()
        found = session.get(Invoice, alfa[key].id)
        record_payment(
            session,
            actor=people.clerk,
            invoice=found,
            amount=found.balance,
            expected_version=found.version,
        )
    session.commit()
    client.login(people.jan.email)
    to_pay = card(overview(client, people), CARDS["to pay"])
    assert "Nothing to pay. Thank you!" in to_pay
    assert "<svg" not in to_pay and "<table" not in to_pay


# Next advance, readings, consumption ---------------------------------------------------------


def test_the_next_advance_shows_amount_due_date_and_variable_symbol(client, people, alfa):
    client.login(people.jan.email)
    advance = card(overview(client, people), CARDS["next advance"])
    assert "€120.00" in advance and "Due 15 Dec 2026" in advance and "91000001" in advance
    assert "2 more advance payments to pay after this one." in advance
    assert 'href="/c/alfa-trade/advances.ics?year=2026"' in advance


def test_a_due_point_has_a_button_to_submit_its_reading(client, people, session, alfa):
    client.login(people.jan.email)
    readings = card(overview(client, people), CARDS["readings"])
    point = alfa["point"]
    assert "1 supply point needs a reading by 7 Dec 2026." in readings
    assert f'href="/c/alfa-trade/supply-points/{point.code}/readings/new"' in readings
    factories.read(session, point, dt.date(2026, 11, 27), 3500, today=TODAY)
    session.commit()
    readings = card(overview(client, people), CARDS["readings"])
    assert "All readings for November 2026 are in. Thank you!" in readings
    assert "/readings/new" not in readings


def test_the_consumption_compares_each_month_with_the_year_before(client, people, alfa):
    client.login(people.jan.email)
    consumption = card(overview(client, people), CARDS["consumption"])
    assert consumption.count('class="chart-bar chart-bar-previous"') == 12
    assert "A year earlier (kWh)" in consumption
    # September 2026 against September 2025, from readings 100 kWh apart every 30 days.
    row = re.search(r"September 2026</th>(.*?)</tr>", consumption, re.S)
    assert row is not None
    cells = re.findall(r'<td class="number"[^>]*>([^<]+)</td>', row.group(1))
    assert len(cells) == 2 and all(Decimal(c.replace(",", "")) > 90 for c in cells)


def test_points_of_one_commodity_are_added_up_month_by_month():
    months = [dt.date(2025, m, 1) for m in (1, 2)]
    one = [MonthTotal(months[0], Decimal(5)), MonthTotal(months[1], None)]
    two = [MonthTotal(months[0], Decimal(7)), MonthTotal(months[1], None)]
    assert added_up([one, two]) == [MonthTotal(months[0], Decimal(12)), MonthTotal(months[1], None)]


def test_year_on_year_splits_24_months_into_the_last_12_and_the_12_before(app):
    totals = [MonthTotal(add_months(dt.date(2024, 12, 1), i), Decimal(i)) for i in range(24)]
    with app.test_request_context():
        block = year_on_year(totals, unit="kWh", block_id="c", title="T")
    assert [m.consumption for m in block.months] == [Decimal(i) for i in range(12, 24)]
    assert block.previous is not None and block.previous[0].month == dt.date(2024, 12, 1)
    assert block.chart.count('class="chart-bar chart-bar-previous"') == 12
    assert "<title>December 2024: 0 kWh</title>" in block.chart


# Landing and the all-companies summary --------------------------------------------------------


def test_a_login_with_one_company_lands_on_its_overview(client, people):
    response = client.login(people.anna.email)
    assert response.status_code == 302 and response.location.endswith("/c/alfa-trade/")
    assert client.get("/").location.endswith("/c/alfa-trade/")


def test_an_explicit_next_still_wins_for_a_one_company_login(client, people):
    response = client.post(
        "/login?next=/account",
        data={
            "csrf_token": client.csrf_token(),
            "email": people.anna.email,
            "password": factories.PASSWORD,
        },
    )
    assert response.status_code == 302 and response.location.endswith("/account")


def test_staff_without_companies_still_land_in_the_back_office(client, people):
    assert client.login(people.clerk.email).location.endswith("/backoffice/")
    assert client.get("/").location.endswith("/backoffice/")


def test_several_companies_get_the_summary_with_the_totals(client, people, session, alfa):
    beta = invoice(session, people.beta, "2026-0061", due=dt.date(2026, 11, 1))
    factories.invitation(session, people.beta)
    session.commit()
    client.login(people.jan.email)
    assert client.get("/").location.endswith("/companies")
    page = text_of(client.get("/companies"))
    summary = page[page.index("All your companies together") : page.index("company-cards")]
    session.expire_all()
    alfa_left = sum(
        (session.get(Invoice, alfa[k].id).balance for k in ("later", "partly", "overdue")),
        Decimal(0),
    )
    assert f"€{alfa_left + beta.gross_total:,.2f}" in summary
    assert "4 unpaid invoices, 2 overdue" in summary and "in 2 companies" in summary
    assert "1 supply point needs a reading" in summary
    assert "1 invitation waiting to be accepted" in summary
    cards = page[page.index("company-cards") :]
    assert f"€{alfa_left:,.2f} to pay" in cards and f"€{beta.gross_total:,.2f} to pay" in cards


def test_a_one_company_list_has_no_summary(client, people):
    client.login(people.anna.email)
    assert "All your companies together" not in text_of(client.get("/companies"))


# Badges ---------------------------------------------------------------------------------------


def test_switcher_badges_show_an_icon_a_short_text_and_the_full_sentence(client, people, alfa):
    client.login(people.jan.email)
    page = client.get("/companies").get_data(as_text=True)
    switcher = page[page.index('<details class="switcher"') : page.index("</details>")]
    alfa_entry = switcher[switcher.index("Alfa Trade") : switcher.index("Beta Services")]
    assert re.search(
        r'<use href="/static/icons/portal.svg\?v=[0-9a-f]{16}#icon-invoice">', alfa_entry
    )
    assert '<span aria-hidden="true">3 unpaid, 1 overdue</span>' in alfa_entry
    assert '<span class="visually-hidden">3 unpaid invoices, 1 overdue</span>' in alfa_entry
    assert '<span aria-hidden="true">1 reading due</span>' in alfa_entry
    assert "title=" not in switcher


# Statements -----------------------------------------------------------------------------------


def statements_of(client, engine, url: str) -> list[str]:
    seen: list[str] = []

    def note(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return seen


def test_the_overview_runs_a_fixed_number_of_statements(client, people, session, engine, alfa):
    client.login(people.jan.email)
    client.get("/c/alfa-trade/")  # warm-up: the session's last-seen update is written once
    few = statements_of(client, engine, "/c/alfa-trade/")
    # The sign-in check, the company's data, then one statement for each area's badge (all
    # companies at once) and one for each card: the budget grows by area, never by size.
    assert len(few) <= 12, "\n".join(few)
    for n in range(30):
        invoice(session, people.alfa, f"2026-1{n:03d}", due=dt.date(2026, 12, 1 + n % 28))
    for _ in range(3):
        point = factories.supply_point(session, people.alfa, installed_on=dt.date(2024, 9, 1))
        factories.monthly_readings(
            session, point, dt.date(2024, 10, 1), [500 + 50 * i for i in range(25)]
        )
    for _ in range(5):
        factories.member(session, people.jan, factories.company(session), CustomerRole.OWNER)
    session.commit()
    many = statements_of(client, engine, "/c/alfa-trade/")
    assert len(many) == len(few), "\n".join(many)


def qr_payloads_of(page: str) -> list[str]:
    """The payment QR codes of the to-pay card as a banking app reads them from the
    rendered page: each inline SVG drawn (WeasyPrint, then to pixels) and decoded."""
    import pypdfium2
    import weasyprint
    import zxingcpp

    to_pay = card(page, CARDS["to pay"])
    payloads = []
    for svg in re.findall(r"<svg.*?</svg>", to_pay, re.S):
        pdf = weasyprint.HTML(string=f"<body style='margin:1cm'>{svg}</body>").write_pdf()
        image = pypdfium2.PdfDocument(pdf)[0].render(scale=4).to_pil()
        found = zxingcpp.read_barcodes(image)
        assert len(found) == 1, "a QR code on the overview cannot be read"
        payloads.append(found[0].text)
    return payloads


def test_the_overview_qr_of_a_slovak_payee_is_pay_by_square(client, people, alfa):
    client.login(people.jan.email)
    first = qr_payloads_of(overview(client, people))[0]
    fields = pay_by_square_fields(first)
    assert factories.ISSUER_IBAN in fields and "2026-0047" in fields
    assert payment_of(first)[0] == factories.ISSUER_IBAN


def test_the_overview_qr_of_a_payee_abroad_is_the_epc_code(client, people, session):
    german = "DE89370400440532013000"
    invoice(session, people.gamma, "2026-0070", due=dt.date(2026, 12, 10), iban=german)
    session.commit()
    client.login(people.jan.email)
    payloads = qr_payloads_of(overview(client, people, people.gamma))
    assert len(payloads) == 1
    lines = payloads[0].split("\n")
    assert lines[:4] == ["BCD", "002", "1", "SCT"] and lines[6] == german
    assert payment_of(payloads[0])[2] == "20260070"
