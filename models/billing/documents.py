"""An invoice as a document: its PDF is rendered once per version (by the renderer the face
passes: core.pdf.render_pdf) and the bytes are stored, so later downloads serve them; and
the payment QR code it carries."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, undefer

from models.billing.payment_codes import PaymentCode, invoice_payment_code
from models.billing.tables import Invoice, InvoicePdf
from models.files import StoredFile, store_file


def invoice_pdf(
    session: Session, invoice: Invoice, *, render: Callable[..., bytes]
) -> tuple[StoredFile, bool]:
    """The stored PDF of the invoice's current version, and whether it was rendered (and
    stored, for the caller to commit) just now rather than found. Two first requests at
    once store one PDF: the loser of the unique (invoice, version) race uses the winner's."""
    found = _stored(session, invoice)
    if found is not None:
        return found, False
    data = render("invoice.html", invoice=invoice, qr=payment_qr(invoice))
    try:
        with session.begin_nested():
            stored = store_file(
                session,
                data=data,
                filename=f"invoice-{invoice.number}.pdf",
                content_type="application/pdf",
                company_id=invoice.company_id,
            )
            session.add(
                InvoicePdf(invoice_id=invoice.id, version=invoice.version, file_id=stored.id)
            )
    except IntegrityError:
        found = _stored(session, invoice)
        if found is None:
            raise
        return found, False
    return stored, True


def stored_invoice_pdf(session: Session, invoices: Select[Invoice]) -> StoredFile | None:
    """The stored PDF of the current version of the invoice `invoices` selects (a query
    through the company scope), bytes included, in one query; None if not rendered yet."""
    # Two columns, not the invoice's twenty: a subquery makes a column object per column,
    # on every request.
    invoice = invoices.with_only_columns(Invoice.id, Invoice.version).subquery()
    return session.scalar(
        select(StoredFile)
        .join(InvoicePdf, InvoicePdf.file_id == StoredFile.id)
        .join(
            invoice,
            (InvoicePdf.invoice_id == invoice.c.id) & (InvoicePdf.version == invoice.c.version),
        )
        .options(undefer(StoredFile.data))
    )


def _stored(session: Session, invoice: Invoice) -> StoredFile | None:
    """The stored PDF of the current version, bytes included, in one query."""
    return session.scalar(
        select(StoredFile)
        .join(InvoicePdf, InvoicePdf.file_id == StoredFile.id)
        .where(InvoicePdf.invoice_id == invoice.id, InvoicePdf.version == invoice.version)
        .options(undefer(StoredFile.data))
    )


def payment_qr(invoice: Invoice) -> PaymentCode | None:
    """The payment code the invoice's PDF carries: the same as the portal shows."""
    return invoice_payment_code(invoice)
