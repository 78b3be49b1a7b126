"""The signed-in person's own account: name, language and time zone, password, and the
browsers signed in with it (each can be signed out)."""

from __future__ import annotations

import zoneinfo

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from core.auth import current_login_session
from core.extensions import db
from core.forms import Form, SelectField, act, options, refusals
from core.i18n import LANGUAGES
from models import audit
from models.passwords import MAX_LENGTH
from models.signin import change_password, end_all_sessions, end_own_session, live_sessions

blueprint = Blueprint("account", __name__, url_prefix="/account")

COMMON_TIMEZONES = sorted(
    tz for tz in zoneinfo.available_timezones() if tz.startswith(("Europe/", "UTC"))
)


@blueprint.before_request
@login_required
def _signed_in() -> None:
    """Every page here needs a login."""


class ProfileForm(Form):
    full_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    locale = SelectField(_l("Language"), choices=options(LANGUAGES.items()))
    timezone = SelectField(_l("Time zone"), choices=options((tz, tz) for tz in COMMON_TIMEZONES))


class PasswordForm(Form):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=MAX_LENGTH)]
    )
    password = PasswordField(_l("New password"), validators=[DataRequired()])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))],
    )


def _page(
    profile: ProfileForm | None = None, password: PasswordForm | None = None, status: int = 200
) -> tuple[str, int]:
    account = current_user._get_current_object()
    page = render_template(
        "portal/account/index.html",
        profile=profile or ProfileForm(obj=account, formdata=None),
        password_form=password or PasswordForm(formdata=None),
        sessions=live_sessions(db.session, account),
        this_session=current_login_session(),
    )
    return page, status


@blueprint.route("/")
def index() -> tuple[str, int]:
    return _page()


@blueprint.route("/profile", methods=["POST"])
def profile() -> Response | tuple[str, int]:
    form = ProfileForm()
    if not form.validate_on_submit():
        return _page(profile=form, status=422)
    account = current_user._get_current_object()
    form.populate_obj(account)
    audit.record(db.session, "account.profile_changed", actor=account, target=account)
    flash(_("Your details are saved."), "success")
    return redirect(url_for("account.index"))


@blueprint.route("/password", methods=["POST"])
def password() -> Response | tuple[str, int]:
    form = PasswordForm()
    if not form.validate_on_submit():
        return _page(password=form, status=422)
    with refusals(form):
        change_password(
            db.session,
            current_user._get_current_object(),
            current=form.current_password.data,
            new=form.password.data,
            keep=current_login_session(),
        )
        flash(
            _("Your password is changed. Other browsers signed in with it were signed out."),
            "success",
        )
        return redirect(url_for("account.index"))
    return _page(password=form, status=422)


@blueprint.route("/sessions/<int:session_id>/end", methods=["POST"])
def end_session(session_id: int) -> Response:
    account = current_user._get_current_object()
    act(
        lambda: end_own_session(db.session, account, session_id, keep=current_login_session()),
        lambda: _("That browser is signed out."),
    )
    return redirect(url_for("account.index"))


@blueprint.route("/sessions/end-others", methods=["POST"])
def end_other_sessions() -> Response:
    account = current_user._get_current_object()
    ended = end_all_sessions(
        db.session, account, reason="signed_out_elsewhere", keep=current_login_session()
    )
    audit.record(db.session, "sessions.ended", actor=account, target=account, count=ended)
    flash(
        ngettext(
            "Signed out of %(num)d other browser.",
            "Signed out of %(num)d other browsers.",
            ended,
        ),
        "success",
    )
    return redirect(url_for("account.index"))
