"""Adding an issuer: codes, IBAN and BIC checked by python-stdnum, one issuer per code, and
an audit event."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models.audit import AuditEvent
from models.billing import Issuer, add_issuer
from models.errors import DomainError

VALID = {
    "code": "ENERGIA",
    "name": "Energia Slovensko, a.s.",
    "address": "Mlynské nivy 44\n821 09 Bratislava",
    "iban": "SK31 1200 0000 1987 4263 7541",
    "bic": "tatrskbx",
}


def test_an_issuer_is_added_with_its_iban_compact_and_audited(session, people):
    issuer = add_issuer(session, actor=people.admin, **VALID, vat_id="SK2120123456")
    assert (issuer.iban, issuer.bic, issuer.vat_id) == (
        "SK3112000000198742637541",
        "TATRSKBX",
        "SK2120123456",
    )
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "issuer.added")).one()
    assert event.actor_id == people.admin.id and event.target_id == str(issuer.id)
    assert event.detail_map == {"code": "ENERGIA", "name": "Energia Slovensko, a.s."}


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"iban": "SK3112000000198742637540"}, "iban", "is not a valid IBAN"),
        ({"bic": "TATRSKB"}, "bic", "is not a valid BIC"),
        ({"code": "ENERGIA SK"}, "code", "An issuer code has up to 32"),
        ({"code": ""}, "code", "An issuer code has up to 32"),
        ({"name": "  "}, "name", "Enter the issuer's name"),
        ({"address": ""}, "address", "Enter the issuer's address"),
        ({"vat_id": "SK" + "1" * 30}, "vat_id", "At most 20 characters"),
    ],
)
def test_a_bad_field_is_refused_by_name(session, people, change, field, message):
    with pytest.raises(DomainError) as refused:
        add_issuer(session, actor=None, **{**VALID, **change})
    assert refused.value.field == field
    assert message in refused.value.message % refused.value.params
    assert session.scalars(select(Issuer)).all() == []


def test_a_code_taken_in_any_case_is_refused(session, people):
    add_issuer(session, actor=None, **VALID)
    with pytest.raises(DomainError) as refused:
        add_issuer(session, actor=None, **{**VALID, "code": "energia"})
    assert refused.value.field == "code" and "exists already" in refused.value.message
