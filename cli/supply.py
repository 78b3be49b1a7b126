"""Supply from the command line: importing the distributor's meter readings."""

from __future__ import annotations

from typing import BinaryIO

import click

from cli.imports import file_text, refuse_unless_ok
from cli.unit_of_work import unit_of_work
from models.imports import Outcome
from models.supply import import_readings


@click.command("import-readings")
@click.argument("file", type=click.File("rb"))
def import_readings_command(file: BinaryIO) -> None:
    """Import the distributor's meter readings from a CSV FILE, all or nothing.

    Columns: supply_point, meter, register, date (YYYY-MM-DD), value, and optionally
    rollover (1/0); comma or semicolon separated. Importing the same file again changes
    nothing."""
    with unit_of_work() as session:
        report = import_readings(session, file_text(file))
        refuse_unless_ok(report)
    click.echo(
        f"Imported {report.count(Outcome.IMPORTED)} readings; "
        f"{report.count(Outcome.UNCHANGED)} were already there."
    )


COMMANDS = [import_readings_command]
