"""Request settings through the pages: an administrator defines a request type and its form,
orders and removes routing rules (new requests follow them), sets a team's way of assigning
and the fallback team, an SLA's targets in hours, a group's SLA and the business hours with
public holidays; mistakes show next to their fields, and only administrators get there."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from models.identity import Assignment
from models.tickets import Priority, RequestType, RoutingRule, route
from models.tickets.tables import GroupPolicy
from tests.factories import desk
from tests.helpers import field_error, text_of

SETTINGS = "/backoffice/request-settings"


def type_form(**data):
    form = {
        "code": "meter-check",
        "name_en": "Meter check",
        "name_sk": "Kontrola meradla",
        "process_area": "technical",
        "default_priority": "normal",
        "position": "5",
        "active": "y",
        "field_supply_point": "required",
        "field_callback_phone": "optional",
    }
    return {**form, **data}


def test_an_administrator_defines_a_request_type_and_its_form(
    client, other_client, people, session
):
    desk(session, people)
    session.commit()
    client.login(people.admin.email)
    assert client.get(f"{SETTINGS}/types/new").status_code == 200
    refused = client.post_form(f"{SETTINGS}/types/new", type_form(code="Bad Code", name_en=""))
    assert refused.status_code == 422
    assert field_error(refused, "name_en")
    assert client.post_form(f"{SETTINGS}/types/new", type_form(code="Bad Code")).status_code == 422
    assert client.post_form(f"{SETTINGS}/types/new", type_form()).status_code == 302
    made = session.scalars(select(RequestType).where(RequestType.code == "meter-check")).one()
    assert made.name_map == {"en": "Meter check", "sk": "Kontrola meradla"}
    assert made.field_specs == [
        {"name": "supply_point", "required": True},
        {"name": "callback_phone", "required": False},
    ]
    other_client.login(people.jan.email)
    form = other_client.get(f"/c/{people.alfa.slug}/requests/new/meter-check")
    assert form.status_code == 200 and "Phone number for a call back" in text_of(form)


def test_the_code_of_a_type_stays(client, people, session):
    office = desk(session, people)
    session.commit()
    client.login(people.admin.email)
    url = f"{SETTINGS}/types/{office.question.id}"
    refused = client.post_form(url, type_form(code="renamed", process_area="general"))
    assert refused.status_code == 422 and field_error(refused, "code")


def test_rules_are_added_moved_and_removed_and_route_new_requests(client, people, session):
    office = desk(session, people)
    session.commit()
    client.login(people.admin.email)
    added = client.post_form(
        f"{SETTINGS}/rules",
        {
            "request_type": str(office.fault.id),
            "customer_group": "",
            "process_area": "",
            "team": str(people.care.id),
            "assignee": "",
        },
    )
    assert added.status_code == 302
    rules = session.scalars(select(RoutingRule).order_by(RoutingRule.position)).all()
    assert [r.team for r in rules] == [office.field_service, people.care]
    assert route(session, office.fault, people.alfa).team == office.field_service
    assert client.post_form(f"{SETTINGS}/rules/{rules[1].id}/move", {"to": "up"}).status_code == 302
    session.expire_all()
    assert route(session, office.fault, people.alfa).team == people.care
    assert client.post_form(f"{SETTINGS}/rules/{rules[1].id}/delete").status_code == 302
    session.expire_all()
    assert route(session, office.fault, people.alfa).team == office.field_service


def test_a_teams_way_of_assigning_and_the_fallback(client, people, session):
    office = desk(session, people)
    session.commit()
    client.login(people.admin.email)
    prefix = f"team{office.field_service.id}"
    saved = client.post_form(
        f"{SETTINGS}/teams/{office.field_service.id}",
        {f"{prefix}-assignment": "least_open", f"{prefix}-takes_unrouted": "y"},
    )
    assert saved.status_code == 302
    session.expire_all()
    assert office.field_service.assignment == Assignment.LEAST_OPEN
    assert office.field_service.takes_unrouted and not people.care.takes_unrouted
    assert route(session, office.question, people.alfa).team == office.field_service


def test_an_sla_in_hours_is_kept_in_minutes_and_a_bad_target_is_refused(client, people, session):
    office = desk(session, people)
    session.commit()
    client.login(people.admin.email)
    url = f"{SETTINGS}/policies/{office.policy.id}"
    page = client.get(url).get_data(as_text=True)
    assert 'value="8.00"' in page  # normal's first response, 480 minutes
    data = {"name": "Business", "calendar": str(office.policy.calendar_id)}
    for priority, (response, resolution) in (
        ("low", ("16", "80")),
        ("normal", ("1.5", "40")),
        ("high", ("4", "16")),
        ("urgent", ("-1", "8")),
    ):
        data[f"{priority}_response"], data[f"{priority}_resolution"] = response, resolution
    refused = client.post_form(url, data)
    assert refused.status_code == 422 and field_error(refused, "urgent_response")
    data["urgent_response"], data["high_response"] = "1", "20"
    later = client.post_form(url, data)
    assert later.status_code == 422
    assert "cannot come after the resolution" in field_error(later, "high_response")
    data["high_response"] = "4"
    assert client.post_form(url, data).status_code == 302
    session.expire_all()
    assert office.policy.target_for(Priority.NORMAL).first_response_minutes == 90


def test_a_groups_sla_is_chosen_or_removed(client, people, session):
    office = desk(session, people)
    session.commit()
    client.login(people.admin.email)
    group = people.business
    client.post_form(f"{SETTINGS}/groups/{group.id}", {f"group{group.id}-policy": ""})
    session.expire_all()
    assert session.get(GroupPolicy, group.id) is None
    client.post_form(
        f"{SETTINGS}/groups/{group.id}", {f"group{group.id}-policy": str(office.policy.id)}
    )
    session.expire_all()
    assert session.get(GroupPolicy, group.id).sla_policy_id == office.policy.id


def test_business_hours_with_public_holidays(client, people, session):
    office = desk(session, people)
    session.commit()
    client.login(people.admin.email)
    url = f"{SETTINGS}/calendars/{office.policy.calendar_id}"
    data = {
        "name": "Office hours",
        "timezone": "Europe/Bratislava",
        "weekdays": ["0", "1", "2", "3", "4"],
        "opens": "07:30",
        "closes": "15:30",
        "holidays": "2026-12-24 Christmas Eve\nnot a date",
        "country": "",
        "year": "",
    }
    refused = client.post_form(url, data)
    assert refused.status_code == 422 and "Line 2" in field_error(refused, "holidays")
    data.update(holidays="2026-12-24 Christmas Eve", country="SK", year="2027")
    assert client.post_form(url, {**data, "closes": "07:00"}).status_code == 422
    assert client.post_form(url, data).status_code == 302
    calendar = office.policy.calendar
    session.expire_all()
    days = {h.day for h in calendar.holidays}
    assert dt.date(2026, 12, 24) in days and dt.date(2027, 3, 29) in days  # Easter Monday
    assert dt.date(2027, 9, 1) not in days  # no longer a day off in Slovakia
    assert calendar.opens == dt.time(7, 30)


def test_only_administrators_change_the_settings(client, people, session):
    desk(session, people)
    session.commit()
    client.login(people.clerk.email)
    assert client.get(SETTINGS).status_code == 403
    assert client.post_form(f"{SETTINGS}/types/new", type_form()).status_code == 403
