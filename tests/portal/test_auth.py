"""Signing in and out as a browser does it: generic failures, a fresh session at login,
server-side revocation that a copied cookie cannot outlive, CSRF on every POST, and password
links built from the configured public URL."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
import time_machine
from sqlalchemy import select

from models.audit import AuditEvent
from models.identity import AccountStatus
from models.outbox import OutboxMessage
from models.staff import set_account_status
from tests import factories
from tests.helpers import mails_to

GENERIC = "The e-mail address or the password is not correct."


def cookie(client) -> str:
    found = client.get_cookie("portal_session")
    return found.value if found else ""


def test_a_customer_lands_on_the_company_list(client, people):
    response = client.login(people.jan.email)
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/companies"


def test_staff_land_in_the_back_office(client, people):
    response = client.login(people.clerk.email)
    assert urlsplit(response.location).path == "/backoffice/"


@pytest.mark.parametrize("email", ["nobody@example.com", "jan.novak@example.com"])
def test_unknown_email_and_wrong_password_read_the_same(client, people, email):
    response = client.login(email, "wrong password entirely")
    assert response.status_code == 422
    assert GENERIC in response.get_data(as_text=True)
    assert client.get("/companies").status_code == 302


def test_failed_logins_are_audited(client, people, session):
    client.login(people.jan.email, "nope nope nope")
    session.expire_all()
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "login.failure")).one()
    assert event.actor_id == people.jan.id
    assert event.ip == "127.0.0.1"


def test_repeated_failures_lock_the_address_for_a_while(client, people):
    for _ in range(6):
        client.login(people.jan.email, "wrong password entirely")
    page = client.login(people.jan.email).get_data(as_text=True)
    assert "Too many failed attempts" in page
    assert client.get("/companies").status_code == 302


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        "/%0d%0aSet-Cookie:x=1",
    ],
)
def test_next_accepts_only_local_paths(client, people, target):
    response = client.post(
        f"/login?next={target}",
        data={
            "csrf_token": client.csrf_token(),
            "email": people.jan.email,
            "password": factories.PASSWORD,
        },
    )
    assert response.status_code == 302
    location = urlsplit(response.location)
    assert location.netloc in ("", "localhost")
    assert location.path == "/companies"


def test_next_returns_to_a_local_page(client, people):
    response = client.post(
        "/login?next=/c/alfa-trade/logins",
        data={
            "csrf_token": client.csrf_token(),
            "email": people.jan.email,
            "password": factories.PASSWORD,
        },
    )
    assert response.location.endswith("/c/alfa-trade/logins")


def test_the_session_is_replaced_at_login(client, people):
    client.get("/login")
    before = cookie(client)
    client.login(people.jan.email)
    after = cookie(client)
    assert before and after and before != after


def test_a_copied_cookie_stops_working_after_logout(client, other_client, people):
    client.login(people.jan.email)
    stolen = cookie(client)
    other_client.set_cookie("portal_session", stolen)
    assert other_client.get("/companies").status_code == 200
    client.post_form("/logout")
    response = other_client.get("/companies")
    assert response.status_code == 302 and urlsplit(response.location).path == "/login"


def test_logout_needs_post_with_a_token(client, people):
    client.login(people.jan.email)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/companies").status_code == 200


def test_a_post_without_csrf_token_is_refused_with_400(client, people):
    response = client.post(
        "/login", data={"email": people.jan.email, "password": factories.PASSWORD}
    )
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)


def test_disabling_an_account_logs_out_its_live_session(client, people, session):
    client.login(people.anna.email)
    assert client.get("/companies").status_code == 200
    set_account_status(
        session, actor=people.admin, account=people.anna, status=AccountStatus.DISABLED
    )
    session.commit()
    response = client.get("/companies")
    assert response.status_code == 302 and urlsplit(response.location).path == "/login"


def test_a_page_read_while_signed_in_sends_no_new_cookie_and_idle_still_ends_it(client, people):
    """The cookie is signed again only when its content changes; the login session's row,
    not the cookie, keeps the idle timeout."""
    start = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        client.login(people.jan.email)
        client.get("/companies")  # the first page keeps the form token in the session
        signed_in = cookie(client)
        clock.shift(dt.timedelta(minutes=2))
        response = client.get("/companies")
        assert response.status_code == 200 and "Set-Cookie" not in response.headers
        assert cookie(client) == signed_in
        clock.shift(dt.timedelta(minutes=31))
        assert client.get("/companies").status_code == 302


def test_memberships_not_loaded_with_the_login_are_read_in_one_query_not_per_company(
    client, people, engine, monkeypatch
):
    """The memberships normally come with the login session (core.scope.MEMBERSHIPS); when
    the account arrives without them, the page reads them once, with their companies."""
    from sqlalchemy import event
    from sqlalchemy.orm import selectinload

    import core.auth
    from models.identity import Account

    client.login(people.jan.email)
    monkeypatch.setattr(core.auth, "MEMBERSHIPS", selectinload(Account.teams))
    seen: list[str] = []

    def note(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        page = client.get("/companies").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert all(name in page for name in ["Alfa Trade", "Beta Services", "Gamma Household"])
    assert sum("FROM memberships" in s or "JOIN memberships" in s for s in seen) == 1
    assert not any(s.lstrip().startswith("SELECT companies.") for s in seen)  # none per company


def test_an_idle_session_expires(client, people):
    start = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        client.login(people.jan.email)
        clock.shift(dt.timedelta(minutes=20))
        assert client.get("/companies").status_code == 200
        clock.shift(dt.timedelta(minutes=31))
        assert client.get("/companies").status_code == 302


def test_login_and_logout_are_audited(client, people, session):
    client.login(people.jan.email)
    client.post_form("/logout")
    session.expire_all()
    actions = session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.actor_id == people.jan.id)
        .order_by(AuditEvent.id)
    ).all()
    assert actions[-2:] == ["login.success", "logout"]


def reset_link(session, email: str) -> str:
    message = mails_to(session, email)[-1]
    return re.search(r"https://\S+", message.body_text).group(0)


def test_a_reset_request_answers_the_same_for_known_and_unknown_addresses(client, people, session):
    known = client.post_form("/forgot-password", {"email": people.jan.email}, follow_redirects=True)
    unknown = client.post_form(
        "/forgot-password", {"email": "nobody@example.com"}, follow_redirects=True
    )
    strip = lambda r: re.sub(r'value="[^"]+"', "", r.get_data(as_text=True))  # noqa: E731
    assert known.status_code == unknown.status_code == 200
    assert strip(known) == strip(unknown)
    session.expire_all()
    assert session.scalars(select(OutboxMessage.recipient)).all() == [people.jan.email]


def test_a_reset_link_uses_the_public_url_not_the_host_header(client, people, session):
    evil = "http://attacker.example"
    page = client.get("/forgot-password", base_url=evil).get_data(as_text=True)
    token = client.TOKEN.search(page).group(1)
    client.post(
        "/forgot-password", base_url=evil, data={"csrf_token": token, "email": people.jan.email}
    )
    link = reset_link(session, people.jan.email)
    assert link.startswith("https://portal.example.test/reset-password/")


def test_a_reset_link_sets_the_password_once_and_ends_sessions(
    client, other_client, people, session
):
    other_client.login(people.jan.email)
    client.post_form("/forgot-password", {"email": people.jan.email})
    path = urlsplit(reset_link(session, people.jan.email)).path
    form = client.get(path)
    assert form.status_code == 200 and "Set your password" in form.get_data(as_text=True)
    done = client.post_form(
        path, {"password": "granite willow beacon 58", "confirm": "granite willow beacon 58"}
    )
    assert urlsplit(done.location).path == "/login"
    assert client.get(path).status_code == 410
    assert other_client.get("/companies").status_code == 302
    assert client.login(people.jan.email, "granite willow beacon 58").status_code == 302


def test_a_weak_password_on_the_reset_page_is_refused_next_to_the_field(client, people, session):
    client.post_form("/forgot-password", {"email": people.jan.email})
    path = urlsplit(reset_link(session, people.jan.email)).path
    page = client.post_form(path, {"password": "password1234", "confirm": "password1234"})
    text = page.get_data(as_text=True)
    assert page.status_code == 422
    assert 'id="password-error"' in text and "too common" in text
    assert client.get(path).status_code == 200  # the link is not spent


def test_an_unknown_link_is_gone(client):
    assert client.get("/reset-password/not-a-real-token").status_code == 410
    assert client.get("/activate/not-a-real-token").status_code == 410
    assert client.get("/invitations/not-a-real-token").status_code == 410


def test_the_sign_in_limit_counts_failures_only(client, people, bound_app, monkeypatch):
    """An office behind one address signs in all day; only wrong passwords use the limit."""
    monkeypatch.setitem(bound_app.config, "LOGIN_RATE_LIMIT", "3 per 10 minutes")
    for _ in range(5):
        assert client.login(people.jan.email).status_code == 302
        client.post_form("/logout")
    for _ in range(3):
        assert client.login(people.jan.email, "wrong password entirely").status_code == 422
    assert client.login(people.jan.email).status_code == 429


def test_the_sign_in_limit_says_how_long_to_wait(client, people, bound_app, monkeypatch):
    monkeypatch.setitem(bound_app.config, "LOGIN_RATE_LIMIT", "1 per 10 minutes")
    client.login("nobody@example.com", "wrong password entirely")
    refused = client.login("nobody@example.com", "wrong password entirely")
    assert refused.status_code == 429
    wait = int(refused.headers["Retry-After"])
    assert 540 < wait <= 600
    assert "Try again in 10 minutes." in refused.get_data(as_text=True)


FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
NEWER_FIREFOX = FIREFOX.replace("128.0", "131.0")
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def test_a_sign_in_from_a_new_device_is_told_to_the_address(client, people, session, bound_app):
    def sign_in(user_agent: str) -> None:
        client.post_form(
            "/login",
            {"email": people.clerk.email, "password": factories.PASSWORD},
            headers={"User-Agent": user_agent},
        )
        client.post_form("/logout")

    sign_in(FIREFOX)  # the first sign-in: every device is new, nobody is told
    sign_in(NEWER_FIREFOX)  # the same browser, updated
    assert mails_to(session, people.clerk.email) == []
    sign_in(IPHONE)
    [notice] = mails_to(session, people.clerk.email)
    assert notice.subject == "A sign-in to your portal account from a new device"
    assert "Mobile Safari on iOS (iPhone)" in notice.body_text
    assert "/account/" in notice.body_text
    sign_in(IPHONE)
    assert len(mails_to(session, people.clerk.email)) == 1
