"""Staff management for administrators: create staff accounts (they set their own password
from an e-mailed link), set role and teams, deactivate; and the teams themselves."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response
from wtforms import BooleanField, EmailField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, Length
from wtforms.widgets import CheckboxInput, ListWidget

from backoffice import blueprint
from core.extensions import db
from core.forms import options, show_domain_error
from core.mail import external_url, send_mail
from core.navigation import menu_item
from core.permissions import ROLE_LABELS, requires
from models import audit
from models.errors import DomainError
from models.identity import Account, StaffRole, Team, create_account, staff_teams, update_staff
from models.signin import TokenPurpose, issue_token

menu_item(
    "backoffice", "backoffice.staff", _l("Staff and teams"), permission="staff.manage", order=90
)


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class StaffForm(FlaskForm):
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


class TeamForm(FlaskForm):
    name = StringField(_l("Team name"), validators=[DataRequired(), Length(max=120)])


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
def staff_new() -> str | Response | tuple[str, int]:
    form = NewStaffForm()
    if form.validate_on_submit():
        actor = current_user._get_current_object()
        try:
            account = create_account(
                db.session,
                email=form.email.data,
                full_name=form.full_name.data,
                staff_role=StaffRole(form.role.data),
                actor=actor,
            )
            account.teams = staff_teams(db.session, form.teams.data)
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            raw = issue_token(db.session, account, TokenPurpose.ACTIVATION)
            send_mail(
                to=account.email,
                subject=_l("Your portal account"),
                template="activation",
                locale=None,
                account=account,
                link=external_url("auth.set_password", token=raw),
            )
            db.session.commit()
            flash(
                _(
                    "%(name)s was added and has been e-mailed a link to set a password.",
                    name=account.full_name,
                ),
                "success",
            )
            return redirect(url_for("backoffice.staff"))
        return render_template("backoffice/staff/form.html", form=form, member=None), 422
    status = 422 if form.is_submitted() else 200
    return render_template("backoffice/staff/form.html", form=form, member=None), status


@blueprint.route("/staff/<int:account_id>", methods=["GET", "POST"])
@requires("staff.manage")
def staff_edit(account_id: int) -> str | Response | tuple[str, int]:
    member = db.session.scalar(
        select(Account).where(Account.id == account_id, Account.staff_role.is_not(None))
    )
    if member is None:
        abort(404)
    form = EditStaffForm(
        data=None
        if request.method == "POST"
        else {
            "full_name": member.full_name,
            "role": member.staff_role.value if member.staff_role else None,
            "teams": [t.id for t in member.teams],
            "active": member.status.value == "active",
        }
    )
    if form.validate_on_submit():
        try:
            update_staff(
                db.session,
                actor=current_user._get_current_object(),
                staff=member,
                full_name=form.full_name.data,
                role=StaffRole(form.role.data),
                team_ids=form.teams.data,
                active=form.active.data,
            )
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Changes to %(name)s are saved.", name=member.full_name), "success")
            return redirect(url_for("backoffice.staff"))
        return render_template("backoffice/staff/form.html", form=form, member=member), 422
    status = 422 if form.is_submitted() else 200
    return render_template("backoffice/staff/form.html", form=form, member=member), status


@blueprint.route("/teams", methods=["POST"])
@requires("staff.manage")
def staff_team_new() -> Response:
    form = TeamForm()
    if form.validate_on_submit():
        name = form.name.data.strip()
        taken = select(Team.id).where(func.lower(Team.name) == name.lower())
        if db.session.scalar(taken) is not None:
            flash(_("A team with this name already exists."), "error")
        else:
            team = Team(name=name)
            db.session.add(team)
            db.session.flush()
            audit.record(
                db.session,
                "team.created",
                actor=current_user._get_current_object(),
                target=team,
                name=name,
            )
            db.session.commit()
            flash(_("Team %(name)s was created.", name=name), "success")
    else:
        flash(_("Enter a team name."), "error")
    return redirect(url_for("backoffice.staff"))
