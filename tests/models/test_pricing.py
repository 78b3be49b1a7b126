"""Which prices apply to a company (the AyMINE rule), tested on the operations directly: a
company in several customer groups gets each item from the highest-priority list that has
it; its individual list wins over every group list; only lists valid on the day count; and
the rules that guard price lists, their items, assignments and attached PDFs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from models.audit import AuditEvent
from models.billing.pricing import (
    INDIVIDUAL,
    attach_file,
    company_price_list,
    create_price_list,
    detach_file,
    effective_prices,
    ranked_lists,
    set_item,
    update_price_list,
)
from models.billing.tables import PriceList
from models.errors import DomainError
from models.files import StoredFile
from tests import factories

DAY = dt.date(2026, 3, 15)
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def key_accounts(session, people):
    """Alfa is in Business (its main group) and in Key accounts (an extra group)."""
    group = factories.customer_group(session, "Key accounts")
    people.alfa.extra_groups.append(group)
    session.flush()
    return group


def prices(session, company, day=DAY) -> dict[str, tuple[Decimal, str]]:
    """code -> (unit price, name of the list it comes from)."""
    return {
        p.code: (p.unit_price, p.price_list.name) for p in effective_prices(session, company, day)
    }


def test_a_company_in_two_groups_gets_each_item_from_the_higher_priority_list_that_has_it(
    session, people, key_accounts
):
    factories.price_list(
        session,
        "Business",
        items={"ht": "0.1650", "lt": "0.1120", "fee": "4.50"},
        groups=((people.business, 10),),
    )
    factories.price_list(
        session, "Key accounts", items={"ht": "0.1540", "fee": "2.90"}, groups=((key_accounts, 20),)
    )
    assert prices(session, people.alfa) == {
        "ht": (Decimal("0.1540"), "Key accounts"),
        "fee": (Decimal("2.9000"), "Key accounts"),
        # only the lower-priority list has it: it falls back there
        "lt": (Decimal("0.1120"), "Business"),
    }
    # Beta is only in Business: the Key accounts list is not for it.
    assert prices(session, people.beta) == {
        "ht": (Decimal("0.1650"), "Business"),
        "lt": (Decimal("0.1120"), "Business"),
        "fee": (Decimal("4.5000"), "Business"),
    }


def test_priority_decides_not_which_group_is_the_main_one(session, people, key_accounts):
    factories.price_list(
        session, "Business", items={"ht": "0.1650"}, groups=((people.business, 30),)
    )
    factories.price_list(
        session, "Key accounts", items={"ht": "0.1540"}, groups=((key_accounts, 20),)
    )
    assert prices(session, people.alfa) == {"ht": (Decimal("0.1650"), "Business")}


def test_the_individual_list_wins_over_every_group_list_item_by_item(session, people, key_accounts):
    factories.price_list(
        session,
        "Key accounts",
        items={"ht": "0.1540", "lt": "0.1100"},
        groups=((key_accounts, 10_000),),
    )
    factories.price_list(session, "Alfa's own", company=people.alfa, items={"ht": "0.1399"})
    assert prices(session, people.alfa) == {
        "ht": (Decimal("0.1399"), "Alfa's own"),
        "lt": (Decimal("0.1100"), "Key accounts"),
    }
    own = ranked_lists(session, people.alfa, on=DAY)[0]
    assert own.individual and own.priority == INDIVIDUAL


def test_another_companys_individual_list_never_applies(session, people):
    factories.price_list(session, "Beta's own", company=people.beta, items={"ht": "0.0100"})
    factories.price_list(
        session, "Business", items={"ht": "0.1650"}, groups=((people.business, 1),)
    )
    assert prices(session, people.alfa) == {"ht": (Decimal("0.1650"), "Business")}
    assert [r.price_list.name for r in ranked_lists(session, people.alfa, on=DAY)] == ["Business"]


def test_a_list_of_a_group_the_company_is_not_in_never_applies(session, people):
    households = factories.customer_group(session, "Households")
    foreign = factories.price_list(
        session, "Households", items={"ht": "0.0500"}, groups=((households, 9_999),)
    )
    factories.price_list(
        session, "Business", items={"ht": "0.1650"}, groups=((people.business, 1),)
    )
    assert prices(session, people.alfa) == {"ht": (Decimal("0.1650"), "Business")}
    assert prices(session, people.gamma) == {}  # in no group at all
    assert company_price_list(session, people.alfa, foreign.id, upcoming_from=DAY) is None


def test_a_list_assigned_to_two_of_the_companys_groups_counts_once_with_its_best_priority(
    session, people, key_accounts
):
    both = factories.price_list(
        session,
        "In both groups",
        items={"ht": "0.1600"},
        groups=((people.business, 5), (key_accounts, 30)),
    )
    factories.price_list(
        session, "Key accounts", items={"ht": "0.1540"}, groups=((key_accounts, 20),)
    )
    ranked = ranked_lists(session, people.alfa, on=DAY)
    assert [(r.price_list.name, r.priority) for r in ranked] == [
        ("In both groups", 30),
        ("Key accounts", 20),
    ]
    assert ranked[0].group == key_accounts
    assert prices(session, people.alfa) == {"ht": (Decimal("0.1600"), "In both groups")}
    # Beta sees it only through Business, with that group's priority.
    assert [(r.price_list.id, r.priority) for r in ranked_lists(session, people.beta, on=DAY)] == [
        (both.id, 5)
    ]


def test_only_lists_valid_on_the_day_count(session, people):
    factories.price_list(
        session,
        "First quarter",
        valid_from=dt.date(2026, 1, 1),
        valid_to=dt.date(2026, 3, 31),
        items={"ht": "0.1650"},
        groups=((people.business, 10),),
    )
    factories.price_list(
        session,
        "From April",
        valid_from=dt.date(2026, 4, 1),
        items={"ht": "0.1590"},
        groups=((people.business, 10),),
    )
    assert prices(session, people.alfa, dt.date(2025, 12, 31)) == {}
    assert prices(session, people.alfa, dt.date(2026, 1, 1))["ht"][1] == "First quarter"
    assert prices(session, people.alfa, dt.date(2026, 3, 31))["ht"][1] == "First quarter"
    assert prices(session, people.alfa, dt.date(2026, 4, 1)) == {
        "ht": (Decimal("0.1590"), "From April")
    }


def test_upcoming_lists_are_those_still_valid_on_or_after_the_day(session, people):
    for name, start, end in (
        ("Expired", dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
        ("Current", dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
        ("Upcoming", dt.date(2026, 4, 1), None),
    ):
        factories.price_list(
            session, name, valid_from=start, valid_to=end, groups=((people.business, 10),)
        )
    names = {r.price_list.name for r in ranked_lists(session, people.alfa, upcoming_from=DAY)}
    assert names == {"Current", "Upcoming"}
    assert [r.price_list.name for r in ranked_lists(session, people.alfa, on=DAY)] == ["Current"]


def test_between_lists_of_equal_priority_the_newer_one_wins(session, people):
    factories.price_list(
        session, "2025", valid_from=dt.date(2025, 1, 1), items={"ht": "0.1800"},
        groups=((people.business, 10),),
    )  # fmt: skip
    factories.price_list(
        session, "2026", valid_from=dt.date(2026, 1, 1), items={"ht": "0.1650"},
        groups=((people.business, 10),),
    )  # fmt: skip
    assert prices(session, people.alfa)["ht"] == (Decimal("0.1650"), "2026")


def test_the_same_code_in_an_electricity_and_a_gas_list_are_two_items(session, people):
    factories.price_list(
        session, "Electricity", items={"fee": "4.50"}, groups=((people.business, 20),)
    )
    factories.price_list(
        session, "Gas", commodity="gas", items={"fee": "5.80"}, groups=((people.business, 10),)
    )
    found = {
        (p.commodity, p.code): p.unit_price for p in effective_prices(session, people.alfa, DAY)
    }
    assert found == {("electricity", "fee"): Decimal("4.5"), ("gas", "fee"): Decimal("5.8")}


def test_a_companys_list_is_found_only_through_the_company(session, people):
    group_list = factories.price_list(session, "Business", groups=((people.business, 10),))
    own = factories.price_list(session, "Alfa's own", company=people.alfa)
    expired = factories.price_list(
        session, "Old", valid_to=dt.date(2026, 1, 31), groups=((people.business, 10),)
    )
    unassigned = factories.price_list(session, "Nobody's")

    def found(company, price_list):
        return company_price_list(session, company, price_list.id, upcoming_from=DAY)

    assert found(people.alfa, group_list) is group_list
    assert found(people.alfa, own) is own
    assert found(people.beta, own) is None
    assert found(people.gamma, group_list) is None
    assert found(people.alfa, expired) is None
    assert found(people.alfa, unassigned) is None


def test_with_vat_is_computed_to_four_decimals(session, people):
    factories.price_list(session, items={"ht": "0.1650"}, groups=((people.business, 1),))
    (applied,) = effective_prices(session, people.alfa, DAY)
    assert applied.price_with_vat == Decimal("0.2030")  # 0.1650 * 1.23 = 0.20295


@pytest.mark.parametrize(
    ("price", "vat", "field"),
    [
        ("-0.01", "23", "unit_price"),
        ("0.12345", "23", "unit_price"),
        ("NaN", "23", "unit_price"),
        ("99999999999", "23", "unit_price"),
        ("0.1650", "100.01", "vat_rate"),
        ("0.1650", "-1", "vat_rate"),
        ("0.1650", "23.005", "vat_rate"),
    ],
)
def test_an_item_with_an_impossible_price_or_vat_rate_is_refused(
    session, people, price, vat, field
):
    price_list = factories.price_list(session, items={"ht": "0.1650"})
    with pytest.raises(DomainError) as refused:
        set_item(
            session,
            actor=people.admin,
            price_list=price_list,
            code="ht",
            name="High tariff",
            unit="kWh",
            unit_price=Decimal(price),
            vat_rate=Decimal(vat),
        )
    assert refused.value.field == field
    session.refresh(price_list.items[0])
    assert price_list.items[0].unit_price == Decimal("0.1650")


def test_setting_an_existing_code_changes_the_item_instead_of_adding_one(session, people):
    price_list = factories.price_list(session, items={"ht": "0.1650", "lt": "0.1120"})
    set_item(
        session,
        actor=people.admin,
        price_list=price_list,
        code=" HT ",
        name="High tariff (VT)",
        unit="kWh",
        unit_price=Decimal("0.1700"),
        vat_rate=Decimal("23"),
    )
    assert [(i.code, i.unit_price, i.position) for i in price_list.items] == [
        ("ht", Decimal("0.1700"), 1),
        ("lt", Decimal("0.1120"), 2),
    ]


def test_a_list_that_ends_before_it_starts_or_sells_an_unknown_commodity_is_refused(
    session, people
):
    common = {"actor": people.admin, "name": "X", "valid_to": None}
    with pytest.raises(DomainError) as refused:
        create_price_list(
            session,
            **common | {"valid_to": dt.date(2025, 12, 31)},
            commodity="gas",
            valid_from=dt.date(2026, 1, 1),
        )
    assert refused.value.field == "valid_to"
    with pytest.raises(DomainError) as refused:
        create_price_list(session, **common, commodity="steam", valid_from=DAY)
    assert refused.value.field == "commodity"
    assert session.scalars(select(PriceList)).all() == []
    price_list = factories.price_list(session)
    with pytest.raises(DomainError) as refused:
        update_price_list(
            session,
            actor=people.admin,
            price_list=price_list,
            name="X",
            commodity="gas",
            valid_from=DAY,
            valid_to=DAY - dt.timedelta(days=1),
            note=None,
        )
    assert refused.value.field == "valid_to"


def test_an_individual_list_cannot_be_assigned_and_priorities_are_bounded(session, people):
    from models.billing.pricing import assign_to_group

    own = factories.price_list(session, company=people.alfa)
    with pytest.raises(DomainError) as refused:
        assign_to_group(
            session, actor=people.admin, price_list=own, group=people.business, priority=1
        )
    assert refused.value.field == "group"
    group_list = factories.price_list(session)
    for priority in (-1, 10_001):
        with pytest.raises(DomainError) as refused:
            assign_to_group(
                session,
                actor=people.admin,
                price_list=group_list,
                group=people.business,
                priority=priority,
            )
        assert refused.value.field == "priority"


def test_a_replaced_pdf_is_deleted_and_only_pdfs_are_attached(session, people):
    price_list = factories.price_list(session)
    with pytest.raises(DomainError) as refused:
        attach_file(
            session,
            actor=people.admin,
            price_list=price_list,
            data=b"hello",
            filename="x.pdf",
            content_type="text/plain",
        )
    assert refused.value.field == "file"
    first = attach_file(
        session,
        actor=people.admin,
        price_list=price_list,
        data=PDF_BYTES,
        filename="a.pdf",
        content_type="application/pdf",
    )
    second = attach_file(
        session,
        actor=people.admin,
        price_list=price_list,
        data=PDF_BYTES + b" ",
        filename="b.pdf",
        content_type="application/pdf",
    )
    assert price_list.file is second
    assert session.get(StoredFile, first.id) is None
    detach_file(session, actor=people.admin, price_list=price_list)
    assert price_list.file_id is None and session.get(StoredFile, second.id) is None


def test_every_change_to_a_price_list_is_audited(session, people):
    price_list = factories.price_list(
        session, items={"ht": "0.1650"}, groups=((people.business, 10),), actor=people.admin
    )
    own = factories.price_list(session, company=people.alfa, actor=people.admin)
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action.like("price_list.%")).order_by(AuditEvent.id)
    ).all()
    assert [(e.action, e.target_id, e.actor_id) for e in events] == [
        ("price_list.created", str(price_list.id), people.admin.id),
        ("price_list.item_set", str(price_list.id), people.admin.id),
        ("price_list.assigned", str(price_list.id), people.admin.id),
        ("price_list.created", str(own.id), people.admin.id),
    ]
    assert events[1].detail_map["unit_price"] == "0.1650"
    assert events[2].detail_map == {"group": "Business", "priority": 10}
    # An individual list's events belong to its company's history.
    assert events[3].company_id == people.alfa.id


def test_the_demo_gives_key_accounts_their_own_prices_and_households_theirs(session, people):
    from demo import Cast
    from demo import pricelists as demo
    from models.identity import Team

    households = factories.customer_group(session, "Households", people.care)
    people.gamma.customer_group = households
    billing = Team(name="Billing")
    session.add(billing)
    cast = Cast(
        people.jan,
        people.anna,
        people.eva,
        people.admin,
        people.clerk,
        people.agent,
        people.alfa,
        people.beta,
        people.gamma,
        {"Business": people.business, "Households": households},
        {"Customer care": people.care, "Billing": billing},
    )
    demo.load(session, cast)
    today = dt.date.today()
    alfa, beta = prices(session, people.alfa, today), prices(session, people.beta, today)
    assert alfa["ee-ht"][1] != beta["ee-ht"][1]  # Key accounts override the Business price
    assert alfa["ee-ht"][0] < beta["ee-ht"][0]
    assert alfa["ee-lt"] == beta["ee-lt"]  # not in the Key accounts list: Business price
    assert {p.commodity for p in effective_prices(session, people.beta, today)} == {
        "electricity",
        "gas",
        "water",
    }
    assert prices(session, people.gamma, today)
    upcoming = [
        r.price_list
        for r in ranked_lists(session, people.beta, upcoming_from=today)
        if r.price_list.valid_from > today
    ]
    assert [u.valid_from.day for u in upcoming] == [1]
