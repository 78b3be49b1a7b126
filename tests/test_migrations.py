"""The schema comes only from Alembic: the migrations build exactly what the models declare,
and they go down and up again cleanly."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from core.database import alembic_config
from models.db import make_engine
from models.registry import in_schema_of, metadata
from tests.conftest import fresh_database, migrate


def differences(url: str) -> list:
    engine = make_engine(url)
    with engine.connect() as conn:
        opts = {"compare_type": True, "include_object": in_schema_of(conn.dialect.name)}
        context = MigrationContext.configure(conn, opts=opts)
        diff = compare_metadata(context, metadata)
    engine.dispose()
    return diff


def test_the_models_and_the_migrations_agree(database_url):
    assert differences(database_url) == []


def test_the_migrations_go_down_to_nothing_and_up_again(database_url, tmp_path_factory):
    kind = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    url = fresh_database(kind, tmp_path_factory, "roundtrip")
    migrate(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        command.downgrade(alembic_config(url, conn), "base")
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
    with engine.begin() as conn:
        command.upgrade(alembic_config(url, conn), "head")
    engine.dispose()
    assert differences(url) == []
    assert set(metadata.tables) <= set(inspect(make_engine(url)).get_table_names())
