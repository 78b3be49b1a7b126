"""Company-switcher badges, contributed by the areas. Each area registers one provider that
answers for all the account's companies in one query; the switcher never knows the areas,
and the page's query count does not grow with the number of companies. A badge reads
without a mouse: an icon, a short visible text ("2 unpaid") and the full sentence for
screen readers, never a number alone or a text only in a title attribute."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Literal

from sqlalchemy.orm import Session

from core.permissions import companies_allowing
from models.identity import Membership

Tone = Literal["info", "attention", "alert"]
TONES: tuple[Tone, ...] = ("info", "attention", "alert")  # mildest first


@dataclass(frozen=True)
class Badge:
    short: str  # what the badge shows, with its count: "2 unpaid"
    label: str  # the full sentence: "2 unpaid invoices, 1 of them overdue"
    count: int
    icon: str  # a symbol of static/icons/portal.svg: "icon-invoice"
    tone: Tone = "info"
    endpoint: str | None = None  # a company-blueprint endpoint the badge links to
    detail: str | None = None  # e.g. a total amount, already formatted
    urgent: int = 0  # of `count`, how many are late (overdue invoices)
    to_pay: tuple[tuple[str, Decimal], ...] = ()  # money it asks for, per currency
    key: str = ""  # the provider's key, set by the registry


Provider = Callable[[Session, list[int]], dict[int, Badge]]
# (count, urgent) across companies -> the sentence of the all-companies summary.
Summary = Callable[[int, int], str]


@dataclass(frozen=True)
class _Registration:
    key: str
    permission: str
    order: int
    provider: Provider
    summary: Summary | None


_registry: dict[str, _Registration] = {}


def badge_provider(
    key: str, *, permission: str, order: int, summary: Summary | None = None
) -> Callable[[Provider], Provider]:
    """Registers `provider(session, company_ids) -> {company_id: Badge}`. It is asked only for
    the companies where the account's role has `permission`, and omits companies with nothing
    to show; badges are shown by ascending `order`. `summary(count, urgent)` words the total
    over all companies for the list of companies ("3 unpaid invoices, 1 overdue")."""

    def register(provider: Provider) -> Provider:
        _registry[key] = _Registration(key, permission, order, provider, summary)
        return provider

    return register


def _in_order() -> list[_Registration]:
    return sorted(_registry.values(), key=lambda r: (r.order, r.key))


def badges_for(session: Session, memberships: Iterable[Membership]) -> dict[int, list[Badge]]:
    memberships = list(memberships)
    result: dict[int, list[Badge]] = {m.company_id: [] for m in memberships}
    for registration in _in_order():
        company_ids = companies_allowing(registration.permission, memberships)
        if not company_ids:
            continue
        for company_id, badge in registration.provider(session, company_ids).items():
            result[company_id].append(replace(badge, key=registration.key))
    return result


@dataclass(frozen=True)
class Total:
    """One kind of badge added up over companies, for the all-companies summary."""

    key: str
    label: str  # "3 unpaid invoices, 1 overdue"
    count: int
    urgent: int
    tone: Tone
    icon: str
    companies: int


def totals(badges: dict[int, list[Badge]]) -> tuple[list[Total], dict[str, Decimal]]:
    """The badges of all companies added up per kind (in their order, those with a
    summary), and the money they ask for per currency."""
    count: dict[str, int] = defaultdict(int)
    urgent: dict[str, int] = defaultdict(int)
    companies: dict[str, int] = defaultdict(int)
    tone: dict[str, Tone] = {}
    icon: dict[str, str] = {}
    money: dict[str, Decimal] = defaultdict(Decimal)
    for company_badges in badges.values():
        for badge in company_badges:
            count[badge.key] += badge.count
            urgent[badge.key] += badge.urgent
            companies[badge.key] += 1
            icon[badge.key] = badge.icon
            tone[badge.key] = max(tone.get(badge.key, badge.tone), badge.tone, key=TONES.index)
            for currency, amount in badge.to_pay:
                money[currency] += amount
    shown = []
    for registration in _in_order():
        key = registration.key
        if registration.summary is None or not count[key]:
            continue
        label = registration.summary(count[key], urgent[key])
        shown.append(
            Total(key, label, count[key], urgent[key], tone[key], icon[key], companies[key])
        )
    return shown, dict(sorted(money.items()))
