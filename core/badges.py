"""Company-switcher badges, contributed by the areas. Each area registers one provider that
answers for all the account's companies in one query; the switcher never knows the areas,
and the page's query count does not grow with the number of companies."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.orm import Session

from core.permissions import CUSTOMER_PERMISSIONS
from models.identity import Membership


@dataclass(frozen=True)
class Badge:
    label: str
    count: int
    tone: Literal["info", "attention", "alert"] = "info"
    endpoint: str | None = None  # a company-blueprint endpoint the badge links to
    detail: str | None = None  # e.g. a total amount, already formatted


Provider = Callable[[Session, list[int]], dict[int, Badge]]


@dataclass(frozen=True)
class _Registration:
    key: str
    permission: str
    provider: Provider


_registry: dict[str, _Registration] = {}


def badge_provider(key: str, *, permission: str) -> Callable[[Provider], Provider]:
    """Registers `provider(session, company_ids) -> {company_id: Badge}`. It is asked only for
    the companies where the account's role has `permission`, and omits companies with nothing
    to show."""

    def register(provider: Provider) -> Provider:
        _registry[key] = _Registration(key, permission, provider)
        return provider

    return register


def badges_for(session: Session, memberships: Iterable[Membership]) -> dict[int, list[Badge]]:
    memberships = list(memberships)
    result: dict[int, list[Badge]] = {m.company_id: [] for m in memberships}
    for registration in _registry.values():
        company_ids = [
            m.company_id
            for m in memberships
            if registration.permission in CUSTOMER_PERMISSIONS[m.role]
        ]
        if not company_ids:
            continue
        for company_id, badge in registration.provider(session, company_ids).items():
            result[company_id].append(badge)
    return result
