"""The demo's requests: the request types, the routing (technical requests to field service,
billing ones to the billing team, households' questions to customer care's clerk, the rest to
customer care), office hours with Slovakia's public holidays, an SLA for each customer group,
and a dozen requests across the companies in every status: one at risk, one breached, two
rated (satisfied and not).

Times of the requests still running are counted back from the demo's "now" in business hours,
so that the story holds on whatever day and hour the demo is loaded."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from demo import PASSWORD, ZONE, Cast
from models.db import as_of, utcnow
from models.identity import Account, Assignment, Company, StaffRole, Team, create_account
from models.staff import create_team, update_staff
from models.supply import SupplyPoint
from models.tickets import (
    Priority,
    ProcessArea,
    RequestType,
    Ticket,
    TicketStatus,
    add_note,
    add_rule,
    assign,
    attach_policy,
    change_priority,
    change_status,
    confirm_resolution,
    customer_reply,
    define_calendar,
    define_request_type,
    define_sla_policy,
    open_ticket,
    rate_ticket,
    set_team_routing,
    staff_reply,
    sweep_clocks,
)
from models.tickets.calendar import BusinessHours
from models.tickets.policies import public_holidays
from models.tickets.sla import business_hours

H = 60  # minutes
# (first response, resolution) in business minutes.
BUSINESS_SLA = {
    Priority.LOW: (16 * H, 80 * H),
    Priority.NORMAL: (8 * H, 40 * H),
    Priority.HIGH: (4 * H, 16 * H),
    Priority.URGENT: (1 * H, 8 * H),
}
HOUSEHOLD_SLA = {
    Priority.LOW: (24 * H, 120 * H),
    Priority.NORMAL: (16 * H, 80 * H),
    Priority.HIGH: (8 * H, 24 * H),
    Priority.URGENT: (2 * H, 16 * H),
}
# code, names, area, default priority, form fields (name, required)
TYPES: list[tuple[str, dict[str, str], ProcessArea, Priority, list[tuple[str, bool]]]] = [
    (
        "question",
        {"en": "General question", "sk": "Všeobecná otázka"},
        ProcessArea.GENERAL,
        Priority.NORMAL,
        [],
    ),
    (
        "billing",
        {"en": "Billing question", "sk": "Otázka k vyúčtovaniu"},
        ProcessArea.BILLING,
        Priority.NORMAL,
        [("invoice", False)],
    ),
    (
        "fault",
        {"en": "Fault report", "sk": "Nahlásenie poruchy"},
        ProcessArea.TECHNICAL,
        Priority.HIGH,
        [("supply_point", True), ("callback_phone", False)],
    ),
    (
        "complaint",
        {"en": "Complaint", "sk": "Reklamácia"},
        ProcessArea.GENERAL,
        Priority.NORMAL,
        [("invoice", False), ("supply_point", False)],
    ),
    (
        "contract",
        {"en": "Contract change", "sk": "Zmena zmluvy"},
        ProcessArea.CONTRACTS,
        Priority.NORMAL,
        [("supply_point", False)],
    ),
    (
        "move-in",
        {"en": "Moving in", "sk": "Prihlásenie odberného miesta"},
        ProcessArea.CONTRACTS,
        Priority.NORMAL,
        [("move_date", True), ("new_address", True)],
    ),
    (
        "move-out",
        {"en": "Moving out", "sk": "Odhlásenie odberného miesta"},
        ProcessArea.CONTRACTS,
        Priority.NORMAL,
        [
            ("supply_point", True),
            ("move_date", True),
            ("final_reading", True),
            ("new_address", False),
        ],
    ),
]


def demo_now(today: dt.date) -> dt.datetime:
    """The moment the demo's requests are told up to: now, or noon of a day given."""
    now = utcnow()
    if now.astimezone(ZONE).date() == today:
        return now
    return dt.datetime.combine(today, dt.time(12), ZONE).astimezone(dt.UTC)


def business_ago(hours: BusinessHours, now: dt.datetime, span: dt.timedelta) -> dt.datetime:
    """The latest moment from which `span` of business time has passed by `now`."""
    step = dt.timedelta(minutes=15)
    moment, passed = now, dt.timedelta(0)
    while passed < span:
        passed += hours.between(moment - step, moment)
        moment -= step
    return moment


class Desk:
    """The demo's request desk: who files, who answers, and when, as of the demo's now."""

    def __init__(
        self,
        session: Session,
        cast: Cast,
        today: dt.date,
        hours: BusinessHours,
        now: dt.datetime,
    ) -> None:
        self.session, self.cast, self.today, self.hours, self.now = (
            session,
            cast,
            today,
            hours,
            now,
        )
        self.types: dict[str, RequestType] = {}

    def ago(self, business_hours: float) -> dt.datetime:
        return business_ago(self.hours, self.now, dt.timedelta(hours=business_hours))

    def days_ago(self, days: int, hour: int, minute: int = 0) -> dt.datetime:
        day = self.today - dt.timedelta(days=days)
        return dt.datetime.combine(day, dt.time(hour, minute), ZONE)

    def file(
        self,
        when: dt.datetime,
        who: Account,
        company_name: str,
        code: str,
        subject: str,
        description: str,
        **values: str,
    ) -> Ticket:
        company = {c.legal_name: c for c in (self.cast.alfa, self.cast.beta, self.cast.gamma)}[
            company_name
        ]
        with as_of(when):
            return open_ticket(
                self.session,
                actor=who,
                company=company,
                request_type=self.types[code],
                subject=subject,
                description=description,
                values=values,
                today=when.astimezone(ZONE).date(),
            )


def _point(session: Session, company: Company) -> str:
    """The company's first supply point (by code)."""
    return session.scalars(
        select(SupplyPoint.code)
        .where(SupplyPoint.company_id == company.id)
        .order_by(SupplyPoint.code)
        .limit(1)
    ).one()


def _staff(session: Session, cast: Cast, today: dt.date) -> tuple[Team, Team, Account]:
    """Field service (a new team with its technician) beside customer care and billing."""
    with as_of(dt.datetime(today.year - 3, 1, 2, 9, 30, tzinfo=ZONE)):
        field = create_team(session, actor=cast.admin, name="Field service")
        technician = create_account(
            session,
            email="field@example.com",
            full_name="Martin Kováč",
            password=PASSWORD,
            staff_role=StaffRole.CLERK,
        )
        update_staff(
            session,
            actor=cast.admin,
            staff=technician,
            full_name=technician.full_name,
            role=StaffRole.CLERK,
            team_ids=[field.id],
            active=True,
        )
        care, billing = cast.teams["Customer care"], cast.teams["Billing"]
        for team, assignment in (
            (care, Assignment.MANUAL),
            (field, Assignment.ROUND_ROBIN),
            (billing, Assignment.LEAST_OPEN),
        ):
            set_team_routing(
                session,
                actor=cast.admin,
                team=team,
                assignment=assignment,
                takes_unrouted=team is care,
            )
    cast.teams["Field service"] = field
    return field, billing, technician


def load(session: Session, cast: Cast, today: dt.date) -> None:
    field, billing, technician = _staff(session, cast, today)
    desk_now = demo_now(today)
    care = cast.teams["Customer care"]
    admin, clerk, jan, anna = cast.admin, cast.clerk, cast.jan, cast.anna
    with as_of(dt.datetime(today.year - 1, 12, 1, 9, tzinfo=ZONE)):
        calendar = define_calendar(
            session,
            actor=admin,
            name="Office hours, Slovakia",
            timezone="Europe/Bratislava",
            weekdays=range(5),
            opens=dt.time(8),
            closes=dt.time(16),
            holidays=public_holidays("SK", range(today.year - 1, today.year + 2)),
        )
        for group, targets in (("Business", BUSINESS_SLA), ("Households", HOUSEHOLD_SLA)):
            policy = define_sla_policy(
                session, actor=admin, name=group, calendar=calendar, targets=targets
            )
            attach_policy(session, actor=admin, group=cast.groups[group], policy=policy)
        desk = Desk(session, cast, today, business_hours(calendar), desk_now)
        for position, (code, names, area, priority, fields) in enumerate(TYPES):
            desk.types[code] = define_request_type(
                session,
                actor=admin,
                code=code,
                names=names,
                process_area=area,
                default_priority=priority,
                fields=fields,
                position=position * 10,
            )
        add_rule(session, actor=admin, team=field, process_area=ProcessArea.TECHNICAL)
        add_rule(session, actor=admin, team=billing, process_area=ProcessArea.BILLING)
        add_rule(
            session,
            actor=admin,
            team=care,
            customer_group=cast.groups["Households"],
            process_area=ProcessArea.GENERAL,
            assignee=clerk,
        )
    alfa, beta, gamma = (c.legal_name for c in (cast.alfa, cast.beta, cast.gamma))
    alfa_point, beta_point, gamma_point = (
        _point(session, c) for c in (cast.alfa, cast.beta, cast.gamma)
    )

    def reply(
        ticket: Ticket,
        who: Account,
        when: dt.datetime,
        body: str,
        then: TicketStatus | None = None,
    ) -> None:
        with as_of(when):
            staff_reply(session, actor=who, ticket=ticket, body=body, then=then)

    # Closed and rated: Alfa's outage of last month.
    outage = desk.file(
        desk.days_ago(26, 7, 40),
        jan,
        alfa,
        "fault",
        "No power in the warehouse",
        "Since this morning the warehouse has no power; the main breaker is on.",
        supply_point=alfa_point,
        callback_phone="+421 905 123 456",
    )
    reply(
        outage,
        technician,
        desk.days_ago(26, 8, 25),
        "The distributor has a fault on the line in your street; a crew is on its way. "
        "We will tell you when power is back.",
    )
    reply(
        outage,
        technician,
        desk.days_ago(26, 13, 5),
        "The line is repaired and the power is back. Please check that everything works.",
        then=TicketStatus.RESOLVED,
    )
    with as_of(desk.days_ago(26, 14, 30)):
        confirm_resolution(session, actor=jan, ticket=outage)
        rate_ticket(
            session, actor=jan, ticket=outage, satisfied=True, comment="Quick and clear, thanks."
        )
    # Closed and rated unsatisfied: Beta's complaint about a reminder sent in error.
    reminder = desk.file(
        desk.days_ago(16, 10, 5),
        jan,
        beta,
        "complaint",
        "Payment reminder for a paid invoice",
        "We received a reminder for an invoice we paid on time; please check.",
    )
    reply(
        reminder,
        clerk,
        desk.days_ago(15, 11, 40),
        "Your payment arrived a day after the reminder was sent; please disregard it.",
        then=TicketStatus.RESOLVED,
    )
    with as_of(desk.days_ago(15, 16, 20)):
        rate_ticket(
            session,
            actor=jan,
            ticket=reminder,
            satisfied=False,
            comment="The reminder should not have gone out at all.",
        )
    # Closed by staff, not rated: Gamma's contract change.
    contract = desk.file(
        desk.days_ago(20, 18, 10),
        jan,
        gamma,
        "contract",
        "Switch to the two-tariff product",
        "We heat with a heat pump now; please offer us the two-tariff product.",
        supply_point=gamma_point,
    )
    reply(
        contract,
        clerk,
        desk.days_ago(19, 9, 15),
        "The two-tariff product D2 applies from the first day of next month; the new price "
        "list is in your documents.",
        then=TicketStatus.RESOLVED,
    )
    with as_of(desk.days_ago(12, 8, 0)):
        change_status(session, actor=clerk, ticket=contract, status=TicketStatus.CLOSED)
    # Resolved, waiting for Anna to confirm: a billing question.
    invoice_question = desk.file(
        desk.ago(30),
        anna,
        alfa,
        "billing",
        "Why is the October invoice higher?",
        "The October invoice is a third higher than September's; is the consumption right?",
    )
    reply(
        invoice_question,
        admin,
        desk.ago(27),
        "October had a reading of the high tariff after the meter's replacement: the "
        "consumption is right, and the November invoice will be lower again.",
        then=TicketStatus.RESOLVED,
    )
    # Waiting for Jan: a general question about the portal.
    logins = desk.file(
        desk.ago(9),
        jan,
        alfa,
        "question",
        "Can our accountant see only the invoices?",
        "We would like our external accountant to see invoices, but not the meters.",
    )
    reply(
        logins,
        clerk,
        desk.ago(7),
        "Yes: the accountant role sees invoices, price lists and documents only. Should we "
        "add a login for your accountant, and to which e-mail address?",
        then=TicketStatus.WAITING,
    )
    # Open, in progress, with an internal note: Beta's move out.
    move_out = desk.file(
        desk.ago(6),
        jan,
        beta,
        "move-out",
        "Moving out of the Košice office",
        "We leave the office at the end of the month; please end the water supply there.",
        supply_point=beta_point,
        move_date=(today.replace(day=1) + dt.timedelta(days=40)).replace(day=1).isoformat(),
        final_reading="1284.5",
        new_address="Hlavná 80, 040 01 Košice",
    )
    with as_of(desk.ago(5)):
        assign(session, actor=clerk, ticket=move_out, team=care, assignee=clerk)
        add_note(
            session,
            actor=clerk,
            ticket=move_out,
            body="Ask the distributor for the final reading on the day; the meter is in the "
            "cellar, key at the reception.",
        )
    reply(
        move_out,
        clerk,
        desk.ago(4.5),
        "We have planned the final reading with the distributor for your move-out day.",
    )
    # Reopened by Jan after a resolution: Beta's second fault.
    pressure = desk.file(
        desk.ago(8),
        jan,
        beta,
        "fault",
        "Low water pressure",
        "The water pressure in the office kitchen is low since Monday.",
        supply_point=beta_point,
    )
    reply(
        pressure,
        technician,
        desk.ago(7.5),
        "The distributor flushed the line; the pressure should be normal again.",
        then=TicketStatus.RESOLVED,
    )
    with as_of(desk.ago(2)):
        customer_reply(
            session, actor=jan, ticket=pressure, body="It is low again since this morning."
        )
    # Open with its priority raised: Alfa's complaint.
    complaint = desk.file(
        desk.ago(3),
        anna,
        alfa,
        "complaint",
        "Estimated reading instead of ours",
        "The November invoice uses an estimate although we sent the reading on time.",
    )
    with as_of(desk.ago(2.5)):
        change_priority(session, actor=clerk, ticket=complaint, priority=Priority.HIGH)
    reply(
        complaint,
        clerk,
        desk.ago(2),
        "You are right: your reading arrived on time. We are issuing a corrected invoice.",
    )
    # At risk: Beta's question about its advance payments, 85% of the resolution time used.
    advances = desk.file(
        desk.ago(34),
        jan,
        beta,
        "billing",
        "Lower advance payments from January",
        "Our consumption fell since we moved the workshop; can the advances be lower?",
    )
    reply(
        advances,
        admin,
        desk.ago(31),
        "We will recompute the advances from the last twelve months' readings and send the "
        "new schedule.",
    )
    # Breached: Gamma's question, no answer past its first-response time.
    desk.file(
        desk.ago(20),
        jan,
        gamma,
        "question",
        "Paper invoices by post",
        "Can we get our invoices by post as well as by e-mail?",
    )
    # New: Gamma moving in, and Alfa's fault of just now.
    desk.file(
        desk.ago(1),
        jan,
        gamma,
        "move-in",
        "Moving into the new flat",
        "Please start the electricity supply in our new flat.",
        move_date=(today + dt.timedelta(days=21)).isoformat(),
        new_address="Lipová 9, 949 01 Nitra",
    )
    desk.file(
        desk.now - dt.timedelta(minutes=20),
        anna,
        alfa,
        "fault",
        "Meter display is dark",
        "The display of the meter in the office is dark since this morning.",
        supply_point=alfa_point,
    )
    with as_of(desk.now):
        sweep_clocks(session, desk.now)
