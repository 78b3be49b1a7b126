"""Every page a customer and a staff member open, on the demo: SQL statements and server time
in process (Flask's test client), then, with wrk installed, each page against the bare-Flask
ceiling under gunicorn (../shared/bench/compare.py: a page against /page, a stored file
against /blob, the ratio portal / bare from one run).

    .venv/bin/python -m bench.pages [--seconds 5] [--no-compare]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from bench.common import fresh_app, login
from bench.scale import Page, customer_pages, measure
from demo import PASSWORD as DEMO_PASSWORD
from demo import load_demo
from models.billing import Invoice
from models.files import store_file
from models.identity import Company
from models.supply import Contract, ReadingSubmission, SupplyPoint

COMPARE = Path(__file__).resolve().parents[2] / "shared" / "bench" / "compare.py"
CUSTOMER = "jan.novak@example.com"
STAFF = "admin@example.com"
ANONYMOUS = ""  # in process only: compare.py signs in, and a signed-in /login redirects
# The smallest valid JPEG: a meter photo stands in, the bytes do not matter to the serving.
PHOTO = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b"
    "0b0c1912130f141d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e3334"
    "32ffc0000b080001000101011100ffc4001f0000010501010101010100000000000000000102030405060708"
    "090a0bffc400b5100002010303020403050504040000017d01020300041105122131410613516107227114"
    "328191a1082342b1c11552d1f02433627282090a161718191a25262728292a3435363738393a434445464748"
    "494a535455565758595a636465666768696a737475767778797a838485868788898a92939495969798999aa2"
    "a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9"
    "eaf1f2f3f4f5f6f7f8f9faffda0008010100003f00fbd3ffd9"
)


# Compared with the bare /blob, not with /page: the files the portal serves as stored.
STORED_FILES = {"invoice PDF", "contract", "meter photo", "readings CSV"}


def pages(session) -> list[Page]:  # type: ignore[no-untyped-def]
    """The pages of the issue, found in the demo (Alfa Trade, Ján Novák's company)."""
    alfa = session.scalars(select(Company).where(Company.slug == "alfa-trade")).one()
    c = f"/c/{alfa.slug}"
    invoice = session.scalars(
        select(Invoice).where(Invoice.company_id == alfa.id).order_by(Invoice.issue_date.desc())
    ).first()
    point = session.scalars(
        select(SupplyPoint).where(SupplyPoint.company_id == alfa.id).order_by(SupplyPoint.id)
    ).first()
    contract = session.scalars(
        select(Contract)
        .where(Contract.supply_point_id == point.id, Contract.document_id.is_not(None))
        .order_by(Contract.id)
    ).first()
    submission = session.scalars(
        select(ReadingSubmission)
        .where(ReadingSubmission.supply_point_id == point.id)
        .order_by(ReadingSubmission.id.desc())
    ).first()
    if submission.photo_id is None:  # the demo's readings came without photos: give one one
        submission.photo = store_file(
            session, data=PHOTO, filename="meter.jpg", content_type="image/jpeg",
            company_id=alfa.id,
        )  # fmt: skip
        session.commit()
    staff_invoice = f"/backoffice/invoices/{invoice.id}"
    return [
        Page(ANONYMOUS, "sign-in page", "/login"),
        *customer_pages(CUSTOMER, alfa.slug, invoice.number, point.code),
        Page(CUSTOMER, "logins", f"{c}/logins"),
        Page(CUSTOMER, "invoice PDF", f"{c}/invoices/{invoice.number}/pdf"),
        Page(
            CUSTOMER,
            "contract",
            f"{c}/supply-points/{point.code}/contracts/{contract.id}",
        ),
        Page(
            CUSTOMER,
            "meter photo",
            f"{c}/supply-points/{point.code}/readings/{submission.id}/photo",
        ),
        Page(CUSTOMER, "readings CSV", f"{c}/supply-points/{point.code}/readings.csv"),
        Page(STAFF, "companies", "/backoffice/companies"),
        Page(STAFF, "company search", "/backoffice/companies?q=trade"),
        Page(STAFF, "company", f"/backoffice/companies/{alfa.id}"),
        Page(STAFF, "invoices", "/backoffice/invoices"),
        Page(STAFF, "invoice", staff_invoice),
        Page(STAFF, "readings", "/backoffice/readings"),
        Page(STAFF, "price lists", "/backoffice/pricelists"),
        Page(STAFF, "staff", "/backoffice/staff"),
    ]


def in_process(app, shown: list[Page]) -> None:  # type: ignore[no-untyped-def]
    """bench.scale's measurement (3 warm-ups, the first PDF rendered and stored among them;
    the statements of one request; 30 timed), signed out for the sign-in page."""
    clients = {}
    for persona in dict.fromkeys(p.persona for p in shown):
        clients[persona] = app.test_client()
        if persona:
            login(clients[persona], persona, DEMO_PASSWORD)
    print(f"{'page':>18} {'median ms':>10} {'p95 ms':>8} {'SQL statements':>15}")
    persona = None
    for result in measure(app, shown, clients=clients):
        if result.page.persona != persona:
            persona = result.page.persona
            print(f"-- {persona or 'signed out'}")
        print(
            f"{result.page.name:>18} {result.median:>10.1f} {result.p95:>8.1f}"
            f" {result.statements:>15}"
        )


def compare(url: str, shown: list[Page], seconds: int) -> None:
    """Each persona's pages through compare.py, on the same database."""
    if shutil.which("wrk") is None or not COMPARE.exists():
        print(f"(no comparison: needs wrk and {COMPARE})")
        return
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": os.environ["SECRET_KEY"]}
    for persona in dict.fromkeys(p.persona for p in shown if p.persona):
        paths = [
            p.url + (":blob" if p.name in STORED_FILES else "")
            for p in shown
            if p.persona == persona
        ]
        print(f"-- against bare Flask, as {persona}", flush=True)
        subprocess.run(  # noqa: S603 - our interpreter, our script, our paths
            [sys.executable, str(COMPARE), "--seconds", str(seconds), "--email", persona,
             "--password", DEMO_PASSWORD, *paths],
            env=env, check=True,
        )  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=5, help="wrk's time per page")
    parser.add_argument("--no-compare", action="store_true", help="in process only")
    args = parser.parse_args(argv)
    app, db, label = fresh_app("pages")
    print(f"\n== pages ({label})")
    with app.app_context():
        load_demo(db.session)
        db.session.commit()
        shown = pages(db.session)
        url = db.engine.url.render_as_string(hide_password=False)
    in_process(app, shown)
    if not args.no_compare:
        compare(url, shown, args.seconds)


if __name__ == "__main__":
    main()
