"""The one factory module: accounts, companies and memberships made through the domain
operations, and the cast of personas the tests share."""

from __future__ import annotations

import csv
import io
import itertools
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.billing import Invoice, Issuer, import_invoices, read_csv
from models.billing.imports import CSV_COLUMNS
from models.billing.tables import PriceList
from models.identity import (
    Account,
    Company,
    CustomerGroup,
    CustomerRole,
    Membership,
    StaffRole,
    Team,
    create_account,
    create_company,
)
from models.memberships import Invitation, grant_membership, invite
from models.passwords import hash_password

PASSWORD = "correct horse battery staple"
_serial = itertools.count(1)


@cache
def _password_hash() -> str:
    # argon2 is slow on purpose; hash the shared test password once.
    return hash_password(PASSWORD)


def account(
    session: Session,
    email: str | None = None,
    *,
    name: str | None = None,
    staff_role: StaffRole | None = None,
    teams: list[Team] | None = None,
) -> Account:
    n = next(_serial)
    made = create_account(
        session,
        email=email or f"person{n}@example.com",
        full_name=name or f"Person {n}",
        staff_role=staff_role,
    )
    made.password_hash = _password_hash()
    made.teams = teams or []
    session.flush()
    return made


def company(
    session: Session, name: str | None = None, *, group: CustomerGroup | None = None, **fields: str
) -> Company:
    return create_company(
        session,
        legal_name=name or f"Company {next(_serial)} s.r.o.",
        customer_group=group,
        **fields,
    )


def member(
    session: Session, who: Account, where: Company, role: CustomerRole = CustomerRole.OWNER
) -> None:
    grant_membership(session, account=who, company=where, role=role)


def membership(session: Session, who: Account, where: Company) -> Membership | None:
    """`who`'s membership in `where`, as the database has it now."""
    return session.scalars(
        select(Membership).where(Membership.account_id == who.id, Membership.company_id == where.id)
    ).one_or_none()


def invitation(
    session: Session,
    where: Company,
    email: str = "new@example.com",
    role: CustomerRole = CustomerRole.VIEWER,
) -> Invitation:
    """An open invitation to `where`, sent by one of its owners."""
    owner = session.scalars(
        select(Account)
        .join(Membership, Membership.account_id == Account.id)
        .where(Membership.company_id == where.id, Membership.role == CustomerRole.OWNER)
    ).first()
    return invite(session, actor=owner, company=where, email=email, role=role)[0]


@dataclass
class People:
    jan: Account
    anna: Account
    eva: Account
    admin: Account
    clerk: Account
    agent: Account
    alfa: Company
    beta: Company
    gamma: Company
    care: Team
    business: CustomerGroup


def people(session: Session) -> People:
    care = Team(name="Customer care")
    session.add(care)
    business = CustomerGroup(name="Business", responsible_team=care)
    session.add(business)
    session.flush()
    alfa = company(
        session,
        "Alfa Trade s.r.o.",
        customer_number="1000001",
        group=business,
        company_number="35757442",
        contact_email="office@alfa-trade.example",
    )
    beta = company(
        session,
        "Beta Services s.r.o.",
        customer_number="1000002",
        group=business,
        company_number="36631124",
    )
    gamma = company(session, "Gamma Household", customer_number="1000003")
    jan = account(session, "jan.novak@example.com", name="Ján Novák")
    anna = account(session, "anna.kralova@example.com", name="Anna Kráľová")
    eva = account(session, "eva.horvathova@example.com", name="Eva Horváthová")
    for where in (alfa, beta, gamma):
        member(session, jan, where, CustomerRole.OWNER)
    member(session, anna, alfa, CustomerRole.MANAGER)
    member(session, eva, beta, CustomerRole.ACCOUNTANT)
    admin = account(session, "admin@example.com", name="Admin", staff_role=StaffRole.ADMINISTRATOR)
    clerk = account(
        session, "clerk@example.com", name="Clerk", staff_role=StaffRole.CLERK, teams=[care]
    )
    agent = account(session, "agent@example.com", name="Agent", staff_role=StaffRole.CALL_CENTER)
    session.commit()
    return People(jan, anna, eva, admin, clerk, agent, alfa, beta, gamma, care, business)


# Supply points, meters and readings ------------------------------------------------------

import datetime as dt  # noqa: E402  (the supply factories' dates; appended with them)


def eic_code(n: int | None = None) -> str:
    """A valid EIC of a Slovak metering point, its check character computed by stdnum."""
    from stdnum.eu import eic

    while True:
        body = f"24ZSS{next(_serial) if n is None else n:010d}"
        check = eic.calc_check_digit(body)
        if check != "-" or n is not None:  # a code cannot end in "-": take the next number
            return body + check


def ean_code(n: int | None = None) -> str:
    """A valid 18-digit EAN (GSRN) with its GS1 check digit."""
    from stdnum import ean

    body = f"859182400{next(_serial) if n is None else n:08d}"
    return body + ean.calc_check_digit(body)


def supply_point(
    session: Session,
    where: Company,
    *,
    registers: tuple[str, ...] = ("T1",),
    digits: int = 6,
    decimals: int = 0,
    self_reading: bool = True,
    installed_on: dt.date = dt.date(2023, 1, 1),
    commodity: str = "electricity",
    code: str | None = None,
):  # type: ignore[no-untyped-def]
    """An active supply point of `where` with one meter of `registers`."""
    from models.supply import Commodity, RegisterSpec, create_supply_point, install_meter

    point = create_supply_point(
        session,
        actor=None,
        company=where,
        code=code or eic_code(),
        commodity=Commodity(commodity),
        address="Obchodná 12, 811 06 Bratislava",
        tariff="D2",
        self_reading_allowed=self_reading,
    )
    install_meter(
        session,
        actor=None,
        point=point,
        serial_number=f"M{next(_serial):07d}",
        installed_on=installed_on,
        registers=[RegisterSpec(c, digits, decimals) for c in registers],
    )
    return point


def read(
    session: Session,
    point,  # type: ignore[no-untyped-def]
    day: dt.date,
    *values: object,
    who: Account | None = None,
    rollover: tuple[str, ...] = (),
    key: str | None = None,
    source: str = "customer",
    tolerance: str = "0.5",
    today: dt.date | None = None,
):  # type: ignore[no-untyped-def]
    """Submits `values` for the registers of the meter in place on `day`, in register order."""
    from decimal import Decimal

    from models.supply import ReadingSource, RegisterValue, submit_reading

    meter = point.meter_on(day)
    return submit_reading(
        session,
        actor=who,
        point=point,
        meter=meter,
        reading_date=day,
        values=[
            RegisterValue(r.id, v if isinstance(v, str) else Decimal(str(v)), r.code in rollover)
            for r, v in zip(meter.registers, values, strict=True)
        ],
        tolerance=Decimal(tolerance),
        today=today or max(day, dt.date.today()),
        idempotency_key=key,
        source=ReadingSource(source),
    )


def monthly_readings(
    session: Session, point, start: dt.date, values: list[int], *, step_days: int = 30
):  # type: ignore[no-untyped-def]
    """Distributor readings of a single-register point every `step_days` days from `start`."""
    for i, value in enumerate(values):
        read(session, point, start + dt.timedelta(days=step_days * i), value, source="distributor")


# Billing ------------------------------------------------------------------------------------

ISSUER_IBAN = "SK3112000000198742637541"


def issuer(session: Session, code: str = "ENERGIA") -> Issuer:
    """The issuer `code`, created the first time it is asked for."""
    found = session.scalars(select(Issuer).where(Issuer.code == code)).first()
    if found is None:
        found = Issuer(
            code=code,
            name="Energia Slovensko, a.s.",
            address="Mlynské nivy 44\n821 09 Bratislava",
            company_number="50123456",
            vat_id="SK2120123456",
            iban=ISSUER_IBAN,
            bic="TATRSKBX",
        )
        session.add(found)
        session.flush()
    return found


def invoice_rows(
    where: Company,
    number: str = "2026-0042",
    *,
    lines: tuple[tuple[str, str, str, str], ...] = (
        ("Electricity", "412", "0.2500", "20"),
        ("Monthly fee", "1", "17.50", "20"),
    ),
    issued: str = "2026-11-01",
    due: str = "2026-11-15",
    iban: str = ISSUER_IBAN,
    **header: str,
) -> list[dict[str, str]]:
    """CSV rows of one invoice whose totals add up (override any column to break them)."""
    totals = [
        (Decimal(q) * Decimal(p)).quantize(Decimal("0.01"), ROUND_HALF_UP) for _, q, p, _ in lines
    ]
    net = sum(totals, Decimal("0.00"))
    vat = sum(
        (
            (t * Decimal(r) / 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
            for t, (_, _, _, r) in zip(totals, lines, strict=True)
        ),
        Decimal("0.00"),
    )
    base = {
        "issuer": "ENERGIA",
        "invoice_number": number,
        "customer_number": where.customer_number,
        "supply_point": "",
        "issue_date": issued,
        "due_date": due,
        "period_start": "2026-10-01",
        "period_end": "2026-10-31",
        "currency": "EUR",
        "iban": iban,
        "bic": "TATRSKBX",
        "variable_symbol": "".join(filter(str.isdigit, number)),
        "status": "issued",
        "net_total": str(net),
        "vat_total": str(vat),
        "gross_total": str(net + vat),
        **header,
    }
    return [
        {
            **base,
            "description": d,
            "quantity": q,
            "unit": "kWh",
            "unit_price": p,
            "vat_rate": r,
            "line_total": str(t),
        }
        for (d, q, p, r), t in zip(lines, totals, strict=True)
    ]


def csv_text(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def invoice(
    session: Session, where: Company, number: str = "2026-0042", **kwargs: object
) -> Invoice:
    """An invoice imported through the import operation, as the billing system sends it."""
    issuer(session)
    report = import_invoices(
        session,
        *read_csv(csv_text(invoice_rows(where, number, **kwargs))),
        actor=None,
        source="factory",
    )
    assert report.ok, report.problems
    return session.scalars(
        select(Invoice).where(Invoice.number == number, Invoice.company_id == where.id)
    ).one()


# Price lists ---------------------------------------------------------------------------------


def customer_group(session: Session, name: str, team: Team | None = None) -> CustomerGroup:
    group = CustomerGroup(name=name, responsible_team=team)
    session.add(group)
    session.flush()
    return group


def price_list(
    session: Session,
    name: str | None = None,
    *,
    commodity: str = "electricity",
    valid_from: dt.date = dt.date(2026, 1, 1),
    valid_to: dt.date | None = None,
    company: Company | None = None,
    items: dict[str, str] | None = None,
    groups: tuple[tuple[CustomerGroup, int], ...] = (),
    actor: Account | None = None,
) -> PriceList:
    """A price list made through the operations: `items` maps a code to its unit price (the
    item is named "Item <code>", per kWh, VAT 23 %); `groups` are (group, priority) pairs."""
    from models.billing.pricing import assign_to_group, create_price_list, set_item

    made = create_price_list(
        session,
        actor=actor,  # type: ignore[arg-type]
        name=name or f"Price list {next(_serial)}",
        commodity=commodity,
        valid_from=valid_from,
        valid_to=valid_to,
        company=company,
    )
    for code, price in (items or {}).items():
        set_item(
            session,
            actor=actor,  # type: ignore[arg-type]
            price_list=made,
            code=code,
            name=f"Item {code}",
            unit="kWh",
            unit_price=Decimal(price),
            vat_rate=Decimal("23"),
        )
    for group, priority in groups:
        assign_to_group(
            session,
            actor=actor,  # type: ignore[arg-type]
            price_list=made,
            group=group,
            priority=priority,
        )
    return made


# Change requests -------------------------------------------------------------------------

from models.changes import COMPANY_FIELDS, ChangeRequest, file_change  # noqa: E402

TODAY = dt.date(2026, 12, 3)


def change(
    session: Session, where: Company, who: Account, supply_point: object = None, **values: str
) -> ChangeRequest:
    """A pending change request of `where` filed by `who`, for `values` (any field)."""
    return file_change(
        session,
        actor=who,
        company=where,
        values=values,
        allowed=set(values),
        today=TODAY,
        supply_point=supply_point,  # type: ignore[arg-type]
    )


ALL_COMPANY_FIELDS = frozenset(COMPANY_FIELDS)


# Requests and tickets ------------------------------------------------------------------------

from models.identity import Assignment  # noqa: E402
from models.tickets import (  # noqa: E402  (appended with the ticket factories)
    Priority,
    ProcessArea,
    RequestType,
    SLAPolicy,
    Ticket,
    add_rule,
    attach_policy,
    define_calendar,
    define_request_type,
    define_sla_policy,
    open_ticket,
    set_team_routing,
)

# Office hours in Bratislava with the Christmas holidays of 2026.
OFFICE_HOLIDAYS = {
    dt.date(2026, 12, 24): "Christmas Eve",
    dt.date(2026, 12, 25): "Christmas Day",
    dt.date(2026, 12, 26): "St Stephen's Day",
    dt.date(2027, 1, 1): "New Year",
}
# (first response, resolution) in business minutes, per priority.
BUSINESS_TARGETS = {
    Priority.LOW: (16 * 60, 80 * 60),
    Priority.NORMAL: (8 * 60, 40 * 60),
    Priority.HIGH: (4 * 60, 16 * 60),
    Priority.URGENT: (60, 8 * 60),
}


@dataclass
class Desk:
    """The request desk of the personas: a fault report routed to field service, a question
    left to the fallback team (customer care), and the Business group's SLA."""

    fault: RequestType
    question: RequestType
    field_service: Team
    technician: Account
    policy: SLAPolicy


def desk(session: Session, people: People) -> Desk:
    calendar = define_calendar(
        session,
        actor=None,
        name="Office hours",
        timezone="Europe/Bratislava",
        weekdays=range(5),
        opens=dt.time(8),
        closes=dt.time(16),
        holidays=OFFICE_HOLIDAYS,
    )
    policy = define_sla_policy(
        session, actor=None, name="Business", calendar=calendar, targets=BUSINESS_TARGETS
    )
    attach_policy(session, actor=None, group=people.business, policy=policy)
    fault = define_request_type(
        session,
        actor=None,
        code="fault",
        names={"en": "Fault report", "sk": "Nahlásenie poruchy"},
        process_area=ProcessArea.TECHNICAL,
        default_priority=Priority.HIGH,
        fields=[("supply_point", True), ("callback_phone", False)],
    )
    question = define_request_type(
        session,
        actor=None,
        code="question",
        names={"en": "General question"},
        process_area=ProcessArea.GENERAL,
        default_priority=Priority.NORMAL,
    )
    field_service = Team(name="Field service")
    session.add(field_service)
    technician = account(
        session,
        "technician@example.com",
        name="Tomáš Technik",
        staff_role=StaffRole.CLERK,
        teams=[field_service],
    )
    set_team_routing(
        session, actor=None, team=people.care, assignment=Assignment.MANUAL, takes_unrouted=True
    )
    add_rule(session, actor=None, team=field_service, process_area=ProcessArea.TECHNICAL)
    session.flush()
    return Desk(fault, question, field_service, technician, policy)


def ticket(
    session: Session,
    people: People,
    request_type: RequestType,
    *,
    by: Account | None = None,
    where: Company | None = None,
    subject: str = "No power since the morning",
    description: str = "The main breaker is on, but nothing works.",
    **values: str,
) -> Ticket:
    return open_ticket(
        session,
        actor=by or people.jan,
        company=where or people.alfa,
        request_type=request_type,
        subject=subject,
        description=description,
        values=values,
        today=TODAY,
    )
