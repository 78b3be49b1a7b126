"""The one PDF renderer: WeasyPrint over our own templates, with a URL fetcher that serves
only the app's static files (no file:, no network, no redirects, nothing else). Invoices are
rendered once per version and the bytes stored; later downloads serve those bytes."""

from __future__ import annotations

import logging
import mimetypes
from pathlib import Path
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale
from markupsafe import Markup
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, undefer

from models.billing.tables import Invoice, InvoicePdf
from models.files import StoredFile, store_file

log = logging.getLogger(__name__)
# WeasyPrint narrates every render step at INFO; warnings and errors still come through.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

# Relative URLs in PDF templates resolve against this base; nothing else is ever fetched.
BASE_URL = "https://pdf.invalid/"
STATIC_PREFIX = BASE_URL + "static/"
MAX_PDF_BYTES = 10 * 1024 * 1024


class PdfUnavailable(RuntimeError):
    """WeasyPrint (or its system libraries) cannot be loaded on this machine."""


class PdfTooLarge(RuntimeError):
    pass


def _weasyprint() -> Any:  # the module, imported when first needed
    try:
        import weasyprint
    except (ImportError, OSError) as error:  # OSError: Pango missing
        raise PdfUnavailable(str(error)) from error
    return weasyprint


def static_only_fetcher() -> Any:
    """A WeasyPrint URL fetcher that answers only for files under static/."""
    weasyprint = _weasyprint()
    static = Path(current_app.static_folder or "static").resolve()

    class StaticOnly(weasyprint.urls.URLFetcher):  # type: ignore[name-defined]  # a late import
        def fetch(self, url: str, headers: Any = None) -> Any:
            if not url.startswith(STATIC_PREFIX) or any(c in url for c in "?#\\"):
                log.warning("PDF fetch refused: %r", url[:200])
                raise ValueError("only the portal's static files may be fetched")
            path = (static / url[len(STATIC_PREFIX) :]).resolve()
            if not path.is_relative_to(static) or not path.is_file():
                log.warning("PDF fetch refused: %r", url[:200])
                raise ValueError("not a static file")
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return weasyprint.urls.URLFetcherResponse(
                url, path.read_bytes(), headers={"Content-Type": mime}
            )

    return StaticOnly(allowed_protocols=("https",), allow_redirects=False)


def render_pdf(template: str, **context: Any) -> bytes:
    """Renders templates/pdf/<template> (autoescaped, like every page) to PDF bytes, in
    DOCUMENT_LOCALE: a document reads the same whoever downloads it."""
    weasyprint = _weasyprint()
    with force_locale(current_app.config["DOCUMENT_LOCALE"]):
        html = render_template(f"pdf/{template}", **context)
    pdf = weasyprint.HTML(
        string=html, base_url=BASE_URL, url_fetcher=static_only_fetcher()
    ).write_pdf()
    if len(pdf) > MAX_PDF_BYTES:
        raise PdfTooLarge(f"{template}: {len(pdf)} bytes")
    return pdf


def invoice_pdf(session: Session, invoice: Invoice) -> tuple[StoredFile, bool]:
    """The stored PDF of the invoice's current version, and whether it was rendered (and
    stored, for the caller to commit) just now rather than found. Two first requests at
    once store one PDF: the loser of the unique (invoice, version) race uses the winner's."""
    found = _stored(session, invoice)
    if found is not None:
        return found, False
    data = render_pdf("invoice.html", invoice=invoice, qr=payment_qr(invoice))
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


def stored_invoice_pdf(session: Session, invoices: Select[tuple[Invoice]]) -> StoredFile | None:
    """The stored PDF of the current version of the invoice `invoices` selects (a query
    through the company scope), bytes included, in one query; None if not rendered yet."""
    invoice = invoices.subquery()
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


def payment_qr(invoice: Invoice) -> Markup | None:
    """An EPC069-12 ("SEPA credit transfer") QR code as inline SVG, for what is left to pay
    in EUR; None when nothing is due or the currency is not the euro."""
    import segno.helpers

    if invoice.currency != "EUR" or invoice.balance <= 0 or invoice.status.value == "cancelled":
        return None
    qr = segno.helpers.make_epc_qr(
        name=invoice.issuer.name[:70],
        iban=invoice.iban,
        amount=invoice.balance,
        text=f"{invoice.number} VS{invoice.variable_symbol}"[:140],
        bic=invoice.bic or None,
        # UTF-8: every banking app reads it and it holds every Slovak letter (ľ, č ...).
        encoding="utf-8",
    )
    # segno's SVG is paths drawn from the payload: no text of ours is placed in the markup.
    return Markup(qr.svg_inline(scale=3, border=2, omitsize=True))  # noqa: S704
