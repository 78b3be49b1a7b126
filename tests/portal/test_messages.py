"""The company's messages in the portal: the portal's notices read in the reader's language;
a message to one login is for that login only; a thread of another company is 404."""

from __future__ import annotations

from models.changes import approve_change
from models.messages import post_notice
from tests import factories
from tests.factories import TODAY, change
from tests.helpers import text_of


def test_a_decided_change_request_reaches_the_company_s_messages(client, people, session):
    filed = change(session, people.alfa, people.jan, contact_person="Ján Novák")
    approve_change(session, actor=people.clerk, change=filed, today=TODAY, reason="Checked.")
    client.login(people.anna.email)  # another login of the company reads it too
    listed = text_of(client.get(f"/c/{people.alfa.slug}/messages"))
    assert f"Change request no. {filed.id} approved" in listed
    page = client.get(f"/c/{people.alfa.slug}/messages")
    link = page.get_data(as_text=True).split('href="/c/alfa-trade/messages/')[1].split('"')[0]
    read = text_of(client.get(f"/c/{people.alfa.slug}/messages/{link}"))
    assert "was checked and approved" in read and "Contact person" in read and "Checked." in read


def test_a_notice_reads_in_the_reader_s_language(client, people, session):
    filed = change(session, people.alfa, people.jan, contact_person="Ján Novák")
    approve_change(session, actor=people.clerk, change=filed, today=TODAY)
    people.anna.locale = "sk"
    session.flush()
    client.login(people.anna.email)
    listed = text_of(client.get(f"/c/{people.alfa.slug}/messages"))
    assert f"Požiadavka na zmenu č. {filed.id} schválená" in listed


def test_a_message_to_one_login_is_for_that_login_only(client, other_client, people, session):
    post_notice(
        session,
        people.alfa,
        notice="change_decision",
        to=people.jan,
        approved=True,
        company=people.alfa.slug,
        company_name=people.alfa.legal_name,
        change_id=99,
        fields=["contact_person"],
        reason=None,
    )
    client.login(people.jan.email)
    assert "no. 99" in text_of(client.get(f"/c/{people.alfa.slug}/messages"))
    other_client.login(people.anna.email)
    assert "no. 99" not in text_of(other_client.get(f"/c/{people.alfa.slug}/messages"))


def test_a_thread_of_another_company_is_not_found(client, people, session):
    theirs = post_notice(
        session,
        people.beta,
        notice="change_decision",
        approved=True,
        company=people.beta.slug,
        company_name="Beta",
        change_id=1,
        fields=[],
        reason=None,
    )
    outsider = factories.account(session)
    factories.member(session, outsider, people.gamma)
    client.login(outsider.email)
    assert client.get(f"/c/{people.gamma.slug}/messages/{theirs.thread_id}").status_code == 404
