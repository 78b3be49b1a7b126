"""Company-overview cards, contributed by the areas like the switcher's badges: each area
registers a provider that answers for all the given companies in a fixed number of queries,
and the overview renders the cards the membership's role may see, in order, knowing no area.
A card names its template (templates/components/cards/<key>.html) and carries its data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy.orm import Session

from core.permissions import companies_allowing
from models.identity import Membership


@dataclass(frozen=True)
class Card:
    """What one card shows for one company. `key` names the template; `size` lets the page
    give a card the full width ("wide") or a narrow column ("small")."""

    key: str
    data: Mapping[str, Any] = field(default_factory=dict)
    size: Literal["wide", "normal", "small"] = "normal"

    @property
    def template(self) -> str:
        return f"components/cards/{self.key}.html"


CardProvider = Callable[[Session, list[int], dt.date], dict[int, Card]]


@dataclass(frozen=True)
class _Registration:
    key: str
    permission: str
    order: int
    provider: CardProvider


_registry: dict[str, _Registration] = {}


def overview_card(
    key: str, *, permission: str, order: int
) -> Callable[[CardProvider], CardProvider]:
    """Registers `provider(session, company_ids, today) -> {company_id: Card}`. It is asked
    only for companies where the role has `permission`, must answer for all of them in a
    fixed number of queries (never one per company), and omits a company only when the card
    has nothing to say there at all (an empty state, "Nothing to pay", is a card too).
    Cards are shown by ascending `order`."""

    def register(provider: CardProvider) -> CardProvider:
        _registry[key] = _Registration(key, permission, order, provider)
        return provider

    return register


def cards_for(
    session: Session, memberships: Iterable[Membership], today: dt.date
) -> dict[int, list[Card]]:
    """{company_id: its cards in order} for `memberships`, each company's cards those its
    role may see."""
    memberships = list(memberships)
    result: dict[int, list[Card]] = {m.company_id: [] for m in memberships}
    for registration in sorted(_registry.values(), key=lambda r: (r.order, r.key)):
        company_ids = companies_allowing(registration.permission, memberships)
        if not company_ids:
            continue
        for company_id, card in registration.provider(session, company_ids, today).items():
            result[company_id].append(card)
    return result
