"""Accounts from the command line: the first administrator of a new installation."""

from __future__ import annotations

import click

from cli.unit_of_work import unit_of_work
from models.identity import StaffRole
from models.staff import create_staff


@click.command("create-admin")
@click.argument("email")
@click.option("--name", default="Administrator", show_default=True)
def create_admin(email: str, name: str) -> None:
    """Create an administrator, who is e-mailed a link to set a password (printed here when
    MAIL_SERVER is not set)."""
    with unit_of_work() as session:
        account = create_staff(
            session, actor=None, email=email, full_name=name, role=StaffRole.ADMINISTRATOR
        )
    click.echo(f"Administrator {account.email} created; the activation e-mail is on its way.")


COMMANDS = [create_admin]
