"""Command-line tools: `flask --app app demo`, `send-mail`, `create-admin`."""

from __future__ import annotations

import time
from typing import TextIO

import click
from flask import Flask, current_app

from core import billing_cli
from core.database import db_cli
from core.extensions import db
from core.mail import deliver_now, deliver_pending
from models.db import end_unit_of_work
from models.demo import PASSWORD, DemoRefused, load_demo
from models.errors import DomainError
from models.identity import StaffRole
from models.staff import create_staff


def init_app(app: Flask) -> None:
    app.cli.add_command(db_cli)
    app.cli.add_command(demo)
    app.cli.add_command(send_mail_command)
    app.cli.add_command(create_admin)
    app.cli.add_command(import_readings_command)
    for command in billing_cli.commands():
        app.cli.add_command(command)


@click.command("demo")
def demo() -> None:
    """Load the demo companies and people (does nothing if they are there)."""
    try:
        loaded = load_demo(db.session)
    except DemoRefused:
        click.echo("Not loading demo data: this database already has other accounts.")
        return
    if loaded:
        db.session.commit()
        click.echo(f"Demo data loaded. Sign in as jan.novak@example.com / {PASSWORD}")
    else:
        click.echo("Demo data already present; nothing changed.")


@click.command("send-mail")
@click.option("--loop", is_flag=True, help="Keep running, checking the outbox every few seconds.")
@click.option("--interval", default=5.0, show_default=True)
def send_mail_command(loop: bool, interval: float) -> None:
    """Deliver the e-mails waiting in the outbox (retrying failed ones with back-off)."""
    while True:
        sent, failed = deliver_pending()
        if sent or failed or not loop:
            click.echo(f"sent {sent}, failed {failed}")
        if not loop:
            return
        time.sleep(interval)


@click.command("create-admin")
@click.argument("email")
@click.option("--name", default="Administrator", show_default=True)
def create_admin(email: str, name: str) -> None:
    """Create an administrator, who is e-mailed a link to set a password (printed here when
    MAIL_SERVER is not set)."""
    try:
        account = create_staff(
            db.session, actor=None, email=email, full_name=name, role=StaffRole.ADMINISTRATOR
        )
    except DomainError as error:
        raise click.ClickException(error.message) from error
    deliver_now(current_app._get_current_object(), end_unit_of_work(db.session, success=True))
    click.echo(f"Administrator {account.email} created; the activation e-mail is on its way.")


@click.command("import-readings")
@click.argument("file", type=click.File("r", encoding="utf-8-sig"))
def import_readings_command(file: TextIO) -> None:
    """Import the distributor's meter readings from a CSV FILE, all or nothing.

    Columns: supply_point, meter, register, date (YYYY-MM-DD), value, and optionally
    rollover (1/0); comma or semicolon separated. Importing the same file again changes
    nothing."""
    from models.supply import Outcome, import_readings

    report = import_readings(db.session, file.read())
    if report.error is not None:
        db.session.rollback()
        message, params = report.error
        raise click.ClickException(message % params)
    refused = report.count(Outcome.REFUSED)
    for row in report.rows:
        outcome = "valid" if refused and row.outcome == Outcome.IMPORTED else row.outcome
        detail = f": {row.message % row.params}" if row.message else ""
        click.echo(f"line {row.line}: {outcome}{detail}")
    if refused:
        db.session.rollback()
        raise click.ClickException(
            f"Nothing imported: {refused} of {len(report.rows)} rows were refused."
        )
    db.session.commit()
    click.echo(
        f"Imported {report.count(Outcome.IMPORTED)} readings; "
        f"{report.count(Outcome.UNCHANGED)} were already there."
    )
