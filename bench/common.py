"""What every benchmark needs: a migrated throw-away database, a signed-in client, and a
count of the SQL statements an action sends."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import event, text

PASSWORD = "bench marks are honest 2026"  # noqa: S105 - a throw-away database


def fresh_app(name: str):  # type: ignore[no-untyped-def]
    """An app on an empty, migrated database: SQLite in a temp folder, or the PostgreSQL
    server of BENCH_DATABASE_URL (its public schema is dropped and recreated)."""
    os.environ.setdefault("SECRET_KEY", "bench-only")
    from alembic import command

    from app import create_app
    from core.database import alembic_config
    from core.extensions import db
    from models.db import make_engine

    url = os.environ.get("BENCH_DATABASE_URL") or (
        f"sqlite:///{Path(tempfile.mkdtemp(prefix=name)) / 'bench.sqlite'}"
    )
    if url.startswith("postgres"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    app = create_app({"DATABASE_URL": url, "TESTING": True, "RATELIMIT_ENABLED": False})
    with app.app_context(), db.engine.begin() as conn:
        command.upgrade(alembic_config(url, conn), "head")
    return app, db, url.split("@")[-1].split("://")[0] if "@" not in url else "postgresql"


def login(client, email: str, password: str = PASSWORD) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/login", data={"csrf_token": token, "email": email, "password": password}
    )
    assert response.status_code == 302, "login failed"


def count_statements(app, action: Callable[[], object]) -> int:  # type: ignore[no-untyped-def]
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
