"""Staff accounts and teams: an administrator creates a staff member (who is e-mailed a link to
set a password), changes role, teams and whether they may sign in, and creates teams."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import audit
from models.errors import N_, DomainError
from models.identity import Account, AccountStatus, StaffRole, Team, create_account
from models.outbox import notify
from models.signin import TokenPurpose, end_all_sessions, issue_token


def create_staff(
    session: Session,
    *,
    actor: Account | None,
    email: str,
    full_name: str,
    role: StaffRole,
    team_ids: Sequence[int] = (),
) -> Account:
    """Creates a staff account without a password and e-mails it the activation link (the one
    activation e-mail, whether an administrator or `flask create-admin` adds the person).
    Refuses an e-mail that has an account (field `email`) and unknown teams (field `teams`)."""
    account = create_account(
        session, email=email, full_name=full_name, staff_role=role, actor=actor
    )
    account.teams = staff_teams(session, list(team_ids))
    token = issue_token(session, account, TokenPurpose.ACTIVATION)
    notify(session, to=account.email, template="activation", name=account.full_name, token=token)
    return account


def staff_teams(session: Session, team_ids: list[int]) -> list[Team]:
    teams = list(session.scalars(select(Team).where(Team.id.in_(team_ids)))) if team_ids else []
    if len(teams) != len(set(team_ids)):
        raise DomainError(N_("Choose teams from the list."), "teams")
    return teams


def update_staff(
    session: Session,
    *,
    actor: Account,
    staff: Account,
    full_name: str,
    role: StaffRole,
    team_ids: list[int],
    active: bool,
) -> None:
    """Changes a staff member's name, role, teams and whether they may log in. An administrator
    cannot demote or deactivate themselves (field `role` / `active`), so one always remains."""
    if not staff.is_staff:
        raise DomainError(N_("This account is not a staff member."))
    if staff.id == actor.id and role != StaffRole.ADMINISTRATOR:
        raise DomainError(N_("You cannot take the administrator role from yourself."), "role")
    if staff.id == actor.id and not active:
        raise DomainError(N_("You cannot deactivate your own account."), "active")
    before = {
        "role": staff.staff_role.value if staff.staff_role else None,
        "teams": sorted(t.name for t in staff.teams),
        "status": staff.status.value,
        "full_name": staff.full_name,
    }
    staff.full_name = full_name.strip()
    staff.staff_role = role
    staff.teams = staff_teams(session, team_ids)
    session.flush()
    audit.record(
        session,
        "staff.updated",
        actor=actor,
        target=staff,
        before=before,
        after={
            "role": role.value,
            "teams": sorted(t.name for t in staff.teams),
            "full_name": staff.full_name,
        },
    )
    set_account_status(
        session,
        actor=actor,
        account=staff,
        status=AccountStatus.ACTIVE if active else AccountStatus.DISABLED,
    )


def set_account_status(
    session: Session, *, actor: Account | None, account: Account, status: AccountStatus
) -> None:
    """Activates, locks or disables a login; anything but active ends its sessions at once."""
    if account.status == status:
        return
    previous = account.status
    account.status = status
    if status != AccountStatus.ACTIVE:
        end_all_sessions(session, account, reason=f"account_{status.value}")
    audit.record(
        session,
        "account.status_changed",
        actor=actor,
        target=account,
        before=previous.value,
        after=status.value,
    )


def create_team(session: Session, *, actor: Account, name: str) -> Team:
    """A new team; refuses an empty name or one that exists already, in any case (`name`)."""
    name = name.strip()
    if not name:
        raise DomainError(N_("Enter a team name."), "name")
    taken = session.scalar(select(Team.id).where(func.lower(Team.name) == name.lower()))
    if taken is not None:
        raise DomainError(N_("A team with this name already exists."), "name")
    team = Team(name=name)
    session.add(team)
    session.flush()
    audit.record(session, "team.created", actor=actor, target=team, name=name)
    return team
