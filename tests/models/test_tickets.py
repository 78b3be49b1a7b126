"""Requests: routing, the SLA clock on business hours, the timeline, and the rules the
operations keep (a closed request takes no reply, a breach is recorded once)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from models.db import as_of
from models.errors import DomainError
from models.identity import Assignment, Team
from models.outbox import OutboxMessage
from models.tickets import (
    EventKind,
    Priority,
    ProcessArea,
    TicketStatus,
    add_note,
    add_rule,
    assign,
    change_priority,
    change_sla,
    change_status,
    confirm_resolution,
    customer_reply,
    rate_ticket,
    reopen_ticket,
    route,
    staff_reply,
    sweep_clocks,
)
from models.tickets.routing import pick_assignee
from tests import factories
from tests.factories import customer_group, desk, supply_point, ticket

UTC = dt.UTC


def at(day: int, hour: int, minute: int = 0, month: int = 12, year: int = 2026) -> dt.datetime:
    """A moment in Bratislava in winter (UTC+1), as UTC."""
    return dt.datetime(year, month, day, hour - 1, minute, tzinfo=UTC)


def template_mails(session, template):
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.template == template)))


@pytest.fixture
def office(session, people):
    return desk(session, people)


@pytest.fixture
def point(session, people):
    return supply_point(session, people.alfa)


def test_the_first_matching_rule_by_position_routes_the_request(session, people, office):
    billing = Team(name="Billing")
    session.add(billing)
    session.flush()
    # A later rule for the same type does not win over an earlier, wider one...
    add_rule(session, actor=None, team=billing, request_type=office.fault, position=50)
    assert route(session, office.fault, people.alfa).team == office.field_service
    # ... and a rule placed before it does.
    first = add_rule(session, actor=None, team=billing, request_type=office.fault, position=1)
    routed = route(session, office.fault, people.alfa)
    assert routed.team == billing and routed.rule == first


def test_a_rule_for_a_customer_group_routes_only_that_groups_companies(session, people, office):
    households = customer_group(session, "Households")
    people.gamma.customer_group = households
    metering = Team(name="Metering")
    session.add(metering)
    session.flush()
    add_rule(session, actor=None, team=metering, customer_group=households, position=1)
    assert route(session, office.question, people.gamma).team == metering
    assert route(session, office.question, people.alfa).team == people.care


def test_without_a_matching_rule_the_fallback_team_takes_the_request(session, people, office):
    routed = route(session, office.question, people.alfa)
    assert routed.team == people.care and routed.rule is None
    people.care.takes_unrouted = False
    assert route(session, office.question, people.alfa).team is None


def test_changed_rules_route_new_requests_only(session, people, office, point):
    filed = ticket(session, people, office.fault, supply_point=point.code)
    add_rule(session, actor=None, team=people.care, request_type=office.fault, position=1)
    later = ticket(session, people, office.fault, supply_point=point.code)
    assert filed.team == office.field_service and later.team == people.care


def test_round_robin_gives_each_member_a_turn(session, people, office):
    second = factories.account(session, name="Second", teams=[office.field_service])
    office.field_service.assignment = Assignment.ROUND_ROBIN
    turns = [pick_assignee(session, office.field_service) for _ in range(3)]
    assert turns == [office.technician, second, office.technician]


def test_least_open_gives_the_request_to_whoever_has_fewest(session, people, office, point):
    second = factories.account(session, name="Second", teams=[office.field_service])
    office.field_service.assignment = Assignment.LEAST_OPEN
    first = ticket(session, people, office.fault, supply_point=point.code)
    assert first.assignee == office.technician
    assert ticket(session, people, office.fault, supply_point=point.code).assignee == second
    change_status(session, actor=office.technician, ticket=first, status=TicketStatus.CLOSED)
    assert ticket(session, people, office.fault, supply_point=point.code).assignee == (
        office.technician
    )


def test_a_rule_may_name_who_gets_the_request(session, people, office, point):
    add_rule(
        session,
        actor=None,
        team=office.field_service,
        request_type=office.fault,
        assignee=office.technician,
        position=1,
    )
    filed = ticket(session, people, office.fault, supply_point=point.code)
    assert filed.assignee == office.technician
    assert [m.recipient for m in template_mails(session, "ticket_for_staff")] == [
        "technician@example.com"
    ]
    with pytest.raises(DomainError) as refused:
        add_rule(session, actor=None, team=people.care, assignee=office.technician)
    assert refused.value.field == "assignee"


# Filed at, priority -> (first response due, resolution due), office hours 8-16 in Bratislava.
CLOCKS = [
    pytest.param(at(4, 15), Priority.NORMAL, at(7, 15), at(11, 15), id="friday-over-weekend"),
    pytest.param(at(4, 15), Priority.HIGH, at(7, 11), at(8, 15), id="high-over-weekend"),
    pytest.param(at(4, 15), Priority.URGENT, at(4, 16), at(7, 15), id="urgent-ends-at-closing"),
    pytest.param(at(5, 10), Priority.URGENT, at(7, 9), at(7, 16), id="filed-on-saturday"),
    pytest.param(at(7, 6), Priority.HIGH, at(7, 12), at(8, 16), id="filed-before-opening"),
    pytest.param(at(7, 19), Priority.HIGH, at(8, 12), at(9, 16), id="filed-at-night"),
    pytest.param(
        at(23, 14), Priority.NORMAL, at(28, 14), at(4, 14, month=1, year=2027), id="over-christmas"
    ),
    pytest.param(
        at(31, 14),
        Priority.HIGH,
        at(4, 10, month=1, year=2027),
        at(5, 14, month=1, year=2027),
        id="over-new-year",
    ),
    pytest.param(at(7, 8), Priority.LOW, at(8, 16), at(18, 16), id="low-two-weeks"),
]


@pytest.mark.parametrize(("filed_at", "priority", "response_due", "resolution_due"), CLOCKS)
def test_due_times_count_business_hours(
    session, people, office, filed_at, priority, response_due, resolution_due
):
    office.question.default_priority = priority
    with as_of(filed_at):
        filed = ticket(session, people, office.question)
    assert filed.sla_policy == office.policy
    assert (filed.first_response_due_at, filed.resolution_due_at) == (response_due, resolution_due)
    assert filed.due_at == response_due  # the running clock: first response


def test_the_at_risk_time_is_when_a_fifth_of_the_target_is_left(session, people, office):
    office.question.default_priority = Priority.URGENT  # 60 and 480 minutes
    with as_of(at(7, 8)):
        filed = ticket(session, people, office.question)
    assert filed.first_response_risk_at == at(7, 8, 48)
    assert filed.resolution_risk_at == at(7, 14, 24)


def test_waiting_for_the_customer_pauses_the_clock(session, people, office, point):
    with as_of(at(7, 8)):  # Monday 08:00, high: 4 h and 16 h
        filed = ticket(session, people, office.fault, supply_point=point.code)
    with as_of(at(7, 9)):
        staff_reply(
            session,
            actor=office.technician,
            ticket=filed,
            body="Is the meter's display on?",
            then=TicketStatus.WAITING,
        )
    assert filed.status == TicketStatus.WAITING and filed.first_responded_at == at(7, 9)
    assert filed.paused_at == at(7, 9)
    with as_of(at(8, 10)):  # Tuesday 10:00: 7 h on Monday and 2 h on Tuesday paused
        customer_reply(session, actor=people.jan, ticket=filed, body="No, it is dark.")
    assert filed.status == TicketStatus.OPEN and filed.paused_at is None
    assert filed.paused_seconds == 9 * 3600
    # 16 h + 9 h paused from Monday 08:00: Monday, Tuesday, Wednesday and an hour of Thursday.
    assert filed.resolution_due_at == filed.due_at == at(10, 9)


def test_a_breach_is_recorded_once_and_never_reset(session, people, office):
    office.question.default_priority = Priority.URGENT
    with as_of(at(7, 8)):
        filed = ticket(session, people, office.question)
    assert sweep_clocks(session, at(7, 8, 30)) == 0
    assert sweep_clocks(session, at(7, 8, 50)) == 1  # at risk
    assert filed.first_response_warned_at == at(7, 8, 48)
    assert sweep_clocks(session, at(7, 9, 30)) == 1  # breached
    assert sweep_clocks(session, at(7, 10)) == 0
    assert filed.first_response_breached_at == at(7, 9)
    kinds = [e.kind for e in filed.events if e.kind in (EventKind.AT_RISK, EventKind.BREACH)]
    assert kinds == [EventKind.AT_RISK, EventKind.BREACH]
    assert not any(e.public for e in filed.events if e.kind in kinds)
    with as_of(at(7, 10)):  # a slower target now would not have been breached
        change_priority(session, actor=people.clerk, ticket=filed, priority=Priority.LOW)
    assert filed.first_response_due_at == at(8, 16)
    assert filed.first_response_breached_at == at(7, 9)
    # The care team (no assignee) heard of both.
    assert [m.param_map["what"] for m in template_mails(session, "ticket_for_staff")] == [
        "at_risk",
        "breach",
    ]


def test_a_late_first_reply_records_the_breach_itself(session, people, office):
    office.question.default_priority = Priority.URGENT
    with as_of(at(7, 8)):
        filed = ticket(session, people, office.question)
    with as_of(at(7, 11)):
        staff_reply(session, actor=people.clerk, ticket=filed, body="Sorry for the wait.")
    assert filed.first_response_breached_at == at(7, 9)
    assert filed.due_at == filed.resolution_due_at


def test_a_warning_that_comes_after_the_breach_is_no_warning(session, people, office):
    office.question.default_priority = Priority.URGENT
    with as_of(at(7, 8)):
        filed = ticket(session, people, office.question)
    assert sweep_clocks(session, at(7, 12)) == 1
    assert [e.kind for e in filed.events if e.kind == EventKind.BREACH] == [EventKind.BREACH]
    assert not [e for e in filed.events if e.kind == EventKind.AT_RISK]
    assert sweep_clocks(session, at(7, 13)) == 0


def test_another_sla_policy_moves_the_due_times(session, people, office):
    calendar = office.policy.calendar
    relaxed = factories.define_sla_policy(
        session,
        actor=None,
        name="Relaxed",
        calendar=calendar,
        targets={p: (t[0] * 2, t[1] * 2) for p, t in factories.BUSINESS_TARGETS.items()},
    )
    with as_of(at(7, 8)):
        filed = ticket(session, people, office.question)  # normal: 8 h
        change_sla(session, actor=people.clerk, ticket=filed, policy=relaxed)
    assert filed.first_response_due_at == at(8, 16)
    [event] = [e for e in filed.events if e.kind == EventKind.SLA]
    assert (event.old_value, event.new_value, event.public) == ("Business", "Relaxed", False)


def test_filing_checks_the_types_fields(session, people, office):
    with pytest.raises(DomainError) as missing:
        ticket(session, people, office.fault)
    assert missing.value.field == "supply_point"
    foreign = supply_point(session, people.beta)
    with pytest.raises(DomainError) as not_ours:
        ticket(session, people, office.fault, supply_point=foreign.code)
    assert not_ours.value.field == "supply_point"
    with pytest.raises(DomainError) as phone:
        ticket(
            session,
            people,
            office.fault,
            supply_point=supply_point(session, people.alfa).code,
            callback_phone="call me maybe",
        )
    assert phone.value.field == "callback_phone"
    with pytest.raises(DomainError) as empty:
        ticket(session, people, office.question, subject="   ")
    assert empty.value.field == "subject"


def test_only_the_types_fields_are_kept(session, people, office, point):
    filed = ticket(
        session, people, office.fault, supply_point=point.code, status="closed", team="x"
    )
    assert filed.detail_map == {"supply_point": point.code}
    assert filed.supply_point == point and filed.status == TicketStatus.NEW


def test_an_inactive_type_cannot_be_filed(session, people, office):
    office.question.active = False
    with pytest.raises(DomainError):
        ticket(session, people, office.question)


def test_a_closed_request_takes_no_reply(session, people, office):
    filed = ticket(session, people, office.question)
    change_status(session, actor=people.clerk, ticket=filed, status=TicketStatus.CLOSED)
    for reply in (
        lambda: customer_reply(session, actor=people.jan, ticket=filed, body="One more thing"),
        lambda: staff_reply(session, actor=people.clerk, ticket=filed, body="And another"),
    ):
        with pytest.raises(DomainError) as refused:
            reply()
        assert "Open a new request" in refused.value.message
    with pytest.raises(DomainError):
        change_status(session, actor=people.clerk, ticket=filed, status=TicketStatus.OPEN)


def test_a_follow_up_links_the_closed_request(session, people, office):
    closed = ticket(session, people, office.question)
    change_status(session, actor=people.clerk, ticket=closed, status=TicketStatus.CLOSED)
    follow_up = factories.open_ticket(
        session,
        actor=people.anna,
        company=people.alfa,
        request_type=office.question,
        subject="Again",
        description="Still wrong",
        values={},
        today=factories.TODAY,
        follows=closed,
    )
    assert follow_up.follows == closed
    elsewhere = factories.open_ticket(
        session,
        actor=people.jan,
        company=people.beta,
        request_type=office.question,
        subject="Again",
        description="Still wrong",
        values={},
        today=factories.TODAY,
        follows=closed,
    )
    assert elsewhere.follows is None  # not a request of that company


def test_the_customer_confirms_or_reopens_a_resolution_and_rates_it(session, people, office):
    filed = ticket(session, people, office.question)
    staff_reply(session, actor=people.clerk, ticket=filed, body="Done.", then=TicketStatus.RESOLVED)
    assert filed.status == TicketStatus.RESOLVED and filed.due_at is None
    reopen_ticket(session, actor=people.jan, ticket=filed, body="It is not done.")
    assert filed.status == TicketStatus.OPEN and filed.resolved_at is None
    with pytest.raises(DomainError):
        confirm_resolution(session, actor=people.jan, ticket=filed)
    change_status(session, actor=people.clerk, ticket=filed, status=TicketStatus.RESOLVED)
    confirm_resolution(session, actor=people.anna, ticket=filed)  # anyone of the company
    assert filed.status == TicketStatus.CLOSED
    rate_ticket(session, actor=people.jan, ticket=filed, satisfied=True, comment="Quick, thanks")
    assert filed.satisfied is True and filed.rating_comment == "Quick, thanks"
    with pytest.raises(DomainError):
        rate_ticket(session, actor=people.jan, ticket=filed, satisfied=False, comment="")


def test_reopening_needs_a_reason(session, people, office):
    filed = ticket(session, people, office.question)
    change_status(session, actor=people.clerk, ticket=filed, status=TicketStatus.RESOLVED)
    with pytest.raises(DomainError) as refused:
        reopen_ticket(session, actor=people.jan, ticket=filed, body="  ")
    assert refused.value.field == "body"


def test_the_customer_is_told_of_replies_and_status_changes_not_of_notes(session, people, office):
    filed = ticket(session, people, office.question)
    add_note(session, actor=people.clerk, ticket=filed, body="Call the distributor first")
    staff_reply(session, actor=people.clerk, ticket=filed, body="We are on it.")
    change_status(session, actor=people.clerk, ticket=filed, status=TicketStatus.RESOLVED)
    told = [m.param_map["what"] for m in template_mails(session, "ticket_update")]
    assert told == ["opened", "reply", "status"]
    assert all(
        m.recipient == "jan.novak@example.com" for m in template_mails(session, "ticket_update")
    )
    # No e-mail carries the text of a reply or a note.
    for message in template_mails(session, "ticket_update"):
        assert "on it" not in message.params and "distributor" not in message.params
    note = next(e for e in filed.events if e.kind == EventKind.NOTE)
    assert note.public is False


def test_assignment_within_the_team_tells_the_assignee(session, people, office):
    filed = ticket(session, people, office.question)
    with pytest.raises(DomainError) as refused:
        assign(session, actor=people.clerk, ticket=filed, team=people.care, assignee=people.admin)
    assert refused.value.field == "assignee"
    assign(
        session,
        actor=people.clerk,
        ticket=filed,
        team=office.field_service,
        assignee=office.technician,
    )
    team_event, assignment = [
        e for e in filed.events if e.kind in (EventKind.TEAM, EventKind.ASSIGNMENT)
    ][-2:]
    assert (team_event.old_value, team_event.new_value, team_event.public) == (
        "Customer care",
        "Field service",
        True,
    )
    assert assignment.public is False and assignment.new_value == "Tomáš Technik"
    [mail] = template_mails(session, "ticket_for_staff")
    assert mail.recipient == "technician@example.com" and mail.param_map["what"] == "assigned"


def test_a_company_without_an_sla_has_no_due_times(session, people, office):
    filed = ticket(session, people, office.question, where=people.gamma)
    assert filed.sla_policy is None and filed.due_at is None


def test_a_process_area_rule_routes_every_type_of_the_area(session, people, office):
    billing = Team(name="Billing")
    session.add(billing)
    session.flush()
    add_rule(session, actor=None, team=billing, process_area=ProcessArea.BILLING)
    invoice_question = factories.define_request_type(
        session,
        actor=None,
        code="billing",
        names={"en": "Billing question"},
        process_area=ProcessArea.BILLING,
        default_priority=Priority.NORMAL,
    )
    assert route(session, invoice_question, people.alfa).team == billing


def test_a_change_while_paused_keeps_the_time_left_where_the_pause_began(
    session, people, office, point
):
    from models.tickets import promise

    with as_of(at(7, 8)):  # Monday 08:00, high: 16 h to the resolution
        filed = ticket(session, people, office.fault, supply_point=point.code)
    with as_of(at(7, 9)):
        staff_reply(
            session, actor=people.clerk, ticket=filed, body="Photo?", then=TicketStatus.WAITING
        )
    with as_of(at(8, 10)):  # urgent: 8 h, of which one hour was used before the pause
        change_priority(session, actor=people.clerk, ticket=filed, priority=Priority.URGENT)
    told = promise(filed, at(8, 10), counted=True)
    assert told.paused and told.clock == "resolution"
    assert told.left == dt.timedelta(hours=7)
    with as_of(at(9, 8)):  # Wednesday 08:00: 7 h on Monday and 8 h on Tuesday paused
        customer_reply(session, actor=people.jan, ticket=filed, body="Sent.")
    assert filed.paused_seconds == 15 * 3600
    assert filed.resolution_due_at == at(9, 15)
    assert promise(filed, at(9, 8), counted=True).left == dt.timedelta(hours=7)
