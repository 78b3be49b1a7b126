"""What every response promises: security headers, generic error pages, no stack traces,
and a clean 503 when the database is away."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from core.extensions import db


def test_security_headers_are_on_every_response(client, people):
    for response in (client.get("/login"), client.get("/no-such-page")):
        headers = response.headers
        csp = headers["Content-Security-Policy"]
        for directive in (
            "frame-ancestors 'none'",
            "object-src 'none'",
            "base-uri 'none'",
            "script-src 'self'",
        ):
            assert directive in csp
        assert "unsafe-inline" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"


def test_signed_in_pages_are_not_cached(client, people):
    client.login(people.jan.email)
    assert client.get("/companies").headers["Cache-Control"] == "private, no-store"


def test_the_session_cookie_is_httponly_and_samesite(client, people):
    response = client.login(people.jan.email)
    set_cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie


def test_a_missing_page_looks_like_the_portal(client):
    response = client.get("/nothing-here")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Page not found" in page and 'class="site-header"' in page


def test_no_page_has_an_inline_script(client, people):
    client.login(people.jan.email)
    for url in (
        "/companies",
        f"/c/{people.alfa.slug}/",
        f"/c/{people.alfa.slug}/logins",
        "/account/",
    ):
        page = client.get(url).get_data(as_text=True)
        assert "<script>" not in page and "onclick=" not in page and "style=" not in page


@pytest.fixture
def broken_view(bound_app):
    """A route that fails, registered on a throw-away copy of the URL map."""

    def explode():
        raise RuntimeError("secret internals /srv/app.py line 42")

    def outage():
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    bound_app.view_functions["test_explode"] = explode
    bound_app.view_functions["test_outage"] = outage
    bound_app.url_map.add(bound_app.url_rule_class("/_test/explode", endpoint="test_explode"))
    bound_app.url_map.add(bound_app.url_rule_class("/_test/outage", endpoint="test_outage"))
    yield
    for endpoint in ("test_explode", "test_outage"):
        bound_app.view_functions.pop(endpoint)
        for rule in list(bound_app.url_map.iter_rules(endpoint)):
            bound_app.url_map._rules.remove(rule)
            bound_app.url_map._rules_by_endpoint.pop(endpoint, None)
    bound_app.url_map._remap = True


def test_an_error_shows_a_generic_page_without_a_stack_trace(client, broken_view, bound_app):
    bound_app.testing = False  # let the error handler answer, as in production
    try:
        response = client.get("/_test/explode")
    finally:
        bound_app.testing = True
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in page
    assert "secret internals" not in page and "Traceback" not in page


def test_a_database_outage_answers_503_and_keeps_nothing_half_done(client, broken_view, bound_app):
    response = client.get("/_test/outage")
    assert response.status_code == 503
    assert "temporarily unavailable" in response.get_data(as_text=True)
    assert "connection refused" not in response.get_data(as_text=True)
    with bound_app.app_context():
        assert not db.session.new
