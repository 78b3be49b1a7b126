"""Signing in and out, setting a password from an e-mailed link, accepting an invitation,
and choosing the language: the pages a visitor reaches without being signed in."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from core.auth import sign_in, sign_out
from core.extensions import db, limiter
from core.forms import Form, form_status, refusals
from core.i18n import LANGUAGES
from core.security import is_safe_next
from models import audit
from models.identity import find_account
from models.memberships import accept_invitation, find_invitation
from models.passwords import MAX_LENGTH
from models.signin import TokenPurpose, check_credentials, find_token, request_password_reset
from models.signin import set_password_with_token as set_password_op
from portal import home

blueprint = Blueprint("auth", __name__)


class LoginForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_LENGTH)])


class ForgotPasswordForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])


class NewPasswordForm(Form):
    password = PasswordField(_l("New password"), validators=[DataRequired()])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))],
    )


class JoinForm(NewPasswordForm):
    full_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=200)])


class EmptyForm(Form):
    """A form with no fields but the CSRF token, for pages that need a form object.
    (CSRFProtect checks the token of every POST app-wide before any view runs.)"""


def landing_url() -> str:
    """After sign-in: staff to the back office; a customer as the portal's landing decides
    (one company: its overview)."""
    if current_user.is_staff:
        return url_for("backoffice.index")
    return home.landing_url()


@blueprint.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT"],
    methods=["POST"],
    deduct_when=lambda response: response.status_code >= 400,  # failures only
)
def login() -> Response | tuple[str, int]:
    next_url = request.args.get("next")
    if current_user.is_authenticated:
        return redirect(next_url if is_safe_next(next_url) else landing_url())
    form = LoginForm()
    if form.validate_on_submit():
        with refusals(form):
            sign_in(check_credentials(db.session, form.email.data, form.password.data))
            return redirect(next_url if is_safe_next(next_url) else landing_url())
    return render_template("portal/auth/login.html", form=form), form_status(form)


@blueprint.route("/logout", methods=["POST"])
def logout() -> Response:
    if current_user.is_authenticated:
        audit.record(db.session, "logout", actor=current_user._get_current_object())
        sign_out()
    flash(_("You have been signed out."), "info")
    return redirect(url_for("auth.login"))


@blueprint.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def forgot_password() -> Response | tuple[str, int]:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        request_password_reset(db.session, form.email.data)
        flash(
            _(
                "If the address has an account, we have sent it a link to set a new password. "
                "The link works for 30 minutes."
            ),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("portal/auth/forgot_password.html", form=form), form_status(form)


@blueprint.route(
    "/activate/<token>",
    methods=["GET", "POST"],
    endpoint="set_password",
    defaults={"purpose": TokenPurpose.ACTIVATION},
)
@blueprint.route(
    "/reset-password/<token>",
    methods=["GET", "POST"],
    endpoint="reset_password",
    defaults={"purpose": TokenPurpose.PASSWORD_RESET},
)
def set_password(token: str, purpose: TokenPurpose) -> Response | tuple[str, int]:
    found = find_token(db.session, token, purpose)
    if found is None:
        return render_template("portal/auth/link_expired.html"), 410
    form = NewPasswordForm()
    if form.validate_on_submit():
        with refusals(form):
            set_password_op(db.session, token, purpose, form.password.data)
            if current_user.is_authenticated:
                sign_out("password_set")
            flash(_("Your password is set. Sign in with it now."), "success")
            return redirect(url_for("auth.login"))
    page = render_template(
        "portal/auth/set_password.html", form=form, account=found.account, purpose=purpose
    )
    return page, form_status(form)


@blueprint.route("/invitations/<token>", methods=["GET", "POST"])
def invitation(token: str) -> Response | tuple[str, int]:
    found = find_invitation(db.session, token)
    if found is None:
        return render_template("portal/auth/link_expired.html"), 410
    existing = find_account(db.session, found.email)
    signed_in = current_user.is_authenticated
    form = EmptyForm() if (existing or signed_in) else JoinForm()
    if signed_in and current_user.email != found.email:
        form.form_errors.append(
            _(
                "This invitation was sent to %(email)s. Sign out and sign in with that address "
                "to accept it.",
                email=found.email,
            )
        )
    elif form.validate_on_submit():
        if existing is not None and not signed_in:
            return redirect(url_for("auth.login", next=request.path))
        with refusals(form):
            membership = accept_invitation(
                db.session,
                token,
                account=current_user._get_current_object() if signed_in else None,
                full_name=getattr(form, "full_name", None) and form.full_name.data,
                password=getattr(form, "password", None) and form.password.data,
            )
            if not signed_in:
                sign_in(membership.account)
            flash(
                _("You now have access to %(company)s.", company=membership.company.legal_name),
                "success",
            )
            return redirect(url_for("company.overview", company=membership.company.slug))
    page = render_template(
        "portal/auth/invitation.html", form=form, invitation=found, existing=existing
    )
    return page, form_status(form)


@blueprint.route("/language", methods=["POST"])
def language() -> Response:
    choice = request.form.get("language", "")
    if choice in LANGUAGES:
        session["locale"] = choice
        if current_user.is_authenticated:
            current_user.locale = choice
    target = request.form.get("next")
    return redirect(target if is_safe_next(target) else url_for("portal.index"))
