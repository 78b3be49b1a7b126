"""Requests from the command line: the SLA sweep that records at-risk warnings and breaches
(run it every few minutes, from cron or with --loop, until the job queue runs it)."""

from __future__ import annotations

import time

import click

from cli.unit_of_work import unit_of_work
from models.tickets import sweep_clocks


@click.command("sweep-sla")
@click.option("--loop", is_flag=True, help="Keep running, sweeping every --interval seconds.")
@click.option("--interval", default=60.0, show_default=True)
def sweep_sla(loop: bool, interval: float) -> None:
    """Record the requests whose SLA is at risk or breached (once each) and tell their
    assignees, or their teams."""
    while True:
        with unit_of_work() as session:
            recorded = sweep_clocks(session)
        if recorded or not loop:
            click.echo(f"recorded {recorded} SLA warnings and breaches")
        if not loop:
            return
        time.sleep(interval)


COMMANDS = [sweep_sla]
