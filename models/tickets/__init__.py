"""Requests and service tickets: types with their forms, routing to teams, SLAs on business
hours, and the timeline that the customer and the provider write."""

from models.tickets.filing import (
    confirm_resolution,
    customer_reply,
    open_ticket,
    rate_ticket,
    reopen_ticket,
)
from models.tickets.handling import (
    STAFF_STATUSES,
    add_note,
    assign,
    change_priority,
    change_sla,
    change_status,
    sla_policies,
    staff_reply,
    sweep_clocks,
)
from models.tickets.labels import (
    PRIORITY_LABELS,
    PROCESS_AREA_LABELS,
    STAFF_STATUS_LABELS,
    TICKET_STATUS_LABELS,
)
from models.tickets.policies import (
    attach_policy,
    define_calendar,
    define_sla_policy,
    public_holidays,
)
from models.tickets.routing import add_rule, move_rule, remove_rule, route, set_team_routing
from models.tickets.sla import Promise, promise
from models.tickets.tables import (
    ACTIVE,
    BusinessCalendar,
    EventKind,
    Priority,
    ProcessArea,
    RequestType,
    RoutingRule,
    SLAPolicy,
    SLATarget,
    Ticket,
    TicketEvent,
    TicketStatus,
)
from models.tickets.types import FIELDS, active_types, define_request_type, form_of

__all__ = [
    "ACTIVE",
    "FIELDS",
    "PRIORITY_LABELS",
    "PROCESS_AREA_LABELS",
    "STAFF_STATUSES",
    "STAFF_STATUS_LABELS",
    "TICKET_STATUS_LABELS",
    "BusinessCalendar",
    "EventKind",
    "Priority",
    "ProcessArea",
    "Promise",
    "RequestType",
    "RoutingRule",
    "SLAPolicy",
    "SLATarget",
    "Ticket",
    "TicketEvent",
    "TicketStatus",
    "active_types",
    "add_note",
    "add_rule",
    "assign",
    "attach_policy",
    "change_priority",
    "change_sla",
    "change_status",
    "confirm_resolution",
    "customer_reply",
    "define_calendar",
    "define_request_type",
    "define_sla_policy",
    "form_of",
    "move_rule",
    "open_ticket",
    "promise",
    "public_holidays",
    "rate_ticket",
    "remove_rule",
    "reopen_ticket",
    "route",
    "set_team_routing",
    "sla_policies",
    "staff_reply",
    "sweep_clocks",
]
