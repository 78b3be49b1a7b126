"""`flask demo` (what `make run` calls): loads the demo once, and never into a database that
has other accounts."""

from __future__ import annotations

from models.identity import find_account
from tests import factories


def test_the_demo_command_loads_once_then_changes_nothing(flask_command, session):
    done = flask_command("demo")
    assert done.exit_code == 0, done.output
    assert "Demo data loaded. Sign in as jan.novak@example.com / demo-portal-2026" in done.output
    session.expire_all()
    assert find_account(session, "clerk@example.com") is not None
    assert "Demo data already present; nothing changed." in flask_command("demo").output


def test_the_demo_command_refuses_a_database_with_other_accounts(flask_command, session):
    factories.account(session, "real.customer@example.com")
    session.commit()
    refused = flask_command("demo")
    assert refused.exit_code == 0
    assert "Not loading demo data: this database already has other accounts." in refused.output
    session.expire_all()
    assert find_account(session, "jan.novak@example.com") is None
