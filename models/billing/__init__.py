"""Billing: the issuers, invoices imported from the supplier's billing system, their payments
and PDFs, advance-payment schedules, and price lists by customer group."""

# labels: importing the package registers how its statuses read.
from models.billing import labels
from models.billing.advances import mark_advance_paid, schedule_advances, year_schedule
from models.billing.imports import (
    InvoiceFile,
    import_invoices,
    read_csv,
    read_invoice_file,
    read_json,
)
from models.billing.invoices import (
    Unpaid,
    overdue_filter,
    pending_pdf_invoices,
    record_payment,
    reverse_payment,
    unpaid_summary,
)
from models.billing.issuers import add_issuer
from models.billing.pricing import (
    AppliedPrice,
    RankedList,
    assign_to_group,
    create_price_list,
    effective_prices,
    ranked_lists,
    remove_item,
    set_item,
    unassign,
    update_price_list,
)
from models.billing.tables import (
    OPEN_STATUSES,
    AdvancePayment,
    AdvanceStatus,
    Invoice,
    InvoiceLine,
    InvoicePdf,
    InvoiceStatus,
    Issuer,
    Payment,
    PriceList,
    PriceListAssignment,
    PriceListItem,
)

__all__ = [
    "OPEN_STATUSES",
    "AdvancePayment",
    "AdvanceStatus",
    "AppliedPrice",
    "Invoice",
    "InvoiceFile",
    "InvoiceLine",
    "InvoicePdf",
    "InvoiceStatus",
    "Issuer",
    "Payment",
    "PriceList",
    "PriceListAssignment",
    "PriceListItem",
    "RankedList",
    "Unpaid",
    "add_issuer",
    "assign_to_group",
    "create_price_list",
    "effective_prices",
    "import_invoices",
    "labels",
    "mark_advance_paid",
    "overdue_filter",
    "pending_pdf_invoices",
    "ranked_lists",
    "read_csv",
    "read_invoice_file",
    "read_json",
    "record_payment",
    "remove_item",
    "reverse_payment",
    "schedule_advances",
    "set_item",
    "unassign",
    "unpaid_summary",
    "update_price_list",
    "year_schedule",
]
