"""Who is signed in: Flask-Login backed by server-side login sessions. The cookie carries a
random secret; the session row decides, so logout, a password change or disabling an account
ends the session even for a copied cookie. Idle and absolute timeouts are enforced here."""

from __future__ import annotations

import datetime as dt

from flask import Flask, current_app, g, request, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user

from core.devices import device_name, same_device
from core.extensions import db, login_manager
from core.scope import MEMBERSHIPS
from models.db import begin_writing
from models.identity import Account
from models.signin import (
    LoginSession,
    end_session,
    find_session,
    keep_up,
    recent_user_agents,
    start_session,
    tell_new_device,
)

SESSION_KEY = "login_secret"


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.login_message_category = "info"
    # Our own session rows do what "strong" protection approximates, without false alarms.
    login_manager.session_protection = None
    login_manager.user_loader(_load_account)
    app.permanent_session_lifetime = dt.timedelta(hours=app.config["SESSION_LIFETIME_HOURS"])
    # URL preprocessors run before everything else, the company scope included: the login is
    # resolved (and its bookkeeping committed) before any view can change anything.
    app.url_value_preprocessor(_resolve_login)


def _resolve_login(endpoint: str | None, _values: dict | None) -> None:
    if endpoint == "static":  # our CSS and icons need no one signed in: no database trip
        return
    current_user._get_current_object()
    upkeep = g.pop("login_upkeep", None)
    if upkeep is not None:  # the login bookkeeping: one early write, its lock taken up front
        begin_writing(db.session)
        keep_up(db.session, upkeep)
        db.session.commit()


def _load_account(account_id: str) -> Account | None:
    raw = session.get(SESSION_KEY)
    if not raw:
        return None
    idle = dt.timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])
    # The account's memberships come in the same statement: the company scope and the
    # switcher need them on every page (core.scope.my_memberships).
    found = find_session(db.session, raw, idle=idle, with_account=[MEMBERSHIPS])
    g.login_upkeep = found.upkeep
    login = found.login
    if login is None or str(login.account_id) != account_id:
        session.clear()
        return None
    g.login_session = login
    return login.account


def sign_in(account: Account) -> None:
    """Starts a fresh session for `account`: the old cookie's content is dropped, a new
    server-side session is created. The caller commits."""
    session.clear()
    user_agent = request.headers.get("User-Agent")
    seen = {same_device(known) for known in recent_user_agents(db.session, account)}
    if seen and same_device(user_agent) not in seen:
        # Not on a first sign-in (every device is new then), only when others came before.
        tell_new_device(db.session, account, device=device_name(user_agent), ip=request.remote_addr)
    lifetime = current_app.permanent_session_lifetime
    raw = start_session(
        db.session,
        account,
        lifetime=lifetime,
        ip=request.remote_addr,
        user_agent=user_agent,
    )
    session.permanent = True
    session[SESSION_KEY] = raw
    login_user(account)


def sign_out(reason: str = "logout") -> None:
    login = g.pop("login_session", None)
    if login is not None:
        end_session(db.session, login, reason=reason)
    logout_user()
    session.clear()


def current_login_session() -> LoginSession | None:
    return g.get("login_session") if current_user.is_authenticated else None
