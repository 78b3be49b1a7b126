"""Staff management for administrators: create staff accounts (they set their own password
from an e-mailed link), set role and teams, deactivate; and the teams themselves."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response
from wtforms import BooleanField, EmailField, StringField
from wtforms.validators import DataRequired, Email, Length
from wtforms.widgets import CheckboxInput, ListWidget

from backoffice import blueprint
from core.extensions import db
from core.forms import Form, SelectField, SelectMultipleField, act, form_status, options, refusals
from core.navigation import menu_item
from core.permissions import ROLE_LABELS, requires
from core.scope import staff_get
from models.identity import Account, StaffRole, Team
from models.staff import create_staff, create_team, update_staff

menu_item(
    "backoffice", "backoffice.staff", _l("Staff and teams"), permission="staff.manage", order=90
)


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class StaffForm(Form):
    full_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    role = SelectField(_l("Role"), validators=[DataRequired()])
    teams = CheckboxesField(_l("Teams"), coerce=int, validate_choice=True)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = options((r.value, ROLE_LABELS[r]) for r in StaffRole)
        teams = db.session.scalars(select(Team).order_by(Team.name))
        self.teams.choices = options((t.id, t.name) for t in teams)


class NewStaffForm(StaffForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])


class EditStaffForm(StaffForm):
    active = BooleanField(_l("May sign in"))


class TeamForm(Form):
    name = StringField(
        _l("Team name"),
        validators=[DataRequired(message=_l("Enter a team name.")), Length(max=120)],
    )


@blueprint.route("/staff")
@requires("staff.manage")
def staff() -> str:
    members = db.session.scalars(
        select(Account)
        .where(Account.staff_role.is_not(None))
        .options(selectinload(Account.teams))
        .order_by(Account.full_name)
    )
    teams = db.session.scalars(select(Team).options(selectinload(Team.members)).order_by(Team.name))
    return render_template(
        "backoffice/staff/index.html",
        members=list(members),
        teams=list(teams),
        team_form=TeamForm(formdata=None),
    )


@blueprint.route("/staff/new", methods=["GET", "POST"])
@requires("staff.manage")
def staff_new() -> Response | tuple[str, int]:
    form = NewStaffForm()
    if form.validate_on_submit():
        with refusals(form):
            account = create_staff(
                db.session,
                actor=current_user._get_current_object(),
                email=form.email.data,
                full_name=form.full_name.data,
                role=StaffRole(form.role.data),
                team_ids=form.teams.data,
            )
            flash(
                _(
                    "%(name)s was added and has been e-mailed a link to set a password.",
                    name=account.full_name,
                ),
                "success",
            )
            return redirect(url_for("backoffice.staff"))
    page = render_template("backoffice/staff/form.html", form=form, member=None)
    return page, form_status(form)


@blueprint.route("/staff/<int:account_id>", methods=["GET", "POST"])
@requires("staff.manage")
def staff_edit(account_id: int) -> Response | tuple[str, int]:
    member = staff_get(Account, account_id, Account.staff_role.is_not(None))
    form = EditStaffForm(
        data=None
        if request.method == "POST"
        else {
            "full_name": member.full_name,
            "role": member.staff_role.value if member.staff_role else None,
            "teams": [t.id for t in member.teams],
            "active": member.is_active,
        }
    )
    if form.validate_on_submit():
        with refusals(form):
            update_staff(
                db.session,
                actor=current_user._get_current_object(),
                staff=member,
                full_name=form.full_name.data,
                role=StaffRole(form.role.data),
                team_ids=form.teams.data,
                active=form.active.data,
            )
            flash(_("Changes to %(name)s are saved.", name=member.full_name), "success")
            return redirect(url_for("backoffice.staff"))
    page = render_template("backoffice/staff/form.html", form=form, member=member)
    return page, form_status(form)


@blueprint.route("/teams", methods=["POST"])
@requires("staff.manage")
def staff_team_new() -> Response:
    form = TeamForm()
    if form.validate_on_submit():
        act(
            lambda: create_team(
                db.session, actor=current_user._get_current_object(), name=form.name.data
            ),
            lambda: _("Team %(name)s was created.", name=form.name.data.strip()),
        )
    else:
        flash(form.name.errors[0], "error")
    return redirect(url_for("backoffice.staff"))
