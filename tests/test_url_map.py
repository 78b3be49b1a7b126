"""Walks the whole URL map, so that a route added later is covered without anyone remembering
to: every /c/<company>/ route answers 404 to a non-member (the same as for a company that does
not exist), every back-office route sends visitors to sign in and refuses customers and staff
without the permission, and the right people get their page."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from flask import Flask
from werkzeug.routing import Rule
from werkzeug.routing.converters import NumberConverter

from core.permissions import CUSTOMER_PERMISSIONS, STAFF_PERMISSIONS, required_permission
from models.identity import CustomerRole, StaffRole
from tests import factories

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# Values for URL arguments other than <company>; numbers that exist nowhere are fine: the
# scope must refuse before any object is looked up.
DUMMY = {"int": "1", "default": "x", "string": "x", "path": "x"}


def rules(app: Flask, prefix: str) -> list[Rule]:
    return [r for r in app.url_map.iter_rules() if r.rule.startswith(prefix)]


def build(rule: Rule, **known: str) -> str:
    values = {}
    for name in rule.arguments:
        if name in known:
            values[name] = known[name]
        else:
            numeric = isinstance(rule._converters[name], NumberConverter)
            values[name] = DUMMY["int"] if numeric else DUMMY["default"]
    return rule.build(values, append_unknown=False)[1]


def test_every_company_route_is_404_for_a_non_member_with_every_method(client, people, app):
    """Jan is signed in but has no membership in the outsider's company."""
    outsider = factories.company(_session(people), "Outsider s.r.o.")
    _session(people).commit()
    client.login(people.jan.email)
    company_rules = rules(app, "/c/")
    assert len(company_rules) >= 6
    assert {  # the change requests' routes, among every other
        "company.account_data",
        "company.account_data_change",
        "company.account_data_request",
        "company.account_data_withdraw",
        "company.account_data_evidence",
        "company.supply_points_correspondence",
        "company.requests",  # and the requests'
        "company.request_new",
        "company.request_file",
        "company.request",
        "company.request_reply",
        "company.request_confirm",
        "company.request_reopen",
        "company.request_rate",
        "company.request_attachment",
    } <= {rule.endpoint for rule in company_rules}
    token = client.csrf_token()
    checked = 0
    for rule in company_rules:
        for slug in (outsider.slug, "no-such-company"):
            url = build(rule, company=slug)
            for method in METHODS:
                response = client.open(url, method=method, data={"csrf_token": token})
                assert response.status_code == 404, f"{method} {url} -> {response.status_code}"
                checked += 1
    assert checked == len(company_rules) * 2 * len(METHODS)


def test_every_company_route_sends_visitors_to_sign_in(client, people, app):
    for rule in rules(app, "/c/"):
        url = build(rule, company=people.alfa.slug)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            if method == "POST":  # the CSRF check answers first for a tokenless visitor
                assert response.status_code in (302, 400), f"{method} {url}"
            else:
                assert response.status_code == 302, f"{method} {url}"
            if response.status_code == 302:
                assert urlsplit(response.location).path == "/login"


def test_every_company_page_opens_for_a_member(client, people, app):
    client.login(people.jan.email)
    for rule in rules(app, "/c/"):
        if "GET" not in rule.methods or set(rule.arguments) != {"company"}:
            continue
        url = build(rule, company=people.alfa.slug)
        assert client.get(url).status_code == 200, url


def test_a_denied_company_is_audited(client, people, session):
    from sqlalchemy import select

    from models.audit import AuditEvent

    client.login(people.anna.email)
    assert client.get(f"/c/{people.beta.slug}/").status_code == 404
    session.expire_all()
    denied = session.scalars(select(AuditEvent).where(AuditEvent.action == "access.denied")).all()
    assert [e.detail_map["company"] for e in denied] == [people.beta.slug]
    assert denied[0].actor_id == people.anna.id


# URL arguments the walk fills with ids of objects that exist; others (invoice_id ...) are
# placeholders.
KNOWN_IDS = {"company_id", "account_id", "price_list_id"}
# Larger than any database integer: the route matches nothing instead of overflowing.
OVERSIZED = str(10**23)


def guarded_rules(app: Flask) -> list[Rule]:
    return [*rules(app, "/c/"), *rules(app, "/backoffice")]


def test_every_company_and_backoffice_route_declares_its_permission(app):
    """A route added without @requires fails here, by name."""
    undeclared = [
        rule.endpoint
        for rule in guarded_rules(app)
        if required_permission(app.view_functions[rule.endpoint]) is None
    ]
    assert undeclared == []


def lacking_customer_role(permission: str) -> CustomerRole | None:
    return next((r for r in CustomerRole if permission not in CUSTOMER_PERMISSIONS[r]), None)


def lacking_staff_role(permission: str) -> StaffRole | None:
    return next((r for r in StaffRole if permission not in STAFF_PERMISSIONS[r]), None)


def test_every_company_route_refuses_a_member_whose_role_lacks_its_permission(
    client, people, app, session
):
    """The persona comes from the permission table: the first role without the permission."""
    checked = 0
    for rule in rules(app, "/c/"):
        role = lacking_customer_role(required_permission(app.view_functions[rule.endpoint]))
        if role is None:
            continue  # every role may
        who = factories.account(session)
        factories.member(session, who, people.alfa, role)
        session.commit()
        client.login(who.email)
        url = build(rule, company=people.alfa.slug)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, data={"csrf_token": client.csrf_token()})
            assert response.status_code == 403, f"{role} {method} {url} -> {response.status_code}"
            checked += 1
        client.post_form("/logout")
    assert checked >= 10


@pytest.mark.parametrize("who", ["visitor", "customer", "wrong_staff", "administrator"])
def test_every_backoffice_route_admits_only_the_right_staff(client, people, app, session, who):
    price_list = factories.price_list(session, groups=((people.business, 10),))
    session.commit()
    assert {  # the requests' routes, among every other
        "backoffice.tickets",
        "backoffice.tickets_overview",
        "backoffice.ticket",
        "backoffice.ticket_reply",
        "backoffice.ticket_note",
        "backoffice.ticket_assign",
        "backoffice.ticket_status",
        "backoffice.ticket_priority",
        "backoffice.ticket_sla",
        "backoffice.ticket_attachment",
        "backoffice.security",  # and the Security section's
        "backoffice.security_export",
    } <= {rule.endpoint for rule in rules(app, "/backoffice")}
    for rule in rules(app, "/backoffice"):
        url = build(
            rule,
            company_id=str(people.alfa.id),
            account_id=str(people.clerk.id),
            price_list_id=str(price_list.id),
        )
        lacking = lacking_staff_role(required_permission(app.view_functions[rule.endpoint]))
        if who == "customer":
            client.login(people.jan.email)
        elif who == "wrong_staff":
            if lacking is None:
                continue  # every staff role may open it
            staff = factories.account(session, staff_role=lacking)
            session.commit()
            client.login(staff.email)
        elif who == "administrator":
            client.login(people.admin.email)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, data={"csrf_token": client.csrf_token()})
            status = response.status_code
            if who == "visitor":
                assert status == 302 and urlsplit(response.location).path == "/login", url
            elif who in ("customer", "wrong_staff"):
                assert status == 403, f"{who} {method} {url} -> {status}"
            elif method == "GET":
                # Placeholder ids of objects that do not exist may answer 404.
                allowed = (200, 302, 404) if set(rule.arguments) - KNOWN_IDS else (200, 302)
                assert status in allowed, f"{method} {url} -> {status}"
            else:  # an empty form reaches the view, which refuses it or acts
                allowed = (
                    (200, 302, 422, 404) if set(rule.arguments) - KNOWN_IDS else (200, 302, 422)
                )
                assert status in allowed, f"{method} {url} -> {status}"
        client.post_form("/logout")


def test_an_oversized_id_anywhere_answers_404(client, people, app):
    """Ids beyond a database integer (and any other argument as long) are no such page."""
    checked = 0
    for who, prefix in ((people.jan, "/c/"), (people.admin, "/backoffice")):
        client.login(who.email)
        for rule in rules(app, prefix):
            if not set(rule.arguments) - {"company"}:
                continue
            values = {name: OVERSIZED for name in rule.arguments if name != "company"}
            url = build(rule, company=people.alfa.slug, **values)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                data = {"csrf_token": client.csrf_token()}
                response = client.open(url, method=method, data=data)
                assert response.status_code == 404, f"{method} {url} -> {response.status_code}"
                checked += 1
        client.post_form("/logout")
    assert checked >= 20


def _session(people):  # the people fixture's session, to add an outsider company
    from sqlalchemy.orm import object_session

    return object_session(people.jan)
