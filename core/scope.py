"""The ONE company-scope function. Every /c/<company>/ page enters the scope here, and every
object a customer reaches is loaded through it: `company_id == scope.company_id` is in the
query, never checked afterwards."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import abort, g
from flask_login import current_user
from sqlalchemy import ColumnElement, Select, false, inspect, or_, select, true
from sqlalchemy.orm import QueryableAttribute, joinedload, undefer

from core.extensions import db, login_manager
from core.permissions import CUSTOMER_PERMISSIONS, can
from core.security import deny
from models.files import StoredFile
from models.identity import Account, Company, CustomerGroup, Membership, team_members

T = TypeVar("T")


@dataclass(frozen=True)
class Scope:
    company: Company
    membership: Membership
    permissions: frozenset[str]

    @property
    def company_id(self) -> int:
        return self.company.id

    def select(self, model: type[T]) -> Select[T]:
        """SELECT of `model` rows that belong to this company (every company row has a
        company_id: the one attribute this relies on)."""
        owner: ColumnElement[int] = getattr(model, "company_id")  # noqa: B009 - any company table
        return select(model).where(owner == self.company_id)

    def stored_file(
        self, file: QueryableAttribute[Any], *criteria: ColumnElement[bool]
    ) -> StoredFile:
        """The stored file that `file` (a relationship such as Contract.document) names on
        this company's row matching `criteria`, with its bytes: one query, else 404."""
        model = file.class_
        owner: ColumnElement[int] = getattr(model, "company_id")  # noqa: B009 - a company table
        found = db.session.scalar(
            select(StoredFile)
            .join_from(model, StoredFile, file)
            .where(owner == self.company_id, *criteria)
            .options(undefer(StoredFile.data))
        )
        if found is None:
            abort(404)
        return found

    def get(self, model: type[T], options: Sequence[Any] = (), **criteria: Any) -> T:
        """The one row of `model` in this company matching `criteria` (loaded with
        `options`), else 404."""
        stmt = self.select(model).filter_by(**criteria).options(*options)
        found = db.session.scalars(stmt).unique().first()
        if found is None:
            abort(404)
        return found


# How the sign-in check loads the account's memberships, in its own statement (core.auth).
MEMBERSHIPS = (
    joinedload(Account.memberships)
    .joinedload(Membership.company)
    .joinedload(Company.customer_group)
)


def my_memberships() -> list[Membership]:
    """The signed-in account's memberships with their companies (and main groups), by company
    name: loaded with the login session (MEMBERSHIPS), or in one query when they are not
    (expired by a commit, say), and shared by the company scope, the switcher and the landing
    page."""
    if "memberships" not in g:
        account = current_user._get_current_object()
        if "memberships" in inspect(account).unloaded:
            query = select(Account).where(Account.id == account.id).options(MEMBERSHIPS)
            db.session.scalars(query).unique().one()  # fills in the account's collection
        g.memberships = sorted(
            account.memberships, key=lambda m: (m.company.legal_name, m.company.id)
        )
    return g.memberships


def enter_company(slug: str) -> Scope:
    """Resolves the signed-in account's membership in the company `slug` and makes it the
    scope of this request. No membership, or no such company: 404 (the same answer, audited).
    Anonymous: the login page."""
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    # The switcher on the page lists every membership anyway: the scope is one of them.
    membership = next((m for m in my_memberships() if m.company.slug == slug), None)
    if membership is None:
        deny(404, company=slug[:80])
    scope = Scope(
        company=membership.company,
        membership=membership,
        permissions=CUSTOMER_PERMISSIONS[membership.role],
    )
    g.scope = scope
    return scope


def current_scope() -> Scope:
    scope = g.get("scope")
    if scope is None:  # a programming error: a company page outside the company blueprint
        raise RuntimeError("no company scope entered for this request")
    return scope


def visible_companies() -> Select[Company]:
    """The back office's side of the same rule: the companies the signed-in staff member may
    see. All of them with `companies.view_all`; with `companies.view_assigned`, those whose
    customer group is the responsibility of one of their teams; otherwise none."""
    stmt = select(Company)
    if can("companies.view_all"):
        return stmt
    if can("companies.view_assigned"):
        my_teams = select(team_members.c.team_id).where(
            team_members.c.account_id == current_user.id
        )
        return stmt.join(CustomerGroup, Company.customer_group_id == CustomerGroup.id).where(
            CustomerGroup.responsible_team_id.in_(my_teams)
        )
    return stmt.where(false())


def of_visible_companies(
    company_id: ColumnElement[Any] | QueryableAttribute[Any],
) -> ColumnElement[bool]:
    """The condition for rows (invoices, readings, ...) of the companies the staff member may
    see. No condition at all with `companies.view_all`: an always-true `IN (SELECT id FROM
    companies)` makes PostgreSQL join every row of a large table with every company."""
    if can("companies.view_all"):
        return true()
    return company_id.in_(visible_companies().with_only_columns(Company.id))


def staff_get(
    model: type[T], object_id: int, *criteria: ColumnElement[bool], options: Sequence[Any] = ()
) -> T:
    """The one loader of the back office: the `model` row with this id that meets `criteria`
    and is a company the staff member may see, or belongs to one (its `company_id`), else 404,
    audited like a customer's."""
    key: ColumnElement[int] = getattr(model, "id")  # noqa: B009 - every table has an id
    stmt = select(model).where(key == object_id, *criteria)
    if model is Company:
        stmt = stmt.where(of_visible_companies(Company.id))
    elif hasattr(model, "company_id"):  # a row of no company (a group price list): all
        owner: ColumnElement[int] = getattr(model, "company_id")  # noqa: B009
        stmt = stmt.where(or_(owner.is_(None), of_visible_companies(owner)))
    found = db.session.scalar(stmt.options(*options))
    if found is None:
        deny(404, requested=f"{getattr(model, '__tablename__', model.__name__)}:{object_id}")
    return found


def staff_company(company_id: int) -> Company:
    """One company the staff member may see, else 404 (audited, like a customer's)."""
    return staff_get(Company, company_id)
