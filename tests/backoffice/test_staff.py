"""Staff management by an administrator: a new staff member gets an account without a
password and an e-mailed activation link; role, teams and access are changed and audited;
an administrator cannot demote or deactivate themselves; teams have unique names."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from models.audit import AuditEvent
from models.identity import Account, AccountStatus, StaffRole, Team, find_account
from models.outbox import OutboxMessage
from models.signin import LoginSession
from tests import factories
from tests.helpers import count, field_error, mails_to

NEW_STAFF = "/backoffice/staff/new"
STRONG_PASSWORD = "quiet meadow lantern 42"
ACTIVATION_LINK = re.compile(r"https://portal\.example\.test/activate/[A-Za-z0-9_-]+")


def add_team(session, name: str) -> Team:  # type: ignore[no-untyped-def]
    team = Team(name=name)
    session.add(team)
    session.flush()
    return team


def staff_updates(session, account: Account) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return list(
        session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "staff.updated",
                AuditEvent.target_type == "accounts",
                AuditEvent.target_id == str(account.id),
            )
        )
    )


def new_staff_data(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "email": "petra.nova@example.com",
        "full_name": "Petra Nová",
        "role": StaffRole.CLERK.value,
        "teams": [],
    }
    data.update(changes)
    return data


def edit_data(account: Account, **changes: object) -> dict[str, object]:
    """The edit form as the page fills it in for `account`, with `changes`."""
    data: dict[str, object] = {
        "full_name": account.full_name,
        "role": account.staff_role.value if account.staff_role else "",
        "teams": [str(t.id) for t in account.teams],
    }
    if account.status == AccountStatus.ACTIVE:
        data["active"] = "y"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# Creating a staff member -----------------------------------------------------------------


def test_creating_a_staff_member_makes_an_account_with_the_role_and_teams_and_no_password(
    client, people, session
):
    billing = add_team(session, "Billing")
    session.commit()
    client.login(people.admin.email)
    response = client.post_form(
        NEW_STAFF,
        new_staff_data(
            email="Petra.Nova@Example.com",
            role=StaffRole.SPECIALIST.value,
            teams=[str(people.care.id), str(billing.id)],
        ),
    )
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/backoffice/staff"
    session.expire_all()
    made = find_account(session, "petra.nova@example.com")
    assert made is not None
    assert made.email == "petra.nova@example.com"
    assert made.full_name == "Petra Nová"
    assert made.staff_role == StaffRole.SPECIALIST
    assert sorted(t.name for t in made.teams) == ["Billing", "Customer care"]
    assert made.password_hash is None
    assert made.status == AccountStatus.ACTIVE


def test_creating_a_staff_member_emails_them_one_activation_link_on_the_public_url(
    client, people, session
):
    client.login(people.admin.email)
    client.post_form(NEW_STAFF, new_staff_data())
    messages = mails_to(session, "petra.nova@example.com")
    assert len(messages) == 1
    assert count(session, OutboxMessage) == 1
    assert len(ACTIVATION_LINK.findall(messages[0].body_text)) == 1


def test_the_activation_link_sets_the_password_once_and_then_the_person_can_work(
    client, other_client, people, session
):
    client.login(people.admin.email)
    client.post_form(NEW_STAFF, new_staff_data(teams=[str(people.care.id)]))
    (message,) = mails_to(session, "petra.nova@example.com")
    link = urlsplit(ACTIVATION_LINK.search(message.body_text).group(0)).path

    # Without a password nobody can sign in yet.
    assert other_client.login("petra.nova@example.com", STRONG_PASSWORD).status_code == 422

    form = other_client.get(link)
    assert form.status_code == 200
    assert "Set your password" in form.get_data(as_text=True)
    assert "petra.nova@example.com" in form.get_data(as_text=True)

    done = other_client.post_form(link, {"password": STRONG_PASSWORD, "confirm": STRONG_PASSWORD})
    assert done.status_code == 302
    assert urlsplit(done.location).path == "/login"
    session.expire_all()
    assert find_account(session, "petra.nova@example.com").password_hash is not None

    assert other_client.login("petra.nova@example.com", STRONG_PASSWORD).status_code == 302
    companies = other_client.get("/backoffice/companies")
    assert companies.status_code == 200
    assert "Alfa Trade s.r.o." in companies.get_data(as_text=True)

    again = other_client.get(link)
    assert again.status_code == 410
    assert "This link is no longer valid" in again.get_data(as_text=True)


@pytest.mark.parametrize("email", ["clerk@example.com", "Jan.Novak@Example.COM"])
def test_creating_a_staff_member_with_an_email_that_has_an_account_is_refused(
    client, people, session, email
):
    accounts = count(session, Account)
    client.login(people.admin.email)
    response = client.post_form(NEW_STAFF, new_staff_data(email=email))
    assert response.status_code == 422
    assert field_error(response, "email") == "An account with this e-mail address already exists."
    assert count(session, Account) == accounts
    assert count(session, OutboxMessage) == 0
    session.expire_all()
    assert session.get(Account, people.jan.id).staff_role is None


@pytest.mark.parametrize(
    ("field", "changes"),
    [
        ("email", {"email": "not-an-e-mail-address"}),
        ("email", {"email": ""}),
        ("full_name", {"full_name": ""}),
        ("full_name", {"full_name": "   "}),
        ("role", {"role": "superuser"}),
        ("role", {"role": ""}),
        ("teams", {"teams": ["999999"]}),
        ("teams", {"teams": ["care"]}),
    ],
)
def test_creating_a_staff_member_with_invalid_input_creates_nothing(
    client, people, session, field, changes
):
    accounts = count(session, Account)
    client.login(people.admin.email)
    response = client.post_form(NEW_STAFF, new_staff_data(**changes))
    assert response.status_code == 422
    assert field_error(response, field)
    assert count(session, Account) == accounts
    assert find_account(session, "petra.nova@example.com") is None
    assert count(session, OutboxMessage) == 0


# Editing a staff member ------------------------------------------------------------------


def test_the_edit_form_shows_the_current_role_teams_and_access(client, people):
    client.login(people.admin.email)
    page = client.get(f"/backoffice/staff/{people.clerk.id}").get_data(as_text=True)
    assert re.search(r'<option selected value="clerk">|<option value="clerk" selected>', page)
    assert re.search(
        rf'checked[^>]*value="{people.care.id}"|value="{people.care.id}"[^>]*checked', page
    )
    assert re.search(r'id="active"[^>]*checked|checked[^>]*id="active"', page)


def test_editing_changes_the_role_and_teams_and_is_audited(client, people, session):
    billing = add_team(session, "Billing")
    session.commit()
    client.login(people.admin.email)
    response = client.post_form(
        f"/backoffice/staff/{people.clerk.id}",
        edit_data(people.clerk, role=StaffRole.SPECIALIST.value, teams=[str(billing.id)]),
    )
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/backoffice/staff"
    session.expire_all()
    clerk = session.get(Account, people.clerk.id)
    assert clerk.staff_role == StaffRole.SPECIALIST
    assert [t.name for t in clerk.teams] == ["Billing"]
    assert clerk.status == AccountStatus.ACTIVE
    (event,) = staff_updates(session, clerk)
    assert event.actor_id == people.admin.id
    assert event.detail_map["before"]["role"] == "clerk"
    assert event.detail_map["before"]["teams"] == ["Customer care"]
    assert event.detail_map["after"]["role"] == "specialist"
    assert event.detail_map["after"]["teams"] == ["Billing"]


def test_editing_with_a_team_that_does_not_exist_changes_nothing(client, people, session):
    client.login(people.admin.email)
    response = client.post_form(
        f"/backoffice/staff/{people.clerk.id}",
        edit_data(people.clerk, role=StaffRole.AUDITOR.value, teams=["999999"]),
    )
    assert response.status_code == 422
    assert field_error(response, "teams")
    session.expire_all()
    clerk = session.get(Account, people.clerk.id)
    assert clerk.staff_role == StaffRole.CLERK
    assert [t.name for t in clerk.teams] == ["Customer care"]
    assert staff_updates(session, clerk) == []


def test_a_customer_account_cannot_be_edited_as_staff(client, people, session):
    client.login(people.admin.email)
    response = client.post_form(
        f"/backoffice/staff/{people.jan.id}",
        {"full_name": "Ján Novák", "role": StaffRole.ADMINISTRATOR.value, "active": "y"},
    )
    assert response.status_code == 404
    session.expire_all()
    assert session.get(Account, people.jan.id).staff_role is None


def test_deactivating_a_staff_member_ends_their_live_session(client, other_client, people, session):
    assert other_client.login(people.clerk.email).status_code == 302
    assert other_client.get("/backoffice/companies").status_code == 200

    client.login(people.admin.email)
    response = client.post_form(
        f"/backoffice/staff/{people.clerk.id}", edit_data(people.clerk, active=None)
    )
    assert response.status_code == 302

    after = other_client.get("/backoffice/companies")
    assert after.status_code == 302
    assert urlsplit(after.location).path == "/login"
    session.expire_all()
    assert session.get(Account, people.clerk.id).status == AccountStatus.DISABLED
    live = session.scalars(
        select(LoginSession).where(
            LoginSession.account_id == people.clerk.id, LoginSession.ended_at.is_(None)
        )
    )
    assert list(live) == []


def test_a_deactivated_staff_member_cannot_sign_in_again(client, other_client, people):
    client.login(people.admin.email)
    client.post_form(f"/backoffice/staff/{people.clerk.id}", edit_data(people.clerk, active=None))
    refused = other_client.login(people.clerk.email)
    assert refused.status_code == 422
    assert "The e-mail address or the password is not correct." in refused.get_data(as_text=True)


def test_an_administrator_cannot_take_the_administrator_role_from_themselves(
    client, people, session
):
    client.login(people.admin.email)
    response = client.post_form(
        f"/backoffice/staff/{people.admin.id}",
        edit_data(people.admin, role=StaffRole.CLERK.value, full_name="Renamed Admin"),
    )
    assert response.status_code == 422
    assert field_error(response, "role") == "You cannot take the administrator role from yourself."
    session.expire_all()
    admin = session.get(Account, people.admin.id)
    assert admin.staff_role == StaffRole.ADMINISTRATOR
    assert admin.full_name == "Admin"
    assert staff_updates(session, admin) == []


def test_an_administrator_cannot_deactivate_themselves(client, people, session):
    client.login(people.admin.email)
    response = client.post_form(
        f"/backoffice/staff/{people.admin.id}",
        edit_data(people.admin, active=None, full_name="Renamed Admin"),
    )
    assert response.status_code == 422
    assert field_error(response, "active") == "You cannot deactivate your own account."
    session.expire_all()
    admin = session.get(Account, people.admin.id)
    assert admin.status == AccountStatus.ACTIVE
    assert admin.full_name == "Admin"
    assert staff_updates(session, admin) == []
    assert client.get("/backoffice/staff").status_code == 200


def test_an_administrator_can_change_another_administrator(client, people, session):
    other = factories.account(
        session, "second.admin@example.com", name="Second Admin", staff_role=StaffRole.ADMINISTRATOR
    )
    session.commit()
    client.login(people.admin.email)
    response = client.post_form(
        f"/backoffice/staff/{other.id}", edit_data(other, role=StaffRole.AUDITOR.value)
    )
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Account, other.id).staff_role == StaffRole.AUDITOR


# Teams -----------------------------------------------------------------------------------


def teams_named(session, name: str) -> int:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Team).where(Team.name == name))


def test_creating_a_team_adds_it_and_audits_it(client, people, session):
    client.login(people.admin.email)
    response = client.post_form("/backoffice/teams", {"name": "  Billing  "})
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/backoffice/staff"
    assert teams_named(session, "Billing") == 1
    team = session.scalar(select(Team).where(Team.name == "Billing"))
    created = session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "team.created", AuditEvent.target_id == str(team.id)
        )
    )
    assert [e.actor_id for e in created] == [people.admin.id]
    page = client.get("/backoffice/staff").get_data(as_text=True)
    assert "Team Billing was created." in page
    assert "<strong>Billing</strong>" in page


@pytest.mark.parametrize(
    "name", ["Customer care", "  Customer care ", "CUSTOMER CARE", "customer care"]
)
def test_a_duplicate_team_name_is_refused(client, people, session, name):
    teams = count(session, Team)
    client.login(people.admin.email)
    response = client.post_form("/backoffice/teams", {"name": name}, follow_redirects=True)
    assert response.status_code == 200
    assert "A team with this name already exists." in response.get_data(as_text=True)
    assert count(session, Team) == teams
    assert teams_named(session, "Customer care") == 1


def test_a_team_without_a_name_is_refused(client, people, session):
    teams = count(session, Team)
    client.login(people.admin.email)
    response = client.post_form("/backoffice/teams", {"name": "   "}, follow_redirects=True)
    assert "Enter a team name." in response.get_data(as_text=True)
    assert count(session, Team) == teams


def test_an_administrator_can_change_their_own_name_and_teams(client, people, session):
    client.login(people.admin.email)
    response = client.post_form(
        f"/backoffice/staff/{people.admin.id}",
        edit_data(people.admin, full_name="Chief Admin", teams=[str(people.care.id)]),
    )
    assert response.status_code == 302
    session.expire_all()
    admin = session.get(Account, people.admin.id)
    assert admin.full_name == "Chief Admin"
    assert [t.name for t in admin.teams] == ["Customer care"]
    assert admin.staff_role == StaffRole.ADMINISTRATOR
    assert len(staff_updates(session, admin)) == 1


def test_a_new_role_applies_to_the_live_session_at_once(client, other_client, people):
    other_client.login(people.clerk.email)
    assert other_client.get("/backoffice/staff").status_code == 403
    client.login(people.admin.email)
    client.post_form(
        f"/backoffice/staff/{people.clerk.id}",
        edit_data(people.clerk, role=StaffRole.ADMINISTRATOR.value),
    )
    assert other_client.get("/backoffice/staff").status_code == 200


def test_the_activation_email_goes_out_right_after_the_staff_member_is_saved(
    client, people, session
):
    """Not when some later e-mail happens to trigger delivery."""
    client.login(people.admin.email)
    client.post_form(NEW_STAFF, new_staff_data()).close()  # the server closes every response
    session.expire_all()
    (message,) = session.scalars(
        select(OutboxMessage).where(OutboxMessage.recipient == "petra.nova@example.com")
    )
    assert message.sent_at is not None
    assert message.subject == "Your portal account"
