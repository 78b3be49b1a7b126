"""Billing from the command line: registering an issuer, importing the billing system's
invoice files, rendering the PDFs of new invoice versions, and reversing a payment."""

from __future__ import annotations

from pathlib import Path

import click

from cli.imports import file_text, refuse_unless_ok
from cli.unit_of_work import unit_of_work
from core.extensions import db
from core.pdf import PdfUnavailable, render_pdf
from models.billing import (
    Invoice,
    Payment,
    add_issuer,
    import_invoices,
    pending_pdf_invoices,
    read_invoice_file,
    reverse_payment,
)
from models.billing.documents import invoice_pdf
from models.imports import Outcome


@click.command("import-invoices")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_invoices_command(file: Path) -> None:
    """Import invoices from a CSV or JSON FILE: all of them, or none when any row is bad."""
    with unit_of_work() as session, file.open("rb") as stream:
        report = import_invoices(
            session,
            *read_invoice_file(file.name, file_text(stream)),
            actor=None,
            source=file.name,
        )
        refuse_unless_ok(report)
    created = report.count(Outcome.IMPORTED)
    click.echo(
        f"Imported {created} invoice(s); "
        f"{report.count(Outcome.UNCHANGED)} were already there unchanged."
    )
    if created:
        click.echo("Run `flask --app app render-pdfs` to prepare their PDFs.")


@click.command("render-pdfs")
def render_pdfs() -> None:
    """Render the PDF of every invoice version that has none yet (about 0.35 s each)."""
    session = db.session
    ids = list(session.scalars(pending_pdf_invoices(session).with_only_columns(Invoice.id)))
    if not ids:
        click.echo("Every invoice has its PDF.")
        return
    with click.progressbar(ids, label=f"Rendering {len(ids)} PDF(s)", show_pos=True) as bar:
        for invoice_id in bar:
            # A unit of work per PDF, on purpose: a run over thousands of invoices takes long,
            # and one that stops (a crash, Ctrl-C) keeps what it rendered, so the next run goes
            # on from there; the write lock is held for one PDF at a time, not for the run.
            with unit_of_work() as unit:
                try:
                    invoice_pdf(unit, unit.get_one(Invoice, invoice_id), render=render_pdf)
                except PdfUnavailable as error:
                    raise click.ClickException(f"WeasyPrint cannot run here: {error}") from error
    click.echo(f"Rendered {len(ids)} PDF(s).")


@click.command("add-issuer")
@click.argument("code")
@click.option("--name", required=True)
@click.option("--address", required=True, help="Lines separated by \\n.")
@click.option("--iban", required=True)
@click.option("--bic")
@click.option("--company-number")
@click.option("--vat-id")
def add_issuer_command(
    code: str,
    name: str,
    address: str,
    iban: str,
    bic: str | None,
    company_number: str | None,
    vat_id: str | None,
) -> None:
    """Register an issuer (the legal entity on invoices), referred to by CODE in imports."""
    with unit_of_work() as session:
        add_issuer(
            session,
            actor=None,
            code=code,
            name=name,
            address=address.replace("\\n", "\n"),
            iban=iban,
            bic=bic,
            company_number=company_number,
            vat_id=vat_id,
        )
    click.echo(f"Issuer {code} added.")


@click.command("reverse-payment")
@click.argument("payment_id", type=click.IntRange(min=1, max=2**31 - 1))
@click.option("--reason", required=True, help="Why, for the payment history and the audit log.")
def reverse_payment_command(payment_id: int, reason: str) -> None:
    """Reverse payment PAYMENT_ID (the number in its row's link on the back-office invoice
    page, #payment-<id>): the invoice's paid amount goes down and it is open again."""
    with unit_of_work() as session:
        payment = session.get(Payment, payment_id)
        if payment is None:
            raise click.ClickException(f"There is no payment {payment_id}.")
        invoice = payment.invoice
        reverse_payment(
            session,
            actor=None,
            payment=payment,
            reason=reason,
            expected_version=invoice.version,
        )
    click.echo(
        f"Reversed payment {payment_id} of {payment.amount} {invoice.currency}; invoice "
        f"{invoice.number} is now {invoice.status.value}, {invoice.balance} left to pay."
    )


COMMANDS = [import_invoices_command, render_pdfs, add_issuer_command, reverse_payment_command]
