"""Addresses in parts (core/changes.py): the text kept splits into street, postcode and town
for its form and joins back the same, in each country's way of writing a postcode."""

from __future__ import annotations

import pytest

from core.changes import AddressParts, join_address, split_address


@pytest.mark.parametrize(
    ("country", "text", "parts"),
    [
        ("SK", "Obchodná 12\n811 06 Bratislava\nSlovakia", ("Obchodná 12", "811 06", "Bratislava")),
        (
            "CZ",
            "c/o Novák\nDlouhá 5\n110 00 Praha 1\nCzechia",
            ("c/o Novák\nDlouhá 5", "110 00", "Praha 1"),
        ),
        ("PL", "ul. Długa 3\n00-950 Warszawa\nPoland", ("ul. Długa 3", "00-950", "Warszawa")),
        ("HU", "Váci utca 1\n1051 Budapest\nHungary", ("Váci utca 1", "1051", "Budapest")),
    ],
)
def test_an_address_splits_into_its_parts_and_joins_back_the_same(country, text, parts):
    split = split_address(text, country)
    assert (split.street, split.postcode, split.town) == parts
    assert join_address(split, country) == text


def test_a_postcode_is_written_the_country_s_way_and_odd_text_is_all_street():
    assert join_address(AddressParts("Nová 5", "81101", "Bratislava"), "SK") == (
        "Nová 5\n811 01 Bratislava\nSlovakia"
    )
    assert split_address("Somewhere without a postcode", "SK") == AddressParts(
        "Somewhere without a postcode"
    )
    assert join_address(AddressParts(), "SK") == ""
