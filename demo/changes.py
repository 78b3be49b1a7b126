"""The demo's change requests: Alfa's owner has asked for a new billing address, Beta's
accountant for a new bank account (a sensitive field: two clerks verify it), and each company
has a decided past: Alfa's bank account and contact person approved by two clerks in the
autumn, Beta's phone approved and a technician's login (the invitation waits for an answer),
Gamma's invoice e-mail rejected with the reason."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from demo import ZONE, Cast
from models.changes import (
    COMPANY_FIELDS,
    approve_change,
    file_change,
    reject_change,
    request_login,
)
from models.db import as_of
from models.identity import Account, Company, CustomerRole

ALFA_NEW_BILLING_ADDRESS = "Mlynské nivy 5\n821 09 Bratislava\nSlovakia"
ALFA_IBAN = "SK24 1100 0000 0026 1234 5678"
BETA_NEW_IBAN = "SK11 7500 0000 0040 0987 6543"
GAMMA_REJECTED_EMAIL = "novak.household@example.com"


def _at(today: dt.date, days_ago: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(today - dt.timedelta(days=days_ago), dt.time(hour, minute), ZONE)


def _file(
    session: Session,
    who: Account,
    company: Company,
    when: dt.datetime,
    note: str = "",
    **values: str,
):  # type: ignore[no-untyped-def]
    with as_of(when):
        return file_change(
            session,
            actor=who,
            company=company,
            values=values,
            allowed=COMPANY_FIELDS.keys(),
            today=when.date(),
            note=note,
        )


def load(session: Session, cast: Cast, today: dt.date) -> None:
    # Jan asked for a login for Beta's technician; a clerk approved it, so an invitation waits
    # for an answer (the owner's switcher shows it).
    with as_of(_at(today, 3, 11, 30)):
        technician = request_login(
            session,
            actor=cast.jan,
            company=cast.beta,
            email="technik@beta-services.example",
            role=CustomerRole.TECHNICIAN,
        )
    with as_of(_at(today, 3, 15, 10)):
        approve_change(session, actor=cast.clerk, change=technician, today=today - dt.timedelta(3))
    autumn = _file(
        session,
        cast.jan,
        cast.alfa,
        _at(today, 62, 9, 12),
        note="Our new account for direct debit, and who to call about invoices.",
        bank_account=ALFA_IBAN,
        contact_person="Anna Kráľová",
    )
    with as_of(_at(today, 61, 10, 5)):
        approve_change(session, actor=cast.clerk, change=autumn, today=today - dt.timedelta(61))
    with as_of(_at(today, 61, 14, 40)):
        approve_change(
            session,
            actor=cast.admin,
            change=autumn,
            today=today - dt.timedelta(61),
            reason="Account confirmed by the bank's letter.",
        )
    phone = _file(
        session, cast.eva, cast.beta, _at(today, 40, 8, 30), contact_phone="+421 55 5555 0299"
    )
    with as_of(_at(today, 39, 11, 0)):
        approve_change(session, actor=cast.clerk, change=phone, today=today - dt.timedelta(39))
    email = _file(
        session, cast.jan, cast.gamma, _at(today, 20, 19, 45), contact_email=GAMMA_REJECTED_EMAIL
    )
    with as_of(_at(today, 19, 9, 15)):
        reject_change(
            session,
            actor=cast.clerk,
            change=email,
            reason="Our test e-mail to this address came back undelivered. Please check it.",
        )
    _file(
        session,
        cast.jan,
        cast.alfa,
        _at(today, 2, 16, 20),
        note="We move to the new office on the first of next month.",
        billing_address=ALFA_NEW_BILLING_ADDRESS,
    )
    _file(
        session,
        cast.eva,
        cast.beta,
        _at(today, 1, 10, 5),
        note="We changed banks; the confirmation is on its way by post.",
        bank_account=BETA_NEW_IBAN,
    )
