"""Every command is one unit of work: it commits once when it ends and delivers what it
e-mailed; a refused rule or any failure rolls it back, and a refused rule is the command's
error message, in English with its parameters."""

from __future__ import annotations

import click
import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from cli.unit_of_work import unit_of_work
from models.audit import AuditEvent
from models.errors import DomainError
from models.identity import Team
from models.outbox import OutboxMessage
from models.staff import create_team
from tests.helpers import count


def test_a_unit_of_work_commits_when_its_block_ends(bound_app: Flask, session: Session, people):
    teams = count(session, Team)
    with bound_app.app_context(), unit_of_work() as unit:
        create_team(unit, actor=people.admin, name="Metering")
    assert count(session, Team) == teams + 1


def test_a_refused_rule_rolls_back_and_becomes_the_commands_error(bound_app, session, people):
    teams, events = count(session, Team), count(session, AuditEvent)
    refused = pytest.raises(click.ClickException)
    with bound_app.app_context(), refused as error, unit_of_work() as unit:
        create_team(unit, actor=people.admin, name="Metering")
        raise DomainError("Supply point %(code)s is busy.", "code", code="24ZSS")
    assert error.value.message == "Supply point 24ZSS is busy."
    assert (count(session, Team), count(session, AuditEvent)) == (teams, events)


def test_any_other_failure_rolls_back_and_goes_on(bound_app, session, people):
    teams = count(session, Team)
    with bound_app.app_context(), pytest.raises(KeyError), unit_of_work() as unit:
        create_team(unit, actor=people.admin, name="Metering")
        raise KeyError("boom")
    assert count(session, Team) == teams


def test_the_mail_a_command_recorded_is_delivered_after_its_commit(flask_command, session):
    done = flask_command("create-admin", "root@example.com", "--name", "Root")
    assert done.exit_code == 0, done.output
    assert "Administrator root@example.com created" in done.output
    session.expire_all()
    [message] = session.scalars(select(OutboxMessage)).all()
    assert message.recipient == "root@example.com" and message.sent_at is not None


def test_a_refused_command_saves_and_mails_nothing(flask_command, session, people):
    refused = flask_command("create-admin", people.jan.email)
    assert refused.exit_code == 1
    assert "Error: An account with this e-mail address already exists." in refused.output
    session.expire_all()
    assert session.scalars(select(OutboxMessage)).all() == []
