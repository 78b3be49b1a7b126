"""The company switcher at scale: server time and SQL statements of the company list for a
login with 3, 30 and 300 companies (each with a badge), and the cost of one sign-in."""

from __future__ import annotations

import os
import re
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import event

from models.identity import CustomerRole, create_account, create_company, grant_membership
from models.memberships import invite
from models.passwords import hash_password

PASSWORD = "bench marks are honest 2026"  # noqa: S105 - a throw-away database
ROUNDS = 30


def _app(url: str):  # type: ignore[no-untyped-def]
    os.environ.setdefault("SECRET_KEY", "bench-only")
    from alembic import command

    from app import create_app
    from core.database import alembic_config
    from core.extensions import db

    app = create_app({"DATABASE_URL": url, "TESTING": True, "RATELIMIT_ENABLED": False})
    with app.app_context(), db.engine.begin() as conn:
        command.upgrade(alembic_config(url, conn), "head")
    return app, db


def _login(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post(
        "/login", data={"csrf_token": token, "email": "owner@example.com", "password": PASSWORD}
    )


def main() -> None:
    url = os.environ.get("BENCH_DATABASE_URL") or (
        f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite'}"
    )
    app, db = _app(url)
    print(f"database: {url.split('@')[-1]}")
    with app.app_context():
        owner = create_account(db.session, email="owner@example.com", full_name="Owner")
        owner.password_hash = hash_password(PASSWORD)
        db.session.commit()
        owner_id = owner.id
    made = 0
    client = app.test_client()
    _login(client)
    print(f"{'companies':>10} {'median ms':>10} {'p95 ms':>8} {'SQL statements':>15}")
    for target in (3, 30, 300):
        with app.app_context():
            from models.identity import Account

            owner = db.session.get(Account, owner_id)
            while made < target:
                company = create_company(db.session, legal_name=f"Company {made:04d} s.r.o.")
                grant_membership(
                    db.session, account=owner, company=company, role=CustomerRole.OWNER
                )
                invite(
                    db.session,
                    actor=owner,
                    company=company,
                    email="x@example.com",
                    role=CustomerRole.VIEWER,
                )
                made += 1
            db.session.commit()
        statements = count_statements(app, lambda: client.get("/companies"))
        timings = []
        for _ in range(ROUNDS):
            start = time.perf_counter()
            assert client.get("/companies").status_code == 200
            timings.append((time.perf_counter() - start) * 1000)
        p95 = sorted(timings)[int(len(timings) * 0.95) - 1]
        print(f"{target:>10} {statistics.median(timings):>10.1f} {p95:>8.1f} {statements:>15}")
    start = time.perf_counter()
    for _ in range(5):
        _login(app.test_client())
    print(f"sign-in (argon2id verify + session): {(time.perf_counter() - start) / 5 * 1000:.0f} ms")


def count_statements(app, action) -> int:  # type: ignore[no-untyped-def]
    """How many SQL statements `action` sends."""
    engine = app.extensions["database"]["engine"]
    seen: list[str] = []

    def listener(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(seen)
