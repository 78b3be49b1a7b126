"""Company logins: invitations become memberships once, the company always keeps an owner,
and removing a login loses none of the company's data."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from sqlalchemy import func, select

from models.audit import AuditEvent
from models.db import utcnow
from models.errors import DomainError
from models.identity import Company, CustomerRole, Membership, find_account
from models.memberships import (
    Invitation,
    accept_invitation,
    change_role,
    find_invitation,
    invite,
    open_invitation_to,
    open_invitations,
    revoke_invitation,
    revoke_membership,
)
from tests import factories


def memberships_of(session, account):
    return {
        m.company.slug: m.role
        for m in session.scalars(select(Membership).where(Membership.account_id == account.id))
    }


def test_an_invitation_accepted_by_a_new_person_creates_their_login_and_access(session, people):
    _, raw = invite(
        session,
        actor=people.jan,
        company=people.alfa,
        email="New.Person@Example.com",
        role=CustomerRole.ACCOUNTANT,
    )
    membership = accept_invitation(
        session, raw, account=None, full_name="New Person", password="tidal copper saffron 31"
    )
    account = find_account(session, "new.person@example.com")
    assert membership.account == account
    assert memberships_of(session, account) == {people.alfa.slug: CustomerRole.ACCOUNTANT}
    assert membership.granted_by_id == people.jan.id


def test_an_invitation_to_an_existing_login_adds_the_company_to_it(session, people):
    _, raw = invite(
        session,
        actor=people.jan,
        company=people.beta,
        email=people.anna.email,
        role=CustomerRole.VIEWER,
    )
    accept_invitation(session, raw, account=people.anna)
    assert memberships_of(session, people.anna) == {
        people.alfa.slug: CustomerRole.MANAGER,
        people.beta.slug: CustomerRole.VIEWER,
    }


def test_an_invitation_works_only_for_the_invited_address(session, people):
    _, raw = invite(
        session,
        actor=people.jan,
        company=people.beta,
        email=people.anna.email,
        role=CustomerRole.VIEWER,
    )
    with pytest.raises(DomainError):
        accept_invitation(session, raw, account=people.eva)
    assert people.beta.slug not in memberships_of(session, people.anna)


def test_an_invitation_is_spent_once(session, people):
    _, raw = invite(
        session,
        actor=people.jan,
        company=people.beta,
        email=people.anna.email,
        role=CustomerRole.VIEWER,
    )
    accept_invitation(session, raw, account=people.anna)
    with pytest.raises(DomainError):
        accept_invitation(session, raw, account=people.anna)
    count = session.scalar(
        select(func.count(Membership.id)).where(Membership.account_id == people.anna.id)
    )
    assert count == 2


def test_an_invitation_expires_after_fourteen_days(session, people):
    start = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        _, raw = invite(
            session,
            actor=people.jan,
            company=people.beta,
            email="late@example.com",
            role=CustomerRole.VIEWER,
        )
        clock.shift(dt.timedelta(days=13, hours=23))
        assert find_invitation(session, raw) is not None
        clock.shift(dt.timedelta(hours=2))
        assert find_invitation(session, raw) is None
        with pytest.raises(DomainError):
            accept_invitation(
                session, raw, account=None, full_name="Late", password="tidal copper saffron 31"
            )


def test_inviting_again_replaces_the_open_invitation(session, people):
    _, first = invite(
        session,
        actor=people.jan,
        company=people.beta,
        email="x@example.com",
        role=CustomerRole.VIEWER,
    )
    _, second = invite(
        session,
        actor=people.jan,
        company=people.beta,
        email="x@example.com",
        role=CustomerRole.MANAGER,
    )
    assert find_invitation(session, first) is None
    assert [i.role for i in open_invitations(session, people.beta)] == [CustomerRole.MANAGER]
    assert find_invitation(session, second) is not None
    with pytest.raises(DomainError):
        accept_invitation(
            session, first, account=None, full_name="X", password="tidal copper saffron 31"
        )


def test_the_invitation_a_new_one_would_replace_is_known_beforehand(session, people):
    assert open_invitation_to(session, people.beta, "x@example.com") is None
    earlier, _ = invite(
        session,
        actor=people.jan,
        company=people.beta,
        email="x@example.com",
        role=CustomerRole.VIEWER,
    )
    assert open_invitation_to(session, people.beta, " X@Example.COM ") is earlier
    assert open_invitation_to(session, people.alfa, "x@example.com") is None
    latest, _ = invite(
        session,
        actor=people.jan,
        company=people.beta,
        email="x@example.com",
        role=CustomerRole.VIEWER,
    )
    assert earlier.revoked_at is not None and not earlier.is_open
    assert open_invitation_to(session, people.beta, "x@example.com") is latest
    replaced = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "invitation.replaced")
    ).one()
    assert replaced.target_id == str(earlier.id)
    assert replaced.detail_map["replaced_by"] == latest.id


def test_an_expired_invitation_is_not_replaced_but_stays_expired(session, people):
    expired, _ = invite(
        session,
        actor=people.jan,
        company=people.beta,
        email="x@example.com",
        role=CustomerRole.VIEWER,
    )
    expired.expires_at = utcnow() - dt.timedelta(minutes=1)
    session.flush()
    assert open_invitation_to(session, people.beta, "x@example.com") is None
    invite(
        session,
        actor=people.jan,
        company=people.beta,
        email="x@example.com",
        role=CustomerRole.VIEWER,
    )
    assert expired.revoked_at is None
    assert (
        session.scalars(select(AuditEvent).where(AuditEvent.action == "invitation.replaced")).all()
        == []
    )


def test_a_withdrawn_invitation_cannot_be_accepted(session, people):
    invitation, raw = invite(
        session,
        actor=people.jan,
        company=people.beta,
        email="x@example.com",
        role=CustomerRole.VIEWER,
    )
    revoke_invitation(session, actor=people.jan, invitation=invitation)
    assert find_invitation(session, raw) is None


def test_inviting_someone_who_already_has_access_is_refused(session, people):
    with pytest.raises(DomainError) as refused:
        invite(
            session,
            actor=people.jan,
            company=people.alfa,
            email="ANNA.kralova@example.com",
            role=CustomerRole.VIEWER,
        )
    assert refused.value.field == "email"


def test_the_last_owner_cannot_be_demoted_or_removed(session, people):
    jan_in_gamma = factories.membership(session, people.jan, people.gamma)
    with pytest.raises(DomainError) as refused:
        change_role(session, actor=people.jan, membership=jan_in_gamma, role=CustomerRole.VIEWER)
    assert refused.value.field == "role"
    with pytest.raises(DomainError):
        revoke_membership(session, actor=people.jan, membership=jan_in_gamma)
    assert jan_in_gamma.role == CustomerRole.OWNER


def test_an_owner_can_step_down_once_there_is_another_owner(session, people):
    anna_in_alfa = factories.membership(session, people.anna, people.alfa)
    jan_in_alfa = factories.membership(session, people.jan, people.alfa)
    change_role(session, actor=people.jan, membership=anna_in_alfa, role=CustomerRole.OWNER)
    change_role(session, actor=people.jan, membership=jan_in_alfa, role=CustomerRole.MANAGER)
    assert memberships_of(session, people.jan)[people.alfa.slug] == CustomerRole.MANAGER


def test_removing_a_login_keeps_the_company_and_its_history(session, people):
    """DESKTOMY: logins come and go; the company's history is never lost."""
    anna_in_alfa = factories.membership(session, people.anna, people.alfa)
    events_before = session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.company_id == people.alfa.id)
    )
    revoke_membership(session, actor=people.jan, membership=anna_in_alfa)
    assert memberships_of(session, people.anna) == {}
    assert session.get(Company, people.alfa.id) is not None
    assert find_account(session, people.anna.email) is not None  # the login itself stays
    events_after = session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.company_id == people.alfa.id)
    )
    assert events_after == events_before + 1
    assert session.scalars(select(AuditEvent.action).order_by(AuditEvent.id.desc())).first() == (
        "membership.revoked"
    )


def test_the_same_login_cannot_be_granted_twice(session, people):
    with pytest.raises(DomainError):
        factories.member(session, people.anna, people.alfa, CustomerRole.VIEWER)


def test_invitation_secrets_are_stored_hashed(session, people):
    _, raw = invite(
        session,
        actor=people.jan,
        company=people.beta,
        email="x@example.com",
        role=CustomerRole.VIEWER,
    )
    stored = session.scalars(select(Invitation.secret_hash)).all()
    assert raw not in stored
