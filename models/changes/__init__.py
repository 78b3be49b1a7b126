"""Change requests (maker-checker): a customer's edit of company data, or of a supply point's
correspondence address, takes effect only when the back office approves it."""

from models.changes.decisions import (
    ChangeConflict,
    Conflict,
    approve_change,
    conflicts,
    reject_change,
)
from models.changes.fields import (
    COMPANY_FIELDS,
    COUNTRIES,
    COUNTRY_NAMES,
    SUPPLY_POINT_FIELDS,
    ChangeableField,
    postcode,
)
from models.changes.labels import CHANGE_KIND_LABELS, CHANGE_STATUS_LABELS
from models.changes.logins import request_login, request_login_closing
from models.changes.requests import (
    DETAILS,
    FieldChange,
    catalogue,
    company_changes,
    current_value,
    field_history,
    file_change,
    pending_counts,
    with_details,
    withdraw_change,
)
from models.changes.tables import ChangedField, ChangeKind, ChangeRequest, ChangeStatus

__all__ = [
    "CHANGE_KIND_LABELS",
    "CHANGE_STATUS_LABELS",
    "COMPANY_FIELDS",
    "COUNTRIES",
    "COUNTRY_NAMES",
    "DETAILS",
    "SUPPLY_POINT_FIELDS",
    "ChangeConflict",
    "ChangeKind",
    "ChangeRequest",
    "ChangeStatus",
    "ChangeableField",
    "ChangedField",
    "Conflict",
    "FieldChange",
    "approve_change",
    "catalogue",
    "company_changes",
    "conflicts",
    "current_value",
    "field_history",
    "file_change",
    "pending_counts",
    "postcode",
    "reject_change",
    "request_login",
    "request_login_closing",
    "with_details",
    "withdraw_change",
]
