"""Payment QR codes the customer's banking app reads, chosen by the payee account's country:
PAY by square for a Slovak account, QR Platba (SPAYD) for a Czech one, the EPC069-12 "SEPA
credit transfer" code otherwise. The payload is built by a maintained library for each
scheme; segno draws every one of them. No code is drawn for something with nothing to pay,
and an amount with more than two decimals never reaches a code (it is refused, not rounded).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import io
import logging
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup
from stdnum import iban as iban_numbers

from models.billing.tables import AdvancePayment, Invoice, Issuer

log = logging.getLogger(__name__)

# The currencies each scheme carries (EPC is the euro's; SPAYD is the koruna's and the
# euro's; PAY by square is what Slovak banks pay in).
CURRENCIES = {"pay_by_square": {"EUR"}, "spayd": {"CZK", "EUR"}, "epc": {"EUR"}}
NAMES = {"pay_by_square": "PAY by square", "spayd": "QR Platba", "epc": "EPC QR (SEPA)"}


@dataclass(frozen=True)
class PaymentCode:
    """One payment as a QR code and as the text shown beside it."""

    scheme: str  # "pay_by_square" | "spayd" | "epc"
    scheme_name: str  # the scheme's proper name, not translated
    payload: str  # exactly what the QR code holds
    iban: str  # grouped for reading: "SK31 1200 0000 1987 4263 7541"
    bic: str | None
    payee: str
    amount: Decimal  # exactly two decimals
    currency: str
    reference: str  # the variable symbol
    message: str  # e.g. the invoice number
    due: dt.date | None

    def svg(self, *, scale: int = 3) -> Markup:
        """The code as inline SVG: paths drawn from the payload, no text of ours in it."""
        return Markup(_svg(self.scheme, self.payload, scale))  # noqa: S704

    def png(self, *, scale: int = 4) -> bytes:
        out = io.BytesIO()
        _qr(self.scheme, self.payload).save(out, kind="png", scale=scale, border=4)
        return out.getvalue()


# Encoding a QR code (choosing its mask) costs milliseconds, and the overview draws the same
# open invoices on every visit: the drawing depends on the payload alone, so it is kept.
@functools.lru_cache(maxsize=1024)
def _qr(scheme: str, payload: str):  # -> segno.QRCode
    import segno

    # PAY by square is base32hex: the text itself, so segno picks the compact alphanumeric
    # mode. SPAYD and EPC are UTF-8 bytes, as both schemes name. Error correction M as the
    # schemes ask, never boosted (EPC fixes the level).
    data: str | bytes = payload if scheme == "pay_by_square" else payload.encode("utf-8")
    return segno.make_qr(data, error="m", boost_error=False)


@functools.lru_cache(maxsize=1024)
def _svg(scheme: str, payload: str, scale: int) -> str:
    return str(_qr(scheme, payload).svg_inline(scale=scale, border=2, omitsize=True))


def scheme_for(iban: str) -> str:
    """The scheme a banking app of the payee account's country reads."""
    country = iban[:2].upper()
    return {"SK": "pay_by_square", "CZ": "spayd"}.get(country, "epc")


def payment_code(
    *,
    iban: str,
    bic: str | None,
    payee: str,
    amount: Decimal,
    currency: str,
    reference: str,
    message: str,
    due: dt.date | None,
) -> PaymentCode | None:
    """The code for paying `amount` to `iban`; None when there is nothing to pay, the amount
    has more than two decimals, the account is not a valid IBAN, or the scheme of the
    account's country does not carry the currency."""
    account = iban_numbers.compact(iban or "")
    if amount <= 0:
        return None
    if amount != amount.quantize(Decimal("0.01")):
        log.warning("No payment code for %s: %s has more than two decimals", message, amount)
        return None
    if not iban_numbers.is_valid(account):
        log.warning("No payment code for %s: %r is not a valid IBAN", message, iban)
        return None
    scheme = scheme_for(account)
    if currency not in CURRENCIES[scheme]:
        return None
    amount = amount.quantize(Decimal("0.01"))
    code = PaymentCode(
        scheme=scheme,
        scheme_name=NAMES[scheme],
        payload="",
        iban=iban_numbers.format(account),
        bic=bic or None,
        payee=payee.strip(),
        amount=amount,
        currency=currency,
        reference=reference,
        message=message.strip(),
        due=due,
    )
    return dataclasses.replace(code, payload=_PAYLOADS[scheme](code, account))


def invoice_payment_code(invoice: Invoice) -> PaymentCode | None:
    """What is left to pay on the invoice; None for a paid or cancelled one."""
    if not invoice.is_open or invoice.balance <= 0:
        return None
    return payment_code(
        iban=invoice.iban,
        bic=invoice.bic,
        payee=invoice.issuer.name,
        amount=invoice.balance,
        currency=invoice.currency,
        reference=invoice.variable_symbol,
        message=invoice.number,
        due=invoice.due_date,
    )


def advance_payment_code(advance: AdvancePayment, issuer: Issuer) -> PaymentCode | None:
    """A due advance payment, paid to the account of the issuer that bills the company."""
    if not advance.is_due:
        return None
    return payment_code(
        iban=issuer.iban,
        bic=issuer.bic,
        payee=issuer.name,
        amount=advance.amount,
        currency=advance.currency,
        reference=advance.variable_symbol,
        message=f"{advance.due_date:%Y-%m}",
        due=advance.due_date,
    )


def _pay_by_square(code: PaymentCode, iban: str) -> str:
    import pay_by_square

    return pay_by_square.generate(
        amount=code.amount,  # formatted with :.2f, exact for a Decimal
        iban=iban,
        swift=code.bic or "",
        date=code.due or dt.date.today(),
        beneficiary_name=code.payee[:70],
        currency=code.currency,
        variable_symbol=_digits(code.reference, 10),
        note=code.message[:140],
    )


def _spayd(code: PaymentCode, iban: str) -> str:
    from qrplatba.spayd import SpaydGenerator

    def text(value: str, limit: int) -> str:
        # "*" separates SPAYD's fields; the format has no escape a bank app honours for it.
        return value.replace("*", " ")[:limit]

    return SpaydGenerator(
        account=iban,
        bic=code.bic,
        amount=code.amount,
        currency=code.currency,
        x_vs=_digits(code.reference, 10) or None,
        recipient_name=text(code.payee, 35),
        due_date=code.due,
        message=text(code.message, 60),
    ).get_text()


def _epc(code: PaymentCode, iban: str) -> str:
    # segno validates and builds the EPC069-12 payload (make_epc_qr draws exactly these
    # bytes); UTF-8 (character set 1) holds every Slovak letter (ľ, č ...).
    from segno import helpers

    data: bytes = helpers._make_epc_qr_data(  # type: ignore[attr-defined]
        name=code.payee[:70],
        iban=iban,
        amount=code.amount,
        text=f"{code.message} VS{code.reference}"[:140],
        bic=code.bic,
        encoding="utf-8",
    )
    return data.decode("utf-8")


def _digits(value: str, limit: int) -> str:
    """A symbol as the schemes take it: digits only, at most `limit` of them."""
    return "".join(ch for ch in value if ch.isdigit())[:limit]


_PAYLOADS = {"pay_by_square": _pay_by_square, "spayd": _spayd, "epc": _epc}
