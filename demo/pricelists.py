"""The price-list demo, a version per year from the first billed month's (see demo.story)
on: electricity, gas and water for the Business group, a smaller Key accounts electricity list
at a higher priority (Alfa Trade is in both groups), a households list, and next month's
Business electricity prices already published. Each year's prices are a little higher than
the year before's; VAT is the rate of the year (Slovakia's went from 20 % to 23 % in 2025)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from demo import story
from models.billing.pricing import assign_to_group, create_price_list, set_item
from models.billing.tables import PriceList
from models.identity import Account, CustomerGroup

if TYPE_CHECKING:
    from demo import Cast

YEARLY_RISE = Decimal("0.06")  # each year's prices against the year after's
# (code, name, unit, price without VAT in EUR this year)
BUSINESS_ELECTRICITY = [
    ("ee-ht", "Electricity, high tariff (VT)", "kWh", "0.1650"),
    ("ee-lt", "Electricity, low tariff (NT)", "kWh", "0.1120"),
    ("ee-single", "Electricity, single tariff", "kWh", "0.1480"),
    ("ee-tps", "System operation tariff (TPS)", "kWh", "0.0314"),
    ("ee-fee", "Monthly fee per supply point", "month", "4.50"),
]
KEY_ACCOUNTS_ELECTRICITY = [
    ("ee-ht", "Electricity, high tariff (VT), key account", "kWh", "0.1540"),
    ("ee-fee", "Monthly fee per supply point, key account", "month", "2.90"),
]
BUSINESS_GAS = [
    ("gas-m3", "Natural gas", "m³", "0.6540"),
    ("gas-fee", "Monthly fee per supply point", "month", "5.80"),
]
BUSINESS_WATER = [
    ("water", "Drinking water", "m³", "1.4520"),
    ("sewage", "Sewage and waste water", "m³", "1.3870"),
    ("water-fee", "Monthly fee per supply point", "month", "3.20"),
]
HOUSEHOLDS_ELECTRICITY = [
    ("ee-single", "Electricity, single tariff", "kWh", "0.1390"),
    ("ee-tps", "System operation tariff (TPS)", "kWh", "0.0314"),
    ("ee-fee", "Monthly fee per supply point", "month", "2.85"),
]
NEXT_BUSINESS_ELECTRICITY = [
    ("ee-ht", "Electricity, high tariff (VT)", "kWh", "0.1590"),
    ("ee-lt", "Electricity, low tariff (NT)", "kWh", "0.1080"),
    ("ee-single", "Electricity, single tariff", "kWh", "0.1430"),
    ("ee-tps", "System operation tariff (TPS)", "kWh", "0.0314"),
    ("ee-fee", "Monthly fee per supply point", "month", "4.50"),
]
BUSINESS_NOTE = (
    "Prices without VAT. Distribution charges are billed by the distribution system operator."
)


def vat_rate(day: dt.date) -> Decimal:
    """Slovakia's standard VAT rate on `day`: 20 %, 23 % from 1 January 2025."""
    return Decimal(23) if day >= dt.date(2025, 1, 1) else Decimal(20)


def price_in(year: int, today: dt.date, price: str) -> Decimal:
    """This year's `price` as it was in `year` (next year's lists are published as written)."""
    factor = (1 - YEARLY_RISE) ** max(0, today.year - year)
    return (Decimal(price) * factor).quantize(Decimal(price), ROUND_HALF_UP)  # its decimals


def load(session: Session, cast: Cast, today: dt.date | None = None) -> None:
    """Adds the price lists, the Key accounts group, and puts Alfa Trade into it."""
    today = today or dt.date.today()
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
        valid_from: dt.date,
        valid_to: dt.date | None,
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
                unit_price=price_in(valid_from.year, today, price),
                vat_rate=vat_rate(valid_from),
            )
        for group, priority in groups:
            assign_to_group(session, actor=actor, price_list=made, group=group, priority=priority)
        return made

    for year in story.price_years(today):
        start = dt.date(year, 1, 1)
        # Earlier years' lists ended with their year. This year's stay valid, except business
        # electricity: its new prices are published from next month.
        end = None if year == today.year else dt.date(year, 12, 31)
        price_list(
            f"Business electricity {year}",
            "electricity",
            BUSINESS_ELECTRICITY,
            [(business, 10)],
            start,
            end or next_month - dt.timedelta(days=1),
            BUSINESS_NOTE,
        )
        price_list(f"Business gas {year}", "gas", BUSINESS_GAS, [(business, 10)], start, end)
        price_list(
            f"Business water {year}",
            "water",
            BUSINESS_WATER,
            [(business, 10)],
            start,
            end,
            "Water and sewage together: the sewage charge is billed on the water used.",
        )
        price_list(
            f"Key accounts electricity {year}",
            "electricity",
            KEY_ACCOUNTS_ELECTRICITY,
            [(key_accounts, 20)],
            start,
            end,
            "Applies to customers using more than 20 MWh of electricity a year.",
        )
        price_list(
            f"Households electricity {year}",
            "electricity",
            HOUSEHOLDS_ELECTRICITY,
            [(households, 10)],
            start,
            end,
        )
    price_list(
        f"Business electricity from {next_month:%m/%Y}",
        "electricity",
        NEXT_BUSINESS_ELECTRICITY,
        [(business, 10)],
        next_month,
        None,
        BUSINESS_NOTE,
    )
