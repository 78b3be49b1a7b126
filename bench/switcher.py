"""The company switcher at scale: server time and SQL statements of the company list for a
login with 3, 30 and 300 companies (each with a badge), and the cost of one sign-in."""

from __future__ import annotations

import statistics
import time

from bench.common import PASSWORD, count_statements, fresh_app, login
from models.identity import CustomerRole, create_account, create_company
from models.memberships import grant_membership, invite
from models.passwords import hash_password

ROUNDS = 30


def main() -> None:
    app, db, label = fresh_app("switcher")
    print(f"== switcher ({label})")
    with app.app_context():
        owner = create_account(db.session, email="owner@example.com", full_name="Owner")
        owner.password_hash = hash_password(PASSWORD)
        db.session.commit()
        owner_id = owner.id
    made = 0
    client = app.test_client()
    login(client, "owner@example.com")
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
        login(app.test_client(), "owner@example.com")
    print(f"sign-in (argon2id verify + session): {(time.perf_counter() - start) / 5 * 1000:.0f} ms")
