"""Company logins: who has access to this company and with which role. Owners ask for a new
login or for one's access to end (change requests: a clerk verifies them, then the person is
invited or the access ends), change roles and withdraw invitations; everyone else may see the
list."""

from __future__ import annotations

import datetime as dt

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload
from werkzeug.wrappers import Response
from wtforms import EmailField
from wtforms.validators import DataRequired, Email, Length

from core.badges import Badge, badge_provider
from core.extensions import db
from core.forms import Form, SelectField, act, options, refusals
from core.navigation import menu_item
from core.pagination import paginate, requested_page
from core.permissions import (
    CUSTOMER_PERMISSIONS,
    CUSTOMER_VIEW,
    ROLE_DESCRIPTIONS,
    ROLE_LABELS,
    can,
    requires,
)
from core.scope import current_scope
from models.audit import AuditEvent
from models.changes import company_changes, request_login, request_login_closing
from models.db import utcnow
from models.identity import CustomerRole, Membership
from models.memberships import Invitation, change_role, open_invitations, revoke_invitation
from portal.company import blueprint

menu_item("company", "company.logins", _l("Logins"), permission="company.view", order=90)


def role_choices() -> list[tuple[str, str]]:
    return [(role.value, str(ROLE_LABELS[role])) for role in CustomerRole]


def _privilege(role: CustomerRole) -> tuple[int, int]:
    """How much a role may do, from the permission table: what it may change first (a
    viewer changes nothing), then what it may see."""
    granted = CUSTOMER_PERMISSIONS[role]
    return len(granted - CUSTOMER_VIEW), len(granted)


def invite_role_choices() -> list[tuple[str, str]]:
    """The roles to invite with, the least privileged first: the one offered."""
    return [(role.value, str(ROLE_LABELS[role])) for role in sorted(CustomerRole, key=_privilege)]


class InviteForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    # Starts at the least privileged role: more access is a choice, never a default.
    role = SelectField(_l("Role"), validators=[DataRequired()])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = options(invite_role_choices())
        if not self.is_submitted():
            self.role.data = min(CustomerRole, key=_privilege).value


class RoleForm(Form):
    role = SelectField(_l("Role"), validators=[DataRequired()])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = options(role_choices())


def _page(invite_form: InviteForm | None = None, status: int = 200) -> tuple[str, int]:
    scope = current_scope()
    members = list(
        db.session.scalars(
            scope.select(Membership)
            .options(joinedload(Membership.account))
            .order_by(Membership.created_at)
        )
    )
    manage = can("company.logins.manage")
    page = render_template(
        "portal/logins/index.html",
        scope=scope,
        members=members,
        invitations=open_invitations(db.session, scope.company) if manage else [],
        requested=[c for c in company_changes(db.session, scope.company_id) if c.kind.is_login]
        if manage
        else [],
        invite_form=invite_form or InviteForm(formdata=None),
        role_choices=role_choices(),
        manage=manage,
        role_descriptions=ROLE_DESCRIPTIONS,
    )
    return page, status


@blueprint.route("/logins")
@requires("company.view")
def logins() -> tuple[str, int]:
    return _page()


@blueprint.route("/logins", methods=["POST"])
@requires("company.logins.manage")
def invite_login() -> Response | tuple[str, int]:
    """Asks for a new login: once a clerk approves, the person gets the invitation."""
    scope = current_scope()
    form = InviteForm()
    if not form.validate_on_submit():
        return _page(form, 422)
    with refusals(form):
        change = request_login(
            db.session,
            actor=current_user._get_current_object(),
            company=scope.company,
            email=form.email.data,
            role=form.role.data,
        )
        flash(
            _(
                "Your request no. %(id)s for a login for %(email)s is filed. Once our colleagues "
                "have verified it, %(email)s gets an invitation by e-mail.",
                id=change.id,
                email=change.value_of("email"),
            ),
            "success",
        )
        return redirect(url_for("company.logins"))
    return _page(form, 422)


@blueprint.route("/logins/<int:membership_id>/role", methods=["POST"])
@requires("company.logins.manage")
def change_login_role(membership_id: int) -> Response:
    membership = current_scope().get(Membership, id=membership_id)
    form = RoleForm()
    if form.validate_on_submit():
        act(
            lambda: change_role(
                db.session,
                actor=current_user._get_current_object(),
                membership=membership,
                role=CustomerRole(form.role.data),
            ),
            lambda: _(
                "%(name)s is now %(role)s.",
                name=membership.account.full_name,
                role=ROLE_LABELS[membership.role],
            ),
        )
    else:
        flash(_("Choose a role from the list."), "error")
    return redirect(url_for("company.logins"))


@blueprint.route("/logins/<int:membership_id>/revoke", methods=["POST"])
@requires("company.logins.manage")
def revoke_login(membership_id: int) -> Response:
    """Asks for a login's access to end: it ends when a clerk approves."""
    membership = current_scope().get(Membership, id=membership_id)
    name = membership.account.full_name
    act(
        lambda: request_login_closing(
            db.session, actor=current_user._get_current_object(), membership=membership
        ),
        lambda: _(
            "Your request to end the access of %(name)s is filed. It ends once our colleagues "
            "have verified it; the company's data stays.",
            name=name,
        ),
    )
    return redirect(url_for("company.logins"))


@blueprint.route("/logins/invitations/<int:invitation_id>/revoke", methods=["POST"])
@requires("company.logins.manage")
def withdraw_invitation(invitation_id: int) -> Response:
    invitation = current_scope().get(Invitation, id=invitation_id)
    act(
        lambda: revoke_invitation(
            db.session, actor=current_user._get_current_object(), invitation=invitation
        ),
        lambda: _("The invitation for %(email)s was withdrawn.", email=invitation.email),
    )
    return redirect(url_for("company.logins"))


def _waiting_text(count: int, _urgent: int = 0) -> str:
    return ngettext(
        "%(num)d invitation waiting to be accepted",
        "%(num)d invitations waiting to be accepted",
        count,
    )


@badge_provider("invitations", permission="company.logins.manage", order=40, summary=_waiting_text)
def pending_invitations(session: Session, company_ids: list[int]) -> dict[int, Badge]:
    rows = session.execute(
        select(Invitation.company_id, func.count(Invitation.id))
        .where(
            Invitation.company_id.in_(company_ids),
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > utcnow(),
        )
        .group_by(Invitation.company_id)
    )
    return {
        company_id: Badge(
            short=ngettext("%(num)d invitation", "%(num)d invitations", count),
            label=_waiting_text(count),
            count=count,
            icon="icon-invitation",
            tone="info",
            endpoint="company.logins",
        )
        for company_id, count in rows
    }


# What the owner sees of the company's logins: how and when each signed in, or failed to.
SIGN_IN_ACTIONS = ("login.success", "login.failure", "login.throttled", "logout")
HISTORY_DAYS = 90


@blueprint.route("/logins/history")
@requires("company.logins.manage")
def login_history() -> str:
    """The sign-ins of the company's logins over the last 90 days, newest first: who, when,
    from which address and device, and whether it worked."""
    scope = current_scope()
    members = select(Membership.account_id).where(Membership.company_id == scope.company_id)
    since = utcnow() - dt.timedelta(days=HISTORY_DAYS)
    stmt = (
        select(AuditEvent)
        .where(
            AuditEvent.action.in_(SIGN_IN_ACTIONS),
            AuditEvent.actor_id.in_(members),
            AuditEvent.occurred_at >= since,
        )
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    )
    page = paginate(db.session, stmt, number=requested_page(), size=50)
    return render_template("portal/logins/history.html", scope=scope, page=page, days=HISTORY_DAYS)
