"""Company logins through the pages: an owner asks for a new login (a clerk approves the
request, then the invitee gets the link and accepts it with a new or an existing login) or
for a login's access to end (it ends when a clerk approves), roles change; only owners
manage, and posted fields beyond the form's are ignored."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from sqlalchemy import select

from models import audit
from models.changes import ChangeRequest, ChangeStatus, approve_change
from models.identity import CustomerRole, find_account
from models.memberships import Invitation
from models.outbox import OutboxMessage
from tests import factories
from tests.factories import TODAY
from tests.helpers import mails_to, text_of


def invitation_path(session, email: str) -> str:
    [message] = mails_to(session, email)
    link = re.search(r"https://portal\.example\.test(/invitations/\S+)", message.body_text)
    assert link, message.body_text
    return link.group(1)


def approve_pending(session, people) -> None:
    """The clerk approves every pending request about logins (as the back office would)."""
    for pending in session.scalars(
        select(ChangeRequest).where(ChangeRequest.status == ChangeStatus.PENDING)
    ).all():
        approve_change(session, actor=people.clerk, change=pending, today=TODAY)
        if pending.is_pending:  # an owner's login: a second clerk
            approve_change(session, actor=people.admin, change=pending, today=TODAY)


def ask(client, company, email: str, role: str = "viewer"):  # type: ignore[no-untyped-def]
    return client.post_form(f"/c/{company.slug}/logins", {"email": email, "role": role})


def role_of(session, account, company):
    session.expire_all()
    found = factories.membership(session, account, company)
    return found.role if found else None


def test_an_owner_invites_and_a_newcomer_joins_through_the_link(
    client, other_client, people, session
):
    client.login(people.jan.email)
    sent = ask(client, people.alfa, "Accountant@Example.com", "accountant")
    assert sent.status_code == 302
    filed = text_of(client.get(sent.location))
    assert "for a login for accountant@example.com is filed" in filed
    assert "New login: accountant@example.com (Accountant)" in filed  # waiting, on the page
    assert mails_to(session, "accountant@example.com") == []  # nothing before verification
    approve_pending(session, people)

    path = invitation_path(session, "accountant@example.com")
    page = other_client.get(path).get_data(as_text=True)
    assert "Alfa Trade s.r.o." in page and "Accountant" in page
    joined = other_client.post_form(
        path,
        {
            "full_name": "Petra Účtovná",
            "password": "orbit saffron kettle 14",
            "confirm": "orbit saffron kettle 14",
        },
    )
    assert urlsplit(joined.location).path == f"/c/{people.alfa.slug}/"
    assert other_client.get(joined.location).status_code == 200  # signed in already
    newcomer = find_account(session, "accountant@example.com")
    assert role_of(session, newcomer, people.alfa) == CustomerRole.ACCOUNTANT
    assert other_client.get(path).status_code == 410  # spent


def test_an_existing_login_signs_in_to_accept(client, other_client, people, session):
    client.login(people.jan.email)
    ask(client, people.beta, people.anna.email)
    approve_pending(session, people)
    path = invitation_path(session, people.anna.email)
    page = other_client.get(path).get_data(as_text=True)
    assert "Sign in to accept" in page and "full_name" not in page
    other_client.post(
        f"/login?next={path}",
        data={
            "csrf_token": other_client.csrf_token(),
            "email": people.anna.email,
            "password": factories.PASSWORD,
        },
    )
    accepted = other_client.post_form(path)
    assert urlsplit(accepted.location).path == f"/c/{people.beta.slug}/"
    assert role_of(session, people.anna, people.beta) == CustomerRole.VIEWER


def test_an_invitation_cannot_be_accepted_by_another_signed_in_login(
    client, other_client, people, session
):
    client.login(people.jan.email)
    ask(client, people.beta, people.anna.email)
    approve_pending(session, people)
    path = invitation_path(session, people.anna.email)
    other_client.login(people.eva.email)
    page = other_client.get(path).get_data(as_text=True)
    assert "Sign out and sign in with that address" in page
    other_client.post_form(path)
    assert role_of(session, people.eva, people.beta) == CustomerRole.ACCOUNTANT
    assert role_of(session, people.anna, people.beta) is None


def test_a_bad_address_is_refused_next_to_the_field_and_nothing_is_sent(client, people, session):
    client.login(people.jan.email)
    page = client.post_form(
        f"/c/{people.alfa.slug}/logins", {"email": "not-an-address", "role": "viewer"}
    )
    assert page.status_code == 422
    assert 'id="email-error"' in page.get_data(as_text=True)
    session.expire_all()
    assert session.scalars(select(Invitation)).all() == []
    assert session.scalars(select(OutboxMessage)).all() == []


def test_an_unknown_role_is_refused(client, people, session):
    client.login(people.jan.email)
    page = client.post_form(
        f"/c/{people.alfa.slug}/logins", {"email": "x@example.com", "role": "administrator"}
    )
    assert page.status_code == 422
    assert 'id="role-error"' in page.get_data(as_text=True)


def test_inviting_a_member_again_is_refused_with_a_message(client, people):
    client.login(people.jan.email)
    page = client.post_form(
        f"/c/{people.alfa.slug}/logins", {"email": people.anna.email, "role": "viewer"}
    )
    assert page.status_code == 422
    assert "already has access" in page.get_data(as_text=True)


def test_extra_posted_fields_are_ignored(client, people, session):
    """A hand-made form cannot pick another company or set the request's or invitation's
    state."""
    client.login(people.jan.email)
    client.post_form(
        f"/c/{people.alfa.slug}/logins",
        {
            "email": "x@example.com",
            "role": "viewer",
            "company_id": str(people.beta.id),
            "accepted_at": "2026-01-01",
            "invited_by_id": str(people.anna.id),
            "status": "approved",
        },
    )
    session.expire_all()
    change = session.scalars(select(ChangeRequest)).one()
    assert change.company_id == people.alfa.id and change.is_pending
    approve_pending(session, people)
    invitation = session.scalars(select(Invitation)).one()
    assert invitation.company_id == people.alfa.id
    assert invitation.accepted_at is None
    assert invitation.invited_by_id == people.jan.id


def test_only_owners_manage_logins_but_members_see_who_has_access(client, people, session):
    client.login(people.anna.email)  # manager of Alfa
    page = client.get(f"/c/{people.alfa.slug}/logins").get_data(as_text=True)
    assert people.jan.email in page and "Ask for a new login" not in page
    assert (
        client.post_form(
            f"/c/{people.alfa.slug}/logins", {"email": "x@example.com", "role": "viewer"}
        ).status_code
        == 403
    )
    jan_in_alfa = factories.membership(session, people.jan, people.alfa).id
    assert client.post_form(f"/c/{people.alfa.slug}/logins/{jan_in_alfa}/revoke").status_code == 403
    assert role_of(session, people.jan, people.alfa) == CustomerRole.OWNER


def test_an_owner_changes_a_role_and_asks_to_end_an_access(client, people, session):
    client.login(people.jan.email)
    anna_in_alfa = factories.membership(session, people.anna, people.alfa).id
    client.post_form(f"/c/{people.alfa.slug}/logins/{anna_in_alfa}/role", {"role": "viewer"})
    assert role_of(session, people.anna, people.alfa) == CustomerRole.VIEWER
    done = client.post_form(
        f"/c/{people.alfa.slug}/logins/{anna_in_alfa}/revoke", follow_redirects=True
    )
    page = text_of(done)
    assert "Your request to end the access of Anna Kráľová is filed" in page
    assert "End of access: anna.kralova@example.com" in page
    assert role_of(session, people.anna, people.alfa) == CustomerRole.VIEWER  # until approved
    approve_pending(session, people)
    assert role_of(session, people.anna, people.alfa) is None


def test_the_last_owner_cannot_be_asked_away(client, people, session):
    client.login(people.jan.email)
    jan_in_gamma = factories.membership(session, people.jan, people.gamma).id
    page = client.post_form(
        f"/c/{people.gamma.slug}/logins/{jan_in_gamma}/revoke", follow_redirects=True
    )
    assert "must keep at least one owner" in text_of(page)
    assert session.scalars(select(ChangeRequest)).all() == []


def test_the_last_owner_is_protected_with_a_clear_message(client, people, session):
    client.login(people.jan.email)
    jan_in_gamma = factories.membership(session, people.jan, people.gamma).id
    page = client.post_form(
        f"/c/{people.gamma.slug}/logins/{jan_in_gamma}/role",
        {"role": "viewer"},
        follow_redirects=True,
    )
    assert "must keep at least one owner" in page.get_data(as_text=True)
    assert role_of(session, people.jan, people.gamma) == CustomerRole.OWNER


def test_a_membership_of_another_company_cannot_be_reached_through_this_one(
    client, people, session
):
    """Jan owns Alfa and Beta; Eva's Beta membership is not reachable under /c/alfa-trade/."""
    client.login(people.jan.email)
    eva_in_beta = factories.membership(session, people.eva, people.beta).id
    response = client.post_form(f"/c/{people.alfa.slug}/logins/{eva_in_beta}/revoke")
    assert response.status_code == 404
    assert role_of(session, people.eva, people.beta) == CustomerRole.ACCOUNTANT


def test_an_owner_withdraws_an_invitation(client, other_client, people, session):
    client.login(people.jan.email)
    ask(client, people.alfa, "x@example.com")
    approve_pending(session, people)
    path = invitation_path(session, "x@example.com")
    invitation_id = session.scalar(select(Invitation.id))
    client.post_form(f"/c/{people.alfa.slug}/logins/invitations/{invitation_id}/revoke")
    assert other_client.get(path).status_code == 410


def invite_select(page: str) -> list[tuple[str, bool]]:
    """The invite form's role options: (value, selected), in the order offered."""
    form = page[page.index('id="invite"') :]
    select_html = form[form.index("<select") : form.index("</select>")]
    return [
        (re.search(r'value="([^"]+)"', option).group(1), " selected" in option)
        for option in re.findall(r"<option[^>]*>", select_html)
    ]


def test_the_invite_form_starts_at_the_least_privileged_role(client, people):
    """Viewer changes nothing; more access is a choice the owner makes, never the default."""
    client.login(people.jan.email)
    page = client.get(f"/c/{people.alfa.slug}/logins").get_data(as_text=True)
    offered = invite_select(page)
    assert offered[0] == ("viewer", True)
    assert [value for value, selected in offered if selected] == ["viewer"]
    assert offered[-1] == ("owner", False)
    assert {value for value, _ in offered} == {role.value for role in CustomerRole}


def test_a_refused_invitation_keeps_the_role_the_owner_chose(client, people):
    client.login(people.jan.email)
    page = client.post_form(
        f"/c/{people.alfa.slug}/logins", {"email": people.anna.email, "role": "manager"}
    ).get_data(as_text=True)
    assert [value for value, selected in invite_select(page) if selected] == ["manager"]


def test_inviting_an_address_again_says_the_earlier_link_stops_working_and_it_does(
    client, other_client, people, session
):
    client.login(people.jan.email)
    ask(client, people.alfa, "x@example.com")
    approve_pending(session, people)
    first_path = invitation_path(session, "x@example.com")
    ask(client, people.alfa, "X@Example.com", "accountant")
    approve_pending(session, people)
    earlier, latest = [m.body_text for m in mails_to(session, "x@example.com")]
    latest_path = re.search(r"https://portal\.example\.test(/invitations/\S+)", latest).group(1)
    assert latest_path != first_path and first_path in earlier
    assert other_client.get(first_path).status_code == 410
    assert other_client.get(latest_path).status_code == 200
    joined = other_client.post_form(
        first_path,
        {
            "full_name": "Late Reader",
            "password": "orbit saffron kettle 14",
            "confirm": "orbit saffron kettle 14",
        },
    )
    assert joined.status_code == 410
    assert find_account(session, "x@example.com") is None


def test_the_owner_sees_how_the_companys_logins_signed_in(client, other_client, people, session):
    other_client.login(people.anna.email, "not her password")
    other_client.login(people.anna.email)
    audit.record(session, "login.success", actor=people.eva, target=people.eva)
    session.commit()
    client.login(people.jan.email)
    page = client.get(f"/c/{people.alfa.slug}/logins/history")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "anna.kralova@example.com" in text
    assert "Sign-in failed" in text and "Signed in" in text
    assert people.eva.email not in text  # Eva is Beta's, not Alfa's
    # A manager of the company does not see it.
    assert other_client.get(f"/c/{people.alfa.slug}/logins/history").status_code == 403
