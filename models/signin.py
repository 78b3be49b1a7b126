"""Signing in: credential checks with a growing lock-out, server-side login sessions that can
be revoked, and the single-use secrets of activation and password-reset links."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ForeignKey, Integer, String, select, update
from sqlalchemy.orm import Mapped, Session, joinedload, mapped_column, relationship
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.strategy_options import _AbstractLoad  # the type of joinedload(...)

from models import audit
from models.db import Base, CreatedAt, Timestamp, changed_rows, remember, utcnow
from models.errors import N_, DomainError
from models.identity import Account, AccountStatus, find_account, normalize_email
from models.outbox import notify
from models.passwords import hash_password, needs_rehash, validate_new_password, verify_password

# Lock-out: the first FREE_FAILURES wrong passwords for an e-mail cost nothing; each further
# one locks that e-mail for LOCK_BASE, doubling per failure, at most LOCK_MAX. A success, or
# FORGET_AFTER without failures, starts the count again. Kept per e-mail (hashed), whether
# or not an account has it, so the lock-out reveals nothing about which e-mails exist.
FREE_FAILURES = 5
LOCK_BASE = dt.timedelta(minutes=1)
LOCK_MAX = dt.timedelta(minutes=15)
FORGET_AFTER = dt.timedelta(hours=1)


def secret_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class LoginThrottle(Base):
    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[Timestamp]
    locked_until: Mapped[Timestamp | None]


class LoginSession(Base):
    """One signed-in browser. The cookie holds a random secret; only its hash is stored."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[CreatedAt]
    last_seen_at: Mapped[Timestamp]
    expires_at: Mapped[Timestamp]
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    ended_at: Mapped[Timestamp | None]
    end_reason: Mapped[str | None] = mapped_column(String(40))

    account: Mapped[Account] = relationship()


class TokenPurpose(enum.StrEnum):
    ACTIVATION = "activation"
    PASSWORD_RESET = "password_reset"  # noqa: S105 - a purpose name, not a secret


TOKEN_LIFETIME = {
    TokenPurpose.ACTIVATION: dt.timedelta(days=7),
    TokenPurpose.PASSWORD_RESET: dt.timedelta(minutes=30),
}


class AccountToken(Base):
    """A single-use secret sent by e-mail to set a password; stored hashed, expiring."""

    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(20))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[CreatedAt]
    expires_at: Mapped[Timestamp]
    used_at: Mapped[Timestamp | None]
    # A fingerprint of the password the account had when the link was sent: once the password
    # changes (any way), the link no longer works.
    password_stamp: Mapped[str | None] = mapped_column(String(64))

    account: Mapped[Account] = relationship()


class LoginRefused(DomainError):
    """Wrong credentials or a locked e-mail; `retry_after` is set when locked."""

    def __init__(self, message: str, retry_after: dt.timedelta | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


INVALID_CREDENTIALS = N_("The e-mail address or the password is not correct.")


def _throttle_key(email: str) -> str:
    return secret_hash("login:" + normalize_email(email))


def check_credentials(session: Session, email: str, password: str) -> Account:
    """Returns the active account for the e-mail and password, or raises LoginRefused with one
    message for every cause (unknown e-mail, wrong password, disabled account). Records the
    attempt in the audit log and counts failures towards the lock-out; a refusal's records are
    remembered writes (models.db.remember), kept although the request fails."""
    now = utcnow()
    throttle = session.get(LoginThrottle, _throttle_key(email))
    label = normalize_email(email)[:254]
    if throttle and throttle.locked_until and throttle.locked_until > now:
        remember(session, lambda s: audit.record(s, "login.throttled", actor_label=label))
        raise LoginRefused(
            N_("Too many failed attempts. Try again in a few minutes."),
            retry_after=throttle.locked_until - now,
        )
    account = find_account(session, email)
    valid = verify_password(account.password_hash if account else None, password)
    if not valid or account is None or account.status != AccountStatus.ACTIVE:
        reason = "password" if not valid or account is None else f"status_{account.status.value}"
        account_id = account.id if account else None

        def failure(s: Session) -> None:
            _count_failure(s, email, now)
            actor = s.get(Account, account_id) if account_id else None
            audit.record(s, "login.failure", actor=actor, actor_label=label, reason=reason)

        remember(session, failure)
        raise LoginRefused(INVALID_CREDENTIALS)
    if throttle is not None:
        session.delete(throttle)
    if needs_rehash(account.password_hash or ""):
        account.password_hash = hash_password(password)
    account.last_login_at = now
    audit.record(session, "login.success", actor=account, target=account)
    return account


def _count_failure(session: Session, email: str, now: dt.datetime) -> None:
    key = _throttle_key(email)
    throttle = session.get(LoginThrottle, key)
    if throttle is None:
        throttle = LoginThrottle(key=key, failures=0, last_failure_at=now)
        session.add(throttle)
    elif now - throttle.last_failure_at > FORGET_AFTER:
        throttle.failures = 0
    throttle.failures += 1
    throttle.last_failure_at = now
    excess = throttle.failures - FREE_FAILURES
    if excess > 0:
        throttle.locked_until = now + min(LOCK_BASE * 2 ** (excess - 1), LOCK_MAX)
    session.flush()


def start_session(
    session: Session,
    account: Account,
    *,
    lifetime: dt.timedelta,
    ip: str | None,
    user_agent: str | None,
) -> str:
    """Opens a login session and returns its secret (for the cookie); only the hash is kept."""
    raw = new_secret()
    now = utcnow()
    session.add(
        LoginSession(
            account=account,
            secret_hash=secret_hash(raw),
            last_seen_at=now,
            expires_at=now + lifetime,
            ip=ip,
            user_agent=(user_agent or "")[:300] or None,
        )
    )
    session.flush()
    return raw


# last_seen_at is written at most this often, so browsing does not write on every request.
SEEN_GRANULARITY = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class FoundSession:
    """A cookie's login session as read, and the write its reading calls for (the columns of
    `upkeep`), which the caller makes in a transaction of its own: `keep_up`."""

    login: LoginSession | None
    upkeep: dict[str, object] | None = None


def find_session(
    session: Session, raw: str, *, idle: dt.timedelta, with_account: Sequence[_AbstractLoad] = ()
) -> FoundSession:
    """The live session for a cookie secret: not ended, not past its absolute expiry, not idle
    longer than `idle`, for an active account. Reads only: a session found expired is to be
    ended, a live one's last-seen time moved on (at most once a minute), by `upkeep`.
    `with_account`: loader options under the account, for what the caller needs of it in the
    same statement."""
    account = joinedload(LoginSession.account)  # every request needs both
    login = (
        session.scalars(
            select(LoginSession)
            .where(LoginSession.secret_hash == secret_hash(raw), LoginSession.ended_at.is_(None))
            .options(account.options(*with_account) if with_account else account)
        )
        .unique()
        .first()
    )
    if login is None:
        return FoundSession(None)
    now = utcnow()
    if login.expires_at <= now or login.last_seen_at + idle <= now:
        return FoundSession(None, {"id": login.id, "ended_at": now, "end_reason": "expired"})
    if login.account.status != AccountStatus.ACTIVE:
        ended = {"id": login.id, "ended_at": now, "end_reason": "account_inactive"}
        return FoundSession(None, ended)
    if now - login.last_seen_at >= SEEN_GRANULARITY:
        # The object shows the new time without becoming a pending change of the request.
        set_committed_value(login, "last_seen_at", now)
        return FoundSession(login, {"id": login.id, "last_seen_at": now})
    return FoundSession(login)


def keep_up(session: Session, upkeep: dict[str, object]) -> None:
    """Writes what `find_session` found due, as one UPDATE of the session's row."""
    values = {k: v for k, v in upkeep.items() if k != "id"}
    session.execute(
        update(LoginSession).where(LoginSession.id == upkeep["id"]).values(**values),
        execution_options={"synchronize_session": False},
    )


def resolve_session(session: Session, raw: str, *, idle: dt.timedelta) -> LoginSession | None:
    """`find_session` and its upkeep in the caller's transaction."""
    found = find_session(session, raw, idle=idle)
    if found.upkeep:
        keep_up(session, found.upkeep)
    return found.login


def end_session(session: Session, login: LoginSession, *, reason: str) -> None:
    login.ended_at = utcnow()
    login.end_reason = reason
    session.flush()


DEVICE_MEMORY = dt.timedelta(days=180)  # a device unused this long is new again


def recent_user_agents(session: Session, account: Account) -> list[str]:
    """The browsers (user-agent strings) the account signed in with in the last half year."""
    since = utcnow() - DEVICE_MEMORY
    return list(
        session.scalars(
            select(LoginSession.user_agent)
            .where(
                LoginSession.account_id == account.id,
                LoginSession.created_at >= since,
                LoginSession.user_agent.is_not(None),
            )
            .distinct()
        )
    )


def tell_new_device(session: Session, account: Account, *, device: str, ip: str | None) -> None:
    """A notice to the account's address that it signed in from a device not seen before,
    with where to look if it was not them; audited."""
    notify(
        session,
        to=account.email,
        template="new_device",
        locale=account.locale,
        name=account.full_name,
        device=device,
        ip=ip or "",
        at=utcnow().strftime("%Y-%m-%d %H:%M UTC"),
    )
    audit.record(session, "login.new_device", actor=account, target=account, device=device)


def end_own_session(
    session: Session, account: Account, session_id: int, *, keep: LoginSession | None
) -> LoginSession:
    """Signs the account out of one of its other live sessions (a lost phone, a shared
    computer): that browser's cookie stops working at once. Refused for a session that is not
    the account's own and live, or for the one in use (signing out does that)."""
    found = next((s for s in live_sessions(session, account) if s.id == session_id), None)
    if found is None:
        raise DomainError(N_("This browser is no longer signed in."))
    if keep is not None and found.id == keep.id:
        raise DomainError(N_("To sign out of this browser, use Sign out."))
    end_session(session, found, reason="signed_out_elsewhere")
    audit.record(session, "session.ended", actor=account, target=found)
    return found


def end_all_sessions(
    session: Session, account: Account, *, reason: str, keep: LoginSession | None = None
) -> int:
    """Ends every live session of the account (but `keep`); a copied cookie stops working."""
    stmt = (
        update(LoginSession)
        .where(LoginSession.account_id == account.id, LoginSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
    )
    if keep is not None:
        stmt = stmt.where(LoginSession.id != keep.id)
    return changed_rows(session, stmt)


def live_sessions(session: Session, account: Account) -> list[LoginSession]:
    now = utcnow()
    return list(
        session.scalars(
            select(LoginSession)
            .where(
                LoginSession.account_id == account.id,
                LoginSession.ended_at.is_(None),
                LoginSession.expires_at > now,
            )
            .order_by(LoginSession.last_seen_at.desc())
        )
    )


def password_stamp(account: Account) -> str:
    """A fingerprint of the account's current password hash (of none, for a new login)."""
    return hashlib.sha256((account.password_hash or "").encode()).hexdigest()


def issue_token(session: Session, account: Account, purpose: TokenPurpose) -> str:
    """A new single-use secret for `purpose`; earlier unused ones of the same purpose die."""
    now = utcnow()
    session.execute(
        update(AccountToken)
        .where(
            AccountToken.account_id == account.id,
            AccountToken.purpose == purpose.value,
            AccountToken.used_at.is_(None),
        )
        .values(used_at=now),
        execution_options={"synchronize_session": False},
    )
    raw = new_secret()
    session.add(
        AccountToken(
            account=account,
            purpose=purpose.value,
            secret_hash=secret_hash(raw),
            expires_at=now + TOKEN_LIFETIME[purpose],
            password_stamp=password_stamp(account),
        )
    )
    session.flush()
    return raw


def request_password_reset(session: Session, email: str) -> None:
    """E-mails a password-reset link to the active account of `email`; for an unknown or
    inactive address nothing is sent. Audited either way, and the caller answers the same."""
    account = find_account(session, email)
    if account is not None and account.status == AccountStatus.ACTIVE:
        token = issue_token(session, account, TokenPurpose.PASSWORD_RESET)
        notify(
            session,
            to=account.email,
            template="password_reset",
            locale=account.locale,
            name=account.full_name,
            token=token,
        )
    audit.record(
        session,
        "password.reset_requested",
        actor=account,
        actor_label=normalize_email(email)[:254],
    )


def find_token(session: Session, raw: str, purpose: TokenPurpose) -> AccountToken | None:
    """The token if it is unused, unexpired, and the account's password is still the one it
    was sent for; else None."""
    token = session.scalar(
        select(AccountToken).where(
            AccountToken.secret_hash == secret_hash(raw), AccountToken.purpose == purpose.value
        )
    )
    if token is None or token.used_at is not None or token.expires_at <= utcnow():
        return None
    if token.password_stamp is not None and token.password_stamp != password_stamp(token.account):
        return None
    return token


def set_password_with_token(
    session: Session, raw: str, purpose: TokenPurpose, password: str
) -> Account:
    """Spends the token (once: a conditional update, so a second use loses) and sets the
    password. Ends every session of the account. Raises DomainError when the link is spent."""
    token = find_token(session, raw, purpose)
    if token is None:
        raise DomainError(N_("This link has expired or has already been used."))
    account = token.account
    validate_new_password(password, user_inputs=[account.email, account.full_name])
    spent = changed_rows(
        session,
        update(AccountToken)
        .where(AccountToken.id == token.id, AccountToken.used_at.is_(None))
        .values(used_at=utcnow()),
    )
    if spent != 1:
        raise DomainError(N_("This link has expired or has already been used."))
    account.password_hash = hash_password(password)
    if account.status == AccountStatus.LOCKED:
        account.status = AccountStatus.ACTIVE
    end_all_sessions(session, account, reason="password_set")
    audit.record(session, f"password.{purpose.value}", actor=account, target=account)
    return account


def change_password(
    session: Session, account: Account, *, current: str, new: str, keep: LoginSession | None
) -> None:
    """Needs the current password (field `current_password`); ends every other session."""
    if not verify_password(account.password_hash, current):
        account_id = account.id

        def refused(s: Session) -> None:
            refuser = s.get(Account, account_id)
            audit.record(s, "password.change_refused", actor=refuser, target=refuser)

        remember(session, refused)
        raise DomainError(N_("The current password is not correct."), "current_password")
    validate_new_password(new, user_inputs=[account.email, account.full_name])
    account.password_hash = hash_password(new)
    ended = end_all_sessions(session, account, reason="password_changed", keep=keep)
    audit.record(session, "password.changed", actor=account, target=account, sessions_ended=ended)
