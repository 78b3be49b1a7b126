"""Change requests in the back office: the queue (pending, oldest first, filters), the diff,
approving applies and rejecting does not, four eyes, no self-approval, an already decided
request answers 409 with who and when, the three-way warning, and the company page's list and
history. Staff without `changes.review` get 403."""

from __future__ import annotations

from models.changes import ChangeStatus, approve_change
from models.identity import Team
from tests import factories
from tests.factories import TODAY, change
from tests.helpers import mails_to, text_of

IBAN = "SK31 1200 0000 1987 4263 7541"


def test_the_queue_lists_pending_requests_oldest_first_with_filters(client, people, session):
    first = change(session, people.alfa, people.jan, contact_person="Ján Novák")
    second = change(session, people.beta, people.eva, bank_account=IBAN)
    decided = change(session, people.gamma, people.jan, contact_person="Gone")
    approve_change(session, actor=people.admin, change=decided, today=TODAY)
    point = factories.supply_point(session, people.alfa)
    third = change(
        session, people.alfa, people.jan, point, correspondence_address="Box 1\n811 01 Bratislava"
    )
    client.login(people.clerk.email)
    page = client.get("/backoffice/changes").get_data(as_text=True)
    links = [f'/backoffice/changes/{c.id}"' for c in (first, second, third)]
    positions = [page.index(link) for link in links]
    assert positions == sorted(positions)
    assert f'/backoffice/changes/{decided.id}"' not in page
    assert "needs two clerks" in page
    only_points = client.get("/backoffice/changes?kind=supply_point_address").get_data(as_text=True)
    assert links[2] in only_points and links[0] not in only_points
    only_beta = client.get("/backoffice/changes?q=Beta").get_data(as_text=True)
    assert links[1] in only_beta and links[0] not in only_beta
    billing = Team(name="Billing")
    session.add(billing)
    session.flush()
    by_team = client.get(f"/backoffice/changes?team={people.care.id}").get_data(as_text=True)
    assert links[0] in by_team and links[1] in by_team  # Business: Customer care's group
    gamma_only = change(session, people.gamma, people.jan, contact_person="Again")
    by_team = client.get(f"/backoffice/changes?team={people.care.id}").get_data(as_text=True)
    assert f'/backoffice/changes/{gamma_only.id}"' not in by_team  # Gamma has no group
    by_billing = client.get(f"/backoffice/changes?team={billing.id}").get_data(as_text=True)
    assert "Nothing to verify" in by_billing


def test_the_queue_shows_what_waits_for_a_second_clerk_apart(client, people, session):
    first_look = change(session, people.alfa, people.jan, contact_person="X")
    second_look = change(session, people.beta, people.eva, bank_account=IBAN)
    approve_change(session, actor=people.admin, change=second_look, today=TODAY)
    client.login(people.clerk.email)
    waiting = client.get("/backoffice/changes?step=second").get_data(as_text=True)
    assert f'/backoffice/changes/{second_look.id}"' in waiting
    assert f'/backoffice/changes/{first_look.id}"' not in waiting
    fresh = client.get("/backoffice/changes?step=first").get_data(as_text=True)
    assert f'/backoffice/changes/{first_look.id}"' in fresh
    assert f'/backoffice/changes/{second_look.id}"' not in fresh
    assert "second check" in waiting


def test_approving_through_the_page_applies_and_tells_the_customer(client, people, session):
    filed = change(session, people.alfa, people.jan, contact_person="Ján Novák")
    client.login(people.clerk.email)
    detail = text_of(client.get(f"/backoffice/changes/{filed.id}"))
    assert "Ján Novák" in detail and "Approve and apply" in detail
    done = client.post_form(
        f"/backoffice/changes/{filed.id}/decision", {"decision": "approve", "reason": "Checked."}
    )
    assert done.status_code == 302
    session.refresh(people.alfa)
    assert people.alfa.contact_person == "Ján Novák"
    [mail] = mails_to(session, people.jan.email)
    assert "approved" in mail.subject and "Contact person" in mail.body_text
    assert f"/c/{people.alfa.slug}/account/changes/{filed.id}" in mail.body_text


def test_rejecting_needs_a_reason_and_applies_nothing(client, other_client, people, session):
    filed = change(session, people.alfa, people.jan, contact_person="X")
    client.login(people.clerk.email)
    refused = client.post_form(f"/backoffice/changes/{filed.id}/decision", {"decision": "reject"})
    assert refused.status_code == 422 and "Write the reason" in text_of(refused)
    session.refresh(filed)
    assert filed.is_pending
    done = client.post_form(
        f"/backoffice/changes/{filed.id}/decision",
        {"decision": "reject", "reason": "Please send the register extract."},
    )
    assert done.status_code == 302
    session.refresh(people.alfa)
    assert people.alfa.contact_person is None
    other_client.login(people.jan.email)
    page = text_of(other_client.get(f"/c/{people.alfa.slug}/account/changes/{filed.id}"))
    assert "Rejected" in page and "Please send the register extract." in page


def test_four_eyes_through_the_pages(client, other_client, people, session):
    filed = change(session, people.beta, people.eva, bank_account=IBAN)
    client.login(people.clerk.email)
    assert "Approve (first of two)" in text_of(client.get(f"/backoffice/changes/{filed.id}"))
    first = client.post_form(f"/backoffice/changes/{filed.id}/decision", {"decision": "approve"})
    assert first.status_code == 302
    assert "A second clerk decides" in text_of(client.get(first.location))
    session.refresh(people.beta)
    assert people.beta.bank_account is None
    again = client.post_form(f"/backoffice/changes/{filed.id}/decision", {"decision": "approve"})
    assert again.status_code == 422 and "the second must come from another clerk" in text_of(again)
    other_client.login(people.admin.email)
    second = other_client.post_form(
        f"/backoffice/changes/{filed.id}/decision", {"decision": "approve"}
    )
    assert second.status_code == 302
    session.refresh(people.beta)
    assert people.beta.bank_account == IBAN


def test_a_clerk_cannot_decide_a_request_they_filed(client, people, session):
    filed = change(session, people.alfa, people.clerk, contact_person="Zuzana")
    client.login(people.clerk.email)
    assert "another clerk must decide it" in text_of(client.get(f"/backoffice/changes/{filed.id}"))
    refused = client.post_form(f"/backoffice/changes/{filed.id}/decision", {"decision": "approve"})
    assert refused.status_code == 422
    session.refresh(filed)
    assert filed.is_pending


def test_an_already_decided_request_answers_409_with_who_and_when(client, people, session):
    filed = change(session, people.alfa, people.jan, contact_person="X")
    approve_change(session, actor=people.admin, change=filed, today=TODAY)
    client.login(people.clerk.email)
    late = client.post_form(
        f"/backoffice/changes/{filed.id}/decision", {"decision": "reject", "reason": "Late."}
    )
    assert late.status_code == 409
    assert "already decided by Admin at" in text_of(late)
    session.refresh(filed)
    assert filed.status == ChangeStatus.APPROVED


def test_approval_shows_the_three_values_and_asks_for_confirmation(client, people, session):
    filed = change(session, people.alfa, people.jan, contact_person="Requested Person")
    people.alfa.contact_person = "Current Person"
    session.flush()
    client.login(people.clerk.email)
    page = text_of(client.get(f"/backoffice/changes/{filed.id}"))
    assert "The data changed after this request was filed" in page
    assert "Current Person" in page and "Requested Person" in page
    warned = client.post_form(f"/backoffice/changes/{filed.id}/decision", {"decision": "approve"})
    assert warned.status_code == 422 and "Compare the three values" in text_of(warned)
    session.refresh(people.alfa)
    assert people.alfa.contact_person == "Current Person"
    done = client.post_form(
        f"/backoffice/changes/{filed.id}/decision", {"decision": "approve", "overwrite": "y"}
    )
    assert done.status_code == 302
    session.refresh(people.alfa)
    assert people.alfa.contact_person == "Requested Person"


def test_the_company_page_lists_requests_and_the_history_of_each_field(client, people, session):
    filed = change(session, people.alfa, people.jan, contact_person="Ján Novák")
    approve_change(session, actor=people.admin, change=filed, today=TODAY)
    pending = change(session, people.alfa, people.anna, contact_email="billing@alfa.example")
    client.login(people.clerk.email)
    page = text_of(client.get(f"/backoffice/companies/{people.alfa.id}"))
    assert "History of the data" in page and "Ján Novák" in page and "Admin" in page
    assert f"No. {filed.id}" in page
    assert "Change requests waiting for verification" in page and f"No. {pending.id}" in page


def test_staff_without_the_permission_get_403(client, people, session):
    filed = change(session, people.alfa, people.jan, contact_person="X")
    client.login(people.agent.email)  # call center: no changes.review
    assert client.get("/backoffice/changes").status_code == 403
    assert client.get(f"/backoffice/changes/{filed.id}").status_code == 403
    assert (
        client.post_form(f"/backoffice/changes/{filed.id}/decision", {"decision": "approve"})
    ).status_code == 403


def test_a_login_request_reads_as_a_person_and_its_approval_sends_the_invitation(
    client, people, session
):
    from models.changes import request_login

    asked = request_login(
        session, actor=people.jan, company=people.alfa, email="new@example.com", role="viewer"
    )
    client.login(people.clerk.email)
    queue = text_of(client.get("/backoffice/changes?kind=login_add"))
    assert "New login: new@example.com (Viewer)" in queue
    detail = text_of(client.get(f"/backoffice/changes/{asked.id}"))
    assert "E-mail" in detail and "Viewer" in detail and "The data changed" not in detail
    done = client.post_form(f"/backoffice/changes/{asked.id}/decision", {"decision": "approve"})
    assert done.status_code == 302
    [invitation] = mails_to(session, "new@example.com")
    assert "Ján Novák" in invitation.body_text  # in the name of the owner who asked
