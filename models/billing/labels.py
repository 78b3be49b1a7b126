"""How the billing area's values read to people: invoice and advance-payment statuses, in the
label registry (English, marked for the catalogs; translated where shown)."""

from __future__ import annotations

from models.billing.tables import AdvanceStatus, InvoiceStatus
from models.errors import N_
from models.labels import register

INVOICE_STATUS_LABELS = register(
    {
        InvoiceStatus.ISSUED: N_("Unpaid"),
        InvoiceStatus.PARTIALLY_PAID: N_("Partially paid"),
        InvoiceStatus.PAID: N_("Paid"),
        InvoiceStatus.CANCELLED: N_("Cancelled"),
    }
)
ADVANCE_STATUS_LABELS = register({AdvanceStatus.DUE: N_("Due"), AdvanceStatus.PAID: N_("Paid")})
