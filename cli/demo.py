"""The demo data's command (`make run` calls it): loads the demo face's companies and people
into an empty database."""

from __future__ import annotations

import click

from cli.unit_of_work import unit_of_work
from demo import PASSWORD, DemoRefused, load_demo


@click.command("demo")
def demo() -> None:
    """Load the demo companies and people (does nothing if they are there)."""
    try:
        with unit_of_work() as session:
            loaded = load_demo(session)
    except DemoRefused:
        click.echo("Not loading demo data: this database already has other accounts.")
        return
    if loaded:
        click.echo(f"Demo data loaded. Sign in as jan.novak@example.com / {PASSWORD}")
    else:
        click.echo("Demo data already present; nothing changed.")


COMMANDS = [demo]
