"""The audit log from the command line: `flask audit verify` walks the hash chain and reports
the first event whose hash or link to the one before does not hold."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from core.extensions import db
from models.audit import AuditEvent, verify_chain

audit_cli = AppGroup("audit", help="The audit log.")


@audit_cli.command("verify")
def verify() -> None:
    """Check that no event of the audit log was changed, removed or slipped in."""
    session = db.session
    broken = verify_chain(session)
    total = session.scalar(select(func.count(AuditEvent.id))) or 0
    if broken is None:
        click.echo(f"The audit log is whole: {total} events, each linked to the one before.")
        return
    event = session.get(AuditEvent, broken)
    when = event.occurred_at.isoformat(timespec="seconds") if event else "?"
    action = event.action if event else "?"
    raise click.ClickException(
        f"The chain breaks at event #{broken} ({when}, {action}): it, or the one before it, "
        "was changed, removed or inserted."
    )


COMMANDS = [audit_cli]
