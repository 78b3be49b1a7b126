"""Change requests, maker-checker: a customer's edit waits for the back office, approval
applies exactly the requested fields, rejection nothing; sensitive fields need two clerks,
nobody approves their own request, and a change made in between is shown, not overwritten."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from models.audit import AuditEvent
from models.changes import (
    ChangeConflict,
    ChangeStatus,
    approve_change,
    field_history,
    file_change,
    pending_counts,
    reject_change,
    withdraw_change,
)
from models.errors import AlreadyDecided, DomainError
from models.outbox import OutboxMessage
from tests import factories
from tests.factories import ALL_COMPANY_FIELDS, TODAY, change

NEW_ADDRESS = "Nová 1\n811 01 Bratislava\nSlovakia"
IBAN = "SK31 1200 0000 1987 4263 7541"


def events(session, action):
    return [
        e.detail_map for e in session.scalars(select(AuditEvent).where(AuditEvent.action == action))
    ]


def mails(session, to):
    return list(
        session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.recipient == to, OutboxMessage.template == "change_decision"
            )
        )
    )


def test_filing_leaves_the_company_data_as_it_is(session, people):
    before = people.alfa.billing_address
    filed = change(session, people.alfa, people.jan, billing_address=NEW_ADDRESS)
    assert filed.status == ChangeStatus.PENDING and not filed.four_eyes
    assert people.alfa.billing_address == before
    [field] = filed.fields
    assert (field.field, field.old_value, field.new_value) == ("billing_address", None, NEW_ADDRESS)
    [filed_event] = events(session, "change.filed")
    assert filed_event["changes"] == {"billing_address": [None, NEW_ADDRESS]}


def test_approval_applies_exactly_the_requested_fields(session, people):
    people.alfa.contact_phone = "+421 2 5555 0101"
    filed = change(
        session,
        people.alfa,
        people.jan,
        billing_address=NEW_ADDRESS,
        contact_phone="+421 2 5555 0101",  # unchanged: not part of the request
        contact_person="Ján Novák",
    )
    assert {f.field for f in filed.fields} == {"billing_address", "contact_person"}
    email_before = people.alfa.contact_email
    approve_change(session, actor=people.clerk, change=filed, today=TODAY, reason="Checked.")
    session.refresh(people.alfa)
    assert people.alfa.billing_address == NEW_ADDRESS
    assert people.alfa.contact_person == "Ján Novák"
    assert people.alfa.contact_email == email_before
    assert filed.status == ChangeStatus.APPROVED and filed.decided_by_id == people.clerk.id
    [approved] = events(session, "change.approved")
    assert approved["changes"]["billing_address"] == [None, NEW_ADDRESS]
    [mail] = mails(session, people.jan.email)
    assert mail.param_map["approved"] is True and mail.param_map["change_id"] == filed.id


def test_rejection_applies_nothing_and_needs_a_reason(session, people):
    filed = change(session, people.alfa, people.jan, contact_person="Someone Else")
    with pytest.raises(DomainError) as refused:
        reject_change(session, actor=people.clerk, change=filed, reason="  ")
    assert refused.value.field == "reason"
    reject_change(session, actor=people.clerk, change=filed, reason="Not signed by the owner.")
    session.refresh(people.alfa)
    assert people.alfa.contact_person is None
    assert filed.status == ChangeStatus.REJECTED and filed.reason == "Not signed by the owner."
    [mail] = mails(session, people.jan.email)
    assert mail.param_map["approved"] is False and mail.param_map["reason"] == filed.reason


def test_a_sensitive_field_needs_two_different_clerks(session, people):
    filed = change(session, people.beta, people.eva, bank_account=IBAN)
    assert filed.four_eyes
    approve_change(session, actor=people.clerk, change=filed, today=TODAY)
    assert filed.status == ChangeStatus.PENDING and filed.awaits_second_approval
    assert people.beta.bank_account is None
    assert mails(session, people.eva.email) == []
    with pytest.raises(DomainError, match="first approval"):
        approve_change(session, actor=people.clerk, change=filed, today=TODAY)
    approve_change(session, actor=people.admin, change=filed, today=TODAY)
    session.refresh(people.beta)
    assert people.beta.bank_account == IBAN
    assert filed.first_approved_by_id == people.clerk.id
    assert filed.decided_by_id == people.admin.id
    assert [e["changes"] for e in events(session, "change.approved_first")] == [
        {"bank_account": [None, IBAN]}
    ]


def test_nobody_approves_or_rejects_a_request_they_filed(session, people):
    filed = change(session, people.alfa, people.clerk, contact_person="Zuzana Malá")
    with pytest.raises(DomainError, match="You filed this request"):
        approve_change(session, actor=people.clerk, change=filed, today=TODAY)
    with pytest.raises(DomainError, match="You filed this request"):
        reject_change(session, actor=people.clerk, change=filed, reason="Oops")
    assert filed.is_pending


def test_a_decided_request_cannot_be_decided_again(session, people):
    filed = change(session, people.alfa, people.jan, contact_person="A")
    approve_change(session, actor=people.clerk, change=filed, today=TODAY)
    with pytest.raises(AlreadyDecided, match="already decided") as refused:
        reject_change(session, actor=people.admin, change=filed, reason="Late")
    assert refused.value.status == 409
    assert refused.value.params["name"] == "Clerk"
    assert refused.value.params["time"] == filed.decided_at
    with pytest.raises(AlreadyDecided):
        approve_change(session, actor=people.admin, change=filed, today=TODAY)
    assert len(events(session, "change.approved")) == 1


def test_approval_warns_with_three_values_when_the_data_changed_in_between(session, people):
    first = change(session, people.alfa, people.jan, contact_person="Ján Novák")
    # Another request for a different field does not supersede the first one.
    second = change(session, people.alfa, people.anna, contact_email="billing@alfa.example")
    assert first.is_pending and second.is_pending
    people.alfa.contact_person = "Anna Kráľová"  # changed by someone else since
    session.flush()
    with pytest.raises(ChangeConflict) as warned:
        approve_change(session, actor=people.clerk, change=first, today=TODAY)
    [conflict] = warned.value.conflicts
    assert (conflict.original, conflict.current, conflict.requested) == (
        None,
        "Anna Kráľová",
        "Ján Novák",
    )
    assert first.is_pending
    approve_change(session, actor=people.clerk, change=first, today=TODAY, overwrite=True)
    assert people.alfa.contact_person == "Ján Novák"
    [approved] = events(session, "change.approved")
    assert approved["overwritten"] == {"contact_person": "Anna Kráľová"}


def test_a_newer_request_for_the_same_field_supersedes_the_pending_one(session, people):
    older = change(session, people.alfa, people.jan, contact_person="First")
    newer = change(session, people.alfa, people.anna, contact_person="Second")
    session.refresh(older)
    assert older.status == ChangeStatus.SUPERSEDED and newer.is_pending
    assert pending_counts(session, [people.alfa.id, people.beta.id]) == {people.alfa.id: 1}


def test_a_field_the_role_may_not_change_is_refused(session, people):
    with pytest.raises(DomainError) as refused:
        file_change(
            session,
            actor=people.eva,
            company=people.beta,
            values={"legal_name": "Beta Holding s.r.o."},
            allowed={"contact_person", "bank_account"},
            today=TODAY,
        )
    assert refused.value.field == "legal_name"
    with pytest.raises(DomainError):  # not a field of the company data at all
        change(session, people.beta, people.eva, customer_group_id="1")


def test_an_empty_change_is_refused(session, people):
    with pytest.raises(DomainError, match="Nothing differs"):
        change(session, people.alfa, people.jan, company_number="35757442", contact_phone="  ")


@pytest.mark.parametrize(
    ("field", "value", "kept"),
    [
        ("bank_account", "sk3112000000198742637541", IBAN),
        ("vat_id", "sk 2021531523", "SK2021531523"),
        ("company_number", "36 631 124", "36631124"),
        ("contact_email", " Billing@Alfa.Example ", "Billing@alfa.example"),
        ("contact_phone", "+421  2 5555 0199", "+421 2 5555 0199"),
    ],
)
def test_values_are_kept_in_their_normal_form(session, people, field, value, kept):
    filed = change(session, people.alfa, people.jan, **{field: value})
    assert filed.fields[0].new_value == kept


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("bank_account", "SK32 1200 0000 1987 4263 7541"),  # wrong check digits
        ("vat_id", "SK2021531521"),  # not divisible by 11
        ("vat_id", "CZ25123891"),  # a valid Czech VAT ID, not of a Slovak company
        ("company_number", "35757443"),
        ("contact_email", "billing@"),
        ("contact_phone", "call me"),
        ("legal_name", "   "),
        ("billing_address", "\n \n"),
    ],
)
def test_an_invalid_value_is_refused_on_its_field(session, people, field, value):
    with pytest.raises(DomainError) as refused:
        change(session, people.alfa, people.jan, **{field: value})
    assert refused.value.field == field
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "change.filed")) is None


def test_ids_are_checked_by_the_company_s_country(session, people):
    polish = factories.company(session, "Polska Sp. z o.o.", country="PL")
    filed = change(session, polish, people.jan, company_number="123456785", vat_id="PL8567346215")
    assert {f.new_value for f in filed.fields} == {"123456785", "PL8567346215"}
    hungarian = factories.company(session, "Magyar Kft.", country="HU")
    filed = change(session, hungarian, people.jan, company_number="01 09 123456")
    assert filed.fields[0].new_value == "01-09-123456"
    with pytest.raises(DomainError):
        change(session, hungarian, people.jan, company_number="35757442")


def test_the_effective_date_is_today_or_later_and_approval_waits_for_it(session, people):
    with pytest.raises(DomainError) as refused:
        file_change(
            session,
            actor=people.jan,
            company=people.alfa,
            values={"contact_person": "X"},
            allowed=ALL_COMPANY_FIELDS,
            today=TODAY,
            effective_on=TODAY - dt.timedelta(days=1),
        )
    assert refused.value.field == "effective_on"
    later = file_change(
        session,
        actor=people.jan,
        company=people.alfa,
        values={"contact_person": "X"},
        allowed=ALL_COMPANY_FIELDS,
        today=TODAY,
        effective_on=dt.date(2027, 1, 1),
    )
    with pytest.raises(DomainError, match="holds from"):
        approve_change(session, actor=people.clerk, change=later, today=TODAY)
    approve_change(session, actor=people.clerk, change=later, today=dt.date(2027, 1, 1))
    assert people.alfa.contact_person == "X"


def test_withdrawing_ends_a_pending_request_only(session, people):
    filed = change(session, people.alfa, people.jan, contact_person="X")
    withdraw_change(session, actor=people.anna, change=filed)
    assert filed.status == ChangeStatus.WITHDRAWN
    with pytest.raises(DomainError, match="no longer pending"):
        withdraw_change(session, actor=people.jan, change=filed)
    with pytest.raises(AlreadyDecided, match="withdrew"):
        approve_change(session, actor=people.clerk, change=filed, today=TODAY)
    assert events(session, "change.withdrawn")[0]["changes"] == {"contact_person": [None, "X"]}


def test_history_names_who_changed_each_field_when_and_through_which_request(session, people):
    first = change(session, people.beta, people.eva, bank_account=IBAN, contact_person="Eva")
    approve_change(session, actor=people.clerk, change=first, today=TODAY)
    approve_change(session, actor=people.admin, change=first, today=TODAY)
    rejected = change(session, people.beta, people.eva, contact_person="Nobody")
    reject_change(session, actor=people.clerk, change=rejected, reason="No.")
    history = field_history(session, people.beta.id)
    assert {(h.field, h.new_value, h.change_request_id) for h in history} == {
        ("bank_account", IBAN, first.id),
        ("contact_person", "Eva", first.id),
    }
    assert {(h.decided_by.id, h.first_approved_by.id) for h in history} == {
        (people.admin.id, people.clerk.id)
    }


def test_a_supply_point_s_correspondence_address_changes_through_the_same_path(session, people):
    point = factories.supply_point(session, people.alfa)
    filed = change(session, people.alfa, people.jan, point, correspondence_address=NEW_ADDRESS)
    assert filed.kind == "supply_point_address" and filed.supply_point_id == point.id
    with pytest.raises(DomainError):  # a company field is not a supply point's
        change(session, people.alfa, people.jan, point, contact_person="X")
    approve_change(session, actor=people.clerk, change=filed, today=TODAY)
    assert point.correspondence_address == NEW_ADDRESS
    assert people.alfa.billing_address != NEW_ADDRESS


def test_a_former_member_is_not_told_of_the_decision(session, people):
    from models.memberships import revoke_membership

    filed = change(session, people.alfa, people.anna, contact_person="X")
    membership = factories.membership(session, people.anna, people.alfa)
    revoke_membership(session, actor=people.jan, membership=membership)
    approve_change(session, actor=people.clerk, change=filed, today=TODAY)
    assert mails(session, people.anna.email) == []
    assert people.alfa.contact_person == "X"


def test_a_decision_is_posted_to_the_company_s_messages(session, people):
    from models.messages import Message

    filed = change(session, people.alfa, people.jan, contact_person="X")
    reject_change(session, actor=people.clerk, change=filed, reason="Not signed.")
    [notice] = session.scalars(select(Message).where(Message.company_id == people.alfa.id))
    assert notice.notice == "change_decision" and notice.to_account_id is None
    assert notice.param_map["approved"] is False and notice.param_map["reason"] == "Not signed."
    assert notice.param_map["change_id"] == filed.id


def test_a_new_login_is_invited_once_approved_in_the_name_of_the_owner_who_asked(session, people):
    from models.changes import request_login
    from models.memberships import Invitation

    asked = request_login(
        session, actor=people.jan, company=people.alfa, email=" New@Example.com", role="viewer"
    )
    assert not asked.four_eyes and asked.value_of("email") == "new@example.com"
    assert session.scalars(select(Invitation)).all() == []
    other = request_login(
        session, actor=people.jan, company=people.alfa, email="other@example.com", role="viewer"
    )
    assert asked.is_pending and other.is_pending  # other people: neither gives way
    again = request_login(
        session, actor=people.anna, company=people.alfa, email="new@example.com", role="manager"
    )
    session.refresh(asked)
    assert asked.status == ChangeStatus.SUPERSEDED and again.is_pending
    approve_change(session, actor=people.clerk, change=again, today=TODAY)
    [invitation] = session.scalars(select(Invitation))
    assert (invitation.email, invitation.role.value) == ("new@example.com", "manager")
    assert invitation.invited_by_id == people.anna.id
    [mail] = session.scalars(select(OutboxMessage).where(OutboxMessage.template == "invitation"))
    assert mail.param_map["inviter"] == people.anna.full_name
    assert field_history(session, people.alfa.id) == []  # a login is not the company's data


def test_a_login_request_is_refused_for_a_member_and_an_owner_needs_two_clerks(session, people):
    from models.changes import request_login

    with pytest.raises(DomainError) as refused:
        request_login(
            session, actor=people.jan, company=people.alfa, email=people.anna.email, role="viewer"
        )
    assert refused.value.field == "email"
    with pytest.raises(DomainError) as refused:
        request_login(
            session, actor=people.jan, company=people.alfa, email="x@example.com", role="root"
        )
    assert refused.value.field == "role"
    owner = request_login(
        session, actor=people.jan, company=people.alfa, email="x@example.com", role="owner"
    )
    assert owner.four_eyes


def test_an_access_ends_when_a_clerk_approves_and_never_the_last_owner_s(session, people):
    from models.changes import request_login_closing

    anna = factories.membership(session, people.anna, people.alfa)
    asked = request_login_closing(session, actor=people.jan, membership=anna)
    assert asked.account_id == people.anna.id
    assert factories.membership(session, people.anna, people.alfa) is not None
    approve_change(session, actor=people.clerk, change=asked, today=TODAY)
    assert factories.membership(session, people.anna, people.alfa) is None
    assert [e["changes"] for e in events(session, "change.approved")] == [
        {"login": [people.anna.email, None]}
    ]
    jan_in_gamma = factories.membership(session, people.jan, people.gamma)
    with pytest.raises(DomainError, match="at least one owner"):
        request_login_closing(session, actor=people.jan, membership=jan_in_gamma)


def test_closing_a_login_that_left_meanwhile_is_refused(session, people):
    from models.changes import request_login_closing
    from models.memberships import revoke_membership

    anna = factories.membership(session, people.anna, people.alfa)
    asked = request_login_closing(session, actor=people.jan, membership=anna)
    revoke_membership(session, actor=people.jan, membership=anna)
    with pytest.raises(DomainError, match="no longer has access"):
        approve_change(session, actor=people.clerk, change=asked, today=TODAY)
