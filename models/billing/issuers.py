"""Issuers: the supplier's legal entities that invoices name, registered by an operator and
referred to by their code in invoice imports."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban

from models import audit
from models.billing.tables import Issuer
from models.errors import N_, DomainError
from models.identity import Account

CODE = re.compile(r"[A-Za-z0-9._-]{1,32}")  # typed in every row of an import file


def add_issuer(
    session: Session,
    *,
    actor: Account | None,
    code: str,
    name: str,
    address: str,
    iban: str,
    bic: str | None = None,
    company_number: str | None = None,
    vat_id: str | None = None,
) -> Issuer:
    """Registers an issuer. Refuses a code that is not up to 32 letters, digits, dots, dashes
    or underscores or that another issuer has, in any case (field `code`), an empty name or
    address (`name`, `address`), an IBAN or BIC that fails its check (`iban`, `bic`) and a
    company number or VAT id over 20 characters. Stores the IBAN and BIC compact, audited as
    `issuer.added`."""
    code, name, address = code.strip(), name.strip(), address.strip()
    if not CODE.fullmatch(code):
        raise DomainError(
            N_("An issuer code has up to 32 letters, digits, dots, dashes or underscores."),
            "code",
        )
    if session.scalar(select(Issuer.id).where(func.lower(Issuer.code) == code.lower())):
        raise DomainError(N_("An issuer with the code %(code)s exists already."), "code", code=code)
    if not name or len(name) > 200:
        raise DomainError(N_("Enter the issuer's name (up to 200 characters)."), "name")
    if not address:
        raise DomainError(N_("Enter the issuer's address."), "address")
    if not stdnum_iban.is_valid(iban):
        raise DomainError(N_("%(value)s is not a valid IBAN."), "iban", value=iban[:40])
    if bic and not stdnum_bic.is_valid(bic):
        raise DomainError(N_("%(value)s is not a valid BIC."), "bic", value=bic[:40])
    for field, value in (("company_number", company_number), ("vat_id", vat_id)):
        if value and len(value.strip()) > 20:
            raise DomainError(N_("At most 20 characters."), field)
    issuer = Issuer(
        code=code,
        name=name,
        address=address,
        iban=stdnum_iban.compact(iban),
        bic=stdnum_bic.compact(bic) if bic else None,
        company_number=(company_number or "").strip() or None,
        vat_id=(vat_id or "").strip() or None,
    )
    session.add(issuer)
    session.flush()
    audit.record(session, "issuer.added", actor=actor, target=issuer, code=code, name=name)
    return issuer
