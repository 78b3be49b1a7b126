"""Signing in: one message for every failure, a growing lock-out, server-side sessions with
idle and absolute timeouts, and single-use password links."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from sqlalchemy import select

from models.audit import AuditEvent
from models.db import end_unit_of_work
from models.errors import DomainError
from models.identity import AccountStatus
from models.signin import (
    FREE_FAILURES,
    INVALID_CREDENTIALS,
    LOCK_MAX,
    LoginRefused,
    LoginSession,
    LoginThrottle,
    TokenPurpose,
    change_password,
    check_credentials,
    end_all_sessions,
    find_token,
    issue_token,
    live_sessions,
    resolve_session,
    set_password_with_token,
    start_session,
)
from models.staff import set_account_status
from tests import factories

IDLE = dt.timedelta(minutes=30)
LIFETIME = dt.timedelta(hours=12)
RESET = TokenPurpose.PASSWORD_RESET
NEW_PASSWORD = "amber river compass 9"


def refusal(session, email, password):
    """A refused sign-in, with its unit of work ended as a request ends it: rolled back, the
    remembered writes (failure count, audit event) kept."""
    with pytest.raises(LoginRefused) as refused:
        check_credentials(session, email, password)
    end_unit_of_work(session, success=False)
    return refused.value


def test_unknown_email_and_wrong_password_get_the_same_message(session, people):
    unknown = refusal(session, "nobody@example.com", factories.PASSWORD)
    wrong = refusal(session, people.jan.email, "not the password at all")
    assert unknown.message == wrong.message == INVALID_CREDENTIALS


def test_a_disabled_account_is_refused_with_the_same_message(session, people):
    set_account_status(session, actor=None, account=people.anna, status=AccountStatus.DISABLED)
    assert refusal(session, people.anna.email, factories.PASSWORD).message == INVALID_CREDENTIALS


def test_login_is_case_insensitive_on_the_email_and_audited(session, people):
    account = check_credentials(session, "  JAN.Novak@Example.com ", factories.PASSWORD)
    assert account.id == people.jan.id
    assert account.last_login_at is not None
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == account.id))
    assert "login.success" in list(actions)


def test_failures_are_audited_with_the_typed_email(session, people):
    refusal(session, "Mallory@Example.com", "guess guess guess")
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "login.failure")).one()
    assert event.actor_label == "mallory@example.com"
    assert event.actor_id is None


def test_lockout_starts_after_the_free_failures_and_grows(session, people):
    start = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(FREE_FAILURES):
            assert refusal(session, people.jan.email, "wrong").retry_after is None
        refusal(session, people.jan.email, "wrong")  # the sixth locks for one minute
        locked = refusal(session, people.jan.email, factories.PASSWORD)  # even the right one
        assert locked.retry_after == dt.timedelta(minutes=1)
        clock.shift(dt.timedelta(seconds=61))
        refusal(session, people.jan.email, "wrong")  # the seventh locks for two minutes
        assert refusal(session, people.jan.email, factories.PASSWORD).retry_after == (
            dt.timedelta(minutes=2)
        )
        clock.shift(dt.timedelta(minutes=2, seconds=1))
        assert check_credentials(session, people.jan.email, factories.PASSWORD) == people.jan
        # A success forgets the failures.
        assert refusal(session, people.jan.email, "wrong").retry_after is None


def test_lockout_never_exceeds_fifteen_minutes(session, people):
    start = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(FREE_FAILURES + 10):
            refusal(session, "x@example.com", "wrong")
            throttle = session.scalars(select(LoginThrottle)).one()
            if throttle.locked_until:
                clock.shift(throttle.locked_until - dt.datetime.now(dt.UTC))
        assert throttle.failures == FREE_FAILURES + 10
        assert throttle.locked_until - throttle.last_failure_at == LOCK_MAX
        assert dt.timedelta(minutes=15) == LOCK_MAX


def test_an_unknown_email_is_locked_out_like_a_known_one(session):
    """The lock-out reveals nothing about which addresses have accounts."""
    for _ in range(FREE_FAILURES + 1):
        refusal(session, "ghost@example.com", "wrong")
    assert refusal(session, "ghost@example.com", "wrong").retry_after is not None


def test_a_session_ends_after_the_idle_timeout(session, people):
    start = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        raw = start_session(session, people.jan, lifetime=LIFETIME, ip="1.2.3.4", user_agent="t")
        clock.shift(dt.timedelta(minutes=29))
        assert resolve_session(session, raw, idle=IDLE) is not None
        clock.shift(dt.timedelta(minutes=31))
        assert resolve_session(session, raw, idle=IDLE) is None
        ended = session.scalars(select(LoginSession)).one()
        assert ended.end_reason == "expired"


def test_a_session_ends_at_its_absolute_lifetime_even_when_active(session, people):
    start = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        raw = start_session(session, people.jan, lifetime=LIFETIME, ip=None, user_agent=None)
        for _ in range(24):  # active every 29 minutes for 11 h 36 min: still signed in
            clock.shift(dt.timedelta(minutes=29))
            assert resolve_session(session, raw, idle=IDLE) is not None
        clock.shift(dt.timedelta(minutes=29))  # 12 h 5 min after sign-in
        assert resolve_session(session, raw, idle=IDLE) is None


def test_disabling_an_account_ends_its_sessions(session, people):
    raw = start_session(session, people.anna, lifetime=LIFETIME, ip=None, user_agent=None)
    set_account_status(
        session, actor=people.admin, account=people.anna, status=AccountStatus.DISABLED
    )
    assert resolve_session(session, raw, idle=IDLE) is None
    assert live_sessions(session, people.anna) == []


def test_changing_the_password_needs_the_current_one(session, people):
    with pytest.raises(DomainError) as refused:
        change_password(
            session, people.jan, current="wrong", new="a brand new passphrase", keep=None
        )
    assert refused.value.field == "current_password"


def test_changing_the_password_ends_every_other_session(session, people):
    mine = start_session(session, people.jan, lifetime=LIFETIME, ip=None, user_agent="mine")
    other = start_session(session, people.jan, lifetime=LIFETIME, ip=None, user_agent="other")
    keep = resolve_session(session, mine, idle=IDLE)
    change_password(
        session, people.jan, current=factories.PASSWORD, new="velvet thunder orchard 77", keep=keep
    )
    assert resolve_session(session, mine, idle=IDLE) is not None
    assert resolve_session(session, other, idle=IDLE) is None
    assert check_credentials(session, people.jan.email, "velvet thunder orchard 77")


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("short1!", "at least"),
        ("x" * 129, "at most"),
        ("password1234", "too common"),
        ("qwertyuiopasdf", "too common"),
        ("jannovak2026!", "too common"),
    ],
)
def test_weak_new_passwords_are_refused(session, people, password, rule):
    with pytest.raises(DomainError) as refused:
        change_password(session, people.jan, current=factories.PASSWORD, new=password, keep=None)
    assert refused.value.field == "password"
    assert rule in (refused.value.message % refused.value.params).lower()


def test_a_password_link_works_once(session, people):
    raw = issue_token(session, people.clerk, TokenPurpose.PASSWORD_RESET)
    set_password_with_token(session, raw, RESET, NEW_PASSWORD)
    with pytest.raises(DomainError):
        set_password_with_token(session, raw, RESET, "another long passphrase")
    assert check_credentials(session, people.clerk.email, NEW_PASSWORD)


def test_a_password_link_expires(session, people):
    start = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        raw = issue_token(session, people.clerk, TokenPurpose.PASSWORD_RESET)
        clock.shift(dt.timedelta(minutes=30, seconds=1))
        with pytest.raises(DomainError):
            set_password_with_token(session, raw, RESET, NEW_PASSWORD)


def test_a_reset_link_dies_when_the_password_changes_another_way(session, people):
    raw = issue_token(session, people.clerk, TokenPurpose.PASSWORD_RESET)
    change_password(
        session,
        people.clerk,
        current=factories.PASSWORD,
        new="an entirely different passphrase",
        keep=None,
    )
    assert find_token(session, raw, RESET) is None
    with pytest.raises(DomainError):
        set_password_with_token(session, raw, RESET, NEW_PASSWORD)
    assert check_credentials(session, people.clerk.email, "an entirely different passphrase")


def test_a_new_link_kills_the_previous_one_and_purposes_do_not_mix(session, people):
    first = issue_token(session, people.clerk, TokenPurpose.PASSWORD_RESET)
    second = issue_token(session, people.clerk, TokenPurpose.PASSWORD_RESET)
    with pytest.raises(DomainError):
        set_password_with_token(session, first, RESET, NEW_PASSWORD)
    with pytest.raises(DomainError):
        set_password_with_token(session, second, TokenPurpose.ACTIVATION, NEW_PASSWORD)
    set_password_with_token(session, second, RESET, NEW_PASSWORD)


def test_setting_a_password_from_a_link_ends_all_sessions(session, people):
    raw_session = start_session(session, people.clerk, lifetime=LIFETIME, ip=None, user_agent=None)
    raw = issue_token(session, people.clerk, TokenPurpose.PASSWORD_RESET)
    set_password_with_token(session, raw, RESET, NEW_PASSWORD)
    assert resolve_session(session, raw_session, idle=IDLE) is None


def test_only_hashes_of_secrets_are_stored(session, people):
    raw = start_session(session, people.jan, lifetime=LIFETIME, ip=None, user_agent=None)
    token = issue_token(session, people.jan, TokenPurpose.PASSWORD_RESET)
    stored = session.scalars(select(LoginSession.secret_hash)).all()
    assert raw not in stored and token not in stored
    assert all(len(h) == 64 for h in stored)


def test_end_all_sessions_counts_what_it_ended(session, people):
    for _ in range(3):
        start_session(session, people.eva, lifetime=LIFETIME, ip=None, user_agent=None)
    assert end_all_sessions(session, people.eva, reason="test") == 3
    assert end_all_sessions(session, people.eva, reason="test") == 0
