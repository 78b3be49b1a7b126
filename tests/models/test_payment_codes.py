"""Payment QR codes: the scheme follows the payee account's country, each code is decoded
back from its image the way a banking app reads it, and nothing that should not be paid
(or cannot be paid exactly) ever becomes a code."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
import zxingcpp
from PIL import Image

from models.billing import mark_advance_paid, record_payment, schedule_advances
from models.billing.payment_codes import advance_payment_code, invoice_payment_code, payment_code
from tests import factories
from tests.helpers import pay_by_square_fields, payment_of

SK = "SK3112000000198742637541"
CZ = "CZ6508000000192000145399"
DE = "DE89370400440532013000"
DUE = dt.date(2026, 12, 20)


def code(iban: str, amount: str = "123.45", currency: str = "EUR", **extra):  # type: ignore[no-untyped-def]
    fields = {
        "iban": iban,
        "bic": None,
        "payee": "Energia Slovensko, a.s.",
        "amount": Decimal(amount),
        "currency": currency,
        "reference": "2026110001",
        "message": "F202611001",
        "due": DUE,
    } | extra
    return payment_code(**fields)


def scanned(made) -> str:  # type: ignore[no-untyped-def]
    """What a banking app reads from the code's image."""
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(made.png())))
    assert len(found) == 1
    return found[0].text


def test_a_slovak_account_gets_pay_by_square():
    made = code(SK)
    assert made.scheme == "pay_by_square" and made.scheme_name == "PAY by square"
    assert made.iban == "SK31 1200 0000 1987 4263 7541"
    fields = pay_by_square_fields(scanned(made))
    assert fields[3:7] == ["123.45", "EUR", "20261220", "2026110001"]
    assert fields[12] == SK
    assert fields[10] == "F202611001"


def test_a_czech_account_gets_qr_platba():
    made = code(CZ, currency="CZK", amount="1500.00")
    assert made.scheme == "spayd"
    text = scanned(made)
    assert text.startswith("SPD*1.0*")
    fields = dict(part.split(":", 1) for part in text.split("*")[2:])
    assert fields["ACC"] == CZ
    assert fields["AM"] == "1500.00" and fields["CC"] == "CZK"
    assert fields["X-VS"] == "2026110001" and fields["DT"] == "20261220"


def test_any_other_account_gets_the_epc_code():
    made = code(DE, amount="80.10", bic="COBADEFFXXX")
    assert made.scheme == "epc"
    lines = scanned(made).split("\n")
    assert lines[:4] == ["BCD", "002", "1", "SCT"]
    assert lines[4:8] == ["COBADEFFXXX", "Energia Slovensko, a.s.", DE, "EUR80.1"]
    assert lines[-1] == "F202611001 VS2026110001"


@pytest.mark.parametrize(
    "made",
    [
        pytest.param({"iban": SK, "amount": "0"}, id="nothing to pay"),
        pytest.param({"iban": SK, "amount": "-5.00"}, id="a credit"),
        pytest.param({"iban": SK, "amount": "10.005"}, id="more than two decimals"),
        pytest.param({"iban": "SK3112000000198742637542"}, id="wrong check digits"),
        pytest.param({"iban": "not an account"}, id="no IBAN"),
        pytest.param({"iban": DE, "currency": "USD"}, id="EPC carries only euros"),
        pytest.param({"iban": SK, "currency": "CZK"}, id="PAY by square is paid in euros"),
    ],
)
def test_no_code_is_drawn_for_what_cannot_be_paid_exactly(made):
    assert code(**made) is None


def test_the_amount_is_never_rounded_into_a_code(caplog):
    with caplog.at_level("WARNING", logger="models.billing.payment_codes"):
        assert code(SK, amount="99.999") is None
    assert "99.999 has more than two decimals" in caplog.text
    assert code(SK, amount="99.990").amount == Decimal("99.99")


def test_an_invoice_gets_a_code_for_what_is_left_and_none_once_paid(session, people):
    invoice = factories.invoice(session, people.alfa, "2026-0042", due="2099-11-15")
    first = invoice_payment_code(invoice)
    assert first is not None and first.amount == invoice.gross_total
    assert first.reference == invoice.variable_symbol and first.message == "2026-0042"
    part = (invoice.gross_total / 2).quantize(Decimal("0.01"))
    record_payment(session, actor=people.clerk, invoice=invoice, amount=part, expected_version=1)
    assert invoice_payment_code(invoice).amount == invoice.gross_total - part
    record_payment(
        session,
        actor=people.clerk,
        invoice=invoice,
        amount=invoice.balance,
        expected_version=invoice.version,
    )
    assert invoice_payment_code(invoice) is None


def test_the_svg_holds_no_text_of_ours():
    svg = str(code(SK, payee="<script>x</script>").svg())
    assert svg.startswith("<svg") and "script" not in svg


def test_the_invoice_account_picks_the_scheme(session, people):
    czech = factories.invoice(session, people.alfa, "2026-0043", due="2099-11-15", iban=CZ)
    made = invoice_payment_code(czech)
    assert made is not None and made.scheme == "spayd" and made.scheme_name == "QR Platba"
    assert payment_of(scanned(made)) == (CZ, czech.gross_total, "20260043")


@pytest.mark.parametrize(
    "header",
    [
        pytest.param({"status": "cancelled"}, id="cancelled"),
        pytest.param({"lines": (("Correction", "1", "0.00", "20"),)}, id="zero balance"),
        pytest.param({"currency": "USD", "iban": DE}, id="dollars to a German account"),
    ],
)
def test_an_invoice_that_cannot_be_paid_by_code_gets_none(session, people, header):
    invoice = factories.invoice(session, people.alfa, "2026-0044", due="2099-11-15", **header)
    assert invoice_payment_code(invoice) is None


def test_a_due_advance_gets_a_code_to_the_issuer_and_none_once_paid(session, people):
    issuer = factories.issuer(session)
    advance = schedule_advances(
        session,
        actor=people.clerk,
        company=people.alfa,
        supply_point_id=None,
        first_due=DUE,
        months=1,
        amount=Decimal("85.00"),
        variable_symbol="7700123",
    )[0]
    made = advance_payment_code(advance, issuer)
    assert made is not None and made.scheme == "pay_by_square" and made.due == DUE
    fields = pay_by_square_fields(scanned(made))
    assert fields[3:7] == ["85.00", "EUR", "20261220", "7700123"]
    assert fields[12] == factories.ISSUER_IBAN and fields[16] == "Energia Slovensko, a.s."
    mark_advance_paid(session, actor=people.clerk, advance=advance)
    assert advance_payment_code(advance, issuer) is None
