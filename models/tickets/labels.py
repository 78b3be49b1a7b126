"""How requests' statuses, priorities, process areas and teams' ways of assigning read to
people (in the label registry)."""

from models.errors import N_
from models.identity import Assignment
from models.labels import register
from models.tickets.tables import Priority, ProcessArea, TicketStatus

TICKET_STATUS_LABELS = register(
    {
        TicketStatus.NEW: N_("New"),
        TicketStatus.OPEN: N_("In progress"),
        TicketStatus.WAITING: N_("Waiting for your reply"),
        TicketStatus.RESOLVED: N_("Resolved"),
        TicketStatus.CLOSED: N_("Closed"),
    }
)
# The back office's words for the same statuses: it is not "your" reply there.
STAFF_STATUS_LABELS = {
    TicketStatus.NEW: N_("New"),
    TicketStatus.OPEN: N_("Open"),
    TicketStatus.WAITING: N_("Waiting for the customer"),
    TicketStatus.RESOLVED: N_("Resolved"),
    TicketStatus.CLOSED: N_("Closed"),
}
PRIORITY_LABELS = register(
    {
        Priority.LOW: N_("Low"),
        Priority.NORMAL: N_("Normal"),
        Priority.HIGH: N_("High"),
        Priority.URGENT: N_("Urgent"),
    }
)
PROCESS_AREA_LABELS = register(
    {
        ProcessArea.GENERAL: N_("General"),
        ProcessArea.BILLING: N_("Billing"),
        ProcessArea.TECHNICAL: N_("Technical service"),
        ProcessArea.CONTRACTS: N_("Contracts"),
    }
)
ASSIGNMENT_LABELS = register(
    {
        Assignment.MANUAL: N_("Manual"),
        Assignment.ROUND_ROBIN: N_("Round robin"),
        Assignment.LEAST_OPEN: N_("Fewest open requests"),
    }
)
