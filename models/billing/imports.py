"""Invoices from the supplier's billing system, as CSV (one row per invoice line, the
invoice's fields repeated) or JSON (a list of invoices with their lines, or one invoice).
Every invoice is checked; a file with any problem imports nothing and reports the problems
with their places (a bounded number of them, see models.imports). An invoice imported before
with the same content is left alone, so a re-import changes nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, NamedTuple

from babel.numbers import list_currencies
from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban

from models import audit
from models.billing.tables import Invoice, InvoiceLine, InvoiceStatus, Issuer
from models.errors import N_
from models.identity import Account, Company
from models.imports import (
    FILE,
    ImportReport,
    Item,
    Outcome,
    Where,
    chunks,
    csv_rows,
    field_text,
    too_large,
)

CENT = Decimal("0.01")
INVOICE_NUMBER = re.compile(r"[A-Za-z0-9._-]+")  # it is part of the invoice's URL
MAX_LINES = 500  # an invoice's PDF must stay small and quick to render
MAX_FILE_INVOICES = 20_000
MAX_FILE_LINES = 50_000  # CSV rows, or the lines of all invoices of a JSON file

CSV_COLUMNS = [
    "issuer",
    "invoice_number",
    "customer_number",
    "supply_point",
    "issue_date",
    "due_date",
    "period_start",
    "period_end",
    "currency",
    "iban",
    "bic",
    "variable_symbol",
    "status",
    "net_total",
    "vat_total",
    "gross_total",
    "description",
    "quantity",
    "unit",
    "unit_price",
    "vat_rate",
    "line_total",
]
HEADER_FIELDS = CSV_COLUMNS[:16]
LINE_FIELDS = CSV_COLUMNS[16:]
OPTIONAL = {"supply_point", "period_start", "period_end", "bic", "status"}


@dataclass
class _Line:
    where: Where
    values: dict[str, str]


@dataclass
class _Draft:
    """An invoice as the file gives it, before any check; `readable` is False when a field of
    it was refused or its rows disagree (those problems are reported already)."""

    where: Where
    header: dict[str, str]
    lines: list[_Line]
    readable: bool = True


class InvoiceFile(NamedTuple):
    """A file read: its invoices, and the report that holds what reading it found."""

    drafts: list[_Draft]
    report: ImportReport


def read_invoice_file(name: str, text: str) -> InvoiceFile:
    """Reads a CSV or JSON file, told apart by its name or its first character."""
    if name.lower().endswith(".json") or text.lstrip("\ufeff \t\r\n").startswith(("[", "{")):
        return read_json(text)
    return read_csv(text)


def read_csv(text: str) -> InvoiceFile:
    """Groups the CSV's rows into invoices by issuer and number; row numbers count the header
    as row 1, as a spreadsheet shows them."""
    report = ImportReport()
    drafts: dict[tuple[str, str], _Draft] = {}
    for where, values, readable in csv_rows(
        text, report, columns=CSV_COLUMNS, max_rows=MAX_FILE_LINES
    ):
        if not values:  # not CSV: which invoice it belongs to is unknown
            continue
        key = (values["issuer"], values["invoice_number"])
        header = {k: values[k] for k in HEADER_FIELDS}
        draft = drafts.get(key)
        if draft is None:
            draft = drafts[key] = _Draft(where, header, [])
        elif draft.header != header:
            report.problem(
                where,
                N_("The invoice's fields differ from its first row (row %(row)s)."),
                row=draft.where.number,
            )
            draft.readable = False
        draft.readable = draft.readable and readable
        draft.lines.append(_Line(where, {k: values[k] for k in LINE_FIELDS}))
    if len(drafts) > MAX_FILE_INVOICES:
        report.refuse_file(N_("At most %(max)s invoices per file."), max=MAX_FILE_INVOICES)
        return InvoiceFile([], report)
    return InvoiceFile(list(drafts.values()), report)


class _NotANumber(Exception):
    """NaN or Infinity: Python's JSON reader takes them, JSON has no such numbers."""


def _not_a_number(name: str) -> Any:
    raise _NotANumber(name)


def read_json(text: str) -> InvoiceFile:
    """A JSON list of invoices (or one invoice), each an object with the header fields and a
    list `lines` of objects. Numbers are read as written (as text), never as floats."""
    report = ImportReport()
    if too_large(text, report):
        return InvoiceFile([], report)
    try:
        data = json.loads(text, parse_float=str, parse_int=str, parse_constant=_not_a_number)
    except json.JSONDecodeError as error:
        report.refuse_file(
            N_("The file is not valid JSON: the error is at line %(line)s, column %(column)s."),
            line=error.lineno,
            column=error.colno,
        )
    except _NotANumber as error:
        report.refuse_file(
            N_("The file is not valid JSON: %(value)s is not a number."), value=str(error)
        )
    except RecursionError:  # [[[[...]]]]: the reader recurses once per level
        report.refuse_file(N_("The file is nested too deeply to hold invoices."))
    if report.error is not None:
        return InvoiceFile([], report)
    invoices = [data] if isinstance(data, dict) else data
    if not isinstance(invoices, list):
        report.refuse_file(N_("The file must hold a list of invoices."))
    elif len(invoices) > MAX_FILE_INVOICES:
        report.refuse_file(N_("At most %(max)s invoices per file."), max=MAX_FILE_INVOICES)
    elif sum(_line_count(i) for i in invoices) > MAX_FILE_LINES:
        report.refuse_file(N_("At most %(max)s invoice lines per file."), max=MAX_FILE_LINES)
    if report.error is not None:
        return InvoiceFile([], report)
    drafts = []
    for n, invoice in enumerate(invoices, start=1):
        where = FILE.then("invoice", n)
        draft = _json_draft(invoice, where, report)
        if draft is not None:
            drafts.append(draft)
    return InvoiceFile(drafts, report)


def _line_count(invoice: object) -> int:
    lines = invoice.get("lines") if isinstance(invoice, dict) else None
    return len(lines) if isinstance(lines, list) else 0


def _json_draft(invoice: object, where: Where, report: ImportReport) -> _Draft | None:
    """The invoice as a draft, or None after refusing it (its item is in the report)."""
    if not isinstance(invoice, dict) or not isinstance(invoice.get("lines"), list):
        report.refuse(report.add(where), N_("An invoice must be an object with a list of lines."))
        return None
    before = report.problem_count
    header = _fields(invoice, HEADER_FIELDS, where, report)
    lines = []
    for m, line in enumerate(invoice["lines"], start=1):
        line_where = where.then("line", m)
        if not isinstance(line, dict):
            report.problem(line_where, N_("A line must be an object."))
            continue
        lines.append(_Line(line_where, _fields(line, LINE_FIELDS, line_where, report)))
    if report.problem_count > before:
        number = invoice.get("invoice_number")
        report.add(where, number if isinstance(number, str) else "").outcome = Outcome.REFUSED
        return None
    return _Draft(where, header, lines)


def _fields(
    values: dict[str, Any], names: list[str], where: Where, report: ImportReport
) -> dict[str, str]:
    """The fields `names` of a JSON object as text; one that is unreadable (reported) is ""."""
    return {name: field_text(values.get(name), name, where, report) or "" for name in names}


def import_invoices(
    session: Session,
    drafts: list[_Draft],
    report: ImportReport,
    *,
    actor: Account | None,
    source: str,
) -> ImportReport:
    """Checks every invoice and line of a file read by read_csv, read_json or
    read_invoice_file (whose `report` it continues), then writes all new invoices, or nothing
    at all when any problem was found. Invoices already imported with identical content are
    unchanged; the same number with different content is a problem. Returns the report, one
    item per invoice, audited as `invoices.imported` when it is ok."""
    if report.error is not None:
        return report
    issuers = {i.code: i for i in session.scalars(select(Issuer))}
    companies = {
        c.customer_number or "": c
        for chunk in chunks(d.header["customer_number"] for d in drafts)
        for c in session.scalars(select(Company).where(Company.customer_number.in_(chunk)))
    }
    known = _imported_before(session, drafts)
    points: dict[tuple[int, str], int | None] = {}
    new: list[tuple[dict[str, Any], list[dict[str, Any]], str]] = []
    seen: dict[tuple[str, str], str] = {}
    for draft in drafts:
        number = draft.header["invoice_number"]
        item = report.add(draft.where, number)
        if not draft.readable:  # its problems are reported; checks would only echo them
            item.outcome = Outcome.REFUSED
            continue
        checked = _check(session, draft, item, issuers, companies, points, report)
        if checked is None:
            continue
        header, lines = checked
        fingerprint = _fingerprint(draft)
        key = (draft.header["issuer"], number)
        if key in seen:
            if seen[key] != fingerprint:
                report.refuse(
                    item,
                    N_("Invoice %(number)s appears twice in the file with different content."),
                    number=number,
                )
            else:
                item.outcome = Outcome.UNCHANGED  # the same invoice twice: written once
            continue
        seen[key] = fingerprint
        before = known.get((header["issuer"].id, number))
        if before is not None:
            if before != fingerprint:
                report.refuse(
                    item,
                    N_("Invoice %(number)s was imported before with different content."),
                    number=number,
                )
            else:
                item.outcome = Outcome.UNCHANGED
            continue
        item.outcome = Outcome.IMPORTED
        new.append((header, lines, fingerprint))
    if not report.ok:
        return report
    for header, lines, fingerprint in new:
        invoice = Invoice(
            **header, content_hash=fingerprint, version=1, paid_amount=Decimal("0.00")
        )
        invoice.lines = [InvoiceLine(position=n, **line) for n, line in enumerate(lines, 1)]
        session.add(invoice)
    session.flush()
    audit.record(
        session,
        "invoices.imported",
        actor=actor,
        source=source[:200],
        created=report.count(Outcome.IMPORTED),
        unchanged=report.count(Outcome.UNCHANGED),
    )
    return report


def _imported_before(session: Session, drafts: list[_Draft]) -> dict[tuple[int, str], str]:
    """(issuer id, number) -> content hash of the file's invoices that were imported before."""
    numbers = {d.header["invoice_number"] for d in drafts}
    return {
        (issuer, number): digest
        for chunk in chunks(numbers)
        for issuer, number, digest in session.execute(
            select(Invoice.issuer_id, Invoice.number, Invoice.content_hash).where(
                Invoice.number.in_(chunk)
            )
        )
    }


def _fingerprint(draft: _Draft) -> str:
    content = [draft.header, [line.values for line in draft.lines]]
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


Refuse = Callable[..., None]  # (where, message, **params): one problem of the invoice


def _check(
    session: Session,
    draft: _Draft,
    item: Item,
    issuers: dict[str, Issuer],
    companies: dict[str, Company],
    points: dict[tuple[int, str], int | None],
    report: ImportReport,
) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """The invoice's columns for the table and its lines, or None after refusing `item`."""
    before = report.problem_count

    def refuse(where: Where, message: str, /, **params: Any) -> None:
        report.refuse_at(item, where, message, **params)

    h = draft.header
    for name in HEADER_FIELDS:
        if not h[name] and name not in OPTIONAL:
            refuse(draft.where, N_("%(column)s is missing."), column=name)
    if report.problem_count > before:
        return None
    issuer = issuers.get(h["issuer"])
    if issuer is None:
        refuse(draft.where, N_("Unknown issuer %(code)s."), code=h["issuer"])
    company = companies.get(h["customer_number"])
    if company is None:
        refuse(
            draft.where,
            N_("No company has the customer number %(number)s."),
            number=h["customer_number"],
        )
    if len(h["invoice_number"]) > 32 or not INVOICE_NUMBER.fullmatch(h["invoice_number"]):
        refuse(
            draft.where,
            N_("An invoice number has up to 32 letters, digits, dots, dashes or underscores."),
        )
    issue_date = _date(h["issue_date"], "issue_date", draft.where, refuse)
    due_date = _date(h["due_date"], "due_date", draft.where, refuse)
    period_start = _date(h["period_start"], "period_start", draft.where, refuse)
    period_end = _date(h["period_end"], "period_end", draft.where, refuse)
    if issue_date and due_date and due_date < issue_date:
        refuse(draft.where, N_("The due date is before the issue date."))
    if period_start and period_end and period_end < period_start:
        refuse(draft.where, N_("The period ends before it starts."))
    currency = h["currency"].upper()
    if currency not in list_currencies():
        refuse(draft.where, N_("Unknown currency %(code)s."), code=h["currency"][:40])
    if not stdnum_iban.is_valid(h["iban"]):
        refuse(draft.where, N_("%(value)s is not a valid IBAN."), value=h["iban"][:40])
    if h["bic"] and not stdnum_bic.is_valid(h["bic"]):
        refuse(draft.where, N_("%(value)s is not a valid BIC."), value=h["bic"][:40])
    if not h["variable_symbol"].isdigit() or len(h["variable_symbol"]) > 10:
        refuse(draft.where, N_("The variable symbol must be up to 10 digits."))
    status = h["status"] or InvoiceStatus.ISSUED.value
    if status not in (InvoiceStatus.ISSUED.value, InvoiceStatus.CANCELLED.value):
        refuse(draft.where, N_("The status must be issued or cancelled."))
    supply_point_id = None
    if h["supply_point"] and company is not None:
        supply_point_id = _supply_point(session, company, h["supply_point"], points)
        if supply_point_id is None:
            refuse(
                draft.where,
                N_("Supply point %(code)s does not belong to this company."),
                code=h["supply_point"][:40],
            )
    totals = {
        n: _money(h[n], n, draft.where, refuse) for n in ("net_total", "vat_total", "gross_total")
    }
    if len(draft.lines) > MAX_LINES:
        # Its lines are not checked: the file is refused anyway, and must stay quick to refuse.
        refuse(draft.where, N_("An invoice may have at most %(max)s lines."), max=MAX_LINES)
        return None
    before_lines = report.problem_count
    lines = [_check_line(line, refuse) for line in draft.lines]
    lines_readable = report.problem_count == before_lines
    if lines_readable and all(v is not None for v in totals.values()):
        net = sum((line["line_total"] for line in lines), Decimal("0.00"))
        by_rate: dict[Decimal, Decimal] = defaultdict(Decimal)
        for line in lines:
            by_rate[line["vat_rate"]] += line["line_total"]
        vat = sum((_round(base * rate / 100) for rate, base in by_rate.items()), Decimal("0.00"))
        expected = {"net_total": net, "vat_total": vat, "gross_total": net + vat}
        for name, value in expected.items():
            if totals[name] != value:
                refuse(
                    draft.where,
                    N_("%(column)s is %(given)s but the lines make %(computed)s."),
                    column=name,
                    given=str(totals[name]),
                    computed=str(value),
                )
    if report.problem_count > before:
        return None
    header = {
        "issuer": issuer,
        "number": h["invoice_number"],
        "company": company,
        "supply_point_id": supply_point_id,
        "issue_date": issue_date,
        "due_date": due_date,
        "period_start": period_start,
        "period_end": period_end,
        "currency": currency,
        "iban": stdnum_iban.compact(h["iban"]),
        "bic": h["bic"] or None,
        "variable_symbol": h["variable_symbol"],
        "status": InvoiceStatus(status),
        **totals,
    }
    return header, lines


def _check_line(line: _Line, refuse: Refuse) -> dict[str, Any]:
    v, where = line.values, line.where
    missing = [name for name in LINE_FIELDS if not v[name]]
    for name in missing:
        refuse(where, N_("%(column)s is missing."), column=name)
    if missing:
        return {}
    quantity = _decimal(v["quantity"], "quantity", where, refuse, places=3)
    # A negative unit price is a deduction (the advances paid, on a settlement): its line, and
    # even the invoice's total (a credit), may be negative. A quantity never is.
    unit_price = _decimal(v["unit_price"], "unit_price", where, refuse, places=4)
    vat_rate = _decimal(v["vat_rate"], "vat_rate", where, refuse, places=2)
    line_total = _money(v["line_total"], "line_total", where, refuse)
    if quantity is not None and quantity < 0:
        refuse(where, N_("The quantity cannot be negative."))
    if vat_rate is not None and not Decimal(0) <= vat_rate <= Decimal(100):
        refuse(where, N_("The VAT rate must be between 0 and 100."))
    if quantity is not None and unit_price is not None and line_total is not None:
        computed = _round(quantity * unit_price)
        if computed != line_total:
            refuse(
                where,
                N_("line_total is %(given)s but quantity times unit price makes %(computed)s."),
                given=str(line_total),
                computed=str(computed),
            )
    if len(v["description"]) > 300 or len(v["unit"]) > 16:
        refuse(where, N_("The description or the unit is too long."))
    return {
        "description": v["description"],
        "quantity": quantity,
        "unit": v["unit"],
        "unit_price": unit_price,
        "vat_rate": vat_rate,
        "line_total": line_total,
    }


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _decimal(raw: str, name: str, where: Where, refuse: Refuse, *, places: int) -> Decimal | None:
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        refuse(where, N_("%(column)s is not a number: %(value)s."), column=name, value=raw[:40])
        return None
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # a finite number's is
    if -exponent > places or abs(value) >= Decimal(10) ** 10:
        refuse(where, N_("%(column)s has too many digits: %(value)s."), column=name, value=raw[:40])
        return None
    return value


def _money(raw: str, name: str, where: Where, refuse: Refuse) -> Decimal | None:
    value = _decimal(raw, name, where, refuse, places=2)
    return None if value is None else _round(value)


def _date(raw: str, name: str, where: Where, refuse: Refuse) -> dt.date | None:
    if not raw:
        return None
    # fromisoformat() also takes "20261123" and week dates; the file format is YYYY-MM-DD.
    if len(raw) == 10 and raw[4] == raw[7] == "-":
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            pass
    refuse(
        where,
        N_("%(column)s is not a date in the form YYYY-MM-DD: %(value)s."),
        column=name,
        value=raw[:40],
    )
    return None


def _supply_point(
    session: Session, company: Company, code: str, known: dict[tuple[int, str], int | None]
) -> int | None:
    """The id of the company's supply point `code`; `known` remembers the answers, as a file
    names the same few points many times."""
    from models.supply import SupplyPoint  # billing builds on supply, not the other way

    key = (company.id, code)
    if key not in known:
        known[key] = session.scalar(
            select(SupplyPoint.id).where(
                SupplyPoint.company_id == company.id, SupplyPoint.code == code
            )
        )
    return known[key]
