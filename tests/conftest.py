"""Fixtures for every test: the database (SQLite, and PostgreSQL when TEST_DATABASE_URL is
set), one app per database, a rolled-back transaction per test, and a test client that
handles CSRF tokens the way a browser does (tokens are never switched off)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest
from alembic import command
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")

from app import create_app
from core.database import alembic_config
from core.extensions import db, limiter
from models.db import make_engine
from tests import factories, helpers

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
IN_CI = os.environ.get("CI", "").lower() == "true"
DATABASES = ["sqlite"] + (["postgresql"] if TEST_DATABASE_URL else [])


def pytest_configure(config: pytest.Config) -> None:
    if IN_CI and not TEST_DATABASE_URL:
        raise pytest.UsageError("CI must run on PostgreSQL too: set TEST_DATABASE_URL")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `postgresql` exist only in their PostgreSQL variant (deselected, not
    skipped, for SQLite)."""
    keep, drop = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_sqlite = callspec is not None and callspec.params.get("database_url") == "sqlite"
        (drop if on_sqlite and item.get_closest_marker("postgresql") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def postgres_url(base: str, name: str) -> str:
    """`base` with database `name`, created if missing (the server must be reachable: in CI an
    unreachable PostgreSQL fails the run, it is never skipped)."""
    url = make_url(base).set(drivername="postgresql+psycopg")
    admin = make_engine(
        url.set(database="postgres").render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def fresh_database(kind: str, tmp_path_factory: pytest.TempPathFactory, name: str) -> str:
    """An empty database of `kind` and its URL."""
    if kind == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp(name) / 'portal.sqlite'}"
    url = postgres_url(TEST_DATABASE_URL, f"{make_url(TEST_DATABASE_URL).database}_{name}")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def migrate(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        command.upgrade(alembic_config(url, conn), "head")
    engine.dispose()


@pytest.fixture(scope="session", params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    url = fresh_database(request.param, tmp_path_factory, "main")
    migrate(url)
    return url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def app_config(database_url: str, **extra: object) -> dict[str, object]:
    """The configuration every test app runs with."""
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "PUBLIC_URL": "https://portal.example.test",
        "MAIL_SERVER": "",
        **extra,
    }


@pytest.fixture(scope="session")
def app(database_url: str) -> Flask:
    app = create_app(app_config(database_url))
    app.test_client_class = PortalClient
    helpers.APP.append(app)
    return app


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    conn = engine.connect()
    outer = conn.begin()
    yield conn
    outer.rollback()
    conn.close()


@pytest.fixture
def session(connection: Connection) -> Iterator[Session]:
    """The test's own session, inside the test's transaction; see the app's writes after
    `session.expire_all()`."""
    with Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    ) as s:
        yield s


@pytest.fixture
def bound_app(app: Flask, connection: Connection) -> Iterator[Flask]:
    """The app, its requests running inside the test's transaction."""
    factory = app.extensions["database"]["factory"]
    db.bind_to(app, connection)
    limiter.reset()
    # One limiter serves every app in the process: a benchmark's app (limits off) switches it
    # off for all of them, so each test sets it back for the app it runs.
    limiter.enabled = app.config["RATELIMIT_ENABLED"]
    yield app
    app.extensions["database"]["factory"] = factory


@pytest.fixture
def client(bound_app: Flask) -> PortalClient:
    return bound_app.test_client()


@pytest.fixture
def other_client(bound_app: Flask) -> PortalClient:
    """A second browser."""
    return bound_app.test_client()


class PortalClient(FlaskClient):
    """A test client that fills in the CSRF token from a real page, as a browser would."""

    TOKEN = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')

    def csrf_token(self) -> str:
        page = self.get("/login", follow_redirects=True)
        match = self.TOKEN.search(page.get_data(as_text=True))
        assert match, "no CSRF token on the page"
        return match.group(1)

    def post_form(self, url: str, data: dict | None = None, **kwargs: object):  # type: ignore[no-untyped-def]
        return self.post(url, data={"csrf_token": self.csrf_token(), **(data or {})}, **kwargs)

    def login(self, email: str, password: str = factories.PASSWORD):  # type: ignore[no-untyped-def]
        return self.post_form("/login", {"email": email, "password": password})


@pytest.fixture
def people(session: Session) -> factories.People:
    """The DESKTOMY cast: Jan owns Alfa, Beta and Gamma; Anna manages Alfa; Eva keeps Beta's
    books; staff admin, clerk and agent."""
    return factories.people(session)
