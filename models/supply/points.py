"""Setting up supply points: their codes (EIC or EAN/GSRN, checked by python-stdnum), the
contracts with their signed documents, and the meters with their registers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum import ean
from stdnum.eu import eic

from models import audit
from models.errors import N_, DomainError
from models.files import StoredFile
from models.identity import Account, Company
from models.supply.tables import (
    Commodity,
    Contract,
    Meter,
    MeterRegister,
    SupplyPoint,
    SupplyPointStatus,
)


def normalize_code(code: str) -> str:
    return "".join(code.split()).upper()


def is_valid_code(code: str) -> bool:
    """An EIC (16 characters with its check character) or an 18-digit EAN/GSRN with its GS1
    check digit. stdnum's ean.is_valid stops at 14 digits, so the 18-digit code is checked
    with the same GS1 check-digit function it uses."""
    code = normalize_code(code)
    if len(code) == 18:
        return code.isdigit() and code.isascii() and ean.calc_check_digit(code[:-1]) == code[-1]
    return eic.is_valid(code)


def create_supply_point(
    session: Session,
    *,
    actor: Account | None,
    company: Company,
    code: str,
    commodity: Commodity,
    address: str,
    tariff: str = "",
    distribution_rate: str = "",
    self_reading_allowed: bool = False,
) -> SupplyPoint:
    """Adds a supply point to `company`. Refuses a code that is neither a valid EIC nor a
    valid 18-digit EAN (field `code`), and a code already in use."""
    code = normalize_code(code)
    if not is_valid_code(code):
        raise DomainError(
            N_("This is not a valid supply point code (EIC or 18-digit EAN): check it again."),
            "code",
        )
    if session.scalar(select(SupplyPoint.id).where(SupplyPoint.code == code)) is not None:
        raise DomainError(N_("A supply point with this code already exists."), "code")
    point = SupplyPoint(
        company_id=company.id,
        code=code,
        commodity=commodity,
        address=address.strip(),
        tariff=tariff,
        distribution_rate=distribution_rate,
        status=SupplyPointStatus.ACTIVE,
        self_reading_allowed=self_reading_allowed,
    )
    session.add(point)
    session.flush()
    audit.record(
        session,
        "supply_point.created",
        actor=actor,
        target=point,
        company_id=company.id,
        code=code,
        commodity=commodity.value,
    )
    return point


def terminate_supply_point(session: Session, *, actor: Account | None, point: SupplyPoint) -> None:
    """Ends supply at `point`: customers can no longer send readings for it."""
    if point.status == SupplyPointStatus.TERMINATED:
        return
    point.status = SupplyPointStatus.TERMINATED
    session.flush()
    audit.record(
        session, "supply_point.terminated", actor=actor, target=point, company_id=point.company_id
    )


def add_contract(
    session: Session,
    *,
    actor: Account | None,
    point: SupplyPoint,
    number: str,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    document: StoredFile | None = None,
) -> Contract:
    """Records a contract for `point`; its document must belong to the same company."""
    if valid_to is not None and valid_to < valid_from:
        raise DomainError(N_("A contract cannot end before it starts."), "valid_to")
    if document is not None and document.company_id != point.company_id:
        raise DomainError(N_("The document belongs to another company."), "document")
    if session.scalar(select(Contract.id).where(Contract.number == number)) is not None:
        raise DomainError(N_("A contract with this number already exists."), "number")
    contract = Contract(
        company_id=point.company_id,
        supply_point=point,
        number=number,
        valid_from=valid_from,
        valid_to=valid_to,
        document=document,
    )
    session.add(contract)
    session.flush()
    audit.record(
        session,
        "contract.created",
        actor=actor,
        target=contract,
        company_id=point.company_id,
        number=number,
    )
    return contract


@dataclass(frozen=True)
class RegisterSpec:
    code: str
    digits: int
    decimals: int = 0


def install_meter(
    session: Session,
    *,
    actor: Account | None,
    point: SupplyPoint,
    serial_number: str,
    installed_on: dt.date,
    registers: list[RegisterSpec],
) -> Meter:
    """Installs a meter with its registers on `point`. The meter in place is removed on the
    same day (the day of an exchange belongs to both: the old one's final reading and the new
    one's first)."""
    if not registers:
        raise DomainError(N_("A meter needs at least one register."), "registers")
    if len({r.code for r in registers}) != len(registers):
        raise DomainError(N_("Each register of a meter needs its own code."), "registers")
    for spec in registers:
        if not (1 <= spec.digits <= 12 and 0 <= spec.decimals <= 3):
            raise DomainError(
                N_("A register shows 1 to 12 digits and at most 3 decimals."), "registers"
            )
    current = point.current_meter
    if current is not None:
        if installed_on < current.installed_on:
            raise DomainError(
                N_("The new meter cannot be installed before the current one."), "installed_on"
            )
        current.removed_on = installed_on
    meter = Meter(
        company_id=point.company_id,
        supply_point=point,
        serial_number=serial_number.strip(),
        installed_on=installed_on,
        registers=[
            MeterRegister(code=r.code, position=i, digits=r.digits, decimals=r.decimals)
            for i, r in enumerate(registers)
        ],
    )
    session.add(meter)
    session.flush()
    audit.record(
        session,
        "meter.installed",
        actor=actor,
        target=meter,
        company_id=point.company_id,
        supply_point=point.code,
        serial_number=meter.serial_number,
        replaced=current.serial_number if current else None,
    )
    return meter
