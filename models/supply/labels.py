"""How the supply area's values read to people: commodities, reading statuses and sources (in
the label registry), and register codes ("High tariff (HT)"). English, marked for the
catalogs; the web layer translates."""

from __future__ import annotations

from collections.abc import Callable

from models.errors import N_
from models.labels import register
from models.supply.tables import Commodity, ReadingSource, ReadingStatus, SupplyPointStatus

COMMODITY_LABELS = register(
    {
        Commodity.ELECTRICITY: N_("Electricity"),
        Commodity.GAS: N_("Gas"),
        Commodity.WATER: N_("Water"),
    }
)
SUPPLY_POINT_STATUS_LABELS = register(
    {SupplyPointStatus.ACTIVE: N_("Active"), SupplyPointStatus.TERMINATED: N_("Terminated")}
)
READING_STATUS_LABELS = register(
    {
        ReadingStatus.ACCEPTED: N_("Accepted"),
        ReadingStatus.PENDING_REVIEW: N_("Being checked"),
        ReadingStatus.REJECTED: N_("Rejected"),
        ReadingStatus.SUPERSEDED: N_("Replaced"),
    }
)
READING_SOURCE_LABELS = register(
    {ReadingSource.CUSTOMER: N_("Customer"), ReadingSource.DISTRIBUTOR: N_("Distributor")}
)
# Register codes are free text on a meter: the usual ones have a name, others show as coded.
REGISTER_NAMES = {"HT": N_("High tariff"), "NT": N_("Low tariff"), "T1": N_("Main register")}


def register_label(code: str, translate: Callable[[str], str] = str) -> str:
    """ "High tariff (HT)": the register's name, through `translate` (gettext, in the web
    layer), then its code; a code without a name stays as it is."""
    name = REGISTER_NAMES.get(code)
    return f"{translate(name)} ({code})" if name else code
