"""The customer face: sign-in pages, the company switcher, the account page, and every
company's pages under /c/<company>/."""

from __future__ import annotations

from flask import Flask

from portal import (
    account,
    advances,
    auth,
    changes,
    company,
    home,
    invoices,
    logins,
    messages,
    pricelists,
    requests,
    supply,
)


def register(app: Flask) -> None:
    app.register_blueprint(auth.blueprint)
    app.register_blueprint(home.blueprint)
    app.register_blueprint(account.blueprint)
    app.register_blueprint(company.blueprint)
    app.context_processor(home.switcher_context)


__all__ = [
    "advances",
    "changes",
    "invoices",
    "logins",
    "messages",
    "pricelists",
    "register",
    "requests",
    "supply",
]
