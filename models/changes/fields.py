"""What a change request may change: the company's data for invoices and correspondence, and
a supply point's correspondence address. Each field has a label (English, marked for the
catalogs), whether it is sensitive (needs a second clerk's approval) and the check that
turns what a customer typed into the value kept, or refuses it on the field."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from stdnum import iban
from stdnum.cz import dic as cz_dic
from stdnum.eu import vat
from stdnum.exceptions import ValidationError
from stdnum.pl import regon

from models.errors import N_, DomainError
from models.identity import CustomerRole

# The countries whose identifiers and postcodes the portal knows.
COUNTRIES = ("SK", "CZ", "PL", "HU")
COUNTRY_NAMES = {"SK": "Slovakia", "CZ": "Czechia", "PL": "Poland", "HU": "Hungary"}

# A postcode as people write it in each country: "811 06", "110 00", "00-950", "1051".
POSTCODES = {
    "SK": (re.compile(r"^(\d{3}) ?(\d{2})$"), "{0} {1}"),
    "CZ": (re.compile(r"^(\d{3}) ?(\d{2})$"), "{0} {1}"),
    "PL": (re.compile(r"^(\d{2})-?(\d{3})$"), "{0}-{1}"),
    "HU": (re.compile(r"^(\d{4})$"), "{0}"),
}
# The Hungarian company registration number (cégjegyzékszám) has no check digit: its shape.
HU_COMPANY_NUMBER = re.compile(r"^(\d{2})-?(\d{2})-?(\d{6})$")
PHONE = re.compile(r"^\+?[0-9 ()/-]{6,25}$")
MAX_TEXT = 200
IDENTITY = "changes.request_identity"  # who the company is: owners and managers
MAX_ADDRESS = 500

Check = Callable[[str, str, str], str | None]  # (value, country, field) -> kept value


@dataclass(frozen=True)
class ChangeableField:
    name: str  # the attribute of the company (or supply point) it changes
    label: str
    check: Check
    sensitive: bool = False  # a second clerk must approve it too (four eyes)
    # The permission (core/permissions.py) a login's role needs to ask for this change.
    permission: str = "changes.request"


def _text(value: str, field: str, *, required: bool = False, limit: int = MAX_TEXT) -> str | None:
    value = " ".join(value.split())
    if not value:
        if required:
            raise DomainError(N_("Fill this in."), field)
        return None
    if len(value) > limit:
        raise DomainError(N_("At most %(limit)s characters."), field, limit=limit)
    return value


def check_name(value: str, _country: str, field: str) -> str | None:
    return _text(value, field, required=True)


def check_person(value: str, _country: str, field: str) -> str | None:
    return _text(value, field)


def check_company_number(value: str, country: str, field: str) -> str | None:
    """IČO (SK, CZ: eight digits with the mod-11 check digit they share with the Czech DIČ of
    a legal person), REGON (PL), cégjegyzékszám (HU: its shape, 01-09-123456)."""
    compact = re.sub(r"[\s.]", "", value)
    if not compact:  # a household has none
        return None
    if country in ("SK", "CZ"):
        valid = len(compact) == 8 and cz_dic.is_valid(compact)
    elif country == "PL":
        valid = regon.is_valid(compact)
    else:
        match = HU_COMPANY_NUMBER.match(compact)
        valid = match is not None
        compact = "-".join(match.groups()) if match else compact
    if not valid:
        raise DomainError(
            N_("This is not a valid company ID: check the digits against your registration."),
            field,
        )
    return compact


def check_vat_id(value: str, country: str, field: str) -> str | None:
    """An EU VAT ID of the company's own country (SK2021531523), its check digits verified;
    empty for a company that is not registered for VAT."""
    if not value.strip():
        return None
    try:
        compact = vat.validate(value)
    except ValidationError as error:
        raise DomainError(
            N_("This is not a valid VAT ID: it starts with the country code, e.g. %(example)s."),
            field,
            example=f"{country}2021531523" if country == "SK" else f"{country}…",
        ) from error
    if not compact.startswith(country):
        raise DomainError(
            N_("The VAT ID must start with %(code)s, the code of the company's country."),
            field,
            code=country,
        )
    return compact


def check_iban(value: str, _country: str, field: str) -> str | None:
    """An IBAN, its check digits verified, kept in groups of four (SK31 1200 …)."""
    if not value.strip():
        return None
    try:
        return str(iban.format(iban.validate(value)))
    except ValidationError as error:
        raise DomainError(
            N_("This IBAN is not valid: check it digit by digit against your bank's."), field
        ) from error


def check_email(value: str, _country: str, field: str) -> str | None:
    if not value.strip():
        return None
    try:
        return str(validate_email(value.strip(), check_deliverability=False).normalized)
    except EmailNotValidError as error:
        raise DomainError(N_("This is not a valid e-mail address."), field) from error


def check_phone(value: str, _country: str, field: str) -> str | None:
    value = " ".join(value.split())
    if not value:
        return None
    if not PHONE.match(value) or sum(ch.isdigit() for ch in value) < 6:
        raise DomainError(N_("Write the phone number with digits, e.g. +421 2 5555 0101."), field)
    return value


def postcode(value: str, country: str) -> str | None:
    """The postcode as it is written in `country`, or None when it is not one."""
    pattern, shape = POSTCODES[country]
    match = pattern.match(value.strip())
    return shape.format(*match.groups()) if match else None


def _address_lines(value: str) -> list[str]:
    return [" ".join(line.split()) for line in value.splitlines() if line.strip()]


def check_address(value: str, _country: str, field: str, *, required: bool = False) -> str | None:
    lines = _address_lines(value)
    if not lines:
        if required:
            raise DomainError(N_("Fill this in."), field)
        return None
    text = "\n".join(lines)
    if len(text) > MAX_ADDRESS:
        raise DomainError(N_("At most %(limit)s characters."), field, limit=MAX_ADDRESS)
    return text


def check_billing_address(value: str, country: str, field: str) -> str | None:
    return check_address(value, country, field, required=True)


COMPANY_FIELDS: dict[str, ChangeableField] = {
    f.name: f
    for f in (
        ChangeableField(
            "legal_name", N_("Legal name"), check_name, sensitive=True, permission=IDENTITY
        ),
        ChangeableField(
            "company_number",
            N_("Company ID"),
            check_company_number,
            sensitive=True,
            permission=IDENTITY,
        ),
        ChangeableField("vat_id", N_("VAT ID"), check_vat_id, sensitive=True, permission=IDENTITY),
        ChangeableField("billing_address", N_("Billing address"), check_billing_address),
        ChangeableField("postal_address", N_("Postal address"), check_address),
        ChangeableField("contact_email", N_("Invoice e-mail"), check_email),
        ChangeableField("contact_phone", N_("Phone"), check_phone),
        ChangeableField("bank_account", N_("Bank account (IBAN)"), check_iban, sensitive=True),
        ChangeableField("contact_person", N_("Contact person"), check_person),
    )
}
SUPPLY_POINT_FIELDS: dict[str, ChangeableField] = {
    "correspondence_address": ChangeableField(
        "correspondence_address", N_("Correspondence address"), check_address
    ),
}


LOGINS = "company.logins.manage"  # who may ask for a login or its end: owners


def check_login_email(value: str, country: str, field: str) -> str | None:
    kept = check_email(value, country, field)
    if kept is None:
        raise DomainError(N_("Fill this in."), field)
    return kept.lower()


def check_role(value: str, _country: str, field: str) -> str | None:
    if value not in {role.value for role in CustomerRole}:
        raise DomainError(N_("Choose a role from the list."), field)
    return value


# A login's request is about a person, not a record's data: what it asks is kept the same way.
LOGIN_ADD_FIELDS: dict[str, ChangeableField] = {
    f.name: f
    for f in (
        ChangeableField("email", N_("E-mail"), check_login_email, permission=LOGINS),
        ChangeableField("role", N_("Role"), check_role, permission=LOGINS),
    )
}
LOGIN_CLOSE_FIELDS: dict[str, ChangeableField] = {
    "login": ChangeableField("login", N_("Login"), check_person, permission=LOGINS),
}
