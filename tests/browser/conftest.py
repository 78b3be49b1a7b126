"""Fixtures for the browser tests: the portal served over real HTTP from its own database
(named "browser", never the shared "main" one that other tests roll back), loaded with the
demo data, and Debian's Chromium driven through Playwright.

The browser is /usr/bin/chromium; Playwright's own browser downloads are never used. When
it is missing the tests fail (never skip) with a message saying what to install."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright
from werkzeug.serving import make_server

from app import create_app
from demo import load_demo
from tests.conftest import fresh_database, migrate

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
]
# Generous enough for a loaded 2-core machine, short enough that a hang fails quickly.
TIMEOUT_MS = 15_000


@pytest.fixture(scope="module")
def live_server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The portal with the demo data on http://127.0.0.1:<free port>; yields the base URL.

    `database_url` only tells which kind of database this run is for (SQLite or
    PostgreSQL); the server gets a fresh, migrated database of its own."""
    kind = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    url = fresh_database(kind, tmp_path_factory, "browser")
    migrate(url)

    # The port is known only once the socket is bound, and PUBLIC_URL must name it: bind
    # first, then hand the app to the server before it serves anything.
    server = make_server("127.0.0.1", 0, None, threaded=True)  # type: ignore[arg-type]
    base_url = f"http://127.0.0.1:{server.server_port}"
    app = create_app({"DATABASE_URL": url, "PUBLIC_URL": base_url, "MAIL_SERVER": ""})
    with app.app_context():
        from core.extensions import db

        assert load_demo(db.session), "the browser database already had the demo data"
        db.session.commit()
    server.app = app

    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield base_url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        app.extensions["database"]["engine"].dispose()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Debian's headless Chromium, launched once per run."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"The browser tests need Debian's Chromium at {CHROMIUM} and it is missing. "
            "Install it with `apt-get install chromium` (or `make system-packages` as root). "
            "Do not run `playwright install`: the tests use the system browser only.",
            pytrace=False,
        )
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def page(browser: Browser, live_server: str) -> Iterator[Page]:
    """A fresh page in a fresh browser context (no cookies shared between tests)."""
    context = browser.new_context(locale="en-US", base_url=live_server)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()
