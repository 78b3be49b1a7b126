"""Permissions are data: each role is a named set of permission names, in this one table.
Code asks can("invoices.view"); it never compares role names."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, g
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core.navigation import menu
from core.security import deny
from models.identity import CustomerRole, Membership, StaffRole

# What a login may do inside one company (portal).
CUSTOMER_VIEW = frozenset(
    {
        "company.view",
        "invoices.view",
        "pricelists.view",
        "supply.view",
        "requests.view",
        "messages.view",
        "documents.view",
        "post.view",
    }
)
CUSTOMER_ACT = frozenset(
    {
        "readings.submit",
        "requests.create",
        "messages.send",
        "changes.request",
        "changes.request_identity",
        "post.manage",
    }
)
CUSTOMER_PERMISSIONS: dict[CustomerRole, frozenset[str]] = {
    CustomerRole.OWNER: CUSTOMER_VIEW | CUSTOMER_ACT | {"company.logins.manage"},
    CustomerRole.MANAGER: CUSTOMER_VIEW | CUSTOMER_ACT,
    CustomerRole.ACCOUNTANT: frozenset(
        {
            "company.view",
            "invoices.view",
            "pricelists.view",
            "documents.view",
            "messages.view",
            "messages.send",
            "changes.request",
        }
    ),
    CustomerRole.TECHNICIAN: frozenset(
        {
            "company.view",
            "supply.view",
            "readings.submit",
            "requests.view",
            "requests.create",
            "documents.view",
            "messages.view",
            "messages.send",
        }
    ),
    CustomerRole.VIEWER: CUSTOMER_VIEW,
}

# What a staff member may do in the back office, across companies.
STAFF_PERMISSIONS: dict[StaffRole, frozenset[str]] = {
    StaffRole.ADMINISTRATOR: frozenset(
        {
            "backoffice.access",
            "companies.view_all",
            "staff.manage",
            "audit.view",
            "changes.review",
            "readings.review",
            "invoices.manage",
            "pricelists.manage",
            "requests.work",
            "requests.view_all",
            "requests.configure",
            "messages.answer",
        }
    ),
    StaffRole.CLERK: frozenset(
        {
            "backoffice.access",
            "companies.view_all",
            "changes.review",
            "readings.review",
            "invoices.manage",
            "requests.work",
        }
    ),
    StaffRole.CALL_CENTER: frozenset(
        {
            "backoffice.access",
            "companies.view_all",
            "requests.work",
            "requests.view_all",
            "messages.answer",
        }
    ),
    # Specialists see the companies whose customer group their team is responsible for.
    StaffRole.SPECIALIST: frozenset(
        {"backoffice.access", "companies.view_assigned", "requests.work", "messages.answer"}
    ),
    StaffRole.AUDITOR: frozenset({"backoffice.access", "companies.view_all", "audit.view"}),
}

ROLE_LABELS = {
    CustomerRole.OWNER: _l("Owner"),
    CustomerRole.MANAGER: _l("Manager"),
    CustomerRole.ACCOUNTANT: _l("Accountant"),
    CustomerRole.TECHNICIAN: _l("Technician"),
    CustomerRole.VIEWER: _l("Viewer"),
    StaffRole.ADMINISTRATOR: _l("Administrator"),
    StaffRole.CLERK: _l("Clerk"),
    StaffRole.CALL_CENTER: _l("Call center"),
    StaffRole.SPECIALIST: _l("Specialist"),
    StaffRole.AUDITOR: _l("Auditor"),
}

ROLE_DESCRIPTIONS = {
    CustomerRole.OWNER: _l("Everything, including who has access to the company."),
    CustomerRole.MANAGER: _l("Everything except managing access."),
    CustomerRole.ACCOUNTANT: _l("Invoices, payments, price lists and documents."),
    CustomerRole.TECHNICIAN: _l("Supply points, meter readings and service requests."),
    CustomerRole.VIEWER: _l("Sees everything, changes nothing."),
}


def companies_allowing(permission: str, memberships: Iterable[Membership]) -> list[int]:
    """The companies of `memberships` where the role has `permission` (what the switcher's
    badges and the overview's cards ask their providers about)."""
    return [m.company_id for m in memberships if permission in CUSTOMER_PERMISSIONS[m.role]]


def current_permissions() -> frozenset[str]:
    """The signed-in account's permissions here: its role in the current company (portal)
    and its staff role (back office)."""
    if not current_user.is_authenticated:
        return frozenset()
    scope = g.get("scope")
    granted = scope.permissions if scope is not None else frozenset()
    if current_user.staff_role is not None:
        granted = granted | STAFF_PERMISSIONS[current_user.staff_role]
    return granted


def can(permission: str) -> bool:
    return permission in current_permissions()


F = TypeVar("F", bound=Callable[..., Any])


def requires(permission: str) -> Callable[[F], F]:
    """View decorator: 403 (audited) unless the current account has `permission`. The view
    carries its permission (`required_permission`), so the access matrix derives itself:
    tests/test_url_map.py proves that every company and back-office route declares one."""
    if not any(
        permission in granted
        for granted in (*CUSTOMER_PERMISSIONS.values(), *STAFF_PERMISSIONS.values())
    ):
        raise ValueError(f"no role has the permission {permission!r}")

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not can(permission):
                deny(403, permission=permission)
            return view(*args, **kwargs)

        guarded.required_permission = permission  # type: ignore[attr-defined]  # a mark on a function
        return cast(F, guarded)  # wraps() keeps the signature

    return decorate


def required_permission(view: Callable[..., Any]) -> str | None:
    """The permission a view declared with @requires, or None."""
    return getattr(view, "required_permission", None)


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(can=can, role_label=ROLE_LABELS.get, menu=menu)
