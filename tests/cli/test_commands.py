"""The commands `flask --app app` offers: the same names as before the command line became a
face of its own."""

from __future__ import annotations

from flask import Flask

COMMANDS = {
    "add-issuer",
    "create-admin",
    "db",
    "demo",
    "import-invoices",
    "import-readings",
    "sweep-sla",
    "audit",
    "render-pdfs",
    "reverse-payment",
    "send-mail",
}


def test_the_app_registers_the_operators_commands(app: Flask):
    assert set(app.cli.list_commands(None)) == COMMANDS  # type: ignore[arg-type]
    assert set(app.cli.commands["db"].commands) >= {"upgrade", "downgrade", "current", "check"}
