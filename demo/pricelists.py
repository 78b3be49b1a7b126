"""The price-list demo: electricity and gas for the Business group, a smaller Key accounts
electricity list at a higher priority (Alfa Trade is in both groups), a households list,
and next month's Business electricity prices already published."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from models.billing.pricing import assign_to_group, create_price_list, set_item
from models.billing.tables import PriceList
from models.identity import Account, CustomerGroup

if TYPE_CHECKING:
    from demo import Cast

VAT = Decimal("23")  # Slovakia's standard rate from 2025

# (code, name, unit, price without VAT in EUR)
BUSINESS_ELECTRICITY = [
    ("ee-ht", "Electricity, high tariff (VT)", "kWh", "0.1650"),
    ("ee-lt", "Electricity, low tariff (NT)", "kWh", "0.1120"),
    ("ee-tps", "System operation tariff (TPS)", "kWh", "0.0314"),
    ("ee-fee", "Monthly fee per supply point", "month", "4.50"),
]
KEY_ACCOUNTS_ELECTRICITY = [
    ("ee-ht", "Electricity, high tariff (VT), key account", "kWh", "0.1540"),
    ("ee-fee", "Monthly fee per supply point, key account", "month", "2.90"),
]
BUSINESS_GAS = [
    ("gas-kwh", "Natural gas", "kWh", "0.0620"),
    ("gas-fee", "Monthly fee per supply point", "month", "5.80"),
]
HOUSEHOLDS_ELECTRICITY = [
    ("ee-single", "Electricity, single tariff", "kWh", "0.1390"),
    ("ee-tps", "System operation tariff (TPS)", "kWh", "0.0314"),
    ("ee-fee", "Monthly fee per supply point", "month", "2.85"),
]
NEXT_BUSINESS_ELECTRICITY = [
    ("ee-ht", "Electricity, high tariff (VT)", "kWh", "0.1590"),
    ("ee-lt", "Electricity, low tariff (NT)", "kWh", "0.1080"),
    ("ee-tps", "System operation tariff (TPS)", "kWh", "0.0314"),
    ("ee-fee", "Monthly fee per supply point", "month", "4.50"),
]


def load(session: Session, cast: Cast) -> None:
    """Adds the price lists, the Key accounts group, and puts Alfa Trade into it."""
    today = dt.date.today()
    year_start = today.replace(month=1, day=1)
    next_month = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    business, households = cast.groups["Business"], cast.groups["Households"]
    # No operation creates a customer group or adds a company to one yet (see demo/__init__.py).
    key_accounts = CustomerGroup(name="Key accounts", responsible_team=cast.teams["Billing"])
    session.add(key_accounts)
    session.flush()
    cast.groups["Key accounts"] = key_accounts
    cast.alfa.extra_groups.append(key_accounts)

    def price_list(
        name: str,
        commodity: str,
        items: list[tuple[str, str, str, str]],
        groups: list[tuple[CustomerGroup, int]],
        valid_from: dt.date = year_start,
        valid_to: dt.date | None = None,
        note: str | None = None,
    ) -> PriceList:
        actor: Account = cast.admin
        made = create_price_list(
            session,
            actor=actor,
            name=name,
            commodity=commodity,
            valid_from=valid_from,
            valid_to=valid_to,
            note=note,
        )
        for code, item_name, unit, price in items:
            set_item(
                session,
                actor=actor,
                price_list=made,
                code=code,
                name=item_name,
                unit=unit,
                unit_price=Decimal(price),
                vat_rate=VAT,
            )
        for group, priority in groups:
            assign_to_group(session, actor=actor, price_list=made, group=group, priority=priority)
        return made

    price_list(
        f"Business electricity {year_start.year}",
        "electricity",
        BUSINESS_ELECTRICITY,
        [(business, 10)],
        valid_to=next_month - dt.timedelta(days=1),
        note="Prices without VAT. Distribution charges are billed by the distribution system "
        "operator.",
    )
    price_list(f"Business gas {year_start.year}", "gas", BUSINESS_GAS, [(business, 10)])
    price_list(
        f"Key accounts electricity {year_start.year}",
        "electricity",
        KEY_ACCOUNTS_ELECTRICITY,
        [(key_accounts, 20)],
        note="Applies to customers with an annual consumption above 100 MWh.",
    )
    price_list(
        f"Households electricity {year_start.year}",
        "electricity",
        HOUSEHOLDS_ELECTRICITY,
        [(households, 10)],
    )
    price_list(
        f"Business electricity from {next_month:%m/%Y}",
        "electricity",
        NEXT_BUSINESS_ELECTRICITY,
        [(business, 10)],
        valid_from=next_month,
    )
