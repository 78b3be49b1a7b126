"""Invoices from the supplier's billing system, as CSV (one row per invoice line, the
invoice's fields repeated) or JSON (invoices with their lines). Every row is checked; a file
with any error imports nothing and reports each bad row with its place and reason. An
invoice imported before with the same content is left alone, so a re-import changes nothing."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from babel.numbers import list_currencies
from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban

from models import audit
from models.billing.tables import Invoice, InvoiceLine, InvoiceStatus, Issuer
from models.errors import N_
from models.identity import Account, Company

CENT = Decimal("0.01")
INVOICE_NUMBER = re.compile(r"[A-Za-z0-9._-]+")  # it is part of the invoice's URL
MAX_LINES = 500  # an invoice's PDF must stay small and quick to render
MAX_FILE_INVOICES = 20_000

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


@dataclass(frozen=True)
class Problem:
    """One reason a row was refused: where (e.g. "row 7"), a message and its parameters."""

    where: str
    message: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class _Line:
    where: str
    values: dict[str, Any]


@dataclass
class _Draft:
    where: str
    header: dict[str, Any]
    lines: list[_Line]


def read_csv(text: str) -> tuple[list[_Draft], list[Problem]]:
    """Groups the CSV's rows into invoices by issuer and number; row numbers count the header
    as row 1, as a spreadsheet shows them."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        return [], [
            Problem("row 1", N_("Missing columns: %(columns)s."), {"columns": ", ".join(missing)})
        ]
    drafts: dict[tuple[str, str], _Draft] = {}
    problems: list[Problem] = []
    for number, row in enumerate(reader, start=2):
        where = f"row {number}"
        row = {k: (v or "").strip() for k, v in row.items() if k in CSV_COLUMNS}
        key = (row["issuer"], row["invoice_number"])
        header = {k: row[k] for k in HEADER_FIELDS}
        draft = drafts.get(key)
        if draft is None:
            drafts[key] = _Draft(where, header, [])
            draft = drafts[key]
        elif draft.header != header:
            problems.append(
                Problem(
                    where,
                    N_("The invoice's fields differ from its first row (%(first)s)."),
                    {"first": draft.where},
                )
            )
        draft.lines.append(_Line(where, {k: row[k] for k in LINE_FIELDS}))
    return list(drafts.values()), problems


def read_json(text: str) -> tuple[list[_Draft], list[Problem]]:
    """A JSON list of invoices, each with the header fields and a list `lines`."""
    try:
        data = json.loads(text, parse_float=str, parse_int=str)
    except json.JSONDecodeError as error:
        return [], [
            Problem(
                f"line {error.lineno}", N_("Not valid JSON: %(reason)s."), {"reason": error.msg}
            )
        ]
    if not isinstance(data, list):
        return [], [Problem("file", N_("The file must hold a list of invoices."))]
    drafts, problems = [], []
    for n, item in enumerate(data, start=1):
        where = f"invoice {n}"
        if not isinstance(item, dict) or not isinstance(item.get("lines"), list):
            problems.append(
                Problem(where, N_("An invoice must be an object with a list of lines."))
            )
            continue
        header = {k: _text(item.get(k)) for k in HEADER_FIELDS}
        lines = [
            _Line(f"{where}, line {m}", {k: _text((line or {}).get(k)) for k in LINE_FIELDS})
            for m, line in enumerate(item["lines"], start=1)
        ]
        drafts.append(_Draft(where, header, lines))
    return drafts, problems


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def import_invoices(
    session: Session,
    drafts: list[_Draft],
    problems: list[Problem],
    *,
    actor: Account | None,
    source: str,
) -> ImportReport:
    """Checks every invoice and line, then writes all new invoices, or nothing at all when
    any problem was found. Invoices already imported with identical content are counted as
    unchanged; the same number with different content is a problem."""
    report = ImportReport(problems=list(problems))
    if len(drafts) > MAX_FILE_INVOICES:
        report.problems.append(
            Problem("file", N_("At most %(max)s invoices per file."), {"max": MAX_FILE_INVOICES})
        )
        return report
    issuers = {i.code: i for i in session.scalars(select(Issuer))}
    numbers = {d.header["customer_number"] for d in drafts}
    companies = {
        c.customer_number: c
        for c in session.scalars(select(Company).where(Company.customer_number.in_(numbers)))
    }
    checked: list[tuple[_Draft, dict[str, Any], list[dict[str, Any]], str]] = []
    seen: dict[tuple[str, str], str] = {}
    for draft in drafts:
        header, lines = _check(session, draft, issuers, companies, report.problems)
        if header is None:
            continue
        fingerprint = _fingerprint(draft)
        key = (draft.header["issuer"], draft.header["invoice_number"])
        if key in seen and seen[key] != fingerprint:
            report.problems.append(
                Problem(
                    draft.where,
                    N_("Invoice %(number)s appears twice in the file with different content."),
                    {"number": key[1]},
                )
            )
            continue
        seen[key] = fingerprint
        existing = session.scalar(
            select(Invoice).where(
                Invoice.issuer_id == header["issuer"].id, Invoice.number == key[1]
            )
        )
        if existing is not None:
            if existing.content_hash != fingerprint:
                report.problems.append(
                    Problem(
                        draft.where,
                        N_("Invoice %(number)s was imported before with different content."),
                        {"number": key[1]},
                    )
                )
            elif key[1] not in report.unchanged:
                report.unchanged.append(key[1])
            continue
        checked.append((draft, header, lines, fingerprint))
    if report.problems:
        report.created.clear()
        return report
    written: set[tuple[str, str]] = set()
    for draft, header, lines, fingerprint in checked:
        key = (draft.header["issuer"], draft.header["invoice_number"])
        if key in written:
            continue
        written.add(key)
        invoice = Invoice(
            **header, content_hash=fingerprint, version=1, paid_amount=Decimal("0.00")
        )
        invoice.lines = [InvoiceLine(position=n, **line) for n, line in enumerate(lines, 1)]
        session.add(invoice)
        report.created.append(invoice.number)
    session.flush()
    audit.record(
        session,
        "invoices.imported",
        actor=actor,
        source=source[:200],
        created=len(report.created),
        unchanged=len(report.unchanged),
    )
    return report


def _fingerprint(draft: _Draft) -> str:
    content = [draft.header, [line.values for line in draft.lines]]
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def _check(
    session: Session,
    draft: _Draft,
    issuers: dict[str, Issuer],
    companies: dict[str, Company],
    problems: list[Problem],
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The invoice's columns for the table, or None after adding its problems."""
    found: list[Problem] = []

    def refuse(where: str, message: str, **params: Any) -> None:
        found.append(Problem(where, message, params))

    h = draft.header
    for name in HEADER_FIELDS:
        if not h[name] and name not in OPTIONAL:
            refuse(draft.where, N_("%(column)s is missing."), column=name)
    if found:
        problems.extend(found)
        return None, []
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
    issue_date = _date(h["issue_date"], "issue_date", draft.where, found)
    due_date = _date(h["due_date"], "due_date", draft.where, found)
    period_start = _date(h["period_start"], "period_start", draft.where, found)
    period_end = _date(h["period_end"], "period_end", draft.where, found)
    if issue_date and due_date and due_date < issue_date:
        refuse(draft.where, N_("The due date is before the issue date."))
    if period_start and period_end and period_end < period_start:
        refuse(draft.where, N_("The period ends before it starts."))
    currency = h["currency"].upper()
    if currency not in list_currencies():
        refuse(draft.where, N_("Unknown currency %(code)s."), code=h["currency"])
    if not stdnum_iban.is_valid(h["iban"]):
        refuse(draft.where, N_("%(value)s is not a valid IBAN."), value=h["iban"])
    if h["bic"] and not stdnum_bic.is_valid(h["bic"]):
        refuse(draft.where, N_("%(value)s is not a valid BIC."), value=h["bic"])
    if not h["variable_symbol"].isdigit() or len(h["variable_symbol"]) > 10:
        refuse(draft.where, N_("The variable symbol must be up to 10 digits."))
    status = h["status"] or InvoiceStatus.ISSUED.value
    if status not in (InvoiceStatus.ISSUED.value, InvoiceStatus.CANCELLED.value):
        refuse(draft.where, N_("The status must be issued or cancelled."))
    supply_point_id = None
    if h["supply_point"] and company is not None:
        supply_point_id = _supply_point(session, company, h["supply_point"])
        if supply_point_id is None:
            refuse(
                draft.where,
                N_("Supply point %(code)s does not belong to this company."),
                code=h["supply_point"],
            )
    totals = {
        n: _money(h[n], n, draft.where, found) for n in ("net_total", "vat_total", "gross_total")
    }
    if len(draft.lines) > MAX_LINES:
        refuse(draft.where, N_("An invoice may have at most %(max)s lines."), max=MAX_LINES)
    before_lines = len(found)
    lines = [_check_line(line, found) for line in draft.lines]
    lines_readable = len(found) == before_lines
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
    if found:
        problems.extend(found)
        return None, []
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


def _check_line(line: _Line, found: list[Problem]) -> dict[str, Any]:
    v = line.values
    for name in LINE_FIELDS:
        if not v[name]:
            found.append(Problem(line.where, N_("%(column)s is missing."), {"column": name}))
    if any(not v[name] for name in LINE_FIELDS):
        return {}
    quantity = _decimal(v["quantity"], "quantity", line.where, found, places=3)
    unit_price = _decimal(v["unit_price"], "unit_price", line.where, found, places=4)
    vat_rate = _decimal(v["vat_rate"], "vat_rate", line.where, found, places=2)
    line_total = _money(v["line_total"], "line_total", line.where, found)
    if quantity is not None and quantity < 0:
        found.append(Problem(line.where, N_("The quantity cannot be negative.")))
    if unit_price is not None and unit_price < 0:
        found.append(Problem(line.where, N_("The unit price cannot be negative.")))
    if vat_rate is not None and not Decimal(0) <= vat_rate <= Decimal(100):
        found.append(Problem(line.where, N_("The VAT rate must be between 0 and 100.")))
    if None not in (quantity, unit_price, line_total):
        computed = _round(quantity * unit_price)
        if computed != line_total:
            found.append(
                Problem(
                    line.where,
                    N_("line_total is %(given)s but quantity times unit price makes %(computed)s."),
                    {"given": str(line_total), "computed": str(computed)},
                )
            )
    if len(v["description"]) > 300 or len(v["unit"]) > 16:
        found.append(Problem(line.where, N_("The description or the unit is too long.")))
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


def _decimal(
    raw: str, name: str, where: str, found: list[Problem], *, places: int
) -> Decimal | None:
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        found.append(
            Problem(
                where,
                N_("%(column)s is not a number: %(value)s."),
                {"column": name, "value": raw[:40]},
            )
        )
        return None
    if -value.as_tuple().exponent > places or abs(value) >= Decimal(10) ** 10:
        found.append(
            Problem(
                where,
                N_("%(column)s has too many digits: %(value)s."),
                {"column": name, "value": raw[:40]},
            )
        )
        return None
    return value


def _money(raw: str, name: str, where: str, found: list[Problem]) -> Decimal | None:
    value = _decimal(raw, name, where, found, places=2)
    return None if value is None else _round(value)


def _date(raw: str, name: str, where: str, found: list[Problem]) -> dt.date | None:
    if not raw:
        return None
    # fromisoformat() also takes "20261123" and week dates; the file format is YYYY-MM-DD.
    if len(raw) == 10 and raw[4] == raw[7] == "-":
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            pass
    found.append(
        Problem(
            where,
            N_("%(column)s is not a date in the form YYYY-MM-DD: %(value)s."),
            {"column": name, "value": raw[:40]},
        )
    )
    return None


def _supply_point(session: Session, company: Company, code: str) -> int | None:
    from models.supply import SupplyPoint  # billing builds on supply, not the other way

    return session.scalar(
        select(SupplyPoint.id).where(SupplyPoint.company_id == company.id, SupplyPoint.code == code)
    )
