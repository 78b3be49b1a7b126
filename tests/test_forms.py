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


def test_a_kept_select_renders_as_wtforms_does_whatever_is_selected(app):
    """core.forms.SelectField keeps each option's HTML: the selection, escaping, a Markup
    label and an option with its own attributes come out as WTForms' own widget makes them."""
    from markupsafe import Markup
    from wtforms import Form as PlainForm
    from wtforms import SelectField as PlainSelectField
    from wtforms.fields.choices import SelectChoice

    from core.forms import SelectField

    choices = [
        SelectChoice("a", "<b>A & co</b>"),
        SelectChoice("b", Markup("<i>B</i>")),
        SelectChoice("c", "C", render_kw={"disabled": True}),
    ]

    class Kept(PlainForm):
        pick = SelectField(choices=choices)

    class Plain(PlainForm):
        pick = PlainSelectField(choices=choices)

    for selected in ("a", "b", "c", "a"):
        kept, plain = Kept(data={"pick": selected}), Plain(data={"pick": selected})
        assert str(kept.pick()) == str(plain.pick())
        assert f'selected value="{selected}"' in str(kept.pick())
    assert "&lt;b&gt;A &amp; co&lt;/b&gt;" in str(kept.pick()) and "<i>B</i>" in str(kept.pick())
