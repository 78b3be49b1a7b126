"""The command line, the operators' face beside portal/ and backoffice/: `flask --app app
<command>`, one module per area. Every command is one unit of work (cli/unit_of_work.py) over
the same operations the pages call."""

from __future__ import annotations

from flask import Flask

from cli import accounts, audit, billing, demo, mail, supply, tickets
from core.database import db_cli


def init_app(app: Flask) -> None:
    app.cli.add_command(db_cli)
    for area in (accounts, audit, mail, billing, supply, tickets, demo):
        for command in area.COMMANDS:
            app.cli.add_command(command)
