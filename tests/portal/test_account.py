"""The account page: details, password (re-authenticated), and the signed-in browsers."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from models.audit import AuditEvent
from models.identity import Account
from models.signin import LoginSession, live_sessions, start_session
from tests import factories


def test_details_are_saved_and_the_time_zone_is_used(client, people, session):
    client.login(people.jan.email)
    response = client.post_form(
        "/account/profile",
        {"full_name": "Ján Novák st.", "locale": "sk", "timezone": "Europe/London"},
    )
    assert response.status_code == 302
    session.expire_all()
    jan = session.get(Account, people.jan.id)
    assert (jan.full_name, jan.locale, jan.timezone) == ("Ján Novák st.", "sk", "Europe/London")
    assert "Europe/London" in client.get("/account/").get_data(as_text=True)


def test_an_unknown_time_zone_or_empty_name_is_refused(client, people, session):
    client.login(people.jan.email)
    page = client.post_form(
        "/account/profile", {"full_name": "", "locale": "en", "timezone": "Mars/Olympus"}
    )
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert 'id="full_name-error"' in text and 'id="timezone-error"' in text
    session.expire_all()
    assert session.get(Account, people.jan.id).timezone == "Europe/Bratislava"


def test_a_password_change_needs_the_current_password(client, people, session):
    client.login(people.jan.email)
    page = client.post_form(
        "/account/password",
        {
            "current_password": "wrong",
            "password": "harbor violet ember 61",
            "confirm": "harbor violet ember 61",
        },
    )
    assert page.status_code == 422
    assert "The current password is not correct." in page.get_data(as_text=True)
    session.expire_all()
    refused = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "password.change_refused")
    ).all()
    assert len(refused) == 1


def test_a_password_change_signs_out_other_browsers_but_not_this_one(client, other_client, people):
    client.login(people.jan.email)
    other_client.login(people.jan.email)
    response = client.post_form(
        "/account/password",
        {
            "current_password": factories.PASSWORD,
            "password": "harbor violet ember 61",
            "confirm": "harbor violet ember 61",
        },
    )
    assert response.status_code == 302
    assert client.get("/account/").status_code == 200
    assert other_client.get("/account/").status_code == 302


def test_mismatched_new_passwords_are_refused(client, people):
    client.login(people.jan.email)
    page = client.post_form(
        "/account/password",
        {
            "current_password": factories.PASSWORD,
            "password": "harbor violet ember 61",
            "confirm": "harbor violet ember 16",
        },
    )
    assert page.status_code == 422
    assert "The passwords do not match." in page.get_data(as_text=True)


def test_the_signed_in_browsers_are_listed_and_can_be_signed_out(client, other_client, people):
    client.login(people.jan.email)
    other_client.login(
        people.jan.email,
    )
    page = client.get("/account/").get_data(as_text=True)
    assert "this browser" in page and "Sign out everywhere else" in page
    client.post_form("/account/sessions/end-others")
    assert other_client.get("/companies").status_code == 302
    assert client.get("/companies").status_code == 200


def test_one_other_browser_is_signed_out_and_no_one_elses(client, other_client, people, session):
    client.login(people.jan.email)
    other_client.login(people.jan.email)
    mine = session.scalars(
        select(LoginSession)
        .where(LoginSession.account_id == people.jan.id)
        .order_by(LoginSession.id)
    ).all()
    this, other = mine[0], mine[1]
    assert "Sign out this browser" in client.get("/account/").get_data(as_text=True)
    refused = client.post_form(f"/account/sessions/{this.id}/end", follow_redirects=True)
    assert "use Sign out" in refused.get_data(as_text=True)
    assert client.post_form(f"/account/sessions/{other.id}/end").status_code == 302
    assert other_client.get("/companies").status_code == 302
    assert client.get("/companies").status_code == 200
    # Another account's session is none of Jan's business.
    start_session(session, people.anna, lifetime=dt.timedelta(hours=1), ip=None, user_agent=None)
    session.commit()
    [annas] = live_sessions(session, people.anna)
    refused = client.post_form(f"/account/sessions/{annas.id}/end", follow_redirects=True)
    assert "no longer signed in" in refused.get_data(as_text=True)
    assert live_sessions(session, people.anna) == [annas]
