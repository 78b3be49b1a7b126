"""The database as the web layer sees it: one engine per app, one session per request
(closed at teardown), and the `flask db` commands that run the Alembic migrations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from alembic import command
from alembic.config import Config
from flask import Flask, current_app, g
from flask.cli import AppGroup
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.routing import IntegerConverter, Map

from models.db import make_engine, make_sessionmaker

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


class DatabaseId(IntegerConverter):
    """`<int:...>` in every route: a whole number an INTEGER column can hold (PostgreSQL's are
    32-bit). A larger one matches no route, so it answers 404 instead of overflowing."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


class Database:
    def init_app(self, app: Flask) -> None:
        app.url_map.converters["int"] = DatabaseId
        engine = make_engine(app.config["DATABASE_URL"])
        app.extensions["database"] = {"engine": engine, "factory": make_sessionmaker(engine)}
        app.teardown_appcontext(self._close)

    @property
    def engine(self) -> Engine:
        return current_app.extensions["database"]["engine"]

    @property
    def session(self) -> Session:
        if "db_session" not in g:
            g.db_session = current_app.extensions["database"]["factory"]()
        return g.db_session

    def has_session(self) -> bool:
        """Whether this request (or app context) has used the database."""
        return "db_session" in g

    def bind_to(self, app: Flask, connection: Connection) -> None:
        """Tests: run every request inside `connection`'s outer transaction; a commit in the
        app becomes a SAVEPOINT release, and the test rolls everything back at the end."""
        app.extensions["database"]["factory"] = sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )

    @staticmethod
    def _close(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


def alembic_config(url: str, connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


db_cli = AppGroup("db", help="Database migrations (Alembic).")


def _config() -> Config:
    return alembic_config(current_app.config["DATABASE_URL"])


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def upgrade(revision: str) -> None:
    """Apply the migrations up to REVISION (head)."""
    command.upgrade(_config(), revision)


@db_cli.command("downgrade")
@click.argument("revision", default="-1")
def downgrade(revision: str) -> None:
    """Revert to REVISION (one step back)."""
    command.downgrade(_config(), revision)


@db_cli.command("current")
def current() -> None:
    """Show the revision the database is at."""
    command.current(_config(), verbose=True)


@db_cli.command("migrate")
@click.option("-m", "--message", required=True)
def migrate(message: str) -> None:
    """Autogenerate a migration from the difference between the models and the database."""
    command.revision(_config(), message=message, autogenerate=True)


@db_cli.command("check")
def check() -> None:
    """Fail when the models and the migrations disagree."""
    command.check(_config())
