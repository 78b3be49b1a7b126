"""Menus contributed by the areas: each area registers its pages where it defines them, and
the layouts list what the signed-in person may open. Neither layout knows the areas."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Menu = Literal["company", "backoffice"]


@dataclass(frozen=True)
class MenuItem:
    endpoint: str
    label: object  # a lazy translatable string
    permission: str
    order: int


_menus: dict[Menu, dict[str, MenuItem]] = {"company": {}, "backoffice": {}}


def menu_item(menu: Menu, endpoint: str, label: object, *, permission: str, order: int) -> None:
    """Adds a page to `menu`, shown to those with `permission`, by ascending `order`. The item
    is marked current on its endpoint and on endpoints named `<endpoint>_...` (its sub-pages,
    e.g. `company.invoices_detail` under `company.invoices`)."""
    _menus[menu][endpoint] = MenuItem(endpoint, label, permission, order)


def menu(name: Menu) -> list[MenuItem]:
    return sorted(_menus[name].values(), key=lambda item: item.order)
