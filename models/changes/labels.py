"""How change requests' kinds and statuses read to people (in the label registry)."""

from models.changes.tables import ChangeKind, ChangeStatus
from models.errors import N_
from models.labels import register

CHANGE_KIND_LABELS = register(
    {
        ChangeKind.COMPANY_DATA: N_("Company data"),
        ChangeKind.SUPPLY_POINT_ADDRESS: N_("Supply point correspondence address"),
        ChangeKind.LOGIN_ADD: N_("New login"),
        ChangeKind.LOGIN_CLOSE: N_("Closing a login"),
    }
)
CHANGE_STATUS_LABELS = register(
    {
        ChangeStatus.PENDING: N_("Pending"),
        ChangeStatus.APPROVED: N_("Approved"),
        ChangeStatus.REJECTED: N_("Rejected"),
        ChangeStatus.WITHDRAWN: N_("Withdrawn"),
        ChangeStatus.SUPERSEDED: N_("Replaced by a newer request"),
    }
)
