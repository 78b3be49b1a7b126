"""Where a new request goes: the first routing rule (by position) that its type, the
company's customer group and the type's process area match names the team, and maybe who
gets it; no rule matching, the fallback team. Within the team, a manual team leaves the
request unassigned, the others give it round robin or to whoever has the fewest open."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from models import audit
from models.errors import N_, DomainError
from models.identity import (
    Account,
    AccountStatus,
    Assignment,
    Company,
    CustomerGroup,
    Team,
    team_members,
)
from models.tickets.tables import ACTIVE, ProcessArea, RequestType, RoutingRule, Ticket


@dataclass(frozen=True)
class Route:
    team: Team | None
    assignee: Account | None
    rule: RoutingRule | None  # None: the fallback


def matching_rule(
    session: Session, request_type: RequestType, company: Company
) -> RoutingRule | None:
    stmt = (
        select(RoutingRule)
        .where(
            or_(
                RoutingRule.request_type_id.is_(None),
                RoutingRule.request_type_id == request_type.id,
            ),
            or_(
                RoutingRule.customer_group_id.is_(None),
                RoutingRule.customer_group_id == company.customer_group_id,
            ),
            or_(
                RoutingRule.process_area.is_(None),
                RoutingRule.process_area == request_type.process_area,
            ),
        )
        .order_by(RoutingRule.position, RoutingRule.id)
        .limit(1)
    )
    return session.scalar(stmt)


def route(session: Session, request_type: RequestType, company: Company) -> Route:
    """The team and assignee of a new request of `request_type` from `company`."""
    rule = matching_rule(session, request_type, company)
    if rule is not None:
        team: Team | None = rule.team
    else:
        team = session.scalar(select(Team).where(Team.takes_unrouted.is_(True)).limit(1))
    if team is None:
        return Route(None, None, rule)
    if rule is not None and rule.assignee is not None and rule.assignee.is_usable:
        return Route(team, rule.assignee, rule)
    return Route(team, pick_assignee(session, team), rule)


def team_members_of(session: Session, team: Team) -> list[Account]:
    """The team's active members, by id (the round robin's order)."""
    return list(
        session.scalars(
            select(Account)
            .join(team_members, team_members.c.account_id == Account.id)
            .where(team_members.c.team_id == team.id, Account.status == AccountStatus.ACTIVE)
            .order_by(Account.id)
        )
    )


def pick_assignee(session: Session, team: Team) -> Account | None:
    """The member of `team` its assignment mode gives the next request to (None: manual, or
    a team without active members)."""
    if team.assignment == Assignment.MANUAL:
        return None
    members = team_members_of(session, team)
    if not members:
        return None
    if team.assignment == Assignment.ROUND_ROBIN:
        after = team.last_assigned_id or 0
        chosen = next((m for m in members if m.id > after), members[0])
        team.last_assigned_id = chosen.id
        return chosen
    open_counts = dict(
        session.execute(
            select(Ticket.assignee_id, func.count())
            .where(
                Ticket.assignee_id.in_([m.id for m in members]),
                Ticket.status.in_(ACTIVE),
            )
            .group_by(Ticket.assignee_id)
        ).all()
    )
    return min(members, key=lambda m: (open_counts.get(m.id, 0), m.id))


def add_rule(
    session: Session,
    *,
    actor: Account | None,
    team: Team,
    request_type: RequestType | None = None,
    customer_group: CustomerGroup | None = None,
    process_area: ProcessArea | None = None,
    assignee: Account | None = None,
    position: int | None = None,
) -> RoutingRule:
    """Adds a rule (at the end, unless `position` is given). It routes new requests only."""
    if assignee is not None and assignee not in team.members:
        raise DomainError(N_("The assignee must be a member of the team."), "assignee")
    if position is None:
        last = session.scalar(select(func.max(RoutingRule.position)))
        position = (last or 0) + 10
    rule = RoutingRule(
        position=position,
        request_type_id=request_type.id if request_type else None,
        customer_group_id=customer_group.id if customer_group else None,
        process_area=process_area,
        team_id=team.id,
        assignee_id=assignee.id if assignee else None,
    )
    session.add(rule)
    session.flush()
    audit.record(session, "routing.rule_added", actor=actor, target=rule, team=team.name)
    return rule


def set_team_routing(
    session: Session,
    *,
    actor: Account | None,
    team: Team,
    assignment: Assignment,
    takes_unrouted: bool,
) -> None:
    """How the team's new requests get their assignee, and whether it is the fallback team
    (the one that takes what no rule matches; there is at most one)."""
    if takes_unrouted:
        for other in session.scalars(select(Team).where(Team.takes_unrouted.is_(True))):
            other.takes_unrouted = False
    team.assignment = assignment
    team.takes_unrouted = takes_unrouted
    session.flush()
    audit.record(
        session,
        "team.routing",
        actor=actor,
        target=team,
        assignment=assignment.value,
        takes_unrouted=takes_unrouted,
    )


def remove_rule(session: Session, *, actor: Account | None, rule: RoutingRule) -> None:
    """Removes a rule; requests it routed keep their team."""
    audit.record(session, "routing.rule_removed", actor=actor, target=rule, team=rule.team.name)
    session.delete(rule)
    session.flush()


def move_rule(session: Session, *, actor: Account | None, rule: RoutingRule, up: bool) -> None:
    """Swaps the rule with the one before it (`up`) or after it, in the order rules are tried;
    the positions are renumbered 10, 20, 30 ... on the way."""
    rules = list(
        session.scalars(select(RoutingRule).order_by(RoutingRule.position, RoutingRule.id))
    )
    at = rules.index(rule)
    other = at - 1 if up else at + 1
    if 0 <= other < len(rules):
        rules[at], rules[other] = rules[other], rules[at]
    for n, each in enumerate(rules, start=1):
        each.position = n * 10
    session.flush()
    audit.record(session, "routing.rule_moved", actor=actor, target=rule, position=rule.position)
