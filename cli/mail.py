"""The mail worker: delivers what the outbox holds (what failed right after its commit, or was
recorded where no one delivers at once)."""

from __future__ import annotations

import time

import click

from core.mail import deliver_pending


@click.command("send-mail")
@click.option("--loop", is_flag=True, help="Keep running, checking the outbox every few seconds.")
@click.option("--interval", default=5.0, show_default=True)
def send_mail(loop: bool, interval: float) -> None:
    """Deliver the e-mails waiting in the outbox (retrying failed ones with back-off)."""
    # No unit of work around it: deliver_pending commits each message's outcome on its own, so
    # a crash mid-batch neither loses nor repeats more than one message.
    while True:
        sent, failed = deliver_pending()
        if sent or failed or not loop:
            click.echo(f"sent {sent}, failed {failed}")
        if not loop:
            return
        time.sleep(interval)


COMMANDS = [send_mail]
