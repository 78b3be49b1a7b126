"""The scale benchmark's generator (bench/scale.py), run with tiny sizes into a database of its
own: the rows are ones the application could have written (keys hold, totals add up, readings
rise, the schema is the migrations' own again), the personas have what the measurement
needs, and every measured page answers them. PostgreSQL only: the fill is COPY."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from itertools import pairwise
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from bench import scale
from models.db import make_engine
from tests.conftest import TEST_DATABASE_URL, postgres_url

pytestmark = pytest.mark.postgresql

SIZES = scale.Sizes(companies=320, logins=640, invoices=2_000, readings=5_000, many=300)


@pytest.fixture(scope="module")
def built(database_url: str) -> Iterator[tuple[Flask, scale.FillReport, Engine]]:
    assert database_url.startswith("postgresql"), "marked postgresql: deselected on SQLite"
    url = postgres_url(TEST_DATABASE_URL, f"{make_url(TEST_DATABASE_URL).database}_scale")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BENCH_DATABASE_URL", url)
        app, report = scale.build(SIZES)
    engine = make_engine(url)
    yield app, report, engine
    engine.dispose()
    app.extensions["database"]["engine"].dispose()


@pytest.fixture(scope="module")
def db(built: tuple[Flask, scale.FillReport, Engine]) -> Engine:
    return built[2]


def rows(engine: Engine, sql: str, **params: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(sql), params))


def one(engine: Engine, sql: str, **params: Any) -> Any:
    with engine.connect() as conn:
        return conn.scalar(text(sql), params)


def test_the_fill_writes_the_sizes_asked_for(built):
    _app, report, _engine = built
    assert report.rows["companies"] == SIZES.companies
    assert report.rows["accounts"] == SIZES.logins + 2
    assert report.rows["invoices"] == SIZES.invoices
    assert report.rows["readings"] == SIZES.readings
    assert 1 <= report.rows["invoice_lines"] / SIZES.invoices <= 3
    assert report.total > 0


SCHEMA = """
    SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
    WHERE connamespace = 'public'::regnamespace
    UNION ALL
    SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'
"""


def test_the_constraints_and_indexes_are_the_migrations_own_again(db, engine):
    # `engine` is the test run's main database, migrated and nothing more.
    assert set(rows(db, SCHEMA)) == set(rows(engine, SCHEMA))


def test_every_foreign_key_holds(db):
    keys = rows(
        db,
        """SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text, f.attname
        FROM pg_constraint c
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
        JOIN pg_attribute f ON f.attrelid = c.confrelid AND f.attnum = c.confkey[1]
        WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace""",
    )
    assert len(keys) > 40
    for table, column, referred, key in keys:
        orphans = one(
            db,
            f"SELECT count(*) FROM {table} t WHERE t.{column} IS NOT NULL AND NOT EXISTS "  # noqa: S608
            f"(SELECT 1 FROM {referred} r WHERE r.{key} = t.{column})",
        )
        assert orphans == 0, (table, column)


def test_every_invoice_adds_up_its_lines_and_payments(db):
    wrong = rows(
        db,
        """WITH by_rate AS (
            SELECT invoice_id, vat_rate, sum(line_total) AS base, count(*) AS n
            FROM invoice_lines GROUP BY invoice_id, vat_rate),
        lines AS (
            SELECT invoice_id, sum(base) AS net, sum(round(base * vat_rate / 100, 2)) AS vat,
                   sum(n) AS n
            FROM by_rate GROUP BY invoice_id),
        paid AS (SELECT invoice_id, sum(amount) AS paid FROM payments GROUP BY invoice_id)
        SELECT i.number FROM invoices i
        LEFT JOIN lines l ON l.invoice_id = i.id LEFT JOIN paid p ON p.invoice_id = i.id
        WHERE l.n IS NULL OR i.net_total <> l.net OR i.vat_total <> l.vat
           OR i.gross_total <> i.net_total + i.vat_total
           OR i.paid_amount <> coalesce(p.paid, 0)
           OR i.due_date <= i.issue_date OR i.period_end < i.period_start
           OR i.status <> CASE WHEN i.paid_amount = 0 THEN 'issued'
                               WHEN i.paid_amount = i.gross_total THEN 'paid'
                               ELSE 'partially_paid' END
           OR i.version <> 1 + (SELECT count(*) FROM payments WHERE invoice_id = i.id)""",
    )
    assert wrong == []
    assert one(db, "SELECT count(DISTINCT status) FROM invoices") == 3


def test_invoice_numbers_are_unique_per_issuer(db):
    twice = "SELECT issuer_id, number FROM invoices GROUP BY 1, 2 HAVING count(*) > 1"
    assert rows(db, twice) == []


def test_readings_rise_per_register_from_submissions_of_their_meter(db):
    falls = rows(
        db,
        """SELECT register_id, reading_date FROM (
            SELECT register_id, reading_date, value, rollover,
                   lag(value) OVER (PARTITION BY register_id ORDER BY reading_date) AS before
            FROM readings WHERE status IN ('accepted', 'pending_review')) r
        WHERE value < before AND NOT rollover""",
    )
    assert falls == []
    mismatched = rows(
        db,
        """SELECT r.id FROM readings r
        JOIN reading_submissions s ON s.id = r.submission_id
        JOIN meter_registers g ON g.id = r.register_id
        WHERE s.meter_id <> g.meter_id OR s.reading_date <> r.reading_date
           OR s.supply_point_id <> r.supply_point_id OR s.company_id <> r.company_id""",
    )
    assert mismatched == []
    one_meter_each = """SELECT supply_point_id FROM meters WHERE removed_on IS NULL
        GROUP BY 1 HAVING count(*) > 1"""
    assert rows(db, one_meter_each) == []


def test_the_measured_company_has_24_months_of_invoices_readings_and_advances(db):
    company = one(db, "SELECT id FROM companies WHERE legal_name = :n", n=scale.MEASURED_NAME)
    periods = rows(
        db,
        "SELECT period_start, period_end FROM invoices WHERE company_id = :c ORDER BY 1",
        c=company,
    )
    assert len(periods) == 24
    assert all(
        later[0] == earlier[1] + dt.timedelta(days=1) for earlier, later in pairwise(periods)
    )
    read = rows(
        db,
        """SELECT p.id, count(DISTINCT r.reading_date), min(r.reading_date), max(r.reading_date)
        FROM supply_points p JOIN readings r ON r.supply_point_id = p.id
        WHERE p.company_id = :c GROUP BY p.id""",
        c=company,
    )
    assert len(read) == 2
    for _point, dates, first, last in read:
        assert dates == 25  # 24 months between them
        assert (last.year - first.year) * 12 + last.month - first.month == 24
        assert last == periods[-1][1]
    assert one(db, "SELECT count(*) FROM advance_payments WHERE company_id = :c", c=company) > 0


def test_the_personas_have_their_companies(db):
    companies = """SELECT count(*) FROM memberships m JOIN accounts a ON a.id = m.account_id
        WHERE a.email = :e"""
    assert one(db, companies, e=scale.MANY) == 300
    assert one(db, companies, e=scale.CUSTOMER) == 3
    no_owner = """SELECT c.id FROM companies c WHERE NOT EXISTS (SELECT 1 FROM memberships m
        WHERE m.company_id = c.id AND m.role = 'owner')"""
    assert rows(db, no_owner) == []


def test_every_measured_page_answers_its_persona(built, capsys):
    app, report, engine = built
    pages = scale.scale_pages(app)
    results = scale.measure(app, pages, rounds=1)
    assert {r.page.persona for r in results} == {scale.CUSTOMER, scale.MANY, scale.ADMIN}
    assert all(r.statements > 0 for r in results)
    [statement] = scale.slowest(app, pages, count=1)
    assert "Execution Time" in scale.explain(engine, statement)
    report.print()
    assert "readings" in capsys.readouterr().out
