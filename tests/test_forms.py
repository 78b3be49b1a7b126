"""Every form refuses text with control characters next to the field, in one place (the base
form), and saves nothing."""

from __future__ import annotations

import pytest

from models.identity import Account, Team
from tests.helpers import count, field_error

CONTROL = "Remove the control characters (such as NUL) from this text."


@pytest.mark.parametrize("name", ["Petra\x00", "Petra\x1b[31m", "Pe\u0085tra", "Petra\ttab"])
def test_a_name_with_a_control_character_is_refused_next_to_the_field(
    client, people, session, name
):
    client.login(people.admin.email)
    before = count(session, Account)
    response = client.post_form(
        "/backoffice/staff/new",
        {"email": "petra.nova@example.com", "full_name": name, "role": "clerk"},
    )
    assert response.status_code == 422
    assert field_error(response, "full_name") == CONTROL
    assert count(session, Account) == before


def test_a_team_named_nul_is_not_stored(client, people, session):
    teams = count(session, Team)
    client.login(people.admin.email)
    response = client.post_form("/backoffice/teams", {"name": "\x00"}, follow_redirects=True)
    assert CONTROL in response.get_data(as_text=True)
    assert count(session, Team) == teams


def test_ones_own_name_with_a_control_character_is_refused_and_kept(client, people, session):
    client.login(people.jan.email)
    response = client.post_form(
        "/account/profile",
        {"full_name": "Jan\x07Novák", "locale": "en", "timezone": "Europe/Bratislava"},
    )
    assert response.status_code == 422
    assert field_error(response, "full_name") == CONTROL
    session.expire_all()
    assert session.get(Account, people.jan.id).full_name == people.jan.full_name
