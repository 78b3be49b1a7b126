"""Billing commands: `import-invoices FILE`, `render-pdfs`, `add-issuer`."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import func, select
from stdnum import iban as stdnum_iban

from core.extensions import db
from core.pdf import PdfUnavailable, invoice_pdf
from models.billing import Invoice, Issuer, import_invoices, pending_pdf_invoices
from models.billing.imports import ImportReport, read_csv, read_json


def commands() -> list[click.Command]:
    return [import_invoices_command, render_pdfs, add_issuer]


def read_invoice_file(name: str, text: str):  # type: ignore[no-untyped-def]
    """(drafts, problems) from a CSV or JSON file, told apart by name or first character."""
    if name.lower().endswith(".json") or text.lstrip().startswith(("[", "{")):
        return read_json(text)
    return read_csv(text)


def report_lines(report: ImportReport) -> list[str]:
    return [
        f"{p.where}: {p.message % p.params if p.params else p.message}" for p in report.problems
    ]


@click.command("import-invoices")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_invoices_command(file: Path) -> None:
    """Import invoices from a CSV or JSON FILE: all of them, or none when any row is bad."""
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise click.ClickException("The file is not UTF-8 text.") from error
    report = import_invoices(
        db.session, *read_invoice_file(file.name, text), actor=None, source=file.name
    )
    if not report.ok:
        db.session.rollback()
        for line in report_lines(report):
            click.echo(line, err=True)
        raise click.ClickException(f"{len(report.problems)} problem(s); nothing was imported.")
    db.session.commit()
    click.echo(
        f"Imported {len(report.created)} invoice(s); "
        f"{len(report.unchanged)} were already there unchanged."
    )
    if report.created:
        click.echo("Run `flask --app app render-pdfs` to prepare their PDFs.")


@click.command("render-pdfs")
def render_pdfs() -> None:
    """Render the PDF of every invoice version that has none yet (about 0.35 s each)."""
    session = db.session
    total = (
        session.scalar(select(func.count()).select_from(pending_pdf_invoices(session).subquery()))
        or 0
    )
    if not total:
        click.echo("Every invoice has its PDF.")
        return
    ids = list(session.scalars(pending_pdf_invoices(session).with_only_columns(Invoice.id)))
    with click.progressbar(ids, label=f"Rendering {total} PDF(s)", show_pos=True) as bar:
        for invoice_id in bar:
            try:
                invoice_pdf(session, session.get(Invoice, invoice_id))  # (file, rendered)
            except PdfUnavailable as error:
                raise click.ClickException(f"WeasyPrint cannot run here: {error}") from error
            session.commit()
    click.echo(f"Rendered {total} PDF(s).")


@click.command("add-issuer")
@click.argument("code")
@click.option("--name", required=True)
@click.option("--address", required=True, help="Lines separated by \\n.")
@click.option("--iban", required=True)
@click.option("--bic")
@click.option("--company-number")
@click.option("--vat-id")
def add_issuer(
    code: str,
    name: str,
    address: str,
    iban: str,
    bic: str | None,
    company_number: str | None,
    vat_id: str | None,
) -> None:
    """Register an issuer (the legal entity on invoices), referred to by CODE in imports."""
    if not stdnum_iban.is_valid(iban):
        raise click.ClickException(f"{iban} is not a valid IBAN.")
    if db.session.scalar(select(Issuer.id).where(Issuer.code == code)) is not None:
        raise click.ClickException(f"Issuer {code} exists already.")
    db.session.add(
        Issuer(
            code=code,
            name=name,
            address=address.replace("\\n", "\n"),
            iban=stdnum_iban.compact(iban),
            bic=bic,
            company_number=company_number,
            vat_id=vat_id,
        )
    )
    db.session.commit()
    click.echo(f"Issuer {code} added.")
